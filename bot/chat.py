"""Terminal chat behind `inaam chat`: talk to the bot as a WhatsApp member, offline.

Why: the bot is only reachable through Twilio's webhook, so the chat plays Twilio's inbound side
(signed form-encoded webhooks, exactly as Twilio sends them) and reads the bot's outbound messages
back from the Twilio stand-in, where the app sends them when no real credentials are set.

Commands: plain text is a message; ``/image PATH [caption]`` sends a photo or document;
``/tap ID`` taps one of the buttons or list items the bot just showed (``[1] Yes``);
``/button PAYLOAD [title]`` taps any quick reply; ``/help``; ``/quit`` (or Ctrl-D).
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import shlex
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.markup import escape

from bot.logs import mask_phone
from bot.twilio_signing import inbound_params, sign, whatsapp_address
from standins.twilio_content import choices

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/twilio/messages"
"""Where the app receives Twilio's inbound-message webhook."""

POLL_WAIT_SECONDS = 1.0
"""Long-poll window for the stand-in's message feed (also bounds how fast `/quit` returns)."""

HELP = ("Type a message, or /tap ID (a button the bot showed), /image PATH [caption], /button PAYLOAD [title], "
        "/help, /quit")


class ChatError(Exception):
    """Raised when a webhook cannot be delivered to the app (connection refused, timeout)."""


class _Feed:
    """Reads the bot's outbound messages to one member from the stand-in and prints each once."""

    def __init__(self, standin_url: str, to: str, console: Console) -> None:
        self.url = standin_url.rstrip("/") + "/_standin/messages"
        self.to = to
        self.console = console
        self.after = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.http = requests.Session()
        self.options: tuple[str, list[tuple[str, str]]] = ("", [])
        """The tappable choices of the bot's latest message: kind and (id, title) pairs."""

    def prime(self) -> None:
        """Skip messages sent before this chat started (raises if the stand-in is down)."""
        response = self.http.get(self.url, params={"to": self.to, "after": 0}, timeout=5)
        response.raise_for_status()
        self.after = int(response.json()["next"])

    def poll(self, wait: float) -> None:
        """Fetch and print new messages; holds the lock so the final drain never duplicates."""
        with self.lock:
            response = self.http.get(
                self.url, params={"to": self.to, "after": self.after, "wait": wait}, timeout=wait + 5
            )
            response.raise_for_status()
            payload = response.json()
            for message in payload["messages"]:
                print_bot(self.console, message)
                kind, options = choices(message.get("content_types"))
                if options:
                    self.options = (kind, options)
            self.after = int(payload["next"])

    def run(self) -> None:
        failing = False
        while not self.stop.is_set():
            try:
                self.poll(POLL_WAIT_SECONDS)
                failing = False
            except (requests.RequestException, ValueError, KeyError) as exc:
                if not failing:
                    self.console.print(f"[red]Lost the Twilio stand-in at {escape(self.url)}: {exc}[/red]")
                failing = True
                self.stop.wait(1.0)


def print_bot(console: Console, message: dict[str, Any]) -> None:
    """Print one outbound message (text, media links, template reference) as a bot line."""
    prefix = "[bold green]Inaam ›[/bold green]"
    body = message.get("body") or ""
    if body:
        console.print(f"{prefix} {escape(body)}")
    for url in message.get("media_url") or []:
        console.print(f"{prefix} [cyan]📎 {escape(url)}[/cyan]")
    kind, options = choices(message.get("content_types"))
    if options:
        shown = "  ".join(f"[{escape(i)}] {escape(t)}" for i, t in options)
        label = "buttons" if kind == "buttons" else "list"
        console.print(f"{prefix} [magenta]{label}:[/magenta] [bold]{shown}[/bold]  [dim](/tap ID)[/dim]")
    elif message.get("content_sid"):
        variables = message.get("content_variables") or "{}"
        console.print(
            f"{prefix} [magenta]template {escape(message['content_sid'])} {escape(variables)}[/magenta]"
        )
    if message.get("status") in ("failed", "undelivered"):
        console.print(f"[red]  (not delivered: error {message.get('error_code')})[/red]")


