"""RQ jobs. Each takes ids (never ORM objects), runs in an app context and is safe to run twice.

Why: the webhook only stores and enqueues; everything slow or fallible (media download, OCR,
the dialog turn, Twilio calls) happens here, retried with backoff on transient faults.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import and_, or_, select

from storage.base import utcnow
from storage.db import sessions
from storage.models import Contact, InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
from workers import dialog, media, sender
from workers.analysis import analyze_inbound_media
from workers.runtime import app_context

logger = logging.getLogger(__name__)

TransientSendError = sender.TransientSendError

RETRY_GRACE = dt.timedelta(minutes=5)
"""A row Twilio refused for now is left to its job's backoff this long before the outbox sweep takes it."""


def handle_inbound(inbound_id: int) -> int:
    """Fetch the message's media, then run the contact's pending messages in order."""
    with app_context() as app:
        factory = sessions(app)
        with factory() as session:
            msg = session.get(InboundMessage, inbound_id)
            if msg is None:
                return 0
            contact_id = msg.contact_id

        def prepare(msg_id: int) -> bool:
            if not media.fetch_pending_media(factory, msg_id, app.config):
                return False  # a file waits for its retry (the sweeper's); later messages go ahead
            analyze_inbound_media(factory, msg_id, app.config, on_slow=lambda: acknowledge(app, contact_id, msg_id))
            return True

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


ERASED_MSGID = sender.ERASED_MSGID


def send_outbox(contact_id: int) -> int:
    """Send the contact's pending messages in order, each at most once (see ``workers.sender``)."""
    with app_context() as app:
        return sender.send_pending(sessions(app), contact_id, app.config)


def sweep() -> dict[str, int]:
    """Re-enqueue what is stored but not done: inbound messages (and their media retries), outbound, and
    UPI checks whose job was lost."""
    from workers.queue import enqueue

    with app_context() as app:
        factory = sessions(app)
        now = utcnow()
        cutoff = now - dt.timedelta(seconds=int(app.config["SWEEP_AFTER_SECONDS"]))
        bucket = int(now.timestamp()) // 10  # a job id is taken while RQ keeps the job: one new try per 10 s
        with factory() as session:
            inbound = session.execute(
                select(InboundMessage.id, InboundMessage.contact_id, InboundMessage.not_before)
                .where(
                    InboundMessage.status == InboundStatus.RECEIVED.value,
                    InboundMessage.contact_id.is_not(None),
                    or_(and_(InboundMessage.not_before.is_(None), InboundMessage.received_at < cutoff),
                        InboundMessage.not_before <= now),
                )
                .order_by(InboundMessage.id)
            ).all()
        seen: set[int] = set()
        for inbound_id, contact_id, not_before in inbound:
            if contact_id in seen:
                continue  # one job drains the whole contact in order
            seen.add(contact_id)
            # A file's retry gets one job per scheduled attempt; anything else one per 10 s at most.
            key = (f"retry-{inbound_id}-{int(not_before.timestamp() * 1000)}" if not_before
                   else f"sweep-{inbound_id}-{bucket}")
            enqueue(app, handle_inbound, inbound_id, job_id=key)
        if seen:
            logger.info("Sweep: %s inbound contacts re-enqueued", len(seen))
        outbound = sweep_outbox()
        from workers.upi_check import recheck_lost

        checks = recheck_lost(app, now)
        with factory.begin() as session:
            sender.prune_early_statuses(session)
        return {"inbound": len(seen), "outbound": outbound, "upi_checks": checks}


def sweep_outbox() -> int:
    """Enqueue a send for every contact with rows nobody is sending: new rows written by any
    process (a CLI beside the server, a campaign) and rows of attempts that died mid-call."""
    from workers.queue import OUTBOX_SWEEP_EVERY_SECONDS, enqueue

    with app_context() as app:
        now = utcnow()
        fresh = now - dt.timedelta(seconds=float(app.config.get("OUTBOX_AFTER_SECONDS", 2)))
        stale = now - sender.stale_after(app.config)
        with sessions(app)() as session:
            busy = (select(OutboundMessage.contact_id)
                    .where(OutboundMessage.status == OutboundStatus.SENDING.value,
                           OutboundMessage.send_started_at >= stale))
            contacts = session.scalars(
                select(OutboundMessage.contact_id)
                .where(or_(
                    and_(OutboundMessage.status == OutboundStatus.PENDING.value, OutboundMessage.created_at < fresh,
                         # refused for now (429) rows are retried by their job's backoff, not every sweep
                         or_(OutboundMessage.attempts == 0, OutboundMessage.updated_at < now - RETRY_GRACE)),
                    and_(OutboundMessage.status == OutboundStatus.SENDING.value,
                         OutboundMessage.send_started_at < stale),
                ), OutboundMessage.contact_id.not_in(busy))
                .distinct()
            ).all()
        bucket = int(now.timestamp()) // OUTBOX_SWEEP_EVERY_SECONDS
        for contact_id in contacts:  # one job per contact per sweep at most (ids stay taken while kept)
            enqueue(app, send_outbox, contact_id, job_id=f"outbox-{contact_id}-{bucket}")
        if contacts:
            logger.debug("Outbox sweep: %s contacts with unsent messages enqueued", len(contacts))
        return len(contacts)
