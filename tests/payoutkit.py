"""Test kit for payouts: a RazorpayX stand-in wired to the app, signed webhook delivery, a member."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from payouts import config as pc
from standins.razorpayx import RazorpayXStandIn

KEY_ID, KEY_SECRET, ACCOUNT, WEBHOOK_SECRET = "rzp_test_kit0001", "kit-secret", "2323230041626905", "kit-whsec"


@contextmanager
def razorpayx(**kwargs: Any) -> Iterator[RazorpayXStandIn]:
    with RazorpayXStandIn(KEY_ID, KEY_SECRET, webhook_secret=WEBHOOK_SECRET, account_number=ACCOUNT,
                          auto=False, **kwargs) as server:
        yield server


def payout_env(server: RazorpayXStandIn) -> dict[str, str]:
    return {"RAZORPAYX_API_BASE_URL": server.url, "RAZORPAYX_KEY_ID": KEY_ID, "RAZORPAYX_KEY_SECRET": KEY_SECRET,
            "RAZORPAYX_ACCOUNT_NUMBER": ACCOUNT, "RAZORPAYX_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "INAAM_ENCRYPTION_KEY": pc.crypto.DEV_ENCRYPTION_KEY, "RAZORPAYX_TIMEOUT_SECONDS": "2"}


def post_event(app: Flask, server: RazorpayXStandIn, event: dict[str, Any], *, signature: str | None = None) -> int:
    body = json.dumps({k: v for k, v in event.items() if k != "_id"}).encode()
    headers = {"Content-Type": "application/json", "x-razorpay-event-id": event["_id"],
               "X-Razorpay-Signature": signature if signature is not None else server.sign(body)}
    return app.test_client().post("/webhooks/razorpayx", data=body, headers=headers).status_code
