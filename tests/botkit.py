"""Test kit: an app wired to a Twilio stand-in, and a WhatsApp user that talks to it.

Why: end-to-end tests drive the real webhook (signed like Twilio), the real RQ job code and
the real twilio client; only Twilio itself is replaced by the local stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker

from bot.twilio_signing import inbound_params, sign
from standins.twilio import TwilioStandIn
from standins.twilio_content import as_text
from workers import runtime
from workers.queue import get_queue

SID = "AC" + "ab" * 16
TOKEN = "test-auth-token-0123456789abcdef"
FROM = "whatsapp:+14155238886"
PUBLIC = "https://bot.example.in"


def app_environ(database_url: str, standin_url: str, **extra: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_WHATSAPP_FROM": FROM,
        "TWILIO_API_BASE_URL": standin_url,
        "PUBLIC_BASE_URL": PUBLIC,
        "INAAM_COUPON_SECRET": "test-coupon-secret-0123456789",
        "INAAM_SWEEP_AFTER_SECONDS": "1",
    }
    env.update(extra)
    return env


def run_jobs(app: Flask) -> None:
    """Run every queued job to completion in this thread (RQ's SimpleWorker, burst mode)."""
    runtime.set_app(app)
    queue = get_queue(app)
    SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")


@dataclass
class WhatsAppUser:
    """A member's phone: sends signed inbound webhooks and reads the bot's replies."""

    client: FlaskClient
    standin: TwilioStandIn
    app: Flask
    phone: str = "+919812345678"
    seen: int = 0
    sent_sids: list[str] = field(default_factory=list)

    def send(self, body: str = "", *, media: list[tuple[bytes, str]] | None = None,
             button: str | None = None, sid: str | None = None, run: bool = True,
             list_id: str | None = None) -> int:
        """POST one inbound message; returns the HTTP status. Runs queued jobs unless run=False."""
        media_refs = [(self.standin.add_media(data, ctype), ctype) for data, ctype in (media or [])]
        params = inbound_params(from_phone=self.phone, to=FROM, body=body, account_sid=SID, media=media_refs,
                                button_payload=button, message_sid=sid, profile_name="Tester", list_id=list_id)
        self.sent_sids.append(params["MessageSid"])
        status = self.post(params)
        if run:
            run_jobs(self.app)
        return status

    def post(self, params: dict[str, str], *, signature: str | None = None) -> int:
        path = "/webhooks/twilio/messages"
        public = self.app.config["PUBLIC_BASE_URL"]
        sig = signature if signature is not None else sign(TOKEN, public + path, params)
        if params.get("From"):
            self.standin.record_inbound(params["From"])  # Twilio saw it first: the member's window opens
        resp = self.client.post(path, data=params, headers={"X-Twilio-Signature": sig})
        return resp.status_code

    def replies(self) -> list[str]:
        """Bot messages to this user since the last call."""
        msgs = self.standin.messages(to=f"whatsapp:{self.phone}")
        new = msgs[self.seen :]
        self.seen = len(msgs)
        return [as_text(m) for m in new]  # the body and any buttons / list items, as "1. Title"

    def ask(self, body: str = "", **kwargs: Any) -> str:
        """Send and return the bot's reply text (all new messages joined)."""
        self.send(body, **kwargs)
        return "\n".join(self.replies())
