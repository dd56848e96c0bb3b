"""Find and decode every QR code in a photo (coupon labels, e-invoice QRs).

Design: zxing-cpp does the detection and decoding; this module decides which images it sees.
A handful of cheap whole-image passes (plain, sharpened, enlarged, binarised) catch almost every
code.  Symbols that zxing *detects* but cannot decode (blur, low light, strong perspective) are
kept as "suspects": each is cut out along its detected corners (and, for small symbols, along
corners re-fitted to the module grid, since zxing only guesses the corner without a finder
pattern), rectified to a square at a comfortable module size, and tried with several contrast
treatments.  All passes always run,
because a pass that finds nothing new says nothing about the next one; cost is bounded instead by
capping image sizes and by skipping suspects that overlap a code already read.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIDE = 4000
"""Longer image side decoded at full resolution; bigger photos are shrunk first (a 100 px QR in a
4000 px frame is still 100 px, and nobody photographs coupons at 48 MP for the detail)."""

DEFAULT_UPSCALE_PIXELS = 40_000_000
"""Largest image, in pixels, that an enlarged pass (2x, 3x) may produce; they rescue small or blurred
codes (module under 3-4 px) and are the most expensive passes, so huge frames enlarge tile by tile."""

DEFAULT_MAX_SUSPECTS = 12
"""Detected-but-unreadable symbols rectified per photo; bounds the worst case on noisy scenes."""

DEFAULT_MAX_FIT_MODULES = 45
"""Largest symbol (version 7) whose corners are re-fitted to the module grid; bigger ones carry
alignment patterns that zxing uses to place the grid itself, and the fit grows with the area."""

_QR = zxingcpp.BarcodeFormat.QRCode

Quad = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class QrHit:
    """One decoded QR code.

    Args:
        text: the decoded payload.
        quad: symbol corners (top-left, top-right, bottom-right, bottom-left of the symbol) in the
            original image's pixels.
    """

    text: str
    quad: Quad


def decode_bytes(data: bytes) -> list[QrHit]:
    """Open image bytes with Pillow (honouring the EXIF orientation) and decode every QR in them.

    Raises:
        PIL.UnidentifiedImageError / OSError: when the bytes are not a readable image.
    """
    with Image.open(io.BytesIO(data)) as im:
        im = ImageOps.exif_transpose(im)
        return decode_image(im)


def decode_image(img: Image.Image, *, max_codes: int = 20) -> list[QrHit]:
    """Decode up to ``max_codes`` distinct QR codes in ``img``, deduplicated by text.

    Returns:
        hits in the order found; quads are in ``img``'s pixel coordinates.
    """
    gray = _to_gray(img)
    shrink = 1.0
    if max(gray.shape) > DEFAULT_MAX_SIDE:
        shrink = DEFAULT_MAX_SIDE / max(gray.shape)
        gray = cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    found: dict[str, Quad] = {}
    suspects: list[_Suspect] = []

    def collect(results: list[zxingcpp.Barcode], to_image: Callable[[np.ndarray], np.ndarray]) -> None:
        for bc in results:
            quad = to_image(_corners(bc))
            if bc.valid and bc.text:
                found.setdefault(bc.text, _as_quad(quad / shrink))
            elif not bc.valid:
                suspects.append(_Suspect(quad, _modules(bc)))

    for image, to_image in _whole_passes(gray):
        collect(_read(image), to_image)
        if len(found) >= max_codes:
            return _hits(found, max_codes)
    for suspect in _pick_suspects(suspects, found, shrink):
        quads = [suspect.quad]
        if suspect.modules and suspect.modules <= DEFAULT_MAX_FIT_MODULES:
            quads.append(_fit_grid(gray, suspect.quad, suspect.modules))
        for image, to_image in (p for quad in quads for p in _suspect_passes(gray, quad)):
            before = len(found)
            collect(_read(image, errors=False), to_image)
            if len(found) > before:
                break
        if len(found) >= max_codes:
            break
    return _hits(found, max_codes)


def _hits(found: dict[str, Quad], max_codes: int) -> list[QrHit]:
    return [QrHit(text, quad) for text, quad in list(found.items())[:max_codes]]


def _to_gray(img: Image.Image) -> np.ndarray:
    """8-bit grayscale array; transparent pixels become white (as printed on paper)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        img = canvas
    if img.mode == "I;16" or img.mode == "I":
        arr = np.asarray(img, dtype=np.float64)
        top = arr.max() or 1.0
        return np.ascontiguousarray(arr * (255.0 / top)).astype(np.uint8)
    return np.ascontiguousarray(np.asarray(img.convert("L"), dtype=np.uint8))


