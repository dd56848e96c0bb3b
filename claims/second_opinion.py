"""Certainty by agreement: PP-OCR reads again what Tesseract found, and what it could not find.

Why: one engine's confidence is not evidence (Tesseract read ``VTC/…`` as ``VIC/…`` at 0.95),
and a wrong number is also the duplicate key. A field counts as agreed only when the two
engines, which fail in different ways, read the very same value: first PP-OCR reads the small
region of the rectified page where Tesseract found each field (cheap); only fields still
missing or disputed cost a whole-page PP-OCR pass, whose values Tesseract then re-reads in
place. Disagreements are kept as candidates for the reviewer; nothing is resolved by guessing.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import date

import numpy as np

from claims.amounts import find_amounts
from claims.dates import find_dates
from claims.invoice_ocr import _reread_box
from claims.invoice_text import Field, InvoiceFields, extract_fields
from claims.vision import ocr, ppocr, regions

logger = logging.getLogger(__name__)

FIELDS = ("supplier_gstin", "invoice_number", "invoice_date", "total_paise")

PP_WEAK_SCORE = 80.0
"""PP-OCR line scores (0-100) under which its words count as weak for the field parser."""

MIN_LOOSE_NUMBER = 3
"""An invoice number found (once) in its region without a readable label must be this long to count."""

LIFTED = ("low_ocr_confidence", "lookalike", "unsure")
"""Doubts about how the characters were read, which a second engine's identical reading answers. Doubts about
which value is the field (no label, a bare "No.", two candidates) are not: both engines share that choice."""


def value_in(name: str, value: str | int, text: str) -> bool:
    """True when ``text`` (one engine's reading of a region) holds exactly ``value`` for field ``name``."""
    if name == "invoice_date":
        return any(h.value.isoformat() == value for h in find_dates(text))
    if name == "total_paise":
        return any(a.paise == value for a in find_amounts(text))
    squeezed = re.sub(r"\s+", "", text) if name == "supplier_gstin" else text
    # the exact characters, not touching other letters or digits: no look-alike folding at all
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(str(value))}(?![A-Za-z0-9])", squeezed) is not None


def _box(words: list[ocr.Word], line: int, width: int) -> tuple[int, int, int, int] | None:
    """The field's text row with the two rows above it (labels over values), across the page."""
    rows = ocr.layout_rows(words)
    if line >= len(rows) or not rows[line]:
        return None
    band = [w for r in rows[max(0, line - 2) : line + 1] for w in r]
    height = max(w.bottom - w.top for w in rows[line])
    top = min(w.top for w in band) - height * 0.4
    bottom = max(w.bottom for w in rows[line]) + height * 0.4
    return (0, int(top), width, int(bottom))


def lift_agreed(fields: InvoiceFields, name: str) -> None:
    f0: Field = getattr(fields, name)
    if name == "invoice_number" and f0.note.split("+")[0] in ("unlabelled", "bare"):
        return  # both engines read the same characters, but nothing says they are the invoice number
    prefix = name.replace("_paise", "") + "_"
    fields.doubts = [d for d in fields.doubts if not (d.startswith(prefix) and d.removeprefix(prefix) in LIFTED)]
    f: Field = getattr(fields, name)
    f.confidence = max(f.confidence, 0.95)
    if name not in fields.agreed:
        fields.agreed.append(name)


def _reads_same(name: str, value: str | int, text: str, today: date) -> bool:
    """The other engine's reading of a region gives the same value: parsed from it as a field (label
    included), or, for a number too long to occur by chance, found there character for character."""
    parsed = getattr(extract_fields(text, today=today, from_ocr=True), name).value
    if parsed is not None:
        return parsed == value
    if name == "invoice_number":
        found = re.findall(rf"(?<![A-Za-z0-9]){re.escape(str(value))}(?![A-Za-z0-9])", text)
        return len(str(value)) >= MIN_LOOSE_NUMBER and len(found) == 1
    return value_in(name, value, text)


def _check_regions(result: ocr.OcrResult, fields: InvoiceFields, text: str, names: list[str], today: date) -> list[str]:
    """PP-OCR reads each field's region (its value, the label left of or above it); the fields it confirms."""
    assert result.gray is not None
    rows, lines = ocr.layout_rows(result.words), text.splitlines()
    confirmed = []
    for name in names:
        f: Field = getattr(fields, name)
        if f.value is None or f.line is None or f.line >= len(rows) or f.line >= len(lines) or not rows[f.line]:
            continue
        box = _reread_box(result, rows, lines[f.line], name, f)
        read = ocr.layout_text(ppocr.read_region(result.gray, box))
        if _reads_same(name, f.value, read, today):
            confirmed.append(name)
        else:
            logger.info("PP-OCR does not read %s %r in its place: %r", name, f.value, read[:120])
    return confirmed


