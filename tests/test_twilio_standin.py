"""The Twilio stand-in, driven by the real twilio-python client and `requests`.

Why: the stand-in is only useful if it is indistinguishable from api.twilio.com for the code
paths we use; these tests pin the wire format (status codes, error JSON, schema, redirects,
signatures) against twilio-python itself and Twilio's OpenAPI description.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.twilio_signing import inbound_params, sign
from content.api import create_content
from standins.twilio import TwilioStandIn

SID = "AC" + "ab" * 16
TOKEN = "standin-test-token"
FROM = "whatsapp:+14155238886"
TO = "whatsapp:+919812345678"
OAI = Path("/work/shared/reference/twilio-oai/twilio_api_v2010.json")


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(SID, TOKEN) as server:
        server.record_inbound(TO)  # the member wrote first: free-form messages are allowed
        yield server


@pytest.fixture
def client(standin: TwilioStandIn, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    twilio = Client(SID, TOKEN)
    twilio.api.base_url = standin.url
    return twilio


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]], threading.Condition]]:
    """A tiny status-callback endpoint recording (params, signature) per request."""
    got: list[dict[str, Any]] = []
    cond = threading.Condition()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        with cond:
            got.append(
                {
                    "params": request.form.to_dict(),
                    "signature": request.headers.get("X-Twilio-Signature", ""),
                    "url": request.url,
                }
            )
            cond.notify_all()
        return Response("", status=200)(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/twilio/status?tag=1", got, cond
    server.shutdown()
    server.server_close()


def test_create_then_fetch(client: Client, standin: TwilioStandIn) -> None:
    sent = client.messages.create(from_=FROM, to=TO, body="नमस्ते 👋", media_url=["https://e.x/a.jpg"])
    assert re.fullmatch(r"SM[0-9a-f]{32}", sent.sid)
    assert (sent.status, sent.direction, sent.num_media, sent.num_segments) == (
        "queued",
        "outbound-api",
        "1",
        "1",
    )
    assert sent.to == TO and sent.from_ == FROM and sent.body == "नमस्ते 👋"

    standin.wait_for(lambda msgs: msgs and msgs[0]["status"] == "delivered", timeout=5)
    fetched = client.messages(sent.sid).fetch()
    assert fetched.sid == sent.sid and fetched.status == "delivered" and fetched.date_sent is not None

    [stored] = standin.messages(to="+919812345678")
    assert stored["media_url"] == ["https://e.x/a.jpg"] and stored["index"] == 1


def test_fetch_unknown_is_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as info:
        client.messages("SM" + "0" * 32).fetch()
    assert (info.value.status, info.value.code) == (404, 20404)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_create_response_matches_openapi_schema(standin: TwilioStandIn) -> None:
    if not OAI.exists():
        pytest.skip(f"Twilio OpenAPI description not found at {OAI}")
    spec = json.loads(OAI.read_text())
    schema = spec["components"]["schemas"]["api.v2010.account.message"]
    response = requests.post(
        f"{standin.url}/2010-04-01/Accounts/{SID}/Messages.json",
        data={"From": FROM, "To": TO, "Body": "hello"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert response.status_code == 201
    body = response.json()
    json_types = {"string": str, "integer": int, "object": dict, "boolean": bool, "number": (int, float)}
    required = schema.get("required") or list(schema["properties"])
    assert set(required) <= set(body), f"missing: {set(required) - set(body)}"
    for name in required:
        prop = _resolve(spec, schema["properties"][name])
        value = body[name]
        if value is None:
            assert prop.get("nullable", True), f"{name} must not be null"
            continue
        assert isinstance(value, json_types[prop["type"]]), f"{name}: {value!r} is not {prop['type']}"
        if "enum" in prop:
            assert value in prop["enum"], name
        if "pattern" in prop:
            assert re.match(prop["pattern"], value), name
        if prop.get("format") == "date-time-rfc-2822":
            assert parsedate_to_datetime(value).utcoffset().total_seconds() == 0, name
    assert body["status"] == "queued" and body["direction"] == "outbound-api"
    assert body["uri"] == f"/2010-04-01/Accounts/{SID}/Messages/{body['sid']}.json"
    assert body["subresource_uris"] == {
        "media": f"/2010-04-01/Accounts/{SID}/Messages/{body['sid']}/Media.json"
    }


def test_injected_429_raises_and_stores_nothing(client: Client, standin: TwilioStandIn) -> None:
    standin.fail_next(2)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as info:
            client.messages.create(from_=FROM, to=TO, body="hi")
        assert (info.value.status, info.value.code) == (429, 20429)
    assert standin.messages() == []
    client.messages.create(from_=FROM, to=TO, body="hi")
    assert len(standin.messages()) == 1


def test_injected_server_error_uses_given_status_and_code(client: Client, standin: TwilioStandIn) -> None:
    standin.fail_next(1, status=503, code=20503)
    with pytest.raises(TwilioRestException) as info:
        client.messages.create(from_=FROM, to=TO, body="hi")
    assert (info.value.status, info.value.code) == (503, 20503)


def test_delay_next_delays_one_create(client: Client, standin: TwilioStandIn) -> None:
    standin.delay_next(0.3)
    response = requests.post(
        f"{standin.url}/2010-04-01/Accounts/{SID}/Messages.json",
        data={"From": FROM, "To": TO, "Body": "slow"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert response.status_code == 201 and response.elapsed.total_seconds() >= 0.3


def test_wrong_credentials_are_401(standin: TwilioStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    bad = Client(SID, "wrong-token")
    bad.api.base_url = standin.url
    with pytest.raises(TwilioRestException) as info:
        bad.messages.create(from_=FROM, to=TO, body="hi")
    assert (info.value.status, info.value.code) == (401, 20003)

    anonymous = requests.post(f"{standin.url}/2010-04-01/Accounts/{SID}/Messages.json", data={}, timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    other_account = requests.post(
        f"{standin.url}/2010-04-01/Accounts/AC{'0' * 32}/Messages.json",
        data={"From": FROM, "To": TO, "Body": "hi"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert other_account.status_code == 401
    assert standin.messages() == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"from_": FROM, "to": TO, "body": "x" * 1601}, 21617),
        ({"from_": FROM, "to": TO}, 21619),
        ({"to": TO, "body": "hi"}, 21603),
        ({"from_": FROM, "to": "whatsapp:98123", "body": "hi"}, 21211),
        ({"from_": FROM, "to": TO, "content_variables": '{"1": "x"}', "body": "hi"}, 21654),
    ],
)
def test_validation_errors(client: Client, standin: TwilioStandIn, kwargs: dict[str, str], code: int) -> None:
    with pytest.raises(TwilioRestException) as info:
        client.messages.create(**kwargs)
    assert (info.value.status, info.value.code) == (400, code)
    assert standin.messages() == []


def test_body_of_exactly_1600_chars_and_templates_are_accepted(
    client: Client, standin: TwilioStandIn
) -> None:
    client.messages.create(from_=FROM, to=TO, body="x" * 1600)
    client.content.base_url = standin.url
    sid = create_content(client, friendly_name="hello", language="en",
                         types={"twilio/text": {"body": "Hello {{1}}, welcome."}})
    client.messages.create(from_=FROM, to=TO, content_sid=sid, content_variables='{"1": "Ramesh"}')
    assert [m["content_sid"] for m in standin.messages()] == [None, sid]
    assert standin.messages()[1]["body"] == "Hello Ramesh, welcome."
    with pytest.raises(TwilioRestException) as info:
        client.messages.create(from_=FROM, to=TO, content_sid="HX" + "b" * 32)
    assert info.value.code == 21655


def test_media_requires_auth_and_redirects_to_cdn_without_it(standin: TwilioStandIn) -> None:
    url = standin.add_media(b"\x89PNG fake", "image/png")
    assert re.fullmatch(
        rf"{re.escape(standin.url)}/2010-04-01/Accounts/{SID}/Messages/MM[0-9a-f]{{32}}/Media/ME[0-9a-f]{{32}}",
        url,
    )
    assert requests.get(url, timeout=5).status_code == 401
    assert standin.cdn_requests() == []

    response = requests.get(url, auth=(SID, TOKEN), timeout=5)
    assert response.status_code == 200 and response.content == b"\x89PNG fake"
    assert response.headers["Content-Type"] == "image/png"
    assert [r.status_code for r in response.history] == [307]
    assert not response.url.startswith(standin.url) and response.url.startswith(standin.cdn_url)

    [seen] = standin.cdn_requests()
    assert "Authorization" not in seen["headers"]

    meta = requests.get(url + ".json", auth=(SID, TOKEN), timeout=5).json()
    assert meta["content_type"] == "image/png" and url.endswith(meta["sid"])
    assert meta["uri"] == url.removeprefix(standin.url) + ".json"


def test_status_callbacks_are_signed(
    client: Client,
    standin: TwilioStandIn,
    receiver: tuple[str, list[dict[str, Any]], threading.Condition],
) -> None:
    url, got, cond = receiver
    sent = client.messages.create(from_=FROM, to=TO, body="hi", status_callback=url)
    with cond:
        assert cond.wait_for(lambda: len(got) >= 2, timeout=5)
    validator = RequestValidator(TOKEN)
    for item in got:
        assert validator.validate(url, item["params"], item["signature"])
        assert not validator.validate(url, item["params"] | {"Body": "tampered"}, item["signature"])
    assert [g["params"]["MessageStatus"] for g in got] == ["sent", "delivered"]
    first = got[0]["params"]
    assert first["MessageSid"] == first["SmsSid"] == sent.sid
    assert first["ChannelPrefix"] == "whatsapp" and first["AccountSid"] == SID
    assert (first["From"], first["To"], first["ApiVersion"]) == (FROM, TO, "2010-04-01")


def test_failed_delivery_sends_undelivered_with_error_code(
    client: Client,
    standin: TwilioStandIn,
    receiver: tuple[str, list[dict[str, Any]], threading.Condition],
) -> None:
    url, got, cond = receiver
    standin.fail_delivery("+919812345678")
    sent = client.messages.create(from_=FROM, to=TO, body="hi", status_callback=url)
    with cond:
        assert cond.wait_for(lambda: len(got) >= 2, timeout=5)
    last = got[-1]["params"]
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "63016")
    assert RequestValidator(TOKEN).validate(url, last, got[-1]["signature"])
    fetched = client.messages(sent.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 63016)


def test_signing_reproduces_reference_vector() -> None:
    params = inbound_params(
        from_phone="+919812345678",
        to="whatsapp:+14155238886",
        body="balance",
        account_sid="AC" + "0" * 32,
        profile_name="Ramesh",
        message_sid="SM" + "1" * 32,
    )
    expected = """AccountSid ApiVersion Body From MessageSid MessageType NumMedia NumSegments ProfileName
        ReferralNumMedia SmsMessageSid SmsSid SmsStatus To WaId"""
    assert sorted(params) == sorted(expected.split())
    url = "https://bot.example.in/twilio/whatsapp"
    assert sign("test_auth_token_0123456789abcdef", url, params) == "AF1jcYkkwbzB8F9F8pj6WGyIJMo="
    # Twilio's published vector, through the same helper.
    published = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert (
        sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", published)
        == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


def test_inbound_params_for_media_and_button_taps() -> None:
    media = inbound_params(
        from_phone="whatsapp:+919812345678",
        to=FROM,
        account_sid=SID,
        media=[("https://x/Media/ME1", "image/jpeg")],
    )
    assert media["MessageSid"].startswith("MM") and media["MessageType"] == "image"
    assert (media["NumMedia"], media["MediaUrl0"], media["MediaContentType0"]) == (
        "1",
        "https://x/Media/ME1",
        "image/jpeg",
    )
    assert media["WaId"] == "919812345678" and media["Body"] == ""

    tap = inbound_params(
        from_phone="+919812345678", to=FROM, account_sid=SID, body="Check balance", button_payload="BAL"
    )
    assert (tap["MessageType"], tap["Body"], tap["ButtonText"], tap["ButtonPayload"]) == (
        "button",
        "Check balance",
        "Check balance",
        "BAL",
    )
    pdf = inbound_params(
        from_phone="+919812345678", to=FROM, account_sid=SID, media=[("u", "application/pdf")]
    )
    assert pdf["MessageType"] == "document"


def test_inspection_http_api(client: Client, standin: TwilioStandIn) -> None:
    feed = f"{standin.url}/_standin/messages"
    client.messages.create(from_=FROM, to=TO, body="one")
    client.messages.create(from_=FROM, to="whatsapp:+919800000000", body="other")
    first = requests.get(feed, params={"to": TO, "after": 0}, timeout=5).json()
    assert [m["body"] for m in first["messages"]] == ["one"] and first["next"] == 2

    def send_later() -> None:
        client.messages.create(from_=FROM, to=TO, body="two")

    timer = threading.Timer(0.2, send_later)
    timer.start()
    polled = requests.get(feed, params={"to": TO, "after": first["next"], "wait": 5}, timeout=10).json()
    timer.join()
    assert [m["body"] for m in polled["messages"]] == ["two"] and polled["next"] == 3

    upload = requests.post(
        f"{standin.url}/_standin/media",
        data=b"%PDF-1",
        headers={"Content-Type": "application/pdf"},
        timeout=5,
    )
    assert upload.status_code == 201
    fetched = requests.get(upload.json()["url"], auth=(SID, TOKEN), timeout=5)
    assert fetched.content == b"%PDF-1" and fetched.headers["Content-Type"] == "application/pdf"

    assert requests.delete(feed, timeout=5).status_code == 204
    assert standin.messages() == []
    client.messages.create(from_=FROM, to=TO, body="after reset")
    assert [m["index"] for m in standin.messages()] == [4]


def test_wait_for_times_out(standin: TwilioStandIn) -> None:
    with pytest.raises(TimeoutError):
        standin.wait_for(lambda msgs: bool(msgs), timeout=0.1)