def _twiml_replies(text: str) -> list[str]:
    """Bodies of `<Message>` elements in a TwiML response (the app may answer synchronously)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return []
    out = []
    for message in root.iter("Message"):
        body = message.find("Body")
        out.append((body.text if body is not None else message.text) or "")
    return [item.strip() for item in out if item and item.strip()]


def run_chat(
    *,
    app_url: str,
    public_base_url: str,
    phone: str,
    account_sid: str,
    auth_token: str,
    whatsapp_from: str,
    standin_url: str,
    input_fn: Callable[[str], str] = input,
    output: Console | None = None,
) -> None:
    """Chat with the bot at ``app_url`` as the member ``phone`` until `/quit` or end of input.

    Args:
        app_url: where to connect, e.g. ``http://127.0.0.1:5000``.
        public_base_url: the URL Twilio would sign over (the app validates against it).
        phone: the member's number, ``+91…``.
        account_sid: the account in the webhook's ``AccountSid``.
        auth_token: the token the signature is computed with.
        whatsapp_from: our sender, ``whatsapp:+1415…`` (the webhook's ``To``).
        standin_url: the Twilio stand-in whose message feed holds the bot's replies.
        input_fn: reads one line given a prompt (tests pass a scripted function).
        output: rich console to print to (default: a new stdout console).
    """
    console = output or Console()
    try:
        member = whatsapp_address(phone)
    except ValueError as exc:
        console.print(f"[red]{escape(str(exc))}; use a number like +919812345678[/red]")
        return
    app = app_url.rstrip("/")
    sender = _Sender(
        app,
        public_base_url.rstrip("/") + WEBHOOK_PATH,
        account_sid,
        auth_token,
        member,
        whatsapp_from,
        standin_url.rstrip("/"),
    )
    try:
        requests.get(app + "/", timeout=5)
    except requests.RequestException:
        console.print(f"[red]Cannot reach the Inaam app at {escape(app)} — is `inaam serve` running?[/red]")
        return
    feed = _Feed(standin_url, member, console)
    try:
        feed.prime()
    except (requests.RequestException, ValueError, KeyError):
        console.print(f"[red]Cannot reach the Twilio stand-in at {escape(standin_url)}.[/red]")
        return
    console.print(f"[dim]Chatting as {escape(member)} with {escape(app)}. {HELP}[/dim]")
    logger.info("Chat %s: started against %s", mask_phone(member), app)
    poller = threading.Thread(target=feed.run, name="chat-feed", daemon=True)
    poller.start()
    try:
        _loop(sender, console, input_fn, feed)
    finally:
        feed.stop.set()
        poller.join(timeout=POLL_WAIT_SECONDS + 6)
        with contextlib.suppress(requests.RequestException, ValueError, KeyError):
            feed.poll(0)  # drain replies that arrived after the last long-poll
        feed.http.close()
        sender.http.close()


def _loop(sender: _Sender, console: Console, input_fn: Callable[[str], str], feed: _Feed | None = None) -> None:
    while True:
        try:
            line = input_fn("you › ").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if not line:
            continue
        command, _, rest = line.partition(" ")
        try:
            if command == "/quit":
                return
            if command == "/help":
                console.print(f"[dim]{HELP}[/dim]")
            elif command == "/image":
                sender.image(rest, console)
            elif command == "/tap":
                _tap(sender, console, feed, rest.strip())
            elif command == "/button":
                payload, _, title = rest.strip().partition(" ")
                if not payload:
                    console.print("[yellow]usage: /button PAYLOAD [title][/yellow]")
                    continue
                sender.send(console, body=title.strip(), button_payload=payload)
            else:
                sender.send(console, body=line)
        except ChatError as exc:
            console.print(f"[red]{escape(str(exc))}[/red]")


def _tap(sender: _Sender, console: Console, feed: _Feed | None, wanted: str) -> None:
    """Tap a choice of the bot's latest buttons or list, as WhatsApp reports it (payload / list id)."""
    kind, options = "", []
    if feed is not None:
        with feed.lock:
            kind, options = feed.options
    match = next(((i, t) for i, t in options if i == wanted), None)
    if match is None:
        shown = ", ".join(i for i, _ in options) or "none"
        console.print(f"[yellow]No such choice {escape(wanted)!r} (choices: {escape(shown)})[/yellow]")
        return
    choice_id, title = match
    if kind == "list":
        sender.send(console, body=title, list_id=choice_id)
    else:
        sender.send(console, body=title, button_payload=choice_id)


class _Sender:
    """Signs and posts inbound webhooks to the app, as Twilio would."""

    def __init__(
        self,
        app: str,
        signed_url: str,
        account_sid: str,
        auth_token: str,
        member: str,
        whatsapp_from: str,
        standin: str,
    ) -> None:
        self.webhook = app + WEBHOOK_PATH
        self.signed_url = signed_url
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.member = member
        self.whatsapp_from = whatsapp_from
        self.standin = standin
        self.http = requests.Session()

    def send(
        self,
        console: Console,
        *,
        body: str = "",
        media: list[tuple[str, str]] | None = None,
        button_payload: str | None = None,
        list_id: str | None = None,
    ) -> None:
        """POST one signed inbound webhook and print any synchronous TwiML reply.

        Raises:
            ChatError: the app could not be reached.
        """
        params = inbound_params(
            from_phone=self.member,
            to=self.whatsapp_from,
            body=body,
            account_sid=self.account_sid,
            media=media or [],
            button_payload=button_payload,
            list_id=list_id,
        )
        headers = {
            "X-Twilio-Signature": sign(self.auth_token, self.signed_url, params),
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        with contextlib.suppress(requests.RequestException):  # Twilio saw it first: the window opens
            self.http.post(self.standin + "/_standin/inbound", data={"From": self.member}, timeout=5)
        try:
            response = self.http.post(self.webhook, data=params, headers=headers, timeout=15)
        except requests.RequestException as exc:
            raise ChatError(
                f"Cannot reach the Inaam app at {self.webhook}: {exc.__class__.__name__}"
            ) from exc
        if response.status_code != 200:
            console.print(f"[red]The app answered HTTP {response.status_code} to the webhook.[/red]")
            return
        for text in _twiml_replies(response.text):
            print_bot(console, {"body": text})

    def image(self, args: str, console: Console) -> None:
        """Upload a local file to the stand-in and send it as an inbound attachment."""
        try:
            parts = shlex.split(args)
        except ValueError:
            parts = args.split()
        if not parts:
            console.print("[yellow]usage: /image PATH [caption][/yellow]")
            return
        path = Path(parts[0]).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            console.print(f"[red]Cannot read {escape(str(path))}: {escape(exc.strerror or str(exc))}[/red]")
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            response = self.http.post(
                self.standin + "/_standin/media",
                data=data,
                headers={"Content-Type": content_type},
                timeout=15,
            )
            response.raise_for_status()
            url = response.json()["url"]
        except (requests.RequestException, ValueError, KeyError) as exc:
            raise ChatError(f"Cannot upload to the Twilio stand-in at {self.standin}: {exc}") from exc
        console.print(f"[dim]sent {escape(path.name)} ({content_type}, {len(data)} bytes)[/dim]")
        self.send(console, body=" ".join(parts[1:]), media=[(url, content_type)])
