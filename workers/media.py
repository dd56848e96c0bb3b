"""Fetch inbound media from Twilio and store it, with checksum and real type, before any processing.

Why: Twilio's media URLs need HTTP basic auth and redirect to a CDN that must not get our
credentials (requests drops them on a host change); a file over the size limit is refused
without reading it all, and everything fetched is kept for inspection.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from claims.vision.imaging import sniff
from storage.base import utcnow
from storage.models import Media, MediaStatus

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT, READ_TIMEOUT = 5, 30
"""Seconds for the media fetch (connect, read)."""


class TransientFetchError(Exception):
    """Raised when Twilio/CDN answered 429/5xx or timed out; the job is retried."""


def fetch_pending_media(factory: sessionmaker[Session], inbound_id: int, config: Any) -> None:
    """Fetch every pending media item of an inbound message (idempotent)."""
    with factory() as session:
        pending = session.scalars(
            select(Media.id).where(Media.inbound_id == inbound_id, Media.status == MediaStatus.PENDING.value)
        ).all()
    for media_id in pending:
        fetch_one(factory, media_id, config)


def fetch_one(factory: sessionmaker[Session], media_id: int, config: Any) -> None:
    with factory() as session:
        media = session.get(Media, media_id)
        if media is None or media.status != MediaStatus.PENDING.value:
            return
        url = media.url
    limit = int(config["MEDIA_MAX_BYTES"])
    try:
        result = _download(url, (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]), limit)
    except requests.RequestException as exc:
        raise TransientFetchError(f"media {media_id}: {exc.__class__.__name__}") from exc
    with factory.begin() as session:
        media = session.get(Media, media_id)
        if media is None or media.status != MediaStatus.PENDING.value:
            return
        status, data, content_type, error = result
        media.status = status
        media.error = error
        media.fetched_at = utcnow()
        if data is not None:
            media.data = data
            media.size = len(data)
            media.sha256 = hashlib.sha256(data).hexdigest()
            media.content_type = sniff(data) or content_type or media.declared_type
    logger.info("Media %s: %s (%s)", media_id, result[0], result[3] or result[2])


def _download(url: str, auth: tuple[str, str], limit: int) -> tuple[str, bytes | None, str, str | None]:
    with requests.get(url, auth=auth, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), stream=True) as resp:
        if resp.status_code == 429 or resp.status_code >= 500:
            raise TransientFetchError(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            return MediaStatus.FAILED.value, None, "", f"http_{resp.status_code}"
        content_type = resp.headers.get("Content-Type", "").split(";")[0].strip()
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            return MediaStatus.REFUSED.value, None, content_type, "too_large"
        chunks, size = [], 0
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                return MediaStatus.REFUSED.value, None, content_type, "too_large"
            chunks.append(chunk)
    return MediaStatus.STORED.value, b"".join(chunks), content_type, None
