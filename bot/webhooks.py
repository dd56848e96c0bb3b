"""Twilio webhooks: inbound WhatsApp messages and outbound status callbacks.

Why: the request only verifies, stores and enqueues — no dialog, OCR or outbound call runs
inside it — so Twilio gets its 200 in milliseconds. The stored row is the source of truth: if
Redis is down the sweeper enqueues it later; if the database is unreachable we answer 503 so
that Twilio's retry/fallback applies. Any other input is stored (raw form losslessly, typed
columns normalised) and answered 200: nothing a sender puts in a message can lose it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from twilio.request_validator import RequestValidator

from bot.inbound_form import InboundForm, clean, error_code, normalize
from bot.metrics import count_inbound
from storage.contacts import DuplicateMessage, store_inbound, upsert_contact
from storage.db import sessions
from storage.models import EarlyStatus, InboundStatus, OutboundMessage
from storage.outbox import STATUS_RANK, advance_status

logger = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _twiml() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


@bp.before_request
def _refuse_oversized() -> None:
    """413 for a body over the limit before anything else (signature check included) reads it."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        abort(413)


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


@bp.post("/webhooks/twilio/messages")
def inbound() -> Response:
    _verify_signature()
    form = normalize(list(request.form.items(multi=True)))
    try:
        stored = _store(form)
    except DuplicateMessage:
        logger.info("Inbound %s: redelivery acknowledged, not processed again", form.sid)
        count_inbound(current_app, "duplicate")
        return _twiml()
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable: 503, Twilio retries
    except DBAPIError as exc:  # anything else the database refuses: keep the raw form, never a 5xx
        logger.error("Inbound %s: typed copy refused (%s); raw form kept", form.sid, exc.__class__.__name__)
        stored = _store_raw_only(form, exc)
    if stored is None:
        count_inbound(current_app, "invalid")
        return _twiml()
    inbound_id, contact_id = stored
    count_inbound(current_app, "stored")
    _enqueue_inbound(inbound_id, form.sid, contact_id)
    return _twiml()


def _store(form: InboundForm) -> tuple[int, int] | None:
    """Store the message (and its contact); None when it is kept but not processed (bad sender)."""
    with sessions().begin() as session:
        if form.phone is None:
            store_inbound(session, None, form.params, sid=form.sid, raw_form=form.raw_json, notes=form.notes,
                          status=InboundStatus.FAILED.value, error="invalid sender address")
            logger.warning("Inbound %s: sender is not a phone number; stored, not processed", form.sid)
            return None
        contact_id = upsert_contact(session, form.phone, form.params.get("ProfileName") or None)
        inbound_id = store_inbound(session, contact_id, form.params, sid=form.sid, raw_form=form.raw_json,
                                   notes=form.notes)
    if form.notes:
        logger.info("Inbound %s: normalised (%s)", form.sid, ", ".join(sorted(form.notes)))
    return inbound_id, contact_id


def _store_raw_only(form: InboundForm, exc: Exception) -> None:
    with sessions().begin() as session:
        store_inbound(session, None, {}, sid=form.sid, raw_form=form.raw_json, notes=form.notes,
                      status=InboundStatus.FAILED.value, error=f"typed copy refused: {exc.__class__.__name__}")


def _enqueue_inbound(inbound_id: int, sid: str, contact_id: int) -> None:
    from workers import jobs
    from workers.queue import enqueue

    try:
        enqueue(current_app, jobs.handle_inbound, inbound_id, job_id=f"inbound-{sid}")
    except Exception as exc:  # Redis down: stored already; the sweeper enqueues it later
        logger.warning("Inbound %s: queue unavailable (%s); left for the sweeper", sid, exc.__class__.__name__)


KNOWN_STATUSES = frozenset(STATUS_RANK)


@bp.post("/webhooks/twilio/status")
def status() -> Response:
    _verify_signature()
    sid = clean(request.form.get("MessageSid", ""))[:64]
    new_status = clean(request.form.get("MessageStatus") or request.form.get("SmsStatus") or "").lower()
    if not sid or new_status not in KNOWN_STATUSES:
        logger.info("Status callback without a known status or sid, ignored")
        return Response("", status=200)
    with sessions().begin() as session:
        row = session.scalar(select(OutboundMessage).where(OutboundMessage.twilio_sid == sid))
        if row is None:  # the sender's commit of this SID may still be on its way: keep it for that commit
            code = error_code(request.form.get("ErrorCode"))
            session.add(EarlyStatus(twilio_sid=sid, status=new_status, error_code=code))
            logger.info("Status %s: sid not recorded yet, kept", sid)
            return Response("", status=200)
        advance_status(row, new_status, error_code(request.form.get("ErrorCode")))
    return Response("", status=200)
