"""Fetch inbound media from Twilio and store it, with checksum and real type, before any processing.

Why: a media URL comes from a signed webhook, but its host, scheme and redirects are still
checked: files are fetched only from Twilio's hosts (the API host, Twilio's media CDN hosts and
any configured in INAAM_MEDIA_HOSTS), credentials go only to the API host and never to a
redirect target. Failures have an end: a 4xx, a bad scheme, a host outside the list, a redirect
loop or repeated truncation is permanent at once; timeouts, 5xx and 429 are retried with backoff
for about two minutes (the sweeper is the only retry path; the job itself never raises for a
file). Meanwhile the member's later messages go ahead; afterwards the message is processed
without the file and the member is asked to send it again.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from claims.vision.imaging import sniff
from storage.base import utcnow
from storage.models import InboundMessage, Media, MediaStatus

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT, READ_TIMEOUT = 3, 4
"""Seconds for the media fetch (connect, between bytes)."""

TOTAL_SECONDS = 10.0
"""Longest one download may take, however slowly the bytes trickle."""

MAX_REDIRECTS = 5
RETRY_WINDOW = dt.timedelta(seconds=120)
"""How long transient failures are retried before the member is asked to send the file again."""

BACKOFF_SECONDS = (10, 20, 30, 30, 30)
"""Wait before the n-th retry (the last value repeats until RETRY_WINDOW has passed)."""


class Transient(Exception):
    """A failure that may pass (timeout, 5xx, 429, refused connection, one truncated body)."""


class Permanent(Exception):
    """A failure that will not pass (4xx, bad scheme or URL, host not allowed, redirect loop)."""


@dataclass(frozen=True)
class Fetched:
    status: str
    data: bytes | None
    content_type: str
    error: str | None


def allowed_host(url: str, config: Any) -> bool:
    """True when ``url``'s host is the API host or matches a configured media host pattern."""
    host = (urlsplit(url).hostname or "").lower()
    api = (urlsplit(config["TWILIO_API_BASE_URL"]).hostname or "").lower()
    patterns = config.get("MEDIA_HOSTS") or ()
    return bool(host) and (host == api or any(fnmatch.fnmatchcase(host, p) for p in patterns))


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.hostname, a.port or _default_port(a.scheme)) == (
        b.scheme, b.hostname, b.port or _default_port(b.scheme))


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)


def fetch_pending_media(factory: sessionmaker[Session], inbound_id: int, config: Any) -> bool:
    """Fetch every pending media item of a message; False when one waits for a retry (``not_before`` set)."""
    with factory() as session:
        pending = session.scalars(
            select(Media.id).where(Media.inbound_id == inbound_id, Media.status == MediaStatus.PENDING.value)
        ).all()
    waits = [when for media_id in pending if (when := fetch_one(factory, media_id, config)) is not None]
    if not waits:
        return True
    with factory.begin() as session:
        msg = session.get(InboundMessage, inbound_id)
        if msg is not None:
            msg.not_before = max(waits)
    return False


def fetch_one(factory: sessionmaker[Session], media_id: int, config: Any) -> dt.datetime | None:
    """Fetch one file; returns when to try again after a transient failure, else None (settled)."""
    with factory() as session:
        media = session.get(Media, media_id)
        if media is None or media.status != MediaStatus.PENDING.value:
            return None
        url, previous_error = media.url, media.error or ""
    retry_at: dt.datetime | None = None
    try:
        result = download(url, config)
    except Permanent as exc:
        result = Fetched(MediaStatus.FAILED.value, None, "", str(exc)[:200])
    except Transient as exc:
        reason = str(exc)[:200]
        if reason.startswith("truncated") and previous_error.startswith("truncated"):
            result = Fetched(MediaStatus.FAILED.value, None, "", "truncated again")
        else:
            result = None
            retry_at = _note_transient(factory, media_id, reason)
            if retry_at is None:
                result = Fetched(MediaStatus.FAILED.value, None, "", f"gave up: {reason}")
    if result is not None:
        _store(factory, media_id, result)
        logger.info("Media %s: %s (%s)", media_id, result.status, result.error or result.content_type)
    return retry_at


