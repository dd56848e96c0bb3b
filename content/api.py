"""Twilio Content API calls, made with the real twilio client pointed at the configured base URL.

Why: templates and interactive contents are resources at ``https://content.twilio.com/v1/Content``
(``HX…`` SIDs); WhatsApp approval is requested per content at
``/v1/Content/{sid}/ApprovalRequests/whatsapp`` and read back from ``/v1/Content/{sid}/ApprovalRequests``.
The base URL is config (``TWILIO_CONTENT_BASE_URL``), so the stand-in serves the same calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from bot.twilio_client import client_for

logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # it logs every request's headers at INFO


@dataclass(frozen=True)
class Approval:
    status: str
    rejection_reason: str | None


def content_client(config: Any) -> Client:
    """The shared twilio client with its Content domain at the configured base URL."""
    client = client_for(config)
    client.content.base_url = config.get("TWILIO_CONTENT_BASE_URL") or config["TWILIO_API_BASE_URL"]
    return client


def _clean(value: Any) -> Any:
    """Drop the null members twilio-python's request models serialize (the API ignores them)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def create_content(client: Client, *, friendly_name: str, language: str, types: dict[str, Any],
                   variables: dict[str, str] | None = None) -> str:
    """Create a Content resource and return its ``HX…`` SID.

    Raises:
        TwilioRestException: the API refused it (4xx) or is unavailable (5xx, 429).
    """
    request = ContentList.ContentCreateRequest(
        {"friendly_name": friendly_name, "language": language, "variables": variables or {}, "types": types}
    )
    created = client.content.v1.contents.create(request)
    assert created.sid
    return created.sid


def request_approval(client: Client, sid: str, *, name: str, category: str) -> Approval:
    """Submit the content to WhatsApp for approval as template ``name``."""
    request = ApprovalCreateList.ContentApprovalRequest({"name": name, "category": category})
    created = client.content.v1.contents(sid).approval_create.create(request)
    return Approval(status=(created.status or "received").lower(), rejection_reason=created.rejection_reason or None)


def fetch_approval(client: Client, sid: str) -> Approval:
    """The WhatsApp approval state of content ``sid`` (``unsubmitted`` when never submitted)."""
    fetched = client.content.v1.contents(sid).approval_fetch().fetch()
    whatsapp = fetched.whatsapp or {}
    return Approval(
        status=str(whatsapp.get("status") or "unsubmitted").lower(),
        rejection_reason=whatsapp.get("rejection_reason") or None,
    )


__all__ = ["Approval", "_clean", "content_client", "create_content", "fetch_approval", "request_approval"]
