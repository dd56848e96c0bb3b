"""Page preprocessing for OCR: find the paper, flatten it, turn it upright, even out light.

Why: members photograph invoices on a table, tilted, turned, in uneven light. We find the
paper, flatten it, turn it upright (one cheap OSD pass only when lines look sideways), even out
the light, strip table rules and scale the text to the size Tesseract likes.
"""

from __future__ import annotations

import logging
import re

import cv2
import numpy as np
import pytesseract
from PIL import Image

logger = logging.getLogger(__name__)

TARGET_TEXT_PX = 20.0
"""Median glyph height (pixels) we scale text to; Tesseract is most accurate around 25-35 px."""

MAX_OCR_SIDE = 2600
"""Longest side sent to Tesseract, to bound time on huge pages."""

OSD_SIDE = 1600
"""Longest side of the copy given to orientation detection (OSD cost grows with pixels)."""

_DETECT_SIDE = 800
"""Longest side of the copy used to find the paper outline."""


def _order_quad(pts: np.ndarray) -> np.ndarray:
    """Corners in TL, TR, BR, BL order."""
    pts = pts.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def _quad_from_mask(mask: np.ndarray) -> np.ndarray | None:
    """Largest blob of the mask as a 4-corner polygon (small-image pixels), or None."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour)
    total = mask.shape[0] * mask.shape[1]
    if area < 0.12 * total or area > 0.985 * total:
        return None
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.04, 0.06):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            quad = _order_quad(approx)
            break
    else:
        quad = _order_quad(cv2.boxPoints(cv2.minAreaRect(hull)))
    if cv2.contourArea(quad.reshape(-1, 1, 2)) < 0.7 * area:
        return None
    return quad


def _edge_support(edges: np.ndarray, quad: np.ndarray) -> float:
    """Share of the quad's outline lying on image edges: a real sheet has sharp borders all round."""
    hits = total = 0
    h, w = edges.shape
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        steps = max(2, int(np.linalg.norm(b - a) / 2))
        for t in np.linspace(0, 1, steps):
            x, y = (a + (b - a) * t).astype(int)
            if 2 <= x < w - 2 and 2 <= y < h - 2:
                total += 1
                hits += bool(edges[y, x])
            else:  # the sheet runs off the frame: that side cannot be judged
                continue
    return hits / total if total else 0.0


