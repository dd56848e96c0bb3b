"""RQ jobs. Each takes ids (never ORM objects), runs in an app context and is safe to run twice.

Why: the webhook only stores and enqueues; everything slow or fallible (media download, OCR,
the dialog turn, Twilio calls) happens here, retried with backoff on transient faults.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException

from storage.base import utcnow
from storage.db import sessions
from storage.models import Contact, InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
from storage.privacy import scrub_after_send
from workers import dialog, media
from workers.analysis import analyze_inbound_media
from workers.runtime import app_context

logger = logging.getLogger(__name__)

TRANSIENT_HTTP = {429, 500, 502, 503, 504}
"""Twilio answers that mean "not processed, try again later"."""


class TransientSendError(Exception):
    """Raised when Twilio could not take a message now (429/5xx/timeout); RQ retries the job."""


def handle_inbound(inbound_id: int) -> int:
    """Fetch the message's media, then run the contact's pending messages in order."""
    with app_context() as app:
        factory = sessions(app)
        with factory() as session:
            msg = session.get(InboundMessage, inbound_id)
            if msg is None:
                return 0
            contact_id = msg.contact_id

        def prepare(msg_id: int) -> None:
            media.fetch_pending_media(factory, msg_id, app.config)
            analyze_inbound_media(factory, msg_id, app.config, on_slow=lambda: acknowledge(app, contact_id, msg_id))

        handled = dialog.drain_contact(
            factory, contact_id, program=app.config["PROGRAM"], settings=app.config, prepare=prepare
        )
        if handled:
            schedule_send(app, contact_id)
        return handled


def acknowledge(app: Any, contact_id: int, inbound_id: int) -> None:
    """Tell the member their file arrived and is being checked (the work is taking a while)."""
    from bot.i18n import translate
    from storage.outbox import queue_reply

    with sessions(app).begin() as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            return
        text = translate(contact.lang or "en", "claims.checking")
        queue_reply(session, contact, [("claims.checking", text)], inbound_id=inbound_id)
    # Sent from this (timer) thread at once: a send job would wait behind the analysis holding this worker.
    try:
        send_outbox(contact_id)
    except Exception:  # a transient failure: the queue retries it (rows are locked one by one)
        logger.warning("Contact %s: 'checking' not sent at once; queued", contact_id, exc_info=True)
        schedule_send(app, contact_id)


def schedule_send(app: Any, contact_id: int) -> None:
    from workers.queue import enqueue

    enqueue(app, send_outbox, contact_id)


ERASED_MSGID = "privacy.erase.done"
"""The erasure confirmation: once sent, its row keeps no phone number (``storage.privacy``)."""


def send_outbox(contact_id: int) -> int:
    """Send the contact's pending messages in order; stop at the first transient failure."""
    from bot.twilio_client import status_callback_url
    from content.api import content_client
    from content.window import plan_send

    with app_context() as app:
        factory = sessions(app)
        sent = 0
        with factory() as session:
            ids = session.scalars(
                select(OutboundMessage.id)
                .where(OutboundMessage.contact_id == contact_id, OutboundMessage.status == OutboundStatus.PENDING.value)
                .order_by(OutboundMessage.id)
            ).all()
        client = content_client(app.config)
        for out_id in ids:
            with factory.begin() as session:
                row = session.scalar(select(OutboundMessage).where(OutboundMessage.id == out_id).with_for_update())
                if row is None or row.status != OutboundStatus.PENDING.value:
                    continue
                contact = session.get(Contact, row.contact_id)
                if contact is not None and contact.opted_out and not row.bypass_opt_out:
                    row.status = OutboundStatus.SKIPPED.value
                    continue
                plan = plan_send(session, row, contact, app.config, client, utcnow()) if contact else None
                if plan is None or plan.skip:
                    row.status, row.note = OutboundStatus.SKIPPED.value, plan.skip if plan else "no_contact"
                    row.updated_at = utcnow()
                    continue
                row.attempts += 1
                row.content_sid = plan.args.get("content_sid")
                try:
                    message = client.messages.create(
                        from_=app.config["TWILIO_WHATSAPP_FROM"], to=row.to,
                        status_callback=status_callback_url(app.config), **plan.args,
                    )
                except TwilioRestException as exc:
                    if exc.status in TRANSIENT_HTTP:
                        row_attempts = row.attempts
                        session.commit()
                        raise TransientSendError(
                            f"outbound {out_id}: HTTP {exc.status} (attempt {row_attempts})"
                        ) from exc
                    row.status = OutboundStatus.FAILED.value
                    row.error_code = int(exc.code) if exc.code else exc.status
                    row.updated_at = utcnow()
                    logger.warning("Outbound %s: refused by Twilio, code %s", out_id, row.error_code)
                    continue
                except Exception as exc:  # timeouts, connection errors
                    session.commit()
                    raise TransientSendError(f"outbound {out_id}: {exc.__class__.__name__}") from exc
                row.twilio_sid = message.sid
                row.status = (message.status or OutboundStatus.QUEUED.value).lower()
                row.sent_at = row.updated_at = utcnow()
                if row.msgid == ERASED_MSGID:  # DPDP erasure: the last message forgets its address
                    scrub_after_send(row)
                sent += 1
        return sent


def sweep() -> dict[str, int]:
    """Re-enqueue what is stored but not done: inbound messages and pending outbound ones."""
    from workers.queue import enqueue

    with app_context() as app:
        factory = sessions(app)
        cutoff = utcnow() - dt.timedelta(seconds=int(app.config["SWEEP_AFTER_SECONDS"]))
        bucket = int(utcnow().timestamp()) // 60
        with factory() as session:
            inbound = session.execute(
                select(InboundMessage.id, InboundMessage.contact_id)
                .where(InboundMessage.status == InboundStatus.RECEIVED.value, InboundMessage.received_at < cutoff)
                .order_by(InboundMessage.id)
            ).all()
            outbound_contacts = session.scalars(
                select(OutboundMessage.contact_id)
                .where(OutboundMessage.status == OutboundStatus.PENDING.value, OutboundMessage.created_at < cutoff)
                .distinct()
            ).all()
        seen: set[int] = set()
        for inbound_id, contact_id in inbound:
            if contact_id in seen:
                continue  # one job drains the whole contact in order
            seen.add(contact_id)
            enqueue(app, handle_inbound, inbound_id, job_id=f"sweep-{inbound_id}-{bucket}")
        for contact_id in outbound_contacts:
            enqueue(app, send_outbox, contact_id, job_id=f"sweep-send-{contact_id}-{bucket}")
        if inbound or outbound_contacts:
            logger.info("Sweep: %s inbound contacts, %s outbound contacts re-enqueued", len(seen),
                        len(outbound_contacts))
        return {"inbound": len(seen), "outbound": len(outbound_contacts)}
