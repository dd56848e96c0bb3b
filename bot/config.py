"""Settings from the environment (12-factor), parsed once, with embedded defaults.

Why: a web process, a worker and the CLI must agree on every setting, and a malformed value
must stop start-up with one line naming the variable rather than fail on the first message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot import defaults
from bot.program import ProgramError, load_program

SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")
WHATSAPP_ADDR_RE = re.compile(r"^whatsapp:\+[1-9][0-9]{6,14}$")


class ConfigError(Exception):
    """Raised when a required setting is missing or malformed; the message is one line."""


def _url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise ConfigError(f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}")
    return value.rstrip("/")


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be positive, got {number}")
    return number


def load_settings(environ: Mapping[str, str] | None = None, *, instance_path: str | Path) -> dict[str, Any]:
    """Read every setting from ``environ`` and return the app config mapping.

    Raises:
        ConfigError: one line naming the bad variable.
    """
    env = dict(os.environ if environ is None else environ)
    instance = Path(instance_path)
    cfg: dict[str, Any] = {}

    db = env.get("DATABASE_URL", "").strip()
    if db:
        if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", db):
            raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
        cfg["DATABASE_URL"] = db
    else:
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'inaam.db'}"

    redis_url = env.get("REDIS_URL", "").strip()
    cfg["REDIS_URL"] = _url("REDIS_URL", redis_url, ("redis", "rediss", "unix")) if redis_url else None

    sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    sender = env.get("TWILIO_WHATSAPP_FROM", "").strip()
    if sid or token:
        if not SID_RE.match(sid):
            raise ConfigError("TWILIO_ACCOUNT_SID must be 'AC' followed by 32 hex characters")
        if not token:
            raise ConfigError("TWILIO_AUTH_TOKEN is required when TWILIO_ACCOUNT_SID is set")
        if not sender:
            raise ConfigError("TWILIO_WHATSAPP_FROM is required when TWILIO_ACCOUNT_SID is set")
        cfg["TWILIO_STANDIN"] = False
    else:
        sid, token = defaults.DEV_TWILIO_ACCOUNT_SID, defaults.DEV_TWILIO_AUTH_TOKEN
        sender = sender or defaults.DEV_TWILIO_WHATSAPP_FROM
        cfg["TWILIO_STANDIN"] = True
    if not WHATSAPP_ADDR_RE.match(sender):
        raise ConfigError("TWILIO_WHATSAPP_FROM must look like whatsapp:+14155238886")
    cfg.update(TWILIO_ACCOUNT_SID=sid, TWILIO_AUTH_TOKEN=token, TWILIO_WHATSAPP_FROM=sender)

    base = env.get("TWILIO_API_BASE_URL", "").strip()
    if base:
        cfg["TWILIO_API_BASE_URL"] = _url("TWILIO_API_BASE_URL", base, ("http", "https"))
    elif cfg["TWILIO_STANDIN"]:
        cfg["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{defaults.DEFAULT_STANDIN_PORT}"
    else:
        cfg["TWILIO_API_BASE_URL"] = defaults.DEFAULT_TWILIO_API_BASE_URL

    port = _positive_int("PORT", env.get("PORT", str(defaults.DEFAULT_PORT)))
    cfg["PORT"] = port
    public = env.get("PUBLIC_BASE_URL", "").strip()
    cfg["PUBLIC_BASE_URL"] = (
        _url("PUBLIC_BASE_URL", public, ("http", "https")) if public else f"http://127.0.0.1:{port}"
    )

    secret = env.get("INAAM_COUPON_SECRET", "").strip()
    if not secret and not cfg["TWILIO_STANDIN"]:
        raise ConfigError("INAAM_COUPON_SECRET is required in production (any long random string)")
    if secret and len(secret) < 16:
        raise ConfigError("INAAM_COUPON_SECRET must be at least 16 characters")
    cfg["COUPON_SECRET"] = (secret or defaults.DEV_COUPON_SECRET).encode()

    cfg["MEDIA_MAX_BYTES"] = _positive_int(
        "INAAM_MEDIA_MAX_BYTES", env.get("INAAM_MEDIA_MAX_BYTES", str(defaults.DEFAULT_MEDIA_MAX_BYTES))
    )
    cfg["MEDIA_MAX_PIXELS"] = _positive_int(
        "INAAM_MEDIA_MAX_PIXELS", env.get("INAAM_MEDIA_MAX_PIXELS", str(defaults.DEFAULT_MEDIA_MAX_PIXELS))
    )
    cfg["SWEEP_AFTER_SECONDS"] = _positive_int(
        "INAAM_SWEEP_AFTER_SECONDS", env.get("INAAM_SWEEP_AFTER_SECONDS", str(defaults.DEFAULT_SWEEP_AFTER_SECONDS))
    )
    cfg["SEND_STALE_SECONDS"] = _positive_int(
        "INAAM_SEND_STALE_SECONDS", env.get("INAAM_SEND_STALE_SECONDS", str(defaults.DEFAULT_SEND_STALE_SECONDS))
    )
    extra_hosts = [h.strip().lower() for h in env.get("INAAM_MEDIA_HOSTS", "").split(",") if h.strip()]
    cfg["MEDIA_HOSTS"] = [*defaults.DEFAULT_MEDIA_HOSTS, *extra_hosts]

    from payouts.config import PayoutConfigError, load_payout_settings

    try:
        cfg.update(load_payout_settings(env))
    except PayoutConfigError as exc:
        raise ConfigError(str(exc)) from None

    cfg.update(_messaging_settings(env, cfg))

    program_file = env.get("INAAM_PROGRAM_FILE", "").strip() or None
    try:
        cfg["PROGRAM"] = load_program(program_file)
    except ProgramError as exc:
        raise ConfigError(f"INAAM_PROGRAM_FILE: {exc}") from None
    return cfg


def _messaging_settings(env: Mapping[str, str], cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Content API base URL, WhatsApp templates, campaign pacing and handoff time-out (issue 9)."""
    from content.templates import TemplateError, load_templates

    out: dict[str, Any] = {}
    content = env.get("TWILIO_CONTENT_BASE_URL", "").strip()
    if content:
        out["TWILIO_CONTENT_BASE_URL"] = _url("TWILIO_CONTENT_BASE_URL", content, ("http", "https"))
    elif cfg["TWILIO_API_BASE_URL"] == defaults.DEFAULT_TWILIO_API_BASE_URL:
        out["TWILIO_CONTENT_BASE_URL"] = defaults.DEFAULT_TWILIO_CONTENT_BASE_URL
    else:
        out["TWILIO_CONTENT_BASE_URL"] = None  # a stand-in serves both: follow TWILIO_API_BASE_URL
    try:
        out["TEMPLATES"] = load_templates(env.get("INAAM_TEMPLATES_FILE", "").strip() or None)
    except TemplateError as exc:
        raise ConfigError(f"INAAM_TEMPLATES_FILE: {exc}") from None
    out["CAMPAIGN_RATE_PER_SECOND"] = _positive_int(
        "INAAM_CAMPAIGN_RATE", env.get("INAAM_CAMPAIGN_RATE", str(defaults.DEFAULT_CAMPAIGN_RATE))
    )
    out["CAMPAIGN_BATCH_SIZE"] = _positive_int(
        "INAAM_CAMPAIGN_BATCH", env.get("INAAM_CAMPAIGN_BATCH", str(defaults.DEFAULT_CAMPAIGN_BATCH))
    )
    out["CAMPAIGN_PARALLEL"] = _positive_int(
        "INAAM_CAMPAIGN_PARALLEL", env.get("INAAM_CAMPAIGN_PARALLEL", str(defaults.DEFAULT_CAMPAIGN_PARALLEL))
    )
    daily = env.get("INAAM_WHATSAPP_DAILY_LIMIT", "0").strip() or "0"
    out["CAMPAIGN_DAILY_LIMIT"] = 0 if daily == "0" else _positive_int("INAAM_WHATSAPP_DAILY_LIMIT", daily)
    out["CAMPAIGN_THREADS"] = _positive_int(
        "INAAM_CAMPAIGN_THREADS", env.get("INAAM_CAMPAIGN_THREADS", str(defaults.DEFAULT_CAMPAIGN_THREADS))
    )
    out["HANDOFF_TIMEOUT_MINUTES"] = _positive_int(
        "INAAM_HANDOFF_TIMEOUT_MINUTES",
        env.get("INAAM_HANDOFF_TIMEOUT_MINUTES", str(defaults.DEFAULT_HANDOFF_TIMEOUT_MINUTES)),
    )
    return out