def _read(image: np.ndarray, *, errors: bool = True) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=_QR, return_errors=errors)


def _corners(bc: zxingcpp.Barcode) -> np.ndarray:
    p = bc.position
    pts = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
    return np.array([[q.x, q.y] for q in pts], dtype=np.float64)


def _as_quad(pts: np.ndarray) -> Quad:
    return tuple((round(float(x), 1), round(float(y), 1)) for x, y in pts)


def _scaled(f: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda pts: pts / f


def _identity(pts: np.ndarray) -> np.ndarray:
    return pts


def _sharpen(a: np.ndarray, sigma: float = 1.5, amount: float = 0.8) -> np.ndarray:
    """Unsharp mask: restores module edges softened by focus blur and JPEG."""
    return cv2.addWeighted(a, 1 + amount, cv2.GaussianBlur(a, (0, 0), sigma), -amount, 0)


def _whole_passes(gray: np.ndarray) -> Iterator[tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]]:
    """Whole-image variants, cheapest and most productive first."""
    yield gray, _identity
    yield _sharpen(gray), _identity
    yield (
        cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 51, 5),
        _identity,
    )
    yield from _enlarged(gray, 2, sigma=1.5, amount=0.8)
    yield from _enlarged(gray, 3, sigma=3.0, amount=1.5)


def _enlarged(
    gray: np.ndarray, factor: int, *, sigma: float, amount: float
) -> Iterator[tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]]:
    """Sharpened enlargements, whole or (for frames too big to enlarge whole) tile by tile.

    Why: zxing's finder-pattern scan needs a few pixels per module; blurred 4 px modules are found
    only at 3x, after an unsharp mask wide enough to undo the blur.
    """
    h, w = gray.shape
    if h * w * factor * factor <= DEFAULT_UPSCALE_PIXELS:
        big = cv2.resize(_sharpen(gray, sigma, amount), None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        yield big, _scaled(float(factor))
        return
    side = int((DEFAULT_UPSCALE_PIXELS / factor**2) ** 0.5)
    overlap = 300
    step = side - overlap
    for y0 in range(0, max(h - overlap, 1), step):
        for x0 in range(0, max(w - overlap, 1), step):
            tile = gray[y0 : y0 + side, x0 : x0 + side]
            big = cv2.resize(_sharpen(tile, sigma, amount), None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
            yield big, _offset(float(factor), x0, y0)


def _offset(f: float, x0: float, y0: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda pts: pts / f + np.array([x0, y0])


@dataclass(frozen=True)
class _Suspect:
    """A symbol zxing located but could not decode: its corners and, when zxing read it, its size."""

    quad: np.ndarray
    modules: int | None


def _modules(bc: zxingcpp.Barcode) -> int | None:
    """Modules per side of a plain QR symbol from zxing's version guess (Micro/rMQR guesses give None)."""
    version = (bc.extra or {}).get("Version", "")
    return 17 + 4 * int(version) if str(version).isdigit() else None


def _pick_suspects(suspects: list[_Suspect], found: dict[str, Quad], shrink: float) -> list[_Suspect]:
    """Suspects not overlapping a decoded code nor each other, largest first."""
    done = [np.array(q) * shrink for q in found.values()]
    picked: list[_Suspect] = []
    for suspect in sorted(suspects, key=lambda s: _side(s.quad), reverse=True):
        quad = suspect.quad
        if not _plausible(quad):
            continue
        centre = quad.mean(axis=0)
        if any(_inside(centre, q) for q in done + [p.quad for p in picked]):
            continue
        picked.append(suspect)
        if len(picked) >= DEFAULT_MAX_SUSPECTS:
            break
    return picked


def _plausible(quad: np.ndarray) -> bool:
    """A convex, roughly square quad of sensible size (zxing's failed detections include junk)."""
    sides = [float(np.linalg.norm(quad[i] - quad[(i + 1) % 4])) for i in range(4)]
    diagonals = [float(np.linalg.norm(quad[i] - quad[i + 2])) for i in range(2)]
    if min(sides) < 12 or max(sides) > 2.0 * min(sides) or max(diagonals) > 1.6 * min(diagonals):
        return False
    return bool(cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)))


def _side(quad: np.ndarray) -> float:
    return float(np.mean([np.linalg.norm(quad[i] - quad[(i + 1) % 4]) for i in range(4)]))


def _inside(pt: np.ndarray, quad: np.ndarray) -> bool:
    contour = np.asarray(quad, dtype=np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (float(pt[0]), float(pt[1])), False) >= 0


def _suspect_passes(
    gray: np.ndarray, quad: np.ndarray
) -> Iterator[tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]]:
    """Rectified cut-outs of one suspect at a few sizes and contrast treatments."""
    side = _side(quad)
    for grow in (0.0, 0.06):
        centre = quad.mean(axis=0)
        src = (centre + (quad - centre) * (1 + grow)).astype(np.float32)
        n = int(min(max(side * 2.5, 240), 1000))
        margin = n * 0.15
        full = int(n + 2 * margin)
        dst = np.array(
            [[margin, margin], [margin + n, margin], [margin + n, margin + n], [margin, margin + n]],
            dtype=np.float32,
        )
        h = cv2.getPerspectiveTransform(src, dst)
        warped = cv2.warpPerspective(
            gray, h, (full, full), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
        )
        back = _inverse(h)
        norm = cv2.normalize(warped, None, 0, 255, cv2.NORM_MINMAX)
        yield norm, back
        yield _sharpen(norm, sigma=2.0, amount=1.0), back
        blurred = cv2.GaussianBlur(norm, (0, 0), 1.5)
        yield cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1], back
        block = max(int(side * 0.4) | 1, 31)
        yield (
            cv2.adaptiveThreshold(blurred, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 2),
            back,
        )


