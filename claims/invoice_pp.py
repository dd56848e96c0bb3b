"""PP-OCR first: read the whole page with PP-OCR, Tesseract as the independent second opinion.

Why: on phone photos PP-OCR (v6) reads codes and amounts far more reliably than Tesseract,
and its text lines also tell which way up the page lies (`ppocr.read_page`). It has no
Devanagari, so lines it could only read as noise are read again by Tesseract (``eng+hin``):
Hindi labels then sit beside PP-OCR's values. A field is trusted only when evidence other
than PP-OCR's own reading agrees: Tesseract reading the same value in the same place, or
the tax arithmetic / amount in words for the total (see `claims.second_opinion`).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
from PIL import Image

from claims.invoice_text import Field, InvoiceFields, extract_fields, tidy
from claims.second_opinion import lift_agreed, tesseract_confirms, value_in
from claims.vision import ocr, ppocr, regions
from claims.vision.preprocess import prepare

logger = logging.getLogger(__name__)

PP_WEAK_SCORE = 80.0
"""PP-OCR line scores (0-100) under which the tokens of the line count as weak for the field parser."""

CONFIRM_PP_SCORE = 90.0
"""PP-OCR line score (0-100) a field's line needs before Tesseract's reading of it can confirm it."""

CONFIRM_TESS_CONF = 80.0
"""Tesseract word confidence (0-100) a word needs to count in its confirming reading."""

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_NOISE_ZEROS = re.compile(r"0{4,}")
_FOREIGN = re.compile(r"[^\x20-\x7E₹\u00A0-\u00FF]")


@dataclass
class PpPage:
    """One page as PP-OCR read it (upright), with its lines re-read in Hindi where needed."""

    words: list[ocr.Word]
    gray: np.ndarray
    hindi: bool


def looks_garbled(text: str) -> bool:
    """True when a PP-OCR line is probably Devanagari it could not read (it has no Hindi model).

    Why: PP-OCR renders a Hindi label as confident noise: runs of zeros and slashes, stray
    CJK characters, or a string of one- and two-letter fragments.
    """
    if _FOREIGN.search(text) or (len(text) >= 2 and not re.search(r"[A-Za-z0-9]", text)):
        return True
    stripped = text.replace(",", "").replace(".", "")
    if _NOISE_ZEROS.search(stripped) and not re.fullmatch(r"[₹Rs:\s]*\d{1,9}", stripped):
        return True
    tokens = text.split()
    return len(tokens) >= 4 and sum(1 for t in tokens if len(t) <= 2) / len(tokens) > 0.6


def merge_line(pp: str, tess: str) -> str | None:
    """One line from both engines: Tesseract's Devanagari label, PP-OCR's value (None: keep PP-OCR's).

    Why: Tesseract's Hindi model reads the label but garbles Latin codes and digits, which PP-OCR
    reads well. The value is PP-OCR's text from its first colon (labels end with one), or else its
    tokens holding digits; a line without digits is a label and is taken from Tesseract whole.
    """
    if not _DEVANAGARI.search(tess):
        return None
    if not re.search(r"\d", pp):
        return tess
    tail = pp[pp.index(":") :] if ":" in pp else " ".join(t for t in pp.split() if re.search(r"\d", t))
    prefix: list[str] = []
    for token in tess.split():
        if _DEVANAGARI.search(token) or re.fullmatch(r"[/|()\-.]+", token):
            prefix.append(token)
        else:
            break
    return f"{' '.join(prefix)} {tail}".strip() if prefix else None


def relabel_hindi(words: list[ocr.Word], gray: np.ndarray) -> tuple[list[ocr.Word], bool]:
    """Tesseract (Hindi first) re-reads the lines PP-OCR garbled; on a page that proves to hold
    Hindi, every line with letters is re-read, since PP-OCR also turns Hindi into Latin-looking noise.
    """
    suspects = [i for i, w in enumerate(words) if looks_garbled(w.text) or w.conf < 50]
    if not suspects:
        return words, False
    out = list(words)
    hindi = _reread(words, suspects, gray, out)
    if hindi:
        rest = [i for i, w in enumerate(words) if i not in suspects and re.search(r"[A-Za-z]", w.text)]
        _reread(words, rest, gray, out)
    logger.info("Re-read %d garbled lines with Tesseract (Hindi found: %s)", len(suspects), hindi)
    return out, hindi


def _reread(words: list[ocr.Word], which: list[int], gray: np.ndarray, out: list[ocr.Word]) -> bool:
    """Tesseract reads the lines ``which``; merged lines replace them in ``out``. True if any was Hindi."""
    if not which:
        return False
    boxes = []
    for i in which:
        w = words[i]
        pad = (w.bottom - w.top) * 0.3
        boxes.append((int(w.left - pad), int(w.top - pad), int(w.right + pad), int(w.bottom + pad)))
    found = regions.read_regions(gray, boxes, lang="hin+eng", psm=6, binary=[False] * len(boxes))
    hindi = False
    for i, read in zip(which, found, strict=True):
        tess = " ".join(w.text for w in sorted(read, key=lambda w: (round(w.top / max(1.0, w.bottom - w.top)), w.left)))
        merged = merge_line(words[i].text, tess)
        if merged is not None:
            hindi = True
            w = words[i]
            out[i] = ocr.Word(merged, w.left, w.top, w.right, w.bottom, w.conf, w.line_key)
    return hindi


def read_pages(pages: list[Image.Image], *, photo: bool) -> list[PpPage]:
    """Prepare (flatten, light) each page, let PP-OCR find its orientation and read it, relabel Hindi."""
    out = []
    for page in pages:
        gray, _, _ = prepare(page, photo=photo, orient=False)
        read = ppocr.read_page(gray)
        words, hindi = relabel_hindi(read.words, read.image)
        out.append(PpPage(words, read.image, hindi))
    return out


def _text(pages: list[PpPage]) -> str:
    return "\n".join(ocr.layout_text(p.words) for p in pages)


def _page_of(pages: list[PpPage], line: int | None) -> tuple[int, int] | None:
    """(page index, row on that page) of a row of the joined text."""
    if line is None:
        return None
    for index, page in enumerate(pages):
        count = len(ocr.layout_rows(page.words))
        if line < count:
            return index, line
        line -= count
    return None


def _value_word(page: PpPage, row: int, name: str, value: str | int) -> ocr.Word | None:
    """PP-OCR's line (on text row ``row``) that holds the field's value."""
    rows = ocr.layout_rows(page.words)
    if row >= len(rows):
        return None
    return next((w for w in rows[row] if value_in(name, value, tidy(w.text))), None)


def tesseract_reads(page: PpPage, word: ocr.Word, name: str, value: str | int) -> bool:
    """Tesseract reads PP-OCR's line (grayscale and binarized) and finds exactly the same value in it."""
    pad = (word.bottom - word.top) * 0.35
    box = (int(word.left - pad), int(word.top - pad), int(word.right + pad), int(word.bottom + pad))
    lang = ocr.DEFAULT_LANG if page.hindi else "eng"
    reads = regions.read_regions(page.gray, [box, box], lang=lang, binary=[False, True])
    # only words Tesseract itself is sure of: the engines see the same blurred pixels, and a digit both
    # misread alike (6 as 5) must not count as agreement
    texts = [tidy(ocr.layout_text([w for w in words if w.conf >= CONFIRM_TESS_CONF])) for words in reads]
    logger.debug("Tesseract reads %s as %r", name, texts)
    return any(value_in(name, value, text) for text in texts)


def confirm(pages: list[PpPage], fields: InvoiceFields, today: date) -> None:
    """Tesseract re-reads the lines where PP-OCR found the number, the date and an unconfirmed total;
    the same value read there makes the field agreed (`second_opinion.lift_agreed`).

    Why: the two engines recognise the same pixels independently; which line is the field
    was decided once, by the labels, and the field parser's doubts about that choice stay.
    """
    names = ["invoice_number", "invoice_date"] + ([] if fields.total_confirmed else ["total_paise"])
    for name in names:
        f: Field = getattr(fields, name)
        where = _page_of(pages, f.line)
        if f.value is None or where is None:
            continue
        page = pages[where[0]]
        word = _value_word(page, where[1], name, f.value)
        if word is not None and word.conf < CONFIRM_PP_SCORE:
            agreed = False  # PP-OCR itself unsure of the line: nothing to confirm
        elif word is not None:
            agreed = tesseract_reads(page, word, name, f.value)
        else:
            lang = ocr.DEFAULT_LANG if page.hindi else "eng"
            agreed = tesseract_confirms(page.gray, page.words, name, Field(f.value, 0, "", where[1]), lang, today)
        if agreed:
            lift_agreed(fields, name)
        else:
            logger.info("Tesseract does not read %s %r where PP-OCR did", name, f.value)


def read_fields_pp(pages: list[Image.Image], *, photo: bool, today: date) -> tuple[str, InvoiceFields]:
    """PP-OCR reads the pages; fields extracted from its text; Tesseract confirms them.

    Returns:
        The text the fields were read from, and the fields (``agreed`` names the confirmed ones).
    """
    started = time.monotonic()
    read = read_pages(pages, photo=photo)
    text = _text(read)
    weak = {tok for p in read for w in p.words if w.conf < PP_WEAK_SCORE for tok in w.text.split()}
    fields = extract_fields(text, today=today, weak_tokens=weak, from_ocr=True)
    confirm(read, fields, today)
    logger.info("PP-OCR reading in %.2f s: agreed %s", time.monotonic() - started, ",".join(fields.agreed) or "-")
    return text, fields


__all__ = ["PpPage", "confirm", "looks_garbled", "read_fields_pp", "read_pages", "relabel_hindi"]
