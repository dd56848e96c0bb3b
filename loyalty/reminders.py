"""Expiry reminders (30, 7 and 1 day before) as WhatsApp template messages, at most one a night.

The amount is what FIFO expiry would take on the named day if nothing changes; the message names
the amount and the date. Templates (``ContentSid`` per language, ``ContentVariables``) go out through
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
from loyalty.expiry import cutoff_for, due, due_many
from payouts.models import ExpiryReminder
from storage.models import Contact

logger = logging.getLogger(__name__)

TEMPLATE = "points_expiry"
"""Template name; its Content SID per language comes from the template configuration."""


def send_reminders(factory: sessionmaker[Session], program: Program, today: dt.date, *,
                   chunk: int = 1000) -> dict[int, int]:
    """Queue the reminders due today; returns {days_before: messages queued}.

    Each step (e.g. 30, 7, 1 days) is a window: a member holding points that expire within the next
    N days is reminded at that step once, then not again at that step until the N days have passed.
    The message names the earliest date on which points expire and the points expiring that day
    (FIFO, if nothing changes), so it is true whatever the step. A member gets at most one reminder a
    night: the shortest step that is due speaks, the longer ones due with it are marked as told.
    """
    rules = program.redemption
    steps = sorted(set(rules.reminder_days))
    sent: dict[int, int] = {days: 0 for days in rules.reminder_days}
    if not rules.expiry_months or not steps:
        return sent
    horizon = steps[-1]
    with factory() as session:
        candidates = list(due(session, cutoff_for(today + dt.timedelta(days=horizon), rules.expiry_months)))
    for start in range(0, len(candidates), chunk):
        part = candidates[start:start + chunk]
        with factory() as session:
            by_day = expiring_by_day(session, [item.account_id for item in part], today, horizon,
                                     rules.expiry_months)
        for item in part:
            days = by_day.get(item.account_id)
            if days:
                step = _remind(factory, item.member_id, days, steps, today)
                if step is not None:
                    sent[step] += 1
    logger.info("Expiry reminders for %s: %s", today, sent)
    return sent


def expiring_by_day(session: Session, account_ids: list[int], today: dt.date, horizon: int,
                    months: int) -> dict[int, list[tuple[int, int]]]:
    """{account id: [(days from today, points expiring that day), …]} for days 1..horizon, FIFO."""
    cumulative = [due_many(session, account_ids, cutoff_for(today + dt.timedelta(days=d), months))
                  for d in range(0, horizon + 1)]
    out: dict[int, list[tuple[int, int]]] = {}
    for aid in account_ids:
        for d in range(1, horizon + 1):
            points = cumulative[d].get(aid, 0) - cumulative[d - 1].get(aid, 0)
            if points > 0:
                out.setdefault(aid, []).append((d, points))
    return out


def _remind(factory: sessionmaker[Session], member_id: int, days: list[tuple[int, int]], steps: list[int],
            today: dt.date) -> int | None:
    """Record the due steps' windows and queue one message; the step that spoke, or None."""
    from storage.outbox import queue_template

    first_day, first_points = days[0]
    with factory.begin() as session:
        contact = session.scalar(select(Contact).where(Contact.member_id == member_id).with_for_update())
        if contact is None or contact.opted_out:
            return None
        told = set(session.scalars(select(ExpiryReminder.days_before).where(
            ExpiryReminder.member_id == member_id, ExpiryReminder.expires_on > today)))
        due_steps = [step for step in steps if first_day <= step and step not in told]
        if not due_steps:
            return None
        try:
            with session.begin_nested():
                for step in due_steps:  # the window end: this step is quiet until then
                    session.add(ExpiryReminder(member_id=member_id, expires_on=today + dt.timedelta(days=step),
                                               days_before=step, points=first_points))
        except IntegrityError:
            return None  # another run of tonight's job told them already
        lang = contact.lang or "en"
        expires = today + dt.timedelta(days=first_day)
        points, date = format_number(first_points), format_day(lang, expires)
        name = contact.member.name if contact.member else ""
        queue_template(session, contact, TEMPLATE, {"name": name, "points": points, "date": date},
                       fallback_msgid="expiry.reminder", points=points, date=date, days=first_day)
        return due_steps[0]


def schedule_sends(session: Session) -> list[int]:
    """Contacts with pending outbound messages (to enqueue their send jobs)."""
    from storage.models import OutboundMessage, OutboundStatus

    return list(session.scalars(select(OutboundMessage.contact_id).where(
        OutboundMessage.status == OutboundStatus.PENDING.value).distinct()))
