"""``GET /healthz``: is the database reachable, is the queue reachable.

Why: a load balancer takes a web process out of rotation when its database is gone (it could
not store messages); a dead queue only degrades (the sweeper catches up), so it is reported.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from storage.db import engine_of
from workers.queue import get_queue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    checks: dict[str, str] = {}
    try:
        with engine_of().connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        get_queue().connection.ping()
        checks["queue"] = "ok"
    except Exception as exc:
        checks["queue"] = f"error: {exc.__class__.__name__}"
    healthy = checks["database"] == "ok"
    body = {"status": "ok" if healthy and checks["queue"] == "ok" else ("degraded" if healthy else "down"), **checks}
    return jsonify(body), 200 if healthy else 503
