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

_PHONE = re.compile(r"(?<![\w\-/.])(\+?\d[\d ]{8,14}\d)(?![\w\-/]|\.\d)")
_ENCODED_PHONE = re.compile(r"(%2B|%2b)(\d{2})(\d{4,11})(\d{4})(?!\d)")
"""A phone number standing alone; digits inside ids (``job-123…``, ``SM12…``, ``/path/123…``) are not."""

ROUTINE = {
    "twilio.http_client": None,
    "rq.scheduler": re.compile(r"scheduler lock|Scheduler for .* started|releasing locks"),
    "rq.worker": re.compile(r"Job OK|: [\w.-]+: |cleaning (group )?registries|subscribing|Registered|"
                            r"Successfully completed|result is kept|Sent heartbeat"),
    "rq.cron": re.compile(r"[Ee]nqueu|Registered|registering birth"),
    "rq.job": None,
}
"""Loggers (and messages; None: all) whose INFO lines are routine: shown only at DEBUG level."""
_SECRET_KEYS = {"auth_token", "token", "password", "secret", "authorization", "twilio_auth_token", "coupon_secret"}


def mask_phone(text: str) -> str:
    """'+919812345678' -> '+91******5678' (country code and last 4 kept for support)."""

    def repl(m: re.Match[str]) -> str:
        digits = m.group(1)
        if sum(ch.isdigit() for ch in digits) < 10:
            return digits
        keep_head = 3 if digits.startswith("+") else 2
        return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]

    text = _ENCODED_PHONE.sub(lambda m: m.group(1) + m.group(2) + "*" * len(m.group(3)) + m.group(4), text)
    return _PHONE.sub(repl, text)


def _mask(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(event.items()):
        if key.lower() in _SECRET_KEYS:
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = mask_phone(value)
    return event


class RoutineToDebug(logging.Filter):
    """Demote routine INFO lines (scheduler locks, per-job lines, Twilio HTTP dumps) to DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        name = record.name
        for prefix, pattern in ROUTINE.items():
            ours = name == prefix or name.startswith(prefix + ".")
            if ours and (pattern is None or pattern.search(record.getMessage())):
                record.levelno, record.levelname = logging.DEBUG, "DEBUG"
                return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


class StderrToLog:
    """Stands in for ``sys.stderr``: text written there (a child process's traceback) becomes one log record."""

    encoding = "utf-8"

    def __init__(self) -> None:
        self._buffer = ""
        self._logger = logging.getLogger("stderr")

    def write(self, text: str) -> int:
        self._buffer += text
        if self._buffer.endswith("\n"):
            last = self._buffer.rstrip("\n").rsplit("\n", 1)[-1]
            # a traceback ends at its first unindented line that is not a header ("...:")
            if not last.startswith((" ", "\t", "Traceback")) and not last.endswith(":"):
                self.flush()
        if len(self._buffer) > 65536:
            self.flush()
        return len(text)

    def flush(self) -> None:
        text, self._buffer = self._buffer.strip("\n"), ""
        if text:
            self._logger.error(text)

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return sys.__stderr__.fileno()


def capture_stderr() -> None:
    """Send what is written to stderr (tracebacks of RQ's child processes) through the JSON log."""
    if isinstance(sys.stderr, StderrToLog):
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
            handler.setStream(sys.__stderr__)
    sys.stderr = StderrToLog()  # type: ignore[assignment]


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
    handler.addFilter(RoutineToDebug())
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
