"""Helpers for claim tests: enrolled members, coupon batches and coupon photos made on the fly."""

from __future__ import annotations

import io

import segno
from flask import Flask
from PIL import Image, ImageDraw

from claims.codes import make_code
from claims.coupons import create_batch
from storage.db import sessions
from tests.botkit import WhatsAppUser


def enroll(user: WhatsAppUser, name: str = "Ramesh Kumar", lang: str = "1", pin: str = "226001") -> None:
    for text in ("Hello", lang, name, "1", pin, "skip", "1"):
        user.ask(text)


def enroll_firm(user: WhatsAppUser, firm: str, gstin: str, *, name: str = "Ramesh Kumar", lang: str = "1",
                pin: str = "226001") -> None:
    """Enroll as a distributor (role 7), registering the firm's GSTIN and name."""
    for text in ("Hello", lang, name, "7", gstin, firm, pin, "skip", "1"):
        user.ask(text)


def own_gstin(app: Flask, gstin: str) -> None:
    """Set the (only) member's registered GSTIN, so an invoice billed to it is theirs."""
    from sqlalchemy import select

    from storage.models import Member

    with sessions(app).begin() as s:
        s.scalar(select(Member)).gstin = gstin


def new_batch(app: Flask, *, points: int = 10, count: int = 100, sku: str = "CEM-OPC53",
              regions: list[str] | None = None) -> int:
    with sessions(app).begin() as s:
        return create_batch(s, sku=sku, points=points, count=count, regions=regions).id


def code(app: Flask, batch: int, serial: int) -> str:
    return make_code(app.config["COUPON_SECRET"], batch, serial).text


def coupon_photo(texts: list[str], *, module_px: int = 6) -> bytes:
    """A JPEG 'photo' of coupon labels: each QR on a light card, on a grey background."""
    qrs = []
    for text in texts:
        buf = io.BytesIO()
        segno.make(text, error="q", micro=False).save(buf, kind="png", scale=module_px, border=4)
        buf.seek(0)
        qrs.append(Image.open(buf).convert("RGB"))
    side = max(q.width for q in qrs) + 60
    cols = min(len(qrs), 4)
    rows = (len(qrs) + cols - 1) // cols
    canvas = Image.new("RGB", (cols * side + 80, rows * (side + 40) + 80), (120, 118, 110))
    draw = ImageDraw.Draw(canvas)
    for i, q in enumerate(qrs):
        x, y = 40 + (i % cols) * side, 40 + (i // cols) * (side + 40)
        draw.rectangle([x, y, x + side - 20, y + side + 10], fill=(245, 242, 230))
        canvas.paste(q, (x + 10, y + 10))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=85)
    return out.getvalue()
