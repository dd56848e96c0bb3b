"""What a received file is: coupon QR codes, an invoice (read), or something to refuse.

Why: photos arrive at any point of a conversation; each is checked for our QR codes first, and
only a picture without them is read as an invoice. The result is stored on the media row before
the dialog turn runs, so a retried job never decodes twice and the member's turn (under the
contact lock) is quick. The job that stores the result and tells a
waiting member "received, checking" is `workers.analysis`.
"""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import IST
from claims import codes
from claims.invoice_read import read_invoice
from claims.vision import imaging, qr
from claims.vision.exceptions import CorruptMedia, MediaTooLarge, UnsupportedMedia
from storage.base import utcnow

READABLE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def analyze(data: bytes, *, max_pixels: int, einvoice_key: bytes | None) -> dict[str, Any]:
    """Classify and read one file. Never raises for bad input: problems are results."""
    mime = imaging.sniff(data)
    if mime not in READABLE_TYPES:
        return {"kind": "unsupported", "type": mime}
    coupon_texts: list[str] = []
    qr_texts: list[str] | None = None
    foreign = 0
    if mime != "application/pdf":
        try:
            page = imaging.load_pages(data, max_pixels=max_pixels, max_pages=1)[0]
        except MediaTooLarge:
            return {"kind": "error", "error": "too_large"}
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
