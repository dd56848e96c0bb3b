"""Structured logs (structlog, JSON lines) with phone numbers masked and secrets never printed.

Why: logs are shipped off the box; a member's number or an auth token in them would be a leak.
Every stdlib logger (ours, RQ's, Flask's) goes through the same processors.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

_PHONE = re.compile(r"(?<![\w])(\+?\d[\d ]{8,14}\d)(?![\w])")
_SECRET_KEYS = {"auth_token", "token", "password", "secret", "authorization", "twilio_auth_token", "coupon_secret"}


def mask_phone(text: str) -> str:
    """'+919812345678' -> '+91******5678' (country code and last 4 kept for support)."""

    def repl(m: re.Match[str]) -> str:
        digits = m.group(1)
        if sum(ch.isdigit() for ch in digits) < 10:
            return digits
        keep_head = 3 if digits.startswith("+") else 2
        return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]

    return _PHONE.sub(repl, text)


def _mask(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(event.items()):
        if key.lower() in _SECRET_KEYS:
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = mask_phone(value)
    return event


def configure(level: str = "INFO", *, json: bool = True) -> None:
    """Route stdlib logging through structlog's JSON renderer with masking."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _mask, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("alembic", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