def find_page_quad(rgb: np.ndarray) -> np.ndarray | None:
    """Corners (TL, TR, BR, BL, full-size pixels) of the sheet of paper, or None.

    Why: paper is the large bright, unsaturated region; everything else (wood, cloth,
    concrete) is darker or coloured. Shadows can cut the bright region, so several thresholds
    are tried and the outline best supported by real image edges wins. Returns None when no
    convincing quadrilateral is found (the caller then only deskews).
    """
    h, w = rgb.shape[:2]
    scale = _DETECT_SIDE / max(h, w)
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    paperness = cv2.GaussianBlur(cv2.subtract(hsv[:, :, 2], hsv[:, :, 1]), (5, 5), 0)
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(gray, 30, 90), np.ones((5, 5), np.uint8))
    otsu, _ = cv2.threshold(paperness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    best: tuple[float, float, np.ndarray] | None = None
    for factor in (1.0, 0.8, 0.6, 1.2):
        _, mask = cv2.threshold(paperness, otsu * factor, 255, cv2.THRESH_BINARY)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8))
        quad = _quad_from_mask(mask)
        if quad is None:
            continue
        support = _edge_support(edges, quad)
        area = cv2.contourArea(quad.reshape(-1, 1, 2))
        if (
            best is None
            or (support, area) > (best[0] + 0.05, best[1])
            or (support > best[0] - 0.05 and area > best[1] * 1.05)
        ):
            best = (support, area, quad)
    ink = _ink_mask(gray)
    ink_total = int(ink.sum() // 255)
    if best is not None and best[0] >= 0.6:
        inside = np.zeros_like(ink)
        cv2.fillConvexPoly(inside, best[2].astype(np.int32), 255)
        covered = int(cv2.bitwise_and(ink, inside).sum() // 255)
        if ink_total == 0 or covered >= 0.97 * ink_total:
            return best[2] / scale
        logger.info(
            "Page outline leaves %.0f%% of the ink outside: using the text area", 100 - 100 * covered / ink_total
        )
    box = _ink_box(ink)
    return None if box is None else box / scale


def _ink_mask(gray: np.ndarray) -> np.ndarray:
    """Thin dark strokes (text, rules) on a small grayscale image; textured tables mostly vanish."""
    blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, np.ones((7, 7), np.uint8))
    _, mask = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def _ink_box(ink: np.ndarray) -> np.ndarray | None:
    """Rotated rectangle around the main body of ink, with a margin, as TL, TR, BR, BL corners.

    Why: when the sheet's outline cannot be trusted (busy or same-coloured table, shadows),
    the text itself still tells where the page is and how it is turned.
    """
    merged = cv2.dilate(ink, np.ones((15, 15), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
    if count < 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = [i + 1 for i, a in enumerate(areas) if a >= 0.02 * areas.max()]
    points = cv2.findNonZero(np.isin(labels, keep).astype(np.uint8) & (ink > 0))
    if points is None or len(points) < 50:
        return None
    (cx, cy), (w, h), angle = cv2.minAreaRect(points)
    if w * h < 0.05 * ink.shape[0] * ink.shape[1]:
        return None
    box = cv2.boxPoints(((cx, cy), (w * 1.06 + 10, h * 1.06 + 10), angle))
    return _order_quad(box)


def _warp(rgb: np.ndarray, quad: np.ndarray) -> np.ndarray:
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def normalize_light(gray: np.ndarray) -> np.ndarray:
    """Divide out the background (shadows, gradients) so paper becomes white and ink dark."""
    k = max(15, (min(gray.shape) // 40) | 1)
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.medianBlur(background, 21)
    norm = cv2.divide(gray, background, scale=255)
    return cv2.normalize(norm, None, 0, 255, cv2.NORM_MINMAX)


def uninvert_blocks(gray: np.ndarray) -> np.ndarray:
    """Turn light-on-dark bars (totals banners, table headers) into dark-on-light text.

    Why: Tesseract reads dark text on light paper; a modern invoice prints its grand total
    in a filled coloured bar, which otherwise comes back empty. Runs on the raw grayscale:
    a median filter erases thin text, so only solid fills remain dark.
    """
    k = max(5, (min(gray.shape) // 120) | 1)
    solid = cv2.medianBlur(gray, k)
    paper = float(np.percentile(solid, 90))
    dark = (solid < paper * 0.6).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    out = gray.copy()
    min_area = gray.shape[0] * gray.shape[1] * 0.001
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        if area < min_area or h < 12 or w < 2 * h or area < 0.7 * w * h or w > 0.98 * gray.shape[1]:
            continue
        if not _filled(gray[y : y + h, x : x + w]):
            continue
        region = 255 - gray[y : y + h, x : x + w]
        out[y : y + h, x : x + w] = cv2.normalize(region, None, 0, 255, cv2.NORM_MINMAX)
    return out


FILLED_DARK_SHARE = 0.55
"""Share of a candidate bar's pixels in its darker half above which it is a filled bar (light text)."""


def _filled(region: np.ndarray) -> bool:
    """True when most of the region is dark fill, not dark text on (shadowed) paper.

    Why: bold text lines in a shadow also survive the median filter as dark blocks; inverting
    them turns readable text (a seller GSTIN) into white-on-black junk. A real bar is mostly
    fill (share 0.7+), a text line mostly paper (share under 0.45).
    """
    lo, hi = np.percentile(region, (5, 95))
    return float(np.mean(region < (lo + hi) / 2)) > FILLED_DARK_SHARE


def remove_rules(gray: np.ndarray) -> np.ndarray:
    """Paint table rules (long horizontal and vertical lines) white.

    Why: bordered invoices (Tally style) make Tesseract's layout analysis treat cells as
    pictures and drop whole rows, the grand total among them.
    """
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    h, w = gray.shape
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (w // 8, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, h // 30)))
    rules = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    out = gray.copy()
    out[rules > 0] = 255
    return out


def text_height(gray: np.ndarray) -> float | None:
    """Median height of glyph-sized dark blobs, or None when there are too few."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    keep = (heights >= 6) & (heights <= gray.shape[0] / 15) & (widths <= heights * 3) & (widths >= 2)
    if keep.sum() < 30:
        return None
    return float(np.median(heights[keep]))


def _deskew(gray: np.ndarray) -> np.ndarray:
    """Remove a small residual tilt (<= 10 degrees) measured on text lines."""
    small_scale = 1000 / max(gray.shape)
    small = cv2.resize(gray, None, fx=small_scale, fy=small_scale, interpolation=cv2.INTER_AREA)
    _, binary = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    lines = cv2.HoughLinesP(binary, 1, np.pi / 720, threshold=120, minLineLength=small.shape[1] // 4, maxLineGap=10)
    if lines is None:
        return gray
    angles = []
    for x1, y1, x2, y2 in lines.reshape(-1, 4):
        angle = np.degrees(np.arctan2(y2 - y1, x2 - x1))
        if abs(angle) <= 10:
            angles.append(angle)
    if len(angles) < 3:
        return gray
    angle = float(np.median(angles))
    if abs(angle) < 0.3:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def looks_sideways(gray: np.ndarray) -> bool:
    """True when text lines run vertically (page turned by 90 degrees), from projection profiles.

    Why: Tesseract OSD costs about a second; most photos are upright or upside down, and an
    upside-down page is caught later by its poor OCR confidence, so OSD runs only for these.
    Table rules are removed first: a bordered grid is peaky both ways and hides the text lines.
    """
    scale = min(1.0, 1000 / max(gray.shape))
    small = remove_rules(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows, cols = ink.sum(axis=1).astype(float), ink.sum(axis=0).astype(float)

    def peakiness(profile: np.ndarray) -> float:
        smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
        return float(np.var(np.diff(smooth)) / (np.mean(smooth) ** 2 + 1e-9))

    return peakiness(cols) > 1.3 * peakiness(rows)


SIDEWAYS_OSD_CONF = 2.0
"""OSD confidence needed to overrule the line profiles that call a page sideways."""


def detect_rotation(gray: np.ndarray, *, sideways: bool = False) -> int:
    """Clockwise degrees (0/90/180/270) to turn the page upright, by Tesseract OSD on a small copy.

    Args:
        sideways: the line profiles say the text runs vertically. A weak OSD answer of 0 or
            180 is then overruled by 90: a page turned the wrong way round (270) is read
            upside down, which `read_image` notices and fixes, while an unturned one is lost.
    """
    scale = min(1.0, OSD_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    try:
        osd = pytesseract.image_to_osd(Image.fromarray(small), config="--psm 0 -c min_characters_to_try=10")
    except pytesseract.TesseractError as exc:
        logger.info("OSD failed: %s", str(exc)[:80])
        return 90 if sideways else 0
    match = re.search(r"Rotate:\s*(\d+)", osd)
    conf_match = re.search(r"Orientation confidence:\s*([\d.]+)", osd)
    conf = float(conf_match.group(1)) if conf_match else 0.0
    rotate = int(match.group(1)) % 360 if match else 0
    if sideways and rotate in (0, 180) and conf < SIDEWAYS_OSD_CONF:
        return 90
    if not match or conf < 0.5:
        return 0
    return rotate


def _rotate(gray: np.ndarray, degrees: int) -> np.ndarray:
    if degrees == 90:
        return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
    if degrees == 180:
        return cv2.rotate(gray, cv2.ROTATE_180)
    if degrees == 270:
        return cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return gray


def prepare(img: Image.Image, *, photo: bool = True, orient: bool = True) -> tuple[np.ndarray, int, bool]:
    """Flatten, turn upright, even out light and scale text; returns (gray page, rotation, page_found).

    Args:
        orient: turn a sideways page upright here (Tesseract OSD); False when the caller finds
            the page's orientation itself (PP-OCR's text lines, `ppocr.read_page`).
    """
    rgb = np.asarray(img.convert("RGB"))
    page_found = False
    if photo:
        quad = find_page_quad(rgb)
        if quad is not None:
            rgb = _warp(rgb, quad)
            page_found = True
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gray = normalize_light(uninvert_blocks(gray))
    height = text_height(gray)
    if height:
        scale = max(0.5, min(3.0, TARGET_TEXT_PX / height))
        scale = min(scale, MAX_OCR_SIDE / max(gray.shape))
        if abs(scale - 1) > 0.1:
            interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interp)
    rotation = detect_rotation(gray, sideways=True) if orient and looks_sideways(gray) else 0
    gray = _rotate(gray, rotation)
    if not page_found:
        gray = _deskew(gray)
    return remove_rules(gray), rotation, page_found
