"""Run a contact's stored messages through the dialog engine, strictly in arrival order.

Why: the contact row is locked for each turn (``SELECT … FOR UPDATE``; SQLite serializes writers),
so two workers never run one contact's turns at once; each step takes the oldest unprocessed
message, so order holds whichever worker gets there first. Different contacts run in parallel.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from flows import engine
from storage.base import utcnow
from storage.models import Contact, InboundMessage, InboundStatus, Media
from storage.outbox import queue_reply

logger = logging.getLogger(__name__)


def oldest_pending(session: Session, contact_id: int, skip: frozenset[int] = frozenset()) -> InboundMessage | None:
    """The contact's oldest unprocessed message, skipping those whose file waits for a retry."""
    return session.scalar(
        select(InboundMessage)
        .where(InboundMessage.contact_id == contact_id, InboundMessage.status == InboundStatus.RECEIVED.value,
               or_(InboundMessage.not_before.is_(None), InboundMessage.not_before <= utcnow()),
               InboundMessage.id.not_in(skip) if skip else InboundMessage.id.is_not(None))
        .order_by(InboundMessage.id)
        .limit(1)
    )


def lock_contact(session: Session, contact_id: int) -> Contact:
    """The contact row, locked until the transaction ends."""
    contact = session.scalar(select(Contact).where(Contact.id == contact_id).with_for_update())
    if contact is None:
        raise LookupError(f"contact {contact_id} not found")
    return contact


def run_turn(session: Session, contact: Contact, msg: InboundMessage | None, ctx: engine.Context,
             *, text: str | None = None) -> engine.Turn:
    """Handle one message (or a synthetic ``text``) for a locked contact; returns the turn."""
    media = (
        list(session.scalars(select(Media).where(Media.inbound_id == msg.id).order_by(Media.idx)))
        if msg is not None
        else []
    )
    body = text if text is not None else ((msg.button_payload or msg.body) if msg else "")
    first = contact.last_inbound_at is None
    turn = engine.Turn(
        session=session, contact=contact, inbound=msg, text=body or "", media=media, ctx=ctx,
        is_first_message=first,
    )
    engine.handle(turn)
    contact.last_inbound_at = ctx.now
    return turn


def drain_contact(factory: sessionmaker[Session], contact_id: int, *, program: Any, settings: Any,
                  prepare: Any = None) -> int:
    """Process every pending message of ``contact_id`` in order; returns how many were handled.

    ``prepare(msg_id)`` runs before each turn outside the lock (media fetch and analysis); when it
    returns False the message waits (its file is retried later) and the next one goes ahead.
    """
    handled = 0
    deferred: set[int] = set()  # waiting for a file's retry: the sweeper brings them back, not this loop
    while True:
        with factory() as session:
            msg = oldest_pending(session, contact_id, frozenset(deferred))
            msg_id = msg.id if msg else None
        if msg_id is None:
            return handled
        if prepare is not None and prepare(msg_id) is False:
            deferred.add(msg_id)
            continue
        try:
            with factory.begin() as session:
                contact = lock_contact(session, contact_id)
                msg = oldest_pending(session, contact_id, frozenset(deferred))
                if msg is None or msg.id != msg_id:
                    continue  # another worker took it, or an older one appeared: look again
                msg.attempts += 1
                ctx = engine.Context(program=program, settings=settings)
                turn = run_turn(session, contact, msg, ctx)
                queue_reply(session, contact, turn.replies, inbound_id=msg.id, bypass_opt_out=turn.bypass_opt_out,
                            interactive=turn.interactive)
                msg.status = InboundStatus.DONE.value
                msg.processed_at = utcnow()
        except DBAPIError:
            raise  # transient database trouble: the job is retried, nothing was committed
        except Exception as exc:
            logger.exception("Inbound %s: turn failed; member gets an apology", msg_id)
            _mark_failed(factory, contact_id, msg_id, exc, settings)
        handled += 1


def _mark_failed(factory: sessionmaker[Session], contact_id: int, msg_id: int, exc: Exception,
                 settings: Any) -> None:
    from bot.i18n import translate

    with factory.begin() as session:
        contact = lock_contact(session, contact_id)
        msg = session.get(InboundMessage, msg_id)
        if msg is None or msg.status != InboundStatus.RECEIVED.value:
            return
        msg.status = InboundStatus.FAILED.value
        msg.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        msg.processed_at = utcnow()
        text = translate(contact.lang or "en", "common.error")
        queue_reply(session, contact, [("common.error", text)], inbound_id=msg_id)

