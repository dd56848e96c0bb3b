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


def nightly() -> dict[str, Any]:
    """Tiers, then expiry, then reminders (safe to re-run the same day)."""
    from loyalty.expiry import expire
    from loyalty.reminders import schedule_sends, send_reminders
    from workers.jobs import schedule_send

    with app_context() as app:
        now = utcnow()
        today = now.astimezone(IST).date()
        result: dict[str, Any] = {"tiers_changed": recalculate_tiers(app, now)}
        result["expired"] = expire(sessions(app), app.config["PROGRAM"], today)
        result["reminders"] = send_reminders(sessions(app), app.config["PROGRAM"], today)
        with sessions(app)() as session:
            for contact_id in schedule_sends(session):
                schedule_send(app, contact_id)
        logger.info("Nightly loyalty job: %s", result)
        return result
