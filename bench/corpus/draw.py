"""Drawing helpers for the corpus: fonts from Debian packages, a page with a pen, stamps, signatures.

Fonts come from fonts-dejavu, fonts-liberation, fonts-noto-core, fonts-freefont-ttf, fonts-urw-base35,
fonts-roboto, fonts-comic-neue, fonts-dancingscript and fonts-lohit-deva (scripts/bootstrap.sh).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

_ROOTS = ("/usr/share/fonts/truetype", "/usr/share/fonts/opentype")

SANS = [
    "dejavu/DejaVuSans.ttf",
    "liberation/LiberationSans-Regular.ttf",
    "noto/NotoSans-Regular.ttf",
    "freefont/FreeSans.ttf",
    "urw-base35/NimbusSans-Regular.otf",
    "roboto/unhinted/RobotoTTF/Roboto-Regular.ttf",
    "roboto/unhinted/RobotoCondensed-Regular.ttf",
    "dejavu/DejaVuSansCondensed.ttf",
]
SANS_BOLD = [
    "dejavu/DejaVuSans-Bold.ttf",
    "liberation/LiberationSans-Bold.ttf",
    "noto/NotoSans-Bold.ttf",
    "freefont/FreeSansBold.ttf",
]
SERIF = [
    "dejavu/DejaVuSerif.ttf",
    "liberation/LiberationSerif-Regular.ttf",
    "noto/NotoSerif-Regular.ttf",
    "freefont/FreeSerif.ttf",
    "urw-base35/C059-Roman.otf",
    "urw-base35/P052-Roman.otf",
    "urw-base35/NimbusRoman-Regular.otf",
]
MONO = [
    "dejavu/DejaVuSansMono.ttf",
    "liberation/LiberationMono-Regular.ttf",
    "freefont/FreeMono.ttf",
    "urw-base35/NimbusMonoPS-Regular.otf",
]
HAND = [
    "comic-neue/ComicNeue-Regular.otf",
    "comic-neue/ComicNeue-Bold.otf",
    "dancingscript/DancingScript-Regular.otf",
    "dancingscript/DancingScript-Bold.otf",
]
DEVA = [
    "noto/NotoSansDevanagari-Regular.ttf",
    "noto/NotoSerifDevanagari-Regular.ttf",
    "lohit-devanagari/Lohit-Devanagari.ttf",
]
DEVA_BOLD = ["noto/NotoSansDevanagari-Bold.ttf", "noto/NotoSerifDevanagari-Bold.ttf"]


def _existing(names: list[str]) -> list[str]:
    found = [str(Path(root) / n) for n in names for root in _ROOTS if (Path(root) / n).exists()]
    return found or [str(Path(_ROOTS[0]) / "dejavu/DejaVuSans.ttf")]


@lru_cache(maxsize=256)
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@dataclass
class Fonts:
    """One invoice's fonts (paths) and base size."""

    body: str
    bold: str
    mono: str
    hand: str
    deva: str
    deva_bold: str
    size: int

    @classmethod
    def pick(cls, rng: random.Random, *, size: tuple[int, int] = (19, 25)) -> Fonts:
        family = rng.choice(["sans", "sans", "serif", "mono"])
        body = rng.choice(_existing({"sans": SANS, "serif": SERIF, "mono": MONO}[family]))
        bold = rng.choice(_existing(SANS_BOLD)) if family == "sans" else body
        return cls(
            body,
            bold,
            rng.choice(_existing(MONO)),
            rng.choice(_existing(HAND)),
            rng.choice(_existing(DEVA)),
            rng.choice(_existing(DEVA_BOLD)),
            rng.randint(*size),
        )


def _has_deva(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


class Page:
    """A white page and a pen; text in Devanagari switches to a Devanagari font automatically."""

    def __init__(self, width: int, height: int, fonts: Fonts, paper: tuple[int, int, int] = (255, 255, 255)):
        self.image = Image.new("RGB", (width, height), paper)
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = fonts
        self.width, self.height = width, height

    def _font(self, text: str, size: int | None, style: str) -> ImageFont.FreeTypeFont:
        size = size or self.fonts.size
        if _has_deva(text):
            return font(self.fonts.deva_bold if style == "bold" else self.fonts.deva, size)
        path = {"bold": self.fonts.bold, "mono": self.fonts.mono, "hand": self.fonts.hand}.get(style, self.fonts.body)
        return font(path, size)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: int | None = None,
        style: str = "body",
        fill: tuple[int, int, int] = (20, 20, 20),
        anchor: str = "la",
    ) -> tuple[int, int, int, int]:
        """Draw text; anchor 'la' left, 'ra' right, 'ma' centre (top of the text at y). Returns its box."""
        f = self._font(text, size, style)
        self.draw.text((x, y), text, font=f, fill=fill, anchor=anchor)
        return self.draw.textbbox((x, y), text, font=f, anchor=anchor)

    def width_of(self, text: str, *, size: int | None = None, style: str = "body") -> float:
        return self.draw.textlength(text, font=self._font(text, size, style))

    def line(self, x0: float, y0: float, x1: float, y1: float, *, fill=(40, 40, 40), width: int = 2) -> None:
        self.draw.line((x0, y0, x1, y1), fill=fill, width=width)

    def dashed(self, x0: float, y: float, x1: float, *, fill=(60, 60, 60)) -> None:
        x = x0
        while x < x1:
            self.draw.line((x, y, min(x + 10, x1), y), fill=fill, width=2)
            x += 16

    def box(self, x0: float, y0: float, x1: float, y1: float, *, outline=(40, 40, 40), fill=None, width: int = 2):
        self.draw.rectangle((x0, y0, x1, y1), outline=outline, fill=fill, width=width)


def stamp(page: Page, rng: random.Random, cx: float, cy: float, name: str) -> None:
    """A round rubber stamp in blue or violet ink, partly transparent, slightly rotated, over whatever is there."""
    r = rng.randint(70, 110)
    ink = rng.choice([(40, 60, 170), (110, 40, 150), (30, 90, 160)])
    layer = Image.new("RGBA", (2 * r + 20, 2 * r + 20), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    alpha = rng.randint(110, 190)
    d.ellipse((10, 10, 2 * r + 10, 2 * r + 10), outline=(*ink, alpha), width=4)
    d.ellipse((30, 30, 2 * r - 10, 2 * r - 10), outline=(*ink, alpha), width=2)
    f = font(page.fonts.bold, max(12, r // 5))
    words = name.split()[:2] if not _has_deva(name) else ["AUTHORISED"]
    for k, word in enumerate(words):
        d.text((r + 10, r - 8 + 22 * k), word.upper(), font=f, fill=(*ink, alpha), anchor="mm")
    layer = layer.rotate(rng.uniform(-35, 35), resample=Image.BICUBIC, expand=False)
    page.image.paste(layer, (int(cx - r - 10), int(cy - r - 10)), layer)


def signature(page: Page, rng: random.Random, x: float, y: float) -> None:
    """A scribbled signature: a few connected loops in dark blue ink."""
    points = []
    for k in range(rng.randint(25, 45)):
        t = k / 6
        points.append((x + k * rng.uniform(4, 7), y + 18 * math.sin(t * rng.uniform(1.5, 3)) + rng.uniform(-6, 6)))
    page.draw.line(points, fill=rng.choice([(20, 30, 110), (15, 15, 60)]), width=rng.randint(2, 3), joint="curve")
