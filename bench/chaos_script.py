"""The chaos run's conversation: the script every number follows, its fault-free replies, and the tally.

Why: "every number got exactly the replies a fault-free run gives" needs that fault-free run. It is
made here in-process (SQLite, RQ on fakeredis run to completion after each message, the Twilio
stand-in), with the very code the chaos run exercises, so the expected replies are never typed in
by hand and follow any change of wording.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = ("Hello", "1", "Ramesh Kumar", "1", "226001", "skip", "1", "balance", "menu")
"""Enrollment (language, name, role, PIN, no UPI, consent), then the balance and the menu: 9 messages."""

PROFILE_NAME = "Chaos Tester"
SID = "AC" + "c4" * 16
TOKEN = "chaos-auth-token-0123456789"
FROM = "whatsapp:+14155238886"
COUPON_SECRET = "chaos-coupon-secret-0123456789"


def reference_replies(script: tuple[str, ...] = SCRIPT, phone: str = "+919800000000") -> list[list[str]]:
    """The replies (bodies) to each message of ``script`` in a fault-free run, message by message."""
    from rq import SimpleWorker

    from bot.app import create_app
    from bot.twilio_signing import inbound_params, sign
    from standins.twilio import TwilioStandIn
    from storage.migrate import upgrade
    from workers import runtime
    from workers.queue import get_queue

    with tempfile.TemporaryDirectory(prefix="inaam-reference-") as tmp, \
            TwilioStandIn(SID, TOKEN, status_callbacks=False) as standin:
        db = f"sqlite:///{Path(tmp) / 'reference.db'}"
        public = "http://127.0.0.1:9"
        env = {"DATABASE_URL": db, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_WHATSAPP_FROM": FROM,
               "TWILIO_API_BASE_URL": standin.url, "PUBLIC_BASE_URL": public, "INAAM_COUPON_SECRET": COUPON_SECRET}
        import fakeredis

        from workers import queue as queue_mod

        queue_mod._FAKE_SERVER = fakeredis.FakeServer()
        app = create_app({"EMBEDDED_WORKER": False}, environ=env)
        upgrade(db)
        runtime.set_app(app)
        client = app.test_client()
        replies: list[list[str]] = []
        seen = 0
        for text in script:
            params = inbound_params(from_phone=phone, to=FROM, body=text, account_sid=SID, profile_name=PROFILE_NAME)
            path = "/webhooks/twilio/messages"
            client.post(path, data=params, headers={"X-Twilio-Signature": sign(TOKEN, public + path, params)})
            queue = get_queue(app)
            SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
            bodies = [m["body"] for m in standin.messages(to=f"whatsapp:{phone}")]
            replies.append(bodies[seen:])
            seen = len(bodies)
        app.extensions["inaam.engine"].dispose()
        return replies


@dataclass
class Tally:
    """What each number got against what it should have got."""

    expected: dict[str, list[str]]
    got: dict[str, list[str]]
    mismatched: list[str] = field(default_factory=list)
    duplicates: int = 0
    lost: int = 0

    @classmethod
    def of(cls, expected: dict[str, list[str]], got: dict[str, list[str]]) -> Tally:
        tally = cls(expected, got)
        for phone, want in expected.items():
            have = got.get(phone, [])
            if have != want:
                tally.mismatched.append(phone)
            extra = Counter(have) - Counter(want)
            missing = Counter(want) - Counter(have)
            tally.duplicates += sum(extra.values())
            tally.lost += sum(missing.values())
        return tally

    def figures(self) -> dict[str, Any]:
        return {"numbers": len(self.expected), "numbers_exact": len(self.expected) - len(self.mismatched),
                "replies_expected": sum(len(v) for v in self.expected.values()),
                "replies_received": sum(len(self.got.get(p, [])) for p in self.expected),
                "sent_twice": self.duplicates, "lost": self.lost}
