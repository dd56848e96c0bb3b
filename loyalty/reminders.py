"""Expiry reminders (30, 7 and 1 day before) as WhatsApp template messages, each sent once.

The amount is what FIFO expiry would take on that day if nothing changes; the message names the
amount and the date. Templates (``ContentSid`` per language, ``ContentVariables``) go out through
``storage.outbox.queue_template``: members are usually outside WhatsApp's 24-hour window, where a
free-form body is refused (Twilio error 63016).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import format_day, format_number
from bot.program import Program
from loyalty.expiry import cutoff_for, due
from payouts.models import ExpiryReminder
from storage.models import Contact

logger = logging.getLogger(__name__)

TEMPLATE = "points_expiry"
"""Template name; its Content SID per language comes from the template configuration."""


def send_reminders(factory: sessionmaker[Session], program: Program, today: dt.date) -> dict[int, int]:
    """Queue the reminders due today; returns {days_before: messages queued}."""
    from storage.outbox import queue_template

    rules = program.redemption
    sent: dict[int, int] = {}
    if not rules.expiry_months:
        return sent
    for days in rules.reminder_days:
        day = today + dt.timedelta(days=days)
        with factory() as session:
            todo = list(due(session, cutoff_for(day, rules.expiry_months)))
        count = 0
        for item in todo:
            with factory.begin() as session:
                contact = session.scalar(select(Contact).where(Contact.member_id == item.member_id))
                if contact is None or contact.opted_out:
                    continue
                try:
                    with session.begin_nested():
                        session.add(ExpiryReminder(member_id=item.member_id, expires_on=day, days_before=days,
                                                   points=item.points))
                except IntegrityError:
                    continue  # already reminded for this date and step
                lang = contact.lang or "en"
                points, date = format_number(item.points), format_day(lang, day)
                name = contact.member.name if contact.member else ""
                queue_template(session, contact, TEMPLATE, {"name": name, "points": points, "date": date},
                               fallback_msgid="expiry.reminder", points=points, date=date, days=days)
                count += 1
        sent[days] = count
    logger.info("Expiry reminders for %s: %s", today, sent)
    return sent


def schedule_sends(session: Session) -> list[int]:
    """Contacts with pending outbound messages (to enqueue their send jobs)."""
    from storage.models import OutboundMessage, OutboundStatus

    return list(session.scalars(select(OutboundMessage.contact_id).where(
        OutboundMessage.status == OutboundStatus.PENDING.value).distinct()))
