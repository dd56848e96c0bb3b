"""The Flask app factory: settings, database, queue, webhooks, health and metrics.

Why: nothing is built at import time, so tests, the web server, workers and the CLI each build
an app from their own settings (environment, then a test override).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge

from bot.config import load_settings

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024
"""A webhook body over this is refused with 413 before any work (Twilio's forms are a few KiB)."""


def create_app(test_config: dict[str, Any] | None = None, *, environ: dict[str, str] | None = None) -> Flask:
    """Build the app. ``test_config`` overrides settings read from ``environ`` (default os.environ).

    Raises:
        ConfigError: a setting is missing or malformed.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(EMBEDDED_WORKER=True, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES)
    app.config.update(load_settings(environ, instance_path=app.instance_path))
    if test_config:
        app.config.update(test_config)

    from bot import health, metrics, webhooks
    from storage import db
    from workers import queue

    db.init_app(app)
    queue.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    from payouts import privacy as payout_privacy
    from payouts import webhooks as payout_webhooks

    app.register_blueprint(payout_webhooks.bp)
    payout_privacy.register()

    import admin
    import api

    admin.init_app(app)
    api.init_app(app)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> tuple[str, int]:
        logger.warning("Request to %s refused: body over %s bytes (%s declared)", request.path,
                       app.config["MAX_CONTENT_LENGTH"], request.content_length)
        return "request body too large", 413

    @app.errorhandler(DBAPIError)
    def database_down(exc: DBAPIError) -> tuple[str, int]:
        # Twilio retries / uses the fallback URL on 5xx: nothing stored, nothing lost.
        logger.error("Database error in request: %s", exc.__class__.__name__)
        return "database unavailable", 503

    return app
