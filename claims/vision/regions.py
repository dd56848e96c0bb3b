"""Targeted OCR of small page regions: one Tesseract call for several crops.

Why: a whole-page second pass costs 2-3 s on a 2-core box, yet usually only one field is in
doubt. Re-reading just the rows around that field (enlarged, binarized differently) is a
fraction of the cost and gives an independent second reading; text the first pass dropped
entirely (a bold total between rules) is found as ink no word box covers. Crops are stacked
into one image so Tesseract starts once.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytesseract
from PIL import Image

from claims.vision.ocr import Word

Box = tuple[int, int, int, int]
"""left, top, right, bottom in page pixels."""

REGION_SCALE = 1.5
"""Enlargement of re-read crops: a different scale than the first pass, and bigger glyphs."""

_GAP = 40
"""White pixels between stacked crops (Tesseract must not join rows of different crops)."""


def binarize(gray: np.ndarray) -> np.ndarray:
    """Adaptive (local mean) threshold: a different view of the ink than the page pass used."""
    block = max(15, (min(gray.shape) // 8) | 1)
    block = min(block, 51)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 12)


def _stack(
    gray: np.ndarray, boxes: list[Box], scale: float, binary: list[bool]
) -> tuple[np.ndarray, list[tuple[int, int, Box]]]:
    """Crops enlarged and stacked top to bottom; returns the canvas and (y0, y1, box) per crop."""
    crops = []
    for (left, top, right, bottom), bw in zip(boxes, binary, strict=True):
        crop = gray[top:bottom, left:right]
        if scale != 1:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        crops.append(binarize(crop) if bw else crop)
    width = max(c.shape[1] for c in crops) + 2 * _GAP
    height = sum(c.shape[0] for c in crops) + _GAP * (len(crops) + 1)
    canvas = np.full((height, width), 255, np.uint8)
    placements = []
    y = _GAP
    for crop, box in zip(crops, boxes, strict=True):
        canvas[y : y + crop.shape[0], _GAP : _GAP + crop.shape[1]] = crop
        placements.append((y, y + crop.shape[0], box))
        y += crop.shape[0] + _GAP
    return canvas, placements


def read_regions(
    gray: np.ndarray,
    boxes: list[Box],
    *,
    lang: str = "eng",
    psm: int = 6,
    scale: float = REGION_SCALE,
    binary: list[bool] | None = None,
) -> list[list[Word]]:
    """OCR each box of the page; words per box, in page coordinates.

    Args:
        gray: the processed page (as the first pass read it).
        boxes: regions to read, clipped to the page.
        lang: Tesseract languages.
        psm: page segmentation for the stacked crops (6: a uniform block of text).
        scale: enlargement applied to every crop.
        binary: per box, binarize the crop adaptively (default: all True).
    """
    h, w = gray.shape
    flags = binary if binary is not None else [True] * len(boxes)
    clipped = [(max(0, a), max(0, b), min(w, c), min(h, d)) for a, b, c, d in boxes]
    usable = [i for i, b in enumerate(clipped) if b[2] - b[0] >= 8 and b[3] - b[1] >= 8]
    out: list[list[Word]] = [[] for _ in boxes]
    if not usable:
        return out
    canvas, placements = _stack(gray, [clipped[i] for i in usable], scale, [flags[i] for i in usable])
    data = pytesseract.image_to_data(
        Image.fromarray(canvas), lang=lang, config=f"--oem 1 --psm {psm}", output_type=pytesseract.Output.DICT
    )
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        centre = data["top"][i] + data["height"][i] / 2
        for index, (y0, y1, (left, top, _, _)) in enumerate(placements):
            if y0 - _GAP / 2 <= centre < y1 + _GAP / 2:
                x = (data["left"][i] - _GAP) / scale + left
                y = (data["top"][i] - y0) / scale + top
                key = (2, index, data["block_num"][i], data["par_num"][i], data["line_num"][i])
                word = Word(text, x, y, x + data["width"][i] / scale, y + data["height"][i] / scale, conf, key)
                out[usable[index]].append(word)
                break
    return out


def uncovered_lines(gray: np.ndarray, words: list[Word], *, max_lines: int = 12) -> list[Box]:
    """Text-line-shaped ink that no word box covers: what the page pass dropped.

    Why: Tesseract's layout analysis sometimes skips a whole row (a bold total between
    dashed rules, a boxed header cell). Ink blobs the size of a text line, outside every word
    box, are worth one cheap re-read; specks, stamps' rings and QR codes mostly fail the shape test.
    """
    if not words:
        return []
    heights = sorted(wd.bottom - wd.top for wd in words)
    line_h = max(8.0, heights[len(heights) // 2])
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    pad = int(line_h * 0.3)
    for wd in words:
        ink[max(0, int(wd.top) - pad) : int(wd.bottom) + pad, max(0, int(wd.left) - pad) : int(wd.right) + pad] = 0
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    merged = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (int(line_h * 1.5), max(1, int(line_h / 4)))))
    count, _, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
    found: list[tuple[int, Box]] = []
    for i in range(1, count):
        x, y, w, h = stats[i][:4]
        if not (0.6 * line_h <= h <= 2.5 * line_h) or w < 3 * line_h:
            continue
        density = float(np.count_nonzero(ink[y : y + h, x : x + w])) / (w * h)
        if not 0.08 <= density <= 0.6:
            continue
        m = int(line_h * 0.4)
        found.append((w, (x - m, y - m, x + w + m, y + h + m)))
    found.sort(key=lambda f: -f[0])
    return sorted((box for _, box in found[:max_lines]), key=lambda b: b[1])
