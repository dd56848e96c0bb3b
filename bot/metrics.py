"""Prometheus metrics: request counts and latencies, queue depth, failed jobs.

Why: operators watch acknowledgement latency (Twilio gives up after 15 s) and the queue's
backlog; both are visible at ``GET /metrics``.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def init_app(app: Flask) -> None:
    """Register per-app metrics and the request hooks that feed them."""
    registry = CollectorRegistry()
    requests_total = Counter(
        "inaam_http_requests", "HTTP requests by endpoint and status", ["endpoint", "status"], registry=registry
    )
    latency = Histogram(
        "inaam_http_request_seconds", "HTTP request latency", ["endpoint"], buckets=REQUEST_BUCKETS,
        registry=registry,
    )
    queue_depth = Gauge("inaam_queue_depth", "Jobs waiting in the queue", registry=registry)
    jobs_failed = Gauge("inaam_jobs_failed", "Jobs in RQ's failed registry", registry=registry)
    app.extensions["inaam.metrics"] = {
        "registry": registry,
        "inbound": Counter("inaam_inbound_messages", "Inbound messages stored", ["result"], registry=registry),
    }

    @app.before_request
    def _start_timer() -> None:
        g.inaam_started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        endpoint = request.endpoint or "unknown"
        started = g.get("inaam_started")
        if started is not None:
            latency.labels(endpoint).observe(time.perf_counter() - started)
        requests_total.labels(endpoint, str(response.status_code)).inc()
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        from workers.queue import get_queue

        try:
            queue = get_queue()
            queue_depth.set(queue.count)
            jobs_failed.set(queue.failed_job_registry.count)
        except Exception:  # the queue being down must not hide the other metrics
            queue_depth.set(float("nan"))
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def count_inbound(app: Any, result: str) -> None:
    app.extensions["inaam.metrics"]["inbound"].labels(result).inc()
