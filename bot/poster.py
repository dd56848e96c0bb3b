"""Enrollment posters: a QR code of a rep's wa.me link with the program name, as a PNG.

Why: field reps stick these up at dealer counters; scanning opens WhatsApp with
"JOIN <REPCODE>" typed, which enrolls the member and credits the rep.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import segno
from PIL import Image, ImageDraw, ImageFont

POSTER_SIZE = (1240, 1754)
"""A5 portrait at 300 dpi (148 x 210 mm)."""


def enrollment_link(whatsapp_from: str, rep_code: str) -> str:
    """``https://wa.me/<number>?text=JOIN%20<CODE>`` for our WhatsApp number."""
    digits = "".join(ch for ch in whatsapp_from if ch.isdigit())
    return f"https://wa.me/{digits}?text={quote('JOIN ' + rep_code)}"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, width: int) -> int:
    font = _font(size)
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((width - (box[2] - box[0])) // 2, y), text, fill="black", font=font)
    return y + (box[3] - box[1]) + size // 2


def write_poster(path: Path, *, link: str, program_name: str, rep_name: str, rep_code: str) -> Path:
    """Render the poster PNG to ``path`` and return it."""
    width, height = POSTER_SIZE
    poster = Image.new("RGB", POSTER_SIZE, "white")
    draw = ImageDraw.Draw(poster)
    y = _centered(draw, 90, program_name, 84, width)
    y = _centered(draw, y + 10, "Scan to join on WhatsApp", 48, width)
    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="png", scale=20, border=4)
    buf.seek(0)
    qr = Image.open(buf).convert("RGB")
    side = min(width - 240, height - y - 420)
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    poster.paste(qr, ((width - side) // 2, y + 20))
    y += side + 60
    y = _centered(draw, y, f"Rep: {rep_name}  ·  Code {rep_code}", 44, width)
    _centered(draw, y + 10, f"Or send  JOIN {rep_code}  on WhatsApp", 40, width)
    path.parent.mkdir(parents=True, exist_ok=True)
    poster.save(path, format="PNG", dpi=(300, 300))
    return path
