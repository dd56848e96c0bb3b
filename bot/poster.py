"""Enrollment posters: a QR code of a rep's wa.me link, with the programme's name and the call to
action in English, Hindi and Urdu, as a PNG.

Why: field reps stick these up at dealer counters where members read Devanagari or Urdu as often
as English; scanning opens WhatsApp with "JOIN <REPCODE>" typed, which enrolls the member and
credits the rep. Text is set with the Noto fonts and libraqm shaping (``bot.typeset``), and every
sentence comes from the catalogs (``print.*``).
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import segno
from PIL import Image

from bot.i18n import translate
from bot.typeset import line_image, paste_centered

POSTER_SIZE = (1240, 1754)
"""A5 portrait at 300 dpi (148 x 210 mm)."""

PRINT_LANGUAGES = ("en", "hi", "ur")
"""Languages printed on posters and labels, in this order."""


def enrollment_link(whatsapp_from: str, rep_code: str) -> str:
    """``https://wa.me/<number>?text=JOIN%20<CODE>`` for our WhatsApp number."""
    digits = "".join(ch for ch in whatsapp_from if ch.isdigit())
    return f"https://wa.me/{digits}?text={quote('JOIN ' + rep_code)}"


def write_poster(path: Path, *, link: str, program_name: str, rep_name: str, rep_code: str,
                 program_names: dict[str, str] | None = None) -> Path:
    """Render the poster PNG to ``path`` and return it.

    ``program_names`` gives the programme's name per language (``Program.names``); the Hindi and
    Urdu names are printed under the English one when they differ from it.
    """
    width, height = POSTER_SIZE
    poster = Image.new("RGB", POSTER_SIZE, "white")
    margin = 80
    names = program_names or {}
    y = paste_centered(poster, line_image(program_name, 84, bold=True), 60, max_width=width - 2 * margin)
    local = [names[lang] for lang in ("hi", "ur") if names.get(lang) and names[lang] != program_name]
    if local:
        y = paste_centered(poster, line_image("   ·   ".join(local), 56, bold=True), y + 6,
                           max_width=width - 2 * margin)
    y += 24
    for lang in PRINT_LANGUAGES:
        y = paste_centered(poster, line_image(translate(lang, "print.scan_to_join"), 44), y,
                           max_width=width - 2 * margin) + 4
    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="png", scale=20, border=4)
    buf.seek(0)
    qr = Image.open(buf).convert("RGB")
    footer = [translate("en", "print.rep", name=rep_name, code=rep_code)]
    footer += [translate(lang, "print.or_send", join=f"JOIN {rep_code}") for lang in PRINT_LANGUAGES]
    footer_images = [line_image(text, 40, bold=i == 0) for i, text in enumerate(footer)]
    room = height - y - sum(im.height + 8 for im in footer_images) - 60
    side = min(width - 2 * margin - 160, room)
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    poster.paste(qr, ((width - side) // 2, y + 10))
    y += side + 30
    for image in footer_images:
        y = paste_centered(poster, image, y, max_width=width - 2 * margin) + 8
    path.parent.mkdir(parents=True, exist_ok=True)
    poster.save(path, format="PNG", dpi=(300, 300))
    return path
