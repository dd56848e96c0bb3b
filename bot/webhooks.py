"""Twilio webhooks: inbound WhatsApp messages and outbound status callbacks.

Why: the request only verifies, stores and enqueues — no dialog, OCR or outbound call runs
inside it — so Twilio gets its 200 in milliseconds. The stored row is the source of truth: if
Redis is down the sweeper enqueues it later; if the database is down we answer 503 so that
Twilio's retry/fallback applies. Nothing is lost either way.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.metrics import count_inbound
from storage.contacts import DuplicateMessage, store_inbound, upsert_contact
from storage.db import sessions
from storage.models import OutboundMessage
from storage.outbox import advance_status

logger = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _twiml() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


def _verify_signature() -> None:
    """403 unless X-Twilio-Signature matches PUBLIC_BASE_URL + path (+ query) with our token."""
    url = current_app.config["PUBLIC_BASE_URL"] + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    if not signature or not validator.validate(url, request.form, signature):
        logger.warning("Webhook %s: bad signature, refused", request.path)
        abort(403)


def phone_of(address: str) -> str:
    """'whatsapp:+919812345678' -> '+919812345678'."""
    return address.split(":", 1)[-1].strip()


@bp.post("/webhooks/twilio/messages")
def inbound() -> Response:
    _verify_signature()
    params = {key: request.form.get(key, "") for key in request.form}
    sid, sender = params.get("MessageSid", ""), params.get("From", "")
    if not sid or not sender:
        abort(400)
    phone = phone_of(sender)
    try:
        with sessions().begin() as session:
            contact_id = upsert_contact(session, phone, params.get("ProfileName") or None)
            inbound_id = store_inbound(session, contact_id, params)
    except DuplicateMessage:
        logger.info("Inbound %s: redelivery acknowledged, not processed again", sid)
        count_inbound(current_app, "duplicate")
        return _twiml()
    count_inbound(current_app, "stored")
    _enqueue_inbound(inbound_id, sid, contact_id)
    return _twiml()


def _enqueue_inbound(inbound_id: int, sid: str, contact_id: int) -> None:
    from workers import jobs
    from workers.queue import enqueue

    try:
        enqueue(current_app, jobs.handle_inbound, inbound_id, job_id=f"inbound-{sid}")
    except Exception as exc:  # Redis down: stored already; the sweeper enqueues it later
        logger.warning("Inbound %s: queue unavailable (%s); left for the sweeper", sid, exc.__class__.__name__)


@bp.post("/webhooks/twilio/status")
def status() -> Response:
    _verify_signature()
    sid = request.form.get("MessageSid", "")
    new_status = (request.form.get("MessageStatus") or request.form.get("SmsStatus") or "").lower()
    error = request.form.get("ErrorCode")
    with sessions().begin() as session:
        row = session.scalar(select(OutboundMessage).where(OutboundMessage.twilio_sid == sid))
        if row is None:
            logger.info("Status %s: unknown message sid, ignored", sid)
            return Response("", status=200)
        advance_status(row, new_status, int(error) if error and error.isdigit() else None)
    return Response("", status=200)
