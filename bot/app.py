"""The Flask app factory: settings, database, queue, webhooks, health and metrics.

Why: nothing is built at import time, so tests, the web server, workers and the CLI each build
an app from their own settings (environment, then a test override).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy.exc import DBAPIError

from bot.config import load_settings

logger = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None, *, environ: dict[str, str] | None = None) -> Flask:
    """Build the app. ``test_config`` overrides settings read from ``environ`` (default os.environ).

    Raises:
        ConfigError: a setting is missing or malformed.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(EMBEDDED_WORKER=True)
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

    @app.errorhandler(DBAPIError)
    def database_down(exc: DBAPIError) -> tuple[str, int]:
        # Twilio retries / uses the fallback URL on 5xx: nothing stored, nothing lost.
        logger.error("Database error in request: %s", exc.__class__.__name__)
        return "database unavailable", 503

    return app
