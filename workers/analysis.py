"""The job step that analyses a message's stored files before the dialog turn.

Why: the result is stored on the media row before the turn runs, so a retried job never decodes
twice and the member's turn (under the contact lock) is quick. When the work takes longer than a
few seconds the member is told it is being checked. What a file *is* (coupon, invoice, refusal)
is decided by `claims.vision.analysis.analyze`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from claims.vision.analysis import analyze
from storage.models import Media, MediaStatus

logger = logging.getLogger(__name__)

DEFAULT_ACK_AFTER_SECONDS = 2.5
"""If analysing a message's files takes longer than this, the member gets 'received, checking'."""


def analyze_inbound_media(factory: sessionmaker[Session], inbound_id: int, config: Any,
                          on_slow: Callable[[], None] | None = None) -> None:
    """Analyse every stored, not yet analysed file of a message; call ``on_slow`` if it drags on."""
    with factory() as session:
        ids = session.scalars(
            select(Media.id).where(Media.inbound_id == inbound_id, Media.status == MediaStatus.STORED.value,
                                   Media.analysis.is_(None))
        ).all()
    if not ids:
        return
    timer = threading.Timer(DEFAULT_ACK_AFTER_SECONDS, on_slow) if on_slow else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        for media_id in ids:
            _analyze_one(factory, media_id, config)
    finally:
        if timer is not None:
            timer.cancel()


def _analyze_one(factory: sessionmaker[Session], media_id: int, config: Any) -> None:
    with factory() as session:
        media = session.get(Media, media_id)
        if media is None or media.analysis is not None or media.data is None:
            return
        data, sha = media.data, media.sha256
        # The very same file analysed before (a resend): reuse the result.
        previous = session.scalar(
            select(Media.analysis).where(Media.sha256 == sha, Media.analysis.is_not(None), Media.id != media_id)
            .limit(1)
        )
    program = config["PROGRAM"]
    result = previous or analyze(data, max_pixels=int(config["MEDIA_MAX_PIXELS"]),
                                 einvoice_key=program.invoice.einvoice_public_key)
    with factory.begin() as session:
        media = session.get(Media, media_id)
        if media is not None and media.analysis is None:
            media.analysis = result
    logger.info("Media %s: analysed as %s", media_id, result.get("kind"))
