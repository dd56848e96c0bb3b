"""GST e-invoice: find the IRP's signed QR, verify its RS256 signature, read the signed fields.

Why: a verified IRP signature is the strongest evidence an invoice can carry: seller, buyer,
number, date and total are then exact and need no OCR. A JWT-shaped QR whose signature fails
is a forgery signal and must never turn into a claim.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import jwt
from PIL import Image

logger = logging.getLogger(__name__)

JWT_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
"""Shape of a compact JWS (header.payload.signature, base64url)."""

_CROP_SCALES = (2.0, 1.5)
"""Enlargements tried on the top-right quarter when the whole page gave no JWT (2-3.5 px modules)."""


@dataclass
class EInvoice:
    """What the signed QR says; fields are None when the payload lacks them."""

    signature_valid: bool
    seller_gstin: str | None = None
    buyer_gstin: str | None = None
    doc_no: str | None = None
    doc_date: str | None = None  # ISO yyyy-mm-dd
    total_paise: int | None = None
    irn: str | None = None
    issuer: str | None = None
    error: str | None = None


def _decode_qr_texts(img: Image.Image) -> list[str]:
    try:
        from claims.vision.qr import decode_image
    except ImportError:  # claims.vision.qr not deployed: plain zxing-cpp
        import zxingcpp

        return [r.text for r in zxingcpp.read_barcodes(img) if r.text]
    return [hit.text for hit in decode_image(img)]


def find_jwt(img: Image.Image, *, thorough: bool = False, known_texts: list[str] | None = None) -> str | None:
    """The first JWT-shaped QR payload on the page.

    Args:
        thorough: also try each quarter of the page enlarged (a dense version-25 QR with
            2-3 px modules often fails on the whole page); costs about 2 s, so callers ask for it
            only when the page looks like an e-invoice (IRN / Ack No. printed).
        known_texts: the payloads already decoded from this whole page (the bot checks every
            photo for coupon codes first), so the page is not decoded twice.
    """
    for text in known_texts if known_texts is not None else _decode_qr_texts(img):
        if JWT_RE.match(text.strip()):
            return text.strip()
    if not thorough:
        return None
    width, height = img.size
    half_w, half_h = width // 2, height // 2
    for box in (
        (half_w, 0, width, half_h),
        (0, 0, half_w, half_h),
        (half_w, half_h, width, height),
        (0, half_h, half_w, height),
    ):
        crop = img.crop(box)
        for scale in _CROP_SCALES:
            big = crop.resize((int(crop.width * scale), int(crop.height * scale)), Image.Resampling.LANCZOS)
            for text in _decode_qr_texts(big):
                if JWT_RE.match(text.strip()):
                    return text.strip()
    return None


def _paise(value: object) -> int | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    paise = amount * 100
    if paise != paise.to_integral_value():
        return None
    return int(paise)


def _iso(dmy: object) -> str | None:
    try:
        return datetime.strptime(str(dmy), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


def verify(token: str, public_key_pem: bytes | None) -> EInvoice:
    """Verify the JWT with the IRP public key and parse its ``data`` JSON.

    Without a key the payload is still parsed but ``signature_valid`` is False.
    """
    error = None
    valid = False
    payload: dict | None = None
    if public_key_pem:
        try:
            payload = jwt.decode(
                token,
                public_key_pem,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
            valid = True
        except jwt.InvalidTokenError as exc:
            error = f"signature: {exc.__class__.__name__}"
    if payload is None:
        try:
            payload = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            return EInvoice(signature_valid=False, error=f"unreadable: {exc.__class__.__name__}")
    data = payload.get("data")
    try:
        fields = json.loads(data) if isinstance(data, str) else (data or {})
    except json.JSONDecodeError:
        fields = {}
        error = error or "data is not JSON"
    if not isinstance(fields, dict):
        fields = {}
    return EInvoice(
        signature_valid=valid,
        seller_gstin=fields.get("SellerGstin"),
        buyer_gstin=fields.get("BuyerGstin"),
        doc_no=fields.get("DocNo"),
        doc_date=_iso(fields.get("DocDt")),
        total_paise=_paise(fields.get("TotInvVal")),
        irn=fields.get("Irn"),
        issuer=payload.get("iss"),
        error=error,
    )


def read_einvoice(img: Image.Image, public_key_pem: bytes | None, *, thorough: bool = False,
                  known_texts: list[str] | None = None) -> EInvoice | None:
    """Find and check the signed QR on one page; None when the page has no JWT-shaped QR."""
    token = find_jwt(img, thorough=thorough, known_texts=known_texts)
    if token is None:
        return None
    result = verify(token, public_key_pem)
    logger.info("E-invoice QR: signature_valid=%s irn=%s", result.signature_valid, (result.irn or "")[:12])
    return result
