"""``POST /webhooks/razorpayx``: payout events, verified, deduplicated and applied in order-safe way.

The raw body is checked against ``X-Razorpay-Signature`` (HMAC-SHA256 with the webhook secret)
before it is parsed; each event is stored once under its ``x-razorpay-event-id`` (a redelivery is
acknowledged and changes nothing); the redemption is found by payout id, or by our
``reference_id`` when the webhook outruns the worker that sent the payout; ``apply_status`` only
moves forward. Answers come within milliseconds (RazorpayX wants a 2xx within 5 seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from payouts import service
from payouts.jobs import queue_notices, send_soon
from payouts.models import PayoutEvent, Redemption
from storage.db import sessions

logger = logging.getLogger(__name__)

bp = Blueprint("razorpayx", __name__)


def signature_ok(body: bytes, signature: str, secret: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return bool(signature) and hmac.compare_digest(expected, signature.strip().lower())


@bp.post("/webhooks/razorpayx")
def razorpayx_event() -> Response:
    body = request.get_data(cache=False)
    if not signature_ok(body, request.headers.get("X-Razorpay-Signature", ""),
                        current_app.config["RAZORPAYX_WEBHOOK_SECRET"]):
        logger.warning("RazorpayX webhook: bad signature, refused")
        abort(400)
    try:
        event = json.loads(body)
        name = str(event["event"])
    except (ValueError, KeyError, TypeError):
        abort(400)
    event_id = request.headers.get("x-razorpay-event-id") or "sha256:" + hashlib.sha256(body).hexdigest()[:56]
    payout = ((event.get("payload") or {}).get("payout") or {}).get("entity") or {}
    with sessions().begin() as session:
        try:
            with session.begin_nested():
                stored = PayoutEvent(event_id=event_id[:64], event=name[:40], payout_id=payout.get("id"),
                                     payload=event, outcome="")
                session.add(stored)
        except IntegrityError:
            logger.info("RazorpayX webhook %s (%s): duplicate, ignored", event_id, name)
            return Response("", status=200)
        if not name.startswith("payout.") or not payout.get("id"):
            stored.outcome = "ignored"
            return Response("", status=200)
        row = _find(session, payout)
        if row is None:
            stored.outcome = "unknown_payout"
            logger.warning("RazorpayX webhook %s: payout %s matches no redemption", event_id, payout.get("id"))
            return Response("", status=200)
        status = str(payout.get("status") or name.split(".", 1)[1])
        before = row.status
        notice = service.apply_status(session, row, status, utr=payout.get("utr"),
                                      reason=(payout.get("status_details") or {}).get("reason"),
                                      payout_id=str(payout["id"]))
        stored.outcome = f"{before}->{row.status}" + ("+utr" if notice and notice.msgid == "payout.utr" else "")
        # The member's message is queued in this transaction: stored with the change, exactly once.
        contacts = queue_notices(session, [notice]) if notice else set()
    send_soon(current_app._get_current_object(), contacts)  # type: ignore[attr-defined]
    return Response("", status=200)


def _find(session, payout: dict) -> Redemption | None:  # type: ignore[no-untyped-def,type-arg]
    row = session.scalar(select(Redemption).where(Redemption.payout_id == str(payout["id"])).with_for_update())
    if row is None:
        ref = str(payout.get("reference_id") or "")
        if ref.startswith("rdm-") and ref[4:].isdigit():
            row = service.lock_redemption(session, int(ref[4:]))
            if row is not None and row.payout_id not in (None, str(payout["id"])):
                return None
    return row