def tesseract_confirms(gray: np.ndarray, words: list[ocr.Word], name: str, f: Field, lang: str, today: date) -> bool:
    """Tesseract re-reads the place where PP-OCR found a field (grayscale and binary)."""
    if f.line is None or f.value is None:
        return False
    box = _box(words, f.line, gray.shape[1])
    if box is None:
        return False
    reads = regions.read_regions(gray, [box, box], lang=lang, binary=[False, True])
    return any(_reads_same(name, f.value, ocr.layout_text(w), today) for w in reads)


def _whole_page(results: list[ocr.OcrResult], today: date) -> tuple[InvoiceFields, list[list[ocr.Word]]]:
    pages = [ppocr.read_words(r.gray) if r.gray is not None else [] for r in results]
    text = "\n".join(ocr.layout_text(words) for words in pages)
    weak = {w.text for words in pages for w in words if w.conf < PP_WEAK_SCORE}
    return extract_fields(text, today=today, weak_tokens=weak, from_ocr=True), pages


def _adopt(fields: InvoiceFields, other: InvoiceFields, name: str) -> None:
    """Take the other engine's value of a field, with its own doubts about it."""
    setattr(fields, name, getattr(other, name))
    prefix = name.replace("_paise", "") + "_"
    fields.doubts = [d for d in fields.doubts if not d.startswith(prefix)]
    fields.doubts += [d for d in other.doubts if d.startswith(prefix)]
    if name == "total_paise":
        fields.total_confirmed = other.total_confirmed


def second_opinion(results: list[ocr.OcrResult], fields: InvoiceFields, text: str, today: date, lang: str) -> None:
    """Mark the fields both engines read identically (``fields.agreed``); record disagreements.

    Fields Tesseract did not read are taken from PP-OCR (and then need Tesseract's reading of
    that place to agree). A field read differently by the two stays doubted, with both values
    in ``fields.candidates``, PP-OCR's first unless only PP-OCR doubted its own reading.
    """
    if not ppocr.available() or not results or any(r.gray is None for r in results):
        return
    started = time.monotonic()
    pending = [n for n in FIELDS if n != "supplier_gstin"]
    if len(results) == 1:
        for name in _check_regions(results[0], fields, text, pending, today):
            lift_agreed(fields, name)
    pending = [n for n in pending if n not in fields.agreed]
    if pending:
        other, pages = _whole_page(results, today)
        for name in pending:
            mine, theirs = getattr(fields, name), getattr(other, name)
            if theirs.value is None:
                continue
            if mine.value == theirs.value:
                lift_agreed(fields, name)
            elif mine.value is None:
                _adopt(fields, other, name)
                page = _page_of(pages, theirs.line)
                if page is not None and tesseract_confirms(
                    results[page[0]].gray, pages[page[0]], name, Field(theirs.value, 0, "", page[1]), lang, today
                ):
                    lift_agreed(fields, name)
            else:
                _dispute(fields, other, name)
        gstin, pp_gstin = fields.supplier_gstin.value, other.supplier_gstin.value
        if gstin is not None and pp_gstin is not None and gstin != pp_gstin:
            fields.candidates["supplier_gstin"] = [gstin, pp_gstin]
            fields.doubts.append("supplier_gstin_engines_disagree")
    logger.info("Second opinion in %.2f s: agreed %s", time.monotonic() - started, ",".join(fields.agreed) or "-")


def _page_of(pages: list[list[ocr.Word]], line: int | None) -> tuple[int, int] | None:
    """(page index, line on that page) of a line of the joined multi-page text."""
    if line is None:
        return None
    for index, words in enumerate(pages):
        count = len(ocr.layout_rows(words))
        if line < count:
            return index, line
        line -= count
    return None


def _dispute(fields: InvoiceFields, other: InvoiceFields, name: str) -> None:
    mine, theirs = getattr(fields, name), getattr(other, name)
    prefix = name.replace("_paise", "") + "_"
    own_doubts = [d for d in fields.doubts if d.startswith(prefix)]
    their_doubts = [d for d in other.doubts if d.startswith(prefix)]
    if name == "total_paise" and fields.total_confirmed:
        prefer_theirs = False  # the tax arithmetic or the words already confirm Tesseract's total
    elif name == "total_paise" and other.total_confirmed:
        prefer_theirs = True
    else:
        # PP-OCR is the stronger reader: its value is shown first unless it doubts it and Tesseract does not
        prefer_theirs = not their_doubts or bool(own_doubts)
    fields.candidates[name] = [theirs.value, mine.value] if prefer_theirs else [mine.value, theirs.value]
    if prefer_theirs:
        _adopt(fields, other, name)
    fields.doubts.append(f"{prefix}engines_disagree")
    logger.info("Engines disagree on %s: %r", name, fields.candidates[name])


__all__ = ["lift_agreed", "second_opinion", "tesseract_confirms", "value_in"]
