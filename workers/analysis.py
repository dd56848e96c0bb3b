"""What a received file is: coupon QR codes, an invoice (read), or something to refuse.

Why: photos arrive at any point of a conversation; each is checked for our QR codes first, and
only a picture without them is read as an invoice. The result is stored on the media row before
the dialog turn runs, so a retried job never decodes twice and the member's turn (under the
contact lock) is quick. When the work takes longer than a few seconds the member is told it is
being checked.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import IST
from claims import codes
from claims.invoice_read import read_invoice
from storage.base import utcnow
from storage.models import Media, MediaStatus
from workers import imaging, qr
from workers.exceptions import CorruptMedia, MediaTooLarge, UnsupportedMedia

logger = logging.getLogger(__name__)

DEFAULT_ACK_AFTER_SECONDS = 2.5
"""If analysing a message's files takes longer than this, the member gets 'received, checking'."""

READABLE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def analyze(data: bytes, *, max_pixels: int, einvoice_key: bytes | None, declared: str | None = None) -> dict[str, Any]:
    """Classify and read one file. Never raises for bad input: problems are results.

    A file sent as a photo or PDF (``declared`` type) whose bytes are none of them is damaged,
    not of an unsupported kind.
    """
    mime = imaging.sniff(data)
    if mime not in READABLE_TYPES:
        if (declared or "").split(";")[0].strip().lower() in READABLE_TYPES | {"image/jpg"}:
            return {"kind": "error", "error": "corrupt"}
        return {"kind": "unsupported", "type": mime}
    coupon_texts: list[str] = []
    qr_texts: list[str] | None = None
    foreign = 0
    if mime != "application/pdf":
        try:
            page = imaging.load_pages(data, max_pixels=max_pixels, max_pages=1)[0]
        except MediaTooLarge:
            return {"kind": "error", "error": "too_many_pixels"}
        except CorruptMedia:
            return {"kind": "error", "error": "corrupt"}
        except UnsupportedMedia:
            return {"kind": "unsupported", "type": mime}
        qr_texts = [hit.text for hit in qr.decode_image(page)]
        for text in qr_texts:
            if is_coupon_text(text):
                coupon_texts.append(text)
            elif not looks_like_jwt(text):
                foreign += 1
    if coupon_texts:
        return {"kind": "qr", "codes": coupon_texts, "foreign": foreign}
    today = utcnow().astimezone(IST).date()
    reading = read_invoice(data, einvoice_public_key=einvoice_key, max_pixels=max_pixels, today=today,
                           qr_texts=qr_texts)
    result = reading.to_json()
    if foreign and result["outcome"] in ("not_invoice", "blank"):
        return {"kind": "foreign_qr", "count": foreign}
    return {"kind": "invoice", "reading": result}


COUPON_SHAPE = re.compile(r"^[0-9A-Z]{8,32}$")
"""A short upper-case code: ours, or another scheme's coupon (claimed, and refused as not valid)."""


def is_coupon_text(text: str) -> bool:
    """A QR payload shaped like a coupon code; the signature is checked when claiming.

    Invoices carry other QR codes (UPI payment links, URLs, the e-invoice JWT), which never
    look like this, so a picture with one of those is still read as an invoice.
    """
    return bool(COUPON_SHAPE.match(codes.normalize(text)))


def looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts) and text.startswith("ey")


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
        data, sha, declared = media.data, media.sha256, media.declared_type or media.content_type
        # The very same file analysed before (a resend): reuse the result.
        previous = session.scalar(
            select(Media.analysis).where(Media.sha256 == sha, Media.analysis.is_not(None), Media.id != media_id)
            .limit(1)
        )
    program = config["PROGRAM"]
    result = previous or analyze(data, max_pixels=int(config["MEDIA_MAX_PIXELS"]),
                                 einvoice_key=program.invoice.einvoice_public_key, declared=declared)
    with factory.begin() as session:
        media = session.get(Media, media_id)
        if media is not None and media.analysis is None:
            media.analysis = result
    logger.info("Media %s: analysed as %s", media_id, result.get("kind"))
