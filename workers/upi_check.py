"""The UPI check job: Fund Account Validation off the chat turn, then the flow goes on.

Why: the provider may take seconds or time out; a dialog turn holds the contact's row lock, so the
turn only records the check (``flows.upi_steps.begin_check``) and this job calls the provider with
no lock and no transaction open. It then locks the contact, and only if the contact still waits
for this very check (not cancelled, not superseded by another UPI ID, not answered by a twin job)
continues the flow and queues the answer ("Paying RAMESH KUMAR at … — right?").
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from flows import engine, upi_steps
from payouts.provider import Beneficiary
from storage.base import utcnow
from storage.crypto import decrypt
from storage.db import sessions
from storage.models import Contact
from storage.outbox import queue_reply
from workers.runtime import app_context

logger = logging.getLogger(__name__)


def enqueue_check(app: Any, contact_id: int, check_id: str, *, job_id: str | None = None) -> None:
    from workers.queue import enqueue

    enqueue(app, check_upi, contact_id, check_id, job_id=job_id or f"upi-check-{check_id}")


def _waiting_for(contact: Contact | None, check_id: str) -> dict[str, Any] | None:
    if contact is None or contact.state != upi_steps.CHECKING:
        return None
    check = upi_steps.pending_check(contact.slots or {})
    return check if check is not None and check["id"] == check_id else None


def check_upi(contact_id: int, check_id: str) -> str:
    """Validate the UPI ID the contact is waiting on, then continue its flow; returns the outcome."""
    from workers.jobs import schedule_send

    with app_context() as app:
        factory = sessions(app)
        program, settings = app.config["PROGRAM"], app.config
        with factory() as session:
            contact = session.get(Contact, contact_id)
            check = _waiting_for(contact, check_id)
            if contact is None or check is None or contact.member is None:
                return "stale"
            member = contact.member
            beneficiary = Beneficiary(reference=f"member-{member.id}", name=member.name, phone=member.phone,
                                      vpa=decrypt(check["vpa"]))
            too_old = upi_steps.check_age(contact.slots, utcnow()) > upi_steps.GIVE_UP_AFTER
        # The session is closed: no transaction, no row lock (nor SQLite read lock) across the HTTP call.
        outcome, found = ("unavailable", {}) if too_old else upi_steps.validate(settings, beneficiary)
        with factory.begin() as session:
            contact = session.scalar(select(Contact).where(Contact.id == contact_id).with_for_update())
            if _waiting_for(contact, check_id) is None:
                logger.info("Contact %s: UPI check %s answered after the member moved on", contact_id, check_id)
                return "stale"
            assert contact is not None
            turn = engine.Turn(session=session, contact=contact, inbound=None, text="", media=[],
                               ctx=engine.Context(program=program, settings=settings))
            engine.resume(turn, lambda t: upi_steps.check_done(t, outcome, found))
            queue_reply(session, contact, turn.replies, interactive=turn.interactive)
        schedule_send(app, contact_id)
        logger.info("Contact %s: UPI check %s %s", contact_id, check_id, outcome)
        return outcome


def recheck_lost(app: Any, now: dt.datetime) -> int:
    """Run again the checks nobody answered (their job was lost); returns how many were enqueued."""
    bucket = int(now.timestamp()) // 30
    with sessions(app)() as session:
        rows = session.execute(select(Contact.id, Contact.slots).where(Contact.state == upi_steps.CHECKING)).all()
    count = 0
    for contact_id, slots in rows:
        check = upi_steps.pending_check(slots or {})
        if check is None or upi_steps.check_age(slots, now) < upi_steps.RECHECK_AFTER:
            continue
        enqueue_check(app, contact_id, check["id"], job_id=f"upi-check-{check['id']}-{bucket}")
        count += 1
    if count:
        logger.info("UPI checks: %s lost ones enqueued again", count)
    return count
