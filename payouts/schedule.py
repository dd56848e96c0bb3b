"""Periodic jobs of redemption and loyalty: payout reconcile (every 30 s) and the nightly loyalty job
(tiers, expiry, reminders) at 02:00 IST (20:30 UTC).

``inaam scheduler`` registers them with RQ's cron scheduler; the embedded clock thread of
``inaam serve`` calls ``embedded_tick`` once a second, which also catches up nights it missed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.i18n import IST
from storage.base import utcnow

RECONCILE_EVERY_SECONDS = 30
NIGHTLY_CRON = "30 20 * * *"
"""02:00 IST, in UTC (RQ's cron runs in UTC)."""
NIGHTLY_JOB_TIMEOUT = 6 * 3600


def register_periodic(cron: Any, queue_name: str) -> None:
    from loyalty.jobs import nightly
    from payouts.jobs import reconcile_payouts

    cron.register(reconcile_payouts, queue_name, interval=RECONCILE_EVERY_SECONDS)
    cron.register(nightly, queue_name, cron=NIGHTLY_CRON, job_timeout=NIGHTLY_JOB_TIMEOUT)


NIGHTLY_AT = dt.time(20, 30)
"""02:00 IST in UTC: when the embedded clock runs the nightly job."""

CATCH_UP_DAYS = 7
"""How many past nights the embedded clock catches up (a process down longer catches up the last week)."""
RECHECK_EVERY_TICKS = 600
"""Besides each new 02:00 IST, the clock looks for nights without a completed run this often (a failed
run is queued again)."""
MARKER_SECONDS = 3600
"""A night queued is not queued again for this long (while it waits or runs)."""

_checked_due: dt.datetime | None = None


def last_nightly_due(now: dt.datetime) -> dt.datetime:
    """The latest 02:00 IST at or before ``now`` (UTC)."""
    today = dt.datetime.combine(now.date(), NIGHTLY_AT, tzinfo=dt.UTC)
    return today if now >= today else today - dt.timedelta(days=1)


def night_of(due: dt.datetime) -> dt.date:
    """The IST date a 02:00 IST run is for (``due`` in UTC is the evening before)."""
    return due.astimezone(IST).date()


def missed_nights(session: Session, latest: dt.date, *, days: int = CATCH_UP_DAYS) -> list[dt.date]:
    """IST dates up to ``latest`` (the last 02:00 IST passed) without a completed nightly run, oldest
    first, within ``days`` and from the first run recorded on; with none recorded (a fresh install),
    only ``latest``."""
    from payouts.models import NightlyRun

    first = session.scalar(select(func.min(NightlyRun.day)))
    if first is None:
        return [latest]
    window = [d for d in (latest - dt.timedelta(days=i) for i in range(days - 1, -1, -1)) if d >= first]
    done = set(session.scalars(select(NightlyRun.day).where(NightlyRun.day >= latest - dt.timedelta(days=days))))
    return [d for d in window if d not in done]


def record_night(session: Session, day: dt.date) -> None:
    """Mark ``day``'s nightly run complete (idempotent)."""
    from payouts.models import NightlyRun

    if session.get(NightlyRun, day) is None:
        session.add(NightlyRun(day=day))


def embedded_tick(app: Any, ticks: int, now: dt.datetime | None = None) -> list[dt.date]:
    """Once a second from the embedded clock; returns the nights it queued the nightly job for.

    At each new 02:00 IST (however late its tick comes: a slow tick skips seconds) and every
    ``RECHECK_EVERY_TICKS``, the nights of the last ``CATCH_UP_DAYS`` without a completed run
    (``nightly_runs``) are queued, oldest first, each with its date: a 02:00 IST that passed while
    the process was down, the machine asleep or the run failed is caught up, not lost. A Redis
    marker keeps a night queued once while it waits or runs; the job is safe to run again.
    """
    global _checked_due
    from storage.db import sessions
    from workers.queue import enqueue

    now = now or utcnow()
    if ticks % RECONCILE_EVERY_SECONDS == 0:
        enqueue(app, "payouts.jobs.reconcile_payouts", job_id="reconcile-payouts")
    due = last_nightly_due(now)
    if due == _checked_due and ticks % RECHECK_EVERY_TICKS:
        return []
    _checked_due = due
    with sessions(app)() as session:
        nights = missed_nights(session, night_of(due))
    queued = []
    for day in nights:
        marker = f"inaam:nightly:{day.isoformat()}"
        if not app.extensions["inaam.redis"].set(marker, "1", nx=True, ex=MARKER_SECONDS):
            continue
        enqueue(app, "loyalty.jobs.nightly", day.isoformat(), job_id=f"loyalty-nightly-{day.isoformat()}")
        queued.append(day)
    return queued
