"""Keep `inaam worker` and `inaam scheduler` alive through Redis and PostgreSQL outages.

Why: RQ's worker retries its dequeue when Redis drops, but other steps (registration, heartbeat,
job bookkeeping) raise and end the process; RQ's cron scheduler ends on the first error. With no
supervisor to restart them, the bot would go silent. These loops wait with exponential backoff
(capped) and start a fresh worker or scheduler on a fresh connection when the service is back.
A job that fails on a database outage is retried by RQ's own Retry (and the sweeper), so the
worker itself only has to survive.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, DBAPIError, OSError)
"""Errors that mean a service went away, not a bug."""

MAX_BACKOFF_SECONDS = 5.0


class _Stop:
    """Set by SIGTERM/SIGINT so the loop ends instead of restarting."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                self.event.set()
                if callable(previous):
                    previous(signum, frame)
                else:
                    raise SystemExit(0)

            signal.signal(sig, handler)


def keep_running(name: str, run_once: Callable[[], bool], *, sleep: Callable[[float], None] = time.sleep,
                 stop: threading.Event | None = None) -> None:
    """Call ``run_once`` until it returns True (a clean end), waiting and retrying on outages.

    ``run_once`` builds its own connections each time, so a restarted Redis or PostgreSQL is
    picked up. The backoff doubles from 0.5 s up to MAX_BACKOFF_SECONDS and resets after a run
    that lasted longer than a minute.
    """
    backoff = 0.5
    while stop is None or not stop.is_set():
        started = time.monotonic()
        try:
            if run_once():
                return
        except OUTAGE_ERRORS as exc:
            if time.monotonic() - started > 60:
                backoff = 0.5
            logger.warning("%s: %s (%s); retrying in %.1f s", name, exc.__class__.__name__,
                           str(exc).splitlines()[0][:160] if str(exc) else "", backoff)
            sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def run_worker(app: Any, *, burst: bool, fork: bool) -> None:
    """An RQ worker that outlives Redis outages (a fresh connection and worker after each)."""
    from rq import SimpleWorker, Worker
    from rq.queue import Queue

    from workers.queue import DEFAULT_QUEUE, connect

    stopper = _Stop()
    stopper.install()
    worker_class = Worker if fork else SimpleWorker

    def once() -> bool:
        conn = connect(app.config["REDIS_URL"])
        conn.ping()
        queue = Queue(DEFAULT_QUEUE, connection=conn)
        app.extensions["inaam.redis"] = conn
        app.extensions["inaam.queue"] = queue
        worker = worker_class([queue], connection=conn)
        worker.work(burst=burst, with_scheduler=True, logging_level=logging.getLevelName(logging.getLogger().level))
        return True  # work() returns on a stop request (SIGTERM) or an empty queue in burst mode

    keep_running("worker", once, stop=stopper.event)


def run_scheduler(app: Any, register: Callable[[Any], None]) -> None:
    """RQ's cron scheduler that outlives Redis outages; ``register(cron)`` adds the periodic jobs."""
    from rq.cron import CronScheduler

    from workers.queue import connect

    stopper = _Stop()
    stopper.install()

    def once() -> bool:
        conn = connect(app.config["REDIS_URL"])
        conn.ping()
        cron = CronScheduler(connection=conn)
        register(cron)
        cron.start()
        return True  # start() returns only on a shutdown signal

    keep_running("scheduler", once, stop=stopper.event)
