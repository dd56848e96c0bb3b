"""Twilio's REST client, real, pointed at the configured base URL.

Why: tests and the local chat use a Twilio-compatible stand-in; the twilio library itself is
used unchanged (only its ``base_url`` differs), so what is tested is what runs in production.
"""

from __future__ import annotations

import threading
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

DEFAULT_TIMEOUT_SECONDS = 10
"""Timeout of one Twilio REST call; a timeout is retried by the job with backoff."""

_clients: dict[tuple[str, str, str], Client] = {}
_lock = threading.Lock()


def client_for(config: Any) -> Client:
    """A (cached per process and settings) Twilio client for ``config``."""
    key = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], config["TWILIO_API_BASE_URL"])
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = Client(
                key[0], key[1], http_client=TwilioHttpClient(timeout=DEFAULT_TIMEOUT_SECONDS), environment={}
            )
            client.api.base_url = key[2]
            _clients[key] = client
        return client


def status_callback_url(config: Any) -> str:
    return f"{config['PUBLIC_BASE_URL']}/webhooks/twilio/status"
