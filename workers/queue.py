"""The job queue: RQ on Redis in production, RQ on an in-process fakeredis when REDIS_URL is unset.

Why: the embedded mode must run the very same job code as production (RQ serializes the call,
a worker thread executes it), so trying Inaam on a laptop exercises the real path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import redis
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.timeouts import TimerDeathPenalty

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "inaam"
"""Queue name used for every job."""

DEFAULT_RETRY = Retry(max=5, interval=[1, 5, 15, 60, 180])
"""Backoff for jobs that fail on transient faults (Twilio 429/5xx, timeouts, database hiccups)."""


class EmbeddedWorker(SimpleWorker):
    """An RQ worker that runs in a thread of the web process.

    Signals only work in the main thread, so it installs no signal handlers and enforces job
    timeouts with RQ's timer-based death penalty instead of SIGALRM.
    """

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


def connect(url: str | None) -> redis.Redis:
    """A Redis connection for ``url``; ``None`` gives the shared in-process fakeredis server."""
    if url:
        return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
    import fakeredis

    return fakeredis.FakeRedis(server=_fake_server())


_FAKE_SERVER: Any = None
_FAKE_LOCK = threading.Lock()


def _fake_server() -> Any:
    global _FAKE_SERVER
    import fakeredis

    with _FAKE_LOCK:
        if _FAKE_SERVER is None:
            _FAKE_SERVER = fakeredis.FakeServer()
        return _FAKE_SERVER


def init_app(app: Any) -> None:
    """Attach the queue to ``app``; in embedded mode also start the worker thread."""
    conn = connect(app.config.get("REDIS_URL"))
    app.extensions["inaam.redis"] = conn
    app.extensions["inaam.queue"] = Queue(DEFAULT_QUEUE, connection=conn)
    if not app.config.get("REDIS_URL") and app.config.get("EMBEDDED_WORKER", True):
        start_embedded_worker(app)


def get_queue(app: Any = None) -> Queue:
    if app is None:
        from flask import current_app

        app = current_app
    return app.extensions["inaam.queue"]


def enqueue(
    app: Any, func: Callable[..., Any] | str, *args: Any, job_id: str | None = None, retry: Retry | None = None,
    at_front: bool = False,
) -> Job | None:
    """Enqueue ``func(*args)``; a duplicate ``job_id`` still queued is a no-op (returns None)."""
    queue = get_queue(app)
    try:
        return queue.enqueue(
            func, *args, job_id=job_id, unique=job_id is not None, retry=retry or DEFAULT_RETRY,
            at_front=at_front, failure_ttl=7 * 24 * 3600, result_ttl=300,
        )
    except DuplicateJobError:
        return None


def start_embedded_worker(app: Any) -> threading.Thread:
    """Run an RQ worker in a daemon thread of this process, plus a clock thread.

    RQ's own scheduler forks a process, which cannot share an in-process fakeredis, so the clock
    thread moves due retries to the queue and enqueues the periodic sweep instead.
    """
    from workers import runtime

    runtime.set_app(app)
    queue = get_queue(app)
    worker = EmbeddedWorker([queue], connection=app.extensions["inaam.redis"])
    stop = threading.Event()
    app.extensions["inaam.embedded_worker"] = (worker, stop)

    def run() -> None:
        try:
            worker.work(logging_level="WARNING", max_idle_time=None)
        except Exception:  # pragma: no cover - logged, the thread ends
            logger.exception("Embedded worker stopped")

    def clock() -> None:
        from campaigns.sending import tick as campaigns_tick
        from workers import jobs

        ticks = 0
        while not stop.wait(1.0):
            ticks += 1
            try:
                enqueue_due_retries(queue)
                if ticks % DEFAULT_SWEEP_EVERY_SECONDS == 0:
                    enqueue(app, jobs.sweep, job_id=f"sweep-{ticks}")  # a kept job keeps its id taken
                    enqueue(app, campaigns_tick, job_id=f"campaigns-tick-{ticks}")  # schedules, bonuses, time-outs
                elif ticks % OUTBOX_SWEEP_EVERY_SECONDS == 0:
                    enqueue(app, jobs.sweep_outbox, job_id=f"sweep-outbox-{ticks}")
                from payouts.schedule import embedded_tick

                embedded_tick(app, ticks)
            except Exception:  # pragma: no cover - keep ticking
                logger.exception("Embedded clock tick failed")

    thread = threading.Thread(target=run, name="inaam-embedded-worker", daemon=True)
    thread.start()
    threading.Thread(target=clock, name="inaam-embedded-clock", daemon=True).start()
    return thread


DEFAULT_SWEEP_EVERY_SECONDS = 10
"""How often the sweeper runs: re-enqueues stored but unprocessed inbound and pending outbound."""

OUTBOX_SWEEP_EVERY_SECONDS = 2
"""How often the outbox is checked for rows written by other processes (CLI commands, campaigns)."""


def enqueue_due_retries(queue: Queue) -> None:
    """Move jobs whose retry time has come to the queue (RQ's scheduler step, run in-thread)."""
    from rq.scheduler import RQScheduler

    scheduler = RQScheduler([queue], connection=queue.connection)
    scheduler.acquire_locks()
    try:
        scheduler.enqueue_scheduled_jobs()
    finally:
        scheduler.release_locks()


def stop_embedded_worker(app: Any) -> None:
    entry = app.extensions.get("inaam.embedded_worker")
    if entry is not None:
        worker, stop = entry
        stop.set()
        worker._stop_requested = True
