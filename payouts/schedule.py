"""Periodic jobs of redemption: payout reconcile (every 30 s).

``inaam scheduler`` registers them with RQ's cron scheduler; the embedded clock thread of
``inaam serve`` calls ``embedded_tick`` once a second.
"""

from __future__ import annotations

from typing import Any

RECONCILE_EVERY_SECONDS = 30
NIGHTLY_EVERY_SECONDS = 24 * 3600


def register_periodic(cron: Any, queue_name: str) -> None:
    from loyalty.jobs import nightly

    from payouts.jobs import reconcile_payouts

    cron.register(reconcile_payouts, queue_name, interval=RECONCILE_EVERY_SECONDS)
    cron.register(nightly, queue_name, interval=NIGHTLY_EVERY_SECONDS)


def embedded_tick(app: Any, ticks: int) -> None:
    from workers.queue import enqueue

    if ticks % RECONCILE_EVERY_SECONDS == 0:
        enqueue(app, "payouts.jobs.reconcile_payouts", job_id="reconcile-payouts")
