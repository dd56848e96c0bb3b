"""Periodic jobs of redemption and loyalty: payout reconcile (every 30 s) and the nightly loyalty job
(tiers, expiry, reminders) at 02:00 IST (20:30 UTC).

``inaam scheduler`` registers them with RQ's cron scheduler; the embedded clock thread of
``inaam serve`` calls ``embedded_tick`` once a second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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

_clock_started: dt.datetime | None = None


def last_nightly_due(now: dt.datetime) -> dt.datetime:
    """The latest 02:00 IST at or before ``now`` (UTC)."""
    today = dt.datetime.combine(now.date(), NIGHTLY_AT, tzinfo=dt.UTC)
    return today if now >= today else today - dt.timedelta(days=1)


def embedded_tick(app: Any, ticks: int, now: dt.datetime | None = None) -> bool:
    """Once a second from the embedded clock; True when it queued the nightly job.

    The nightly job is queued once for each 02:00 IST the clock lives through, however late its
    tick comes (a slow tick skips seconds; waiting for exactly 20:30:00 UTC could miss a day). A
    02:00 IST that passed while the process was down is not caught up here (``inaam scheduler``
    runs it by cron); the job is safe to run again the same day.
    """
    global _clock_started
    from workers.queue import enqueue

    now = now or utcnow()
    if _clock_started is None:
        _clock_started = now
    if ticks % RECONCILE_EVERY_SECONDS == 0:
        enqueue(app, "payouts.jobs.reconcile_payouts", job_id="reconcile-payouts")
    due = last_nightly_due(now)
    if due < _clock_started:
        return False
    marker = f"inaam:nightly:{due.date().isoformat()}"
    if not app.extensions["inaam.redis"].set(marker, "1", nx=True, ex=3 * 24 * 3600):
        return False
    enqueue(app, "loyalty.jobs.nightly", job_id=f"loyalty-nightly-{due.date().isoformat()}")
    return True