def _note_transient(factory: sessionmaker[Session], media_id: int, reason: str) -> dt.datetime | None:
    """Count the failure; the next attempt's time, or None once the retry window is over."""
    now = utcnow()
    with factory.begin() as session:
        media = session.get(Media, media_id)
        if media is None:
            return None
        media.attempts = (media.attempts or 0) + 1
        media.first_failed_at = media.first_failed_at or now
        media.error = reason
        if now - media.first_failed_at >= RETRY_WINDOW:
            return None
        wait = BACKOFF_SECONDS[min(media.attempts - 1, len(BACKOFF_SECONDS) - 1)]
        retry_at = min(now + dt.timedelta(seconds=wait), media.first_failed_at + RETRY_WINDOW)
        logger.info("Media %s: %s; retry %s in %ss", media_id, reason, media.attempts, wait)
        return retry_at


def _store(factory: sessionmaker[Session], media_id: int, result: Fetched) -> None:
    with factory.begin() as session:
        media = session.get(Media, media_id)
        if media is None or media.status != MediaStatus.PENDING.value:
            return
        media.status = result.status
        media.error = result.error
        media.fetched_at = utcnow()
        if result.data is not None:
            media.data = result.data
            media.size = len(result.data)
            media.sha256 = hashlib.sha256(result.data).hexdigest()
            media.content_type = sniff(result.data) or result.content_type or media.declared_type


def download(url: str, config: Any) -> Fetched:
    """GET ``url`` following redirects by hand, each hop on an allowed host, auth only to the API host.

    Raises:
        Permanent: the file can never be fetched from this URL.
        Transient: it may work later.
    """
    limit = int(config["MEDIA_MAX_BYTES"])
    api_base = config["TWILIO_API_BASE_URL"]
    auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    seen: set[str] = set()
    deadline = time.monotonic() + TOTAL_SECONDS
    for hop in range(MAX_REDIRECTS + 1):
        parts = _check_url(url, config)
        if url in seen:
            raise Permanent("redirect loop")
        seen.add(url)
        send_auth = hop == 0 and _same_origin(url, api_base)
        try:
            resp = requests.get(parts, auth=auth if send_auth else None, allow_redirects=False, stream=True,
                                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema, ValueError) as exc:
            raise Permanent(f"bad url: {exc.__class__.__name__}") from exc
        except requests.RequestException as exc:
            raise Transient(exc.__class__.__name__) from exc
        with resp:
            if resp.is_redirect:
                location = resp.headers.get("Location")
                if not location:
                    raise Permanent(f"http_{resp.status_code} without Location")
                url = urljoin(url, location)
                continue
            return _read(resp, limit, deadline)
    raise Permanent("redirect loop")


def _check_url(url: str, config: Any) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise Permanent("bad url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Permanent(f"bad scheme: {parts.scheme or 'none'}")
    if not allowed_host(url, config):
        raise Permanent("host not allowed")
    del port
    return url


def _read(resp: requests.Response, limit: int, deadline: float) -> Fetched:
    status = resp.status_code
    if status in (408, 429) or status >= 500:
        raise Transient(f"http_{status}")
    if status >= 400:
        raise Permanent(f"http_{status}")
    if status != 200:
        raise Permanent(f"http_{status}")
    content_type = resp.headers.get("Content-Type", "").split(";")[0].strip()[:120]
    declared = resp.headers.get("Content-Length", "")
    expected = int(declared) if declared.isascii() and declared.isdigit() else None
    if expected is not None and expected > limit:
        return Fetched(MediaStatus.REFUSED.value, None, content_type, "too_large")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                return Fetched(MediaStatus.REFUSED.value, None, content_type, "too_large")
            if time.monotonic() > deadline:
                raise Transient("slow")
            chunks.append(chunk)
    except requests.exceptions.ChunkedEncodingError as exc:
        raise Transient("truncated") from exc
    except requests.RequestException as exc:
        raise Transient(exc.__class__.__name__) from exc
    if expected is not None and size < expected:
        raise Transient("truncated")
    return Fetched(MediaStatus.STORED.value, b"".join(chunks), content_type, None)
