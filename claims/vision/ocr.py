"""Tesseract OCR for invoice photos and scans, with the clean-up phone photos need.

Why: members photograph invoices on a table, tilted, turned, in uneven light. The page is
prepared by `claims.vision.preprocess` (paper found, flattened, upright, light evened, text scaled),
then read by Tesseract. Words keep their boxes and confidences so the field parser can use
columns and distrust weak readings.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from dataclasses import dataclass

import cv2
import numpy as np
import pytesseract
from PIL import Image

from claims.vision.preprocess import prepare

logger = logging.getLogger(__name__)

# Tesseract's OpenMP threads fight each other (and the other workers) on a 2-core box: one
# thread per process is 3-4x faster there. Child processes inherit this.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

DEFAULT_LANG = "eng+hin"
"""Tesseract languages: English and Hindi (Devanagari) labels both occur on Indian invoices."""


@dataclass
class Word:
    """One recognized word with its box (pixels of the processed page) and confidence 0-100."""

    text: str
    left: float
    top: float
    right: float
    bottom: float
    conf: float
    line_key: tuple[int, ...] | None = None  # Tesseract's (block, paragraph, line): words of one text line


@dataclass
class OcrResult:
    """Words of one page, their layout text, and what the preprocessing did."""

    words: list[Word]
    text: str
    rotated: int
    page_found: bool
    mean_conf: float
    gray: np.ndarray | None = None  # the processed page, kept for a second (Hindi) pass
    low_share: float = 0.0  # share of words under 50 confidence


def ocr_words(gray: np.ndarray, *, lang: str = DEFAULT_LANG, psm: int = 3) -> list[Word]:
    """One Tesseract pass; words with boxes and confidences (0-100)."""
    data = pytesseract.image_to_data(
        Image.fromarray(gray), lang=lang, config=f"--oem 1 --psm {psm}", output_type=pytesseract.Output.DICT
    )
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        left, top = data["left"][i], data["top"][i]
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        words.append(Word(text, left, top, left + data["width"][i], top + data["height"][i], conf, key))
    return words


def layout_text(words: list[Word]) -> str:
    """Rebuild text lines from word boxes, keeping columns roughly aligned with spaces.

    Why: labels and values sit in columns ("Invoice No." above "GST-3447"); a layout-preserving
    text lets the field parser look under a label, for OCR and PDF text alike. Line i of the
    text is row i of `layout_rows`.
    """
    if not words:
        return ""
    rows = layout_rows(words)
    char_w = max(1.0, float(np.median([(w.right - w.left) / max(1, len(w.text)) for w in words])))
    lines = []
    for row in rows:
        line = ""
        for word in row:
            col = int(word.left / char_w)
            if line:
                line += " " * max(1, col - len(line))
            else:
                line = " " * col
            line += word.text
        lines.append(line.rstrip())
    return "\n".join(lines)


def layout_rows(words: list[Word]) -> list[list[Word]]:
    """Words grouped into visual rows, top to bottom, each row left to right."""
    if not words:
        return []
    heights = sorted(w.bottom - w.top for w in words)
    line_h = max(1.0, heights[len(heights) // 2])
    segments: dict[object, list[Word]] = {}
    for i, word in enumerate(words):
        segments.setdefault(word.line_key if word.line_key is not None else i, []).append(word)

    def centre(seg: list[Word]) -> float:
        return float(np.median([(w.top + w.bottom) / 2 for w in seg]))

    rows: list[list[Word]] = []
    row_centres: list[float] = []
    for seg in sorted(segments.values(), key=centre):
        c = centre(seg)
        # join the closest row within half a line height (rows are few; scan the last ones)
        best = None
        for r in range(max(0, len(rows) - 4), len(rows)):
            if abs(row_centres[r] - c) < line_h * 0.5 and (
                best is None or abs(row_centres[r] - c) < abs(row_centres[best] - c)
            ):
                best = r
        if best is None:
            rows.append(list(seg))
            row_centres.append(c)
        else:
            rows[best].extend(seg)
    return [sorted(row, key=lambda w: w.left) for row in rows]


UPSIDE_DOWN_CONF = 55.0
"""Mean word confidence under which the page is also read turned by 180 degrees."""

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_DEVANAGARI_DIGITS = re.compile(r"^[\u0966-\u096F.,:;|/-]+$")

HINDI_PASS_LOW_SHARE = 0.15
"""Share of low-confidence words in the English pass above which the page is read again with Hindi."""


def _iou(a: Word, b: Word) -> float:
    ix = max(0.0, min(a.right, b.right) - max(a.left, b.left))
    iy = max(0.0, min(a.bottom, b.bottom) - max(a.top, b.top))
    inter = ix * iy
    union = (a.right - a.left) * (a.bottom - a.top) + (b.right - b.left) * (b.bottom - b.top) - inter
    return inter / union if union > 0 else 0.0


def merge_passes(hindi: list[Word], english: list[Word]) -> list[Word]:
    """Hindi-pass words, but Latin words (codes, numbers, GSTINs) as the English model read them.

    Why: ``eng+hin`` is needed for Devanagari labels but misreads bold Latin codes (SB -> 58,
    ':' -> '४'); the English model reads those better.
    """
    merged: list[Word] = []
    used: set[int] = set()
    for word in hindi:
        keep_hindi = bool(_DEVANAGARI.search(word.text)) and not _DEVANAGARI_DIGITS.match(word.text)
        if not keep_hindi:
            best, best_iou = None, 0.3
            for i, other in enumerate(english):
                overlap = _iou(word, other)
                if overlap > best_iou:
                    best, best_iou = i, overlap
            if best is not None:
                used.add(best)
                e = english[best]
                merged.append(Word(e.text, e.left, e.top, e.right, e.bottom, e.conf, _tag(0, word.line_key)))
                continue
        merged.append(Word(word.text, word.left, word.top, word.right, word.bottom, word.conf, _tag(0, word.line_key)))
    for i, other in enumerate(english):
        if i not in used and other.conf >= 70 and not any(_iou(other, w) > 0.1 for w in merged):
            merged.append(
                Word(other.text, other.left, other.top, other.right, other.bottom, other.conf, _tag(1, other.line_key))
            )
    return merged


def _tag(pass_no: int, key: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """Line keys of two passes are numbered independently: keep them apart."""
    return None if key is None else (pass_no, *key)


def _result(words: list[Word], gray: np.ndarray, rotation: int, page_found: bool) -> OcrResult:
    mean_conf = float(np.mean([w.conf for w in words])) if words else 0.0
    low_share = sum(1 for w in words if w.conf < 50) / max(1, len(words))
    return OcrResult(
        words=words,
        text=layout_text(words),
        rotated=rotation,
        page_found=page_found,
        mean_conf=mean_conf,
        gray=gray,
        low_share=low_share,
    )


_UPRIGHT_TOKEN = re.compile(r"^(?:\d{1,3}(?:,\d{2,3})+(?:\.\d{2})?|\d+\.\d{2}|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{6,})$")
"""Amounts, dates and long digit runs: read confidently only when the page is the right way up."""

UPRIGHT_MIN_TOKENS = 4
"""Confident amount/date tokens that prove a low-confidence (e.g. Hindi) page is upright."""


def reads_upright(words: list[Word]) -> bool:
    """True when enough amounts or dates were read confidently for the page to be upright.

    Why: a Hindi page read with the English model has low mean confidence, like an
    upside-down page, but its Latin digits are still read well; skipping the 180-degree
    retry on such pages saves a whole OCR pass.
    """
    hits = sum(1 for w in words if w.conf >= 85 and _UPRIGHT_TOKEN.match(w.text.strip("₹:;,")))
    return hits >= UPRIGHT_MIN_TOKENS


def reads_backwards(words: list[Word]) -> bool:
    """True when the words of most multi-word lines run right to left (an upside-down page).

    Why: Tesseract 5 reads a turned text line by flipping it, so the words come out right but
    in reversed order with a normal confidence; the fields then lose their labels.
    """
    lines: dict[tuple[int, ...], list[Word]] = {}
    for word in words:
        if word.line_key is not None:
            lines.setdefault(word.line_key, []).append(word)
    back = forward = 0
    for line in lines.values():
        if len(line) < 3:
            continue
        steps = [b.left - a.left for a, b in itertools.pairwise(line)]
        back += all(step < 0 for step in steps)
        forward += all(step > 0 for step in steps)
    return back >= 3 and back > 2 * forward


def read_image(img: Image.Image, *, photo: bool = True, lang: str = "eng") -> OcrResult:
    """Prepare one page and OCR it once (English by default: fast, best on codes and numbers).

    Args:
        img: an RGB page from `claims.vision.imaging.load_pages`.
        photo: look for the sheet in the frame and flatten it (phone photos); scans skip this.
        lang: Tesseract languages for the pass.
    """
    gray, rotation, page_found = prepare(img, photo=photo)
    result = _result(ocr_words(gray, lang=lang), gray, rotation, page_found)
    if reads_backwards(result.words):
        # Tesseract read each line turned over: the words are right but the page is upside down.
        turned = cv2.rotate(gray, cv2.ROTATE_180)
        logger.info("Words run right to left: page is upside down, reading it turned")
        return _result(ocr_words(turned, lang=lang), turned, (rotation + 180) % 360, page_found)
    if result.mean_conf < UPSIDE_DOWN_CONF and not reads_upright(result.words):
        # OSD can be fooled (stamps, Devanagari); a page read upside down gives junk: try it turned.
        turned = cv2.rotate(gray, cv2.ROTATE_180)
        other = _result(ocr_words(turned, lang=lang), turned, (rotation + 180) % 360, page_found)
        if other.mean_conf * len(other.words) > result.mean_conf * len(result.words) * 1.2:
            logger.info("Page read better turned 180 degrees (conf %.0f -> %.0f)", result.mean_conf, other.mean_conf)
            result = other
    return result


def needs_hindi(result: OcrResult) -> bool:
    """True when an English pass left many weak words: Devanagari text is likely on the page."""
    return result.low_share > HINDI_PASS_LOW_SHARE or len(result.words) < 40


def second_pass(result: OcrResult) -> OcrResult:
    """Read the same processed page again, differently: sparse-text segmentation (psm 11), with
    Hindi when the first pass suggests Devanagari (then merged: Hindi labels, English codes).

    Why: the default page segmentation sometimes drops whole regions (a bold total between
    rules, a boxed header); sparse mode finds them but loses others, so the caller keeps the
    better of the two readings.
    """
    if result.gray is None:
        return result
    if needs_hindi(result):
        words = merge_passes(ocr_words(result.gray, lang=DEFAULT_LANG, psm=11), result.words)
    else:
        words = ocr_words(result.gray, lang="eng", psm=11)
    return _result(words, result.gray, result.rotated, result.page_found)
