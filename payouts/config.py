"""Payout settings from the environment: provider, RazorpayX keys, encryption key.

With none of the ``RAZORPAYX_*`` keys set, the bot talks to the local RazorpayX stand-in
(``standins.razorpayx``, started by ``inaam serve``) with development keys; once any is set, all
four are required. ``INAAM_PAYOUT_PROVIDER=manual`` pays through an operator's bank upload instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from storage import crypto

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.razorpay.com"
DEV_KEY_ID = "rzp_test_inaamdev0001"
DEV_KEY_SECRET = "dev-razorpayx-key-secret"
DEV_ACCOUNT_NUMBER = "7878780080316316"
DEV_WEBHOOK_SECRET = "dev-razorpayx-webhook-secret"
DEFAULT_STANDIN_PORT = 5098
"""Port of the RazorpayX stand-in that `inaam serve` starts in embedded mode."""

KEYS = ("RAZORPAYX_KEY_ID", "RAZORPAYX_KEY_SECRET", "RAZORPAYX_ACCOUNT_NUMBER", "RAZORPAYX_WEBHOOK_SECRET")
PROVIDERS = ("razorpayx", "manual")


class PayoutConfigError(ValueError):
    """One line naming the bad variable (turned into ConfigError by bot.config)."""


def load_payout_settings(env: Mapping[str, str]) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    provider = env.get("INAAM_PAYOUT_PROVIDER", "razorpayx").strip() or "razorpayx"
    if provider not in PROVIDERS:
        raise PayoutConfigError(f"INAAM_PAYOUT_PROVIDER must be one of {', '.join(PROVIDERS)}")
    cfg["PAYOUT_PROVIDER"] = provider
    given = {k: env.get(k, "").strip() for k in KEYS}
    if any(given.values()):
        missing = [k for k, v in given.items() if not v]
        if missing:
            raise PayoutConfigError(f"{missing[0]} is required when any RAZORPAYX_* key is set")
        cfg["RAZORPAYX_STANDIN"] = False
        cfg.update(given)
    else:
        cfg["RAZORPAYX_STANDIN"] = True
        cfg.update(RAZORPAYX_KEY_ID=DEV_KEY_ID, RAZORPAYX_KEY_SECRET=DEV_KEY_SECRET,
                   RAZORPAYX_ACCOUNT_NUMBER=DEV_ACCOUNT_NUMBER, RAZORPAYX_WEBHOOK_SECRET=DEV_WEBHOOK_SECRET)
    base = env.get("RAZORPAYX_API_BASE_URL", "").strip()
    if base:
        parsed = urlparse(base)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise PayoutConfigError("RAZORPAYX_API_BASE_URL must be a URL starting with http:// or https://")
        cfg["RAZORPAYX_API_BASE_URL"] = base.rstrip("/")
    elif cfg["RAZORPAYX_STANDIN"]:
        cfg["RAZORPAYX_API_BASE_URL"] = f"http://127.0.0.1:{DEFAULT_STANDIN_PORT}"
    else:
        cfg["RAZORPAYX_API_BASE_URL"] = DEFAULT_API_BASE_URL
    timeout = env.get("RAZORPAYX_TIMEOUT_SECONDS", "10").strip() or "10"
    try:
        cfg["RAZORPAYX_TIMEOUT_SECONDS"] = float(timeout)
    except ValueError:
        raise PayoutConfigError("RAZORPAYX_TIMEOUT_SECONDS must be a number of seconds") from None
    waits = env.get("RAZORPAYX_VALIDATION_WAITS", "").strip()
    if waits:
        try:
            cfg["RAZORPAYX_VALIDATION_WAITS"] = ",".join(str(float(w)) for w in waits.split(",") if w.strip())
        except ValueError:
            raise PayoutConfigError("RAZORPAYX_VALIDATION_WAITS must be seconds, comma-separated") from None

    key = env.get("INAAM_ENCRYPTION_KEY", "").strip()
    if key:
        try:
            keys = crypto.parse_keys(key)
        except ValueError as exc:
            raise PayoutConfigError(f"INAAM_ENCRYPTION_KEY: {exc}") from None
    else:
        if not cfg["RAZORPAYX_STANDIN"] or provider == "manual":
            raise PayoutConfigError("INAAM_ENCRYPTION_KEY is required with real payouts "
                                    "(generate one: python -c 'from cryptography.fernet import Fernet; "
                                    "print(Fernet.generate_key().decode())')")
        keys = None
        logger.warning("INAAM_ENCRYPTION_KEY is unset: PAN and UPI IDs use the development key")
    crypto.configure(keys)
    return cfg