def _inverse(h: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    inv = np.linalg.inv(h)

    def to_image(pts: np.ndarray) -> np.ndarray:
        return cv2.perspectiveTransform(pts.reshape(1, -1, 2).astype(np.float64), inv)[0]

    return to_image


def _fit_grid(gray: np.ndarray, quad: np.ndarray, modules: int) -> np.ndarray:
    """Move the corners until module centres look most black-or-white (Otsu separability).

    Why: zxing extrapolates the corner without a finder pattern (the third, bottom-right) as a
    parallelogram, which is modules off on tilted or bent labels; a wrong corner smears the grid
    into greys.  Searched on a coarse grid for that corner, then refined for all four.
    """
    step = _side(quad) / modules
    best = quad.astype(np.float64)
    best_score = _grid_score(gray, best, modules)
    offsets = np.arange(-3.0, 3.01, 0.5) * step
    for dx in offsets:  # the guessed corner first, coarsely: the score has local maxima along the grid
        for dy in offsets:
            cand = quad.astype(np.float64)
            cand[2] += (dx, dy)
            score = _grid_score(gray, cand, modules)
            if score > best_score:
                best, best_score = cand, score
    for size in (0.5, 0.25, 0.125):
        improved = True
        while improved:
            improved = False
            for corner in range(4):
                for d in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    cand = best.copy()
                    cand[corner] += np.array(d) * size * step
                    score = _grid_score(gray, cand, modules)
                    if score > best_score + 1e-4:
                        best, best_score, improved = cand, score, True
    return best


def _grid_score(gray: np.ndarray, quad: np.ndarray, modules: int, k: int = 6) -> float:
    """Otsu's between-class share of variance over the module centres sampled along ``quad``."""
    side = modules * k
    dst = np.array([[0, 0], [side, 0], [side, side], [0, side]], dtype=np.float32)
    h = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    warped = cv2.warpPerspective(gray, h, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    c = k // 2
    v = np.sort(warped.reshape(modules, k, modules, k)[:, c - 1 : c + 1, :, c - 1 : c + 1].mean(axis=(1, 3)).ravel())
    n = len(v)
    total = np.cumsum(v)
    i = np.arange(1, n)
    w0 = i / n
    between = w0 * (1 - w0) * (total[:-1] / i - (total[-1] - total[:-1]) / (n - i)) ** 2
    return float(between.max() / (v.var() + 1e-9))
