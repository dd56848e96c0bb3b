"""Setting a line of English, Hindi and Urdu text as an image, with real fonts and real shaping.

Why: posters and coupon labels are printed for members who read Devanagari or Urdu. Pillow's
built-in font has Latin only (a Devanagari rep name came out as □□□□), and those scripts need
shaping: conjuncts and matras in Devanagari, joined letters and Nastaliq in Urdu. Pillow shapes
with libraqm (Debian ``libraqm0``); the Noto fonts come from Debian's ``fonts-noto-core``. No one
Noto font has all three scripts, so a line is cut into runs by script, each run is shaped with its
font, and the runs are placed in reading order (right to left when the line starts in Urdu).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"))
FONTS = {
    ("latn", False): "NotoSans-Regular.ttf", ("latn", True): "NotoSans-Bold.ttf",
    ("deva", False): "NotoSansDevanagari-Regular.ttf", ("deva", True): "NotoSansDevanagari-Bold.ttf",
    ("arab", False): "NotoNastaliqUrdu-Regular.ttf", ("arab", True): "NotoNastaliqUrdu-Bold.ttf",
}
"""Font file per script (and weight): Noto Sans, Noto Sans Devanagari, Noto Nastaliq Urdu."""

APT_HINT = "install Debian's fonts-noto-core and libraqm0 (scripts/bootstrap.sh does)"


class TypesetError(RuntimeError):
    """Raised when the fonts or the shaping library are missing."""


@dataclass(frozen=True)
class Run:
    text: str
    script: str


def script_of_char(ch: str) -> str | None:
    """'deva', 'arab', 'latn' (also ASCII digits, punctuation and symbols), or None for spaces."""
    if "\u0900" <= ch <= "\u097f" or "\ua8e0" <= ch <= "\ua8ff":
        return "deva"
    if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff":
        return "arab"
    if ch.isspace():
        return None
    return "latn"  # Latin letters, digits, "·", "—", "₹": Noto Sans has them, the others may not


def runs(text: str) -> list[Run]:
    """``text`` cut into script runs; spaces join the run they follow (or the first one)."""
    out: list[Run] = []
    pending = ""
    for ch in text:
        script = script_of_char(ch)
        if script is None:
            if out:
                out[-1] = Run(out[-1].text + ch, out[-1].script)
            else:
                pending += ch
            continue
        if out and out[-1].script == script:
            out[-1] = Run(out[-1].text + ch, script)
        elif out and out[-1].script != script and out[-1].text.endswith(" ") and script != "latn":
            # a space between scripts stays with the run before; the new run starts clean
            out.append(Run(ch, script))
        else:
            out.append(Run(pending + ch, script))
            pending = ""
    if pending:
        out.append(Run(pending, "latn"))
    return out


@cache
def font(script: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The Noto font for ``script`` at ``size`` pixels, laid out with libraqm."""
    if not features.check("raqm"):
        raise TypesetError(f"Pillow cannot shape Devanagari or Urdu without libraqm: {APT_HINT}")
    name = FONTS[(script, bold)]
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size, layout_engine=ImageFont.Layout.RAQM)
    raise TypesetError(f"font {name} not found in {', '.join(map(str, FONT_DIRS))}: {APT_HINT}")


def line_image(text: str, size: int, *, bold: bool = False, color: str = "black") -> Image.Image:
    """``text`` set on one line (RGBA, transparent background), ``size`` pixels per em."""
    parts = runs(text.strip())
    if not parts:
        return Image.new("RGBA", (1, size), (255, 255, 255, 0))
    rtl = parts[0].script == "arab"
    images = [_run_image(run, size, bold, color) for run in parts]
    if rtl:
        images.reverse()
    width = sum(im.width for im in images)
    baseline = max(b for _, b in images_baselines(images))
    below = max(im.height - b for im, b in images_baselines(images))
    line = Image.new("RGBA", (max(width, 1), baseline + below), (255, 255, 255, 0))
    x = 0
    for im, b in images_baselines(images):
        line.alpha_composite(im, (x, baseline - b))
        x += im.width
    return line


def images_baselines(images: list[Image.Image]) -> list[tuple[Image.Image, int]]:
    return [(im, int(im.info.get("baseline", im.height))) for im in images]


def _run_image(run: Run, size: int, bold: bool, color: str) -> Image.Image:
    # Urdu Nastaliq is set a little larger: its letters are small for their em.
    face = font(run.script, int(size * 1.15) if run.script == "arab" else size, bold)
    direction = "rtl" if run.script == "arab" else "ltr"
    left, _, right, _ = face.getbbox(run.text, direction=direction, anchor="ls")
    width = max(1, int(face.getlength(run.text, direction=direction)) + 2)
    ascent, descent = face.getmetrics()
    height = ascent + descent
    image = Image.new("RGBA", (max(width, right - min(left, 0) + 2), height), (255, 255, 255, 0))
    ImageDraw.Draw(image).text((-min(left, 0), ascent), run.text, font=face, fill=color, direction=direction,
                               anchor="ls")
    image.info["baseline"] = ascent
    return image


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that its run's font cannot draw (they would print as boxes)."""
    missing = []
    for run in runs(text):
        face = font(run.script, 40)
        notdef = _ink(face, "\U0010fffd")
        missing += [ch for ch in set(run.text) if not ch.isspace() and _ink(face, ch) == notdef]
    return missing


def _ink(face: ImageFont.FreeTypeFont, ch: str) -> bytes:
    image = Image.new("L", (80, 80), 0)
    ImageDraw.Draw(image).text((10, 10), ch, font=face, fill=255)
    return image.tobytes()


def paste_centered(canvas: Image.Image, line: Image.Image, y: int, *, max_width: int | None = None) -> int:
    """Paste ``line`` centred at ``y`` (shrunk to ``max_width`` if wider); returns the y below it."""
    limit = max_width or canvas.width
    if line.width > limit:
        ratio = limit / line.width
        line = line.resize((limit, max(1, int(line.height * ratio))), Image.Resampling.LANCZOS)
    x = (canvas.width - line.width) // 2
    if canvas.mode == "RGBA":
        canvas.alpha_composite(line, (x, y))
    else:
        canvas.paste(line, (x, y), line)
    return y + line.height
