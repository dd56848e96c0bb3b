"""`inaam chat` end to end: scripted input → signed webhook → fake app → stand-in → printed reply.

Why: the chat is the developer's window on the bot; it must sign exactly like Twilio (over the
public URL, not the one it connects to) and show whatever the bot sends back, including replies
to photos and button taps.
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from rich.console import Console
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.chat import run_chat
from content.api import create_content
from standins.twilio import TwilioStandIn

SID = "AC" + "cd" * 16
TOKEN = "chat-test-token"
OUR_NUMBER = "whatsapp:+14155238886"
PHONE = "+919812345678"
PUBLIC = "https://bot.example.in"


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(SID, TOKEN) as server:
        yield server


@pytest.fixture
def fake_app(
    standin: TwilioStandIn, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A tiny bot: validates Twilio's signature and replies through the stand-in's REST API."""
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    client = Client(SID, TOKEN)
    client.api.base_url = standin.url
    validator = RequestValidator(TOKEN)
    inbound: list[dict[str, str]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path != "/webhooks/twilio/messages":
            return Response("Inaam", status=200)(environ, start_response)
        signed_url = PUBLIC + request.path
        if not validator.validate(signed_url, request.form, request.headers.get("X-Twilio-Signature", "")):
            return Response("bad signature", status=403)(environ, start_response)
        form = request.form.to_dict()
        inbound.append(form)
        twiml = "<Response></Response>"
        if form.get("NumMedia") == "1":
            media = requests.get(form["MediaUrl0"], auth=(SID, TOKEN), timeout=5)
            reply = f"Got {len(media.content)} bytes of {media.headers['Content-Type']}"
        elif form.get("ButtonPayload"):
            reply = f"Tapped {form['ButtonPayload']}"
        elif form.get("ListId"):
            reply = f"Picked {form['ListId']} ({form['ListTitle']})"
        elif form["Body"] == "menu":
            client.content.base_url = standin.url
            sid = create_content(client, friendly_name="menu", language="en", types={"twilio/list-picker": {
                "body": "What would you like to do?", "button": "Choose",
                "items": [{"id": "1", "item": "Balance"}, {"id": "2", "item": "Statement"}]}})
            client.messages.create(from_=form["To"], to=form["From"], content_sid=sid)
            reply = ""
        elif form["Body"] == "sync":
            reply, twiml = "", "<Response><Message>Inline reply</Message></Response>"
        else:
            reply = f"You said: {form['Body']}"
        if reply:
            client.messages.create(from_=form["To"], to=form["From"], body=reply)
        return Response(twiml, mimetype="text/xml")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", inbound
    server.shutdown()
    server.server_close()


def scripted(standin: TwilioStandIn, steps: list[str | int]) -> Callable[[str], str]:
    """input_fn from a script: a string is typed; an int waits until that many bot messages exist."""
    queue = list(steps)

    def input_fn(prompt: str) -> str:
        while queue and isinstance(queue[0], int):
            count = queue.pop(0)
            standin.wait_for(lambda msgs, n=count: len(msgs) >= n, timeout=5, to=PHONE)
        if not queue:
            raise EOFError
        return str(queue.pop(0))

    return input_fn


def console() -> Console:
    return Console(file=io.StringIO(), width=200, color_system=None, force_terminal=False)


def chat(
    app_url: str, standin: TwilioStandIn, input_fn: Callable[[str], str], out: Console, **kw: str
) -> None:
    options = {
        "app_url": app_url,
        "public_base_url": PUBLIC,
        "phone": PHONE,
        "account_sid": SID,
        "auth_token": TOKEN,
        "whatsapp_from": OUR_NUMBER,
        "standin_url": standin.url,
    } | kw
    run_chat(**options, input_fn=input_fn, output=out)


def test_text_image_and_button_replies_are_printed(
    fake_app: tuple[str, list[dict[str, str]]], standin: TwilioStandIn, tmp_path: Path
) -> None:
    app_url, inbound = fake_app
    photo = tmp_path / "invoice.png"
    photo.write_bytes(b"\x89PNG" + b"0" * 96)
    out = console()
    script: list[str | int] = [
        "hello",
        1,
        f"/image {photo}",
        2,
        "/button BAL Check balance",
        3,
        "sync",
        "/quit",
    ]
    chat(app_url, standin, scripted(standin, script), out)
    text = out.file.getvalue()

    assert "Inaam › You said: hello" in text
    assert "Inaam › Got 100 bytes of image/png" in text
    assert "Inaam › Tapped BAL" in text
    assert "Inaam › Inline reply" in text
    assert text.count("You said: hello") == 1  # printed once, by the poller or the final drain

    assert [m["MessageType"] for m in inbound] == ["text", "image", "button", "text"]
    assert inbound[1]["MediaContentType0"] == "image/png" and inbound[1]["NumMedia"] == "1"
    assert (inbound[2]["ButtonPayload"], inbound[2]["ButtonText"]) == ("BAL", "Check balance")
    assert all(m["From"] == "whatsapp:" + PHONE and m["To"] == OUR_NUMBER for m in inbound)


def test_unreachable_app_prints_one_line(standin: TwilioStandIn) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = console()
    chat(f"http://127.0.0.1:{port}", standin, scripted(standin, ["hello"]), out)
    lines = out.file.getvalue().strip().splitlines()
    assert len(lines) == 1 and "Cannot reach the Inaam app" in lines[0]


def test_wrong_token_is_reported(fake_app: tuple[str, list[dict[str, str]]], standin: TwilioStandIn) -> None:
    app_url, inbound = fake_app
    out = console()
    chat(app_url, standin, scripted(standin, ["hello", "/quit"]), out, auth_token="not-the-token")
    assert "HTTP 403" in out.file.getvalue() and inbound == []


def test_messages_to_other_numbers_and_old_ones_are_not_shown(
    fake_app: tuple[str, list[dict[str, str]]], standin: TwilioStandIn
) -> None:
    app_url, _ = fake_app
    client = Client(SID, TOKEN)
    client.api.base_url = standin.url
    client.messages.create(from_=OUR_NUMBER, to="whatsapp:" + PHONE, body="sent before the chat")
    client.messages.create(from_=OUR_NUMBER, to="whatsapp:+919800000000", body="someone else")
    out = console()
    chat(app_url, standin, scripted(standin, ["hi", 2, "/quit"]), out)
    text = out.file.getvalue()
    assert "You said: hi" in text
    assert "sent before the chat" not in text and "someone else" not in text


def test_list_picker_is_shown_and_tapped(fake_app: tuple[str, list[dict[str, str]]], standin: TwilioStandIn) -> None:
    app_url, inbound = fake_app
    out = console()
    chat(app_url, standin, scripted(standin, ["menu", 1, "/tap 9", "/tap 2", 2, "/quit"]), out)
    text = out.file.getvalue()
    assert "list: [1] Balance  [2] Statement" in text
    assert "No such choice '9'" in text
    assert "Inaam › Picked 2 (Statement)" in text
    assert (inbound[1]["ListId"], inbound[1]["Body"], inbound[1]["MessageType"]) == ("2", "Statement", "interactive")
