"""Gunicorn settings for the Procfile's web process: JSON logs with masked phones, like every other process.

Why: gunicorn configures its own plain-text loggers, and `inaam`'s CLI (which sets up structured
logging) is not involved when gunicorn imports the app factory. This config file's logger class
routes gunicorn's error and access logs through the same structlog JSON handler (``bot.logs``).
Use: ``gunicorn -c python:bot.gunicorn_conf "bot.app:create_app()"``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.glogging import Logger

from bot.logs import configure


class JsonLogger(Logger):
    """Gunicorn's logger, writing through the root handler that ``bot.logs.configure`` installs."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        configure(os.environ.get("INAAM_LOG_LEVEL", "INFO").upper())
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True


logger_class = JsonLogger
loglevel = os.environ.get("INAAM_LOG_LEVEL", "info").lower()


def post_fork(server: Any, worker: Any) -> None:
    """Each worker process starts with the same structured logging (the app factory logs too)."""
    configure(os.environ.get("INAAM_LOG_LEVEL", "INFO").upper())
    logging.getLogger("gunicorn.error").propagate = True
