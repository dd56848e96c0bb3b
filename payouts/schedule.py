"""Periodic jobs of redemption and loyalty: payout reconcile (every 30 s) and the nightly loyalty job
(tiers, expiry, reminders) at 02:00 IST (20:30 UTC).

``inaam scheduler`` registers them with RQ's cron scheduler; the embedded clock thread of
``inaam serve`` calls ``embedded_tick`` once a second.
"""

from __future__ import annotations

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


def embedded_tick(app: Any, ticks: int) -> None:
    from workers.queue import enqueue

    if ticks % RECONCILE_EVERY_SECONDS == 0:
        enqueue(app, "payouts.jobs.reconcile_payouts", job_id="reconcile-payouts")
    now = utcnow()
    if now.hour == 20 and now.minute == 30 and now.second == 0:
        enqueue(app, "loyalty.jobs.nightly", job_id=f"loyalty-nightly-{now.date().isoformat()}")
