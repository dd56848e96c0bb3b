"""The nightly loyalty job: tier recalculation (promotions/demotions messaged), expiry, reminders."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from bot.i18n import IST
from storage.base import utcnow
from storage.db import sessions
from workers.runtime import app_context

logger = logging.getLogger(__name__)


def recalculate_tiers(app: Any, now: Any = None) -> int:
    """Recalculate every member's tier; message the changes. Returns how many changed."""
    from loyalty.names import tier_name_in
    from loyalty.tiers import recalculate
    from storage.models import Contact, Member

    program, now = app.config["PROGRAM"], now or utcnow()
    if not program.tiers:
        return 0
    factory = sessions(app)
    with factory() as session:
        ids = list(session.scalars(select(Member.id).order_by(Member.id)))
    changed = 0
    for start in range(0, len(ids), 500):
        with factory.begin() as session:
            for member in session.scalars(select(Member).where(Member.id.in_(ids[start:start + 500]))):
                change = recalculate(session, program, member, now)
                if change is None:
                    continue
                changed += 1
                contact = session.scalar(select(Contact).where(Contact.member_id == member.id))
                if contact is None:
                    continue
                from storage.outbox import queue_template

                lang = contact.lang or "en"
                msgid = "tier.promoted" if change.promoted else "tier.demoted"
                name = tier_name_in(lang, change.new)
                queue_template(session, contact, "tier_change", {"name": member.name, "tier": name},
                               fallback_msgid=msgid, tier=name)
    return changed


def nightly(day: str | None = None) -> dict[str, Any]:
    """Tiers, then expiry, then reminders (safe to re-run the same day); records the night as done.

    ``day`` (ISO date, IST) is a night the embedded clock missed, caught up: its expiry is that
    date's; its reminders are left to today's run.
    """
    import datetime as dt

    from loyalty.expiry import expire
    from loyalty.reminders import schedule_sends, send_reminders
    from payouts.schedule import record_night
    from workers.jobs import schedule_send

    with app_context() as app:
        now = utcnow()
        real_today = now.astimezone(IST).date()
        today = dt.date.fromisoformat(day) if day else real_today
        result: dict[str, Any] = {"day": today.isoformat(), "tiers_changed": recalculate_tiers(app, now)}
        result["expired"] = expire(sessions(app), app.config["PROGRAM"], today)
        # Reminders name the points expiring by a date, so the latest night's run covers a missed one's:
        # a night caught up late sends none (no burst of repeats).
        if today >= real_today:
            result["reminders"] = send_reminders(sessions(app), app.config["PROGRAM"], today)
        with sessions(app)() as session:
            for contact_id in schedule_sends(session):
                schedule_send(app, contact_id)
        with sessions(app).begin() as session:
            record_night(session, today)
        logger.info("Nightly loyalty job: %s", result)
        return result
