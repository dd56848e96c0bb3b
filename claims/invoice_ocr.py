"""OCR passes for an invoice image, cheapest first, until every claim field is read and checked.

Why: the bot must answer within seconds, so a whole-page pass runs once and further work is
targeted: lines the page pass dropped are re-read on their own, a doubted number, date or
total is re-read from its rows (enlarged, binarized differently) and trusted more only when
both readings agree, a page with Devanagari gets a Hindi pass, and only when a field is still
missing does a second whole-page pass (sparse segmentation) run.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
from PIL import Image

from claims.amounts import arithmetic_confirms, find_amounts
from claims.dates import find_dates
from claims.gstin import canonical
from claims.invoice_text import Field, InvoiceFields, extract_fields
from claims.labels import TOTAL_EXCLUDE, TOTAL_STRONG
from claims.vision import ocr, regions

logger = logging.getLogger(__name__)

WEAK_WORD_CONF = 60.0
"""Tesseract word confidence (0-100) under which a word is not trusted for a claim field."""

CERTAIN_CONFIDENCE = 0.9
"""Every claim field needs at least this confidence for an automatic credit."""

AGREEING_READS_CONFIDENCE = 0.9
"""Confidence of a field that two different OCR readings gave identically (and labelled)."""

REREAD_ROWS_ABOVE = 2
"""Rows above a value included in its re-read (labels printed over their value)."""

REREAD_COLUMNS_LEFT = 48
"""Text columns left of a value included in its re-read (a label on the same line)."""

REREAD_COLUMNS_RIGHT = 4
"""Text columns right of a value included in its re-read."""

_PARTS = ("supplier_gstin", "invoice_number", "invoice_date", "total_paise")

_LIFTABLE = {
    "invoice_number": {"low_ocr_confidence", "lookalike", "unlabelled", "unsure"},
    "invoice_date": {"low_ocr_confidence", "unlabelled", "unsure"},
    "total_paise": {"low_ocr_confidence"},
}
"""Doubts about how a field was read (not about what it means) that an agreeing re-read lifts."""


def ocr_text(results: list[ocr.OcrResult]) -> tuple[str, set[str]]:
    """Page texts joined, and the words read with low confidence."""
    text = "\n".join(r.text for r in results)
    weak = {w.text for r in results for w in r.words if w.conf < WEAK_WORD_CONF}
    return text, weak


def complete(fields: InvoiceFields) -> bool:
    """True when every claim field is read with confidence and the total is confirmed."""
    parts = [getattr(fields, n) for n in _PARTS]
    return fields.total_confirmed and all(f.value is not None and f.confidence >= CERTAIN_CONFIDENCE for f in parts)


def score(fields: InvoiceFields) -> float:
    """How much of a claim a reading gives: field confidences plus a bonus for a confirmed total."""
    parts = [getattr(fields, n) for n in _PARTS]
    return sum(f.confidence for f in parts if f.value is not None) + (1.0 if fields.total_confirmed else 0.0)


def _extract(results: list[ocr.OcrResult], today: date) -> tuple[str, InvoiceFields]:
    text, weak = ocr_text(results)
    return text, extract_fields(text, today=today, weak_tokens=weak, from_ocr=True)


def agree(fields: InvoiceFields, other: InvoiceFields) -> None:
    """Lift a number or date doubted only for weak OCR confidence when the other pass read the same.

    Why: two passes segment the page differently, so an identical reading of the same code is
    independent-enough evidence; any other doubt (look-alike fix, ambiguity) still stands.
    """
    for name in ("invoice_number", "invoice_date"):
        mine, theirs = getattr(fields, name), getattr(other, name)
        weak = f"{name}_low_ocr_confidence"
        own_doubts = [d for d in fields.doubts if d.startswith(name)]
        if mine.value is not None and mine.value == theirs.value and own_doubts == [weak]:
            fields.doubts.remove(weak)
            mine.confidence = max(mine.confidence, AGREEING_READS_CONFIDENCE)
            mine.note += "+agreed"


def _with_words(result: ocr.OcrResult, extra: list[ocr.Word]) -> ocr.OcrResult:
    words = result.words + extra
    out = ocr.OcrResult(words, ocr.layout_text(words), result.rotated, result.page_found, result.mean_conf)
    out.gray, out.low_share = result.gray, result.low_share
    return out


def recover_dropped(result: ocr.OcrResult, lang: str) -> ocr.OcrResult:
    """Add the words of text lines the page pass left out (see `regions.uncovered_lines`)."""
    if result.gray is None:
        return result
    boxes = regions.uncovered_lines(result.gray, result.words)
    if not boxes:
        return result
    found = [w for words in regions.read_regions(result.gray, boxes, lang=lang) for w in words]
    logger.info("Re-read %d dropped lines: %d words", len(boxes), len(found))
    return _with_words(result, found) if found else result


def _field_doubts(fields: InvoiceFields, name: str) -> list[str]:
    return [d for d in fields.doubts if d.startswith(name + "_")]


def _value_span(line: str, name: str, value: object) -> tuple[int, int] | None:
    """Text columns of a field's value on its line, or None when it cannot be found there."""
    if name == "invoice_date":
        hits = [h for h in find_dates(line) if h.value.isoformat() == value]
        return (hits[0].col, hits[0].end) if hits else None
    if name == "total_paise":
        amounts = [a for a in find_amounts(line) if a.paise == value]
        return (amounts[-1].col, amounts[-1].end) if amounts else None
    folded = canonical(line)
    at = folded.find(canonical(str(value)))
    return (at, at + len(str(value))) if at >= 0 else None


def _reread_box(result: ocr.OcrResult, rows: list[list[ocr.Word]], line: str, name: str, f: Field) -> regions.Box:
    """The value's rows (with the rows above, for labels over it) and the columns left of it."""
    assert f.line is not None and result.gray is not None
    band = [w for r in rows[max(0, f.line - REREAD_ROWS_ABOVE) : f.line + 1] for w in r]
    height = max(w.bottom - w.top for w in rows[f.line])
    top = min(w.top for w in band) - height * 0.5
    bottom = max(w.bottom for w in rows[f.line]) + height * 0.5
    width = result.gray.shape[1]
    span = _value_span(line, name, f.value)
    if span is None:
        return (0, int(top), width, int(bottom))
    char_w = max(1.0, float(np.median([(w.right - w.left) / max(1, len(w.text)) for w in result.words])))
    left = (span[0] - REREAD_COLUMNS_LEFT) * char_w
    right = (span[1] + REREAD_COLUMNS_RIGHT) * char_w
    return (max(0, int(left)), int(top), min(width, int(right)), int(bottom))


def reread_doubted(result: ocr.OcrResult, fields: InvoiceFields, text: str, lang: str, today: date) -> None:
    """Re-read the part of the page around doubted fields and lift the doubt when the readings agree.

    Why: the doubts lifted here say only that the first reading was weak (low word confidence,
    a look-alike repair, a label that came out garbled); a second reading of the same place
    at another scale, as grayscale and as a local-threshold binary, that finds the same value
    labelled and confident on its own is independent evidence. If either re-read finds a
    different confident value the doubt stays. Doubts about meaning (ambiguity, totals that
    do not add up) are never lifted.
    """
    if result.gray is None:
        return
    rows = ocr.layout_rows(result.words)
    lines = text.splitlines()
    wanted: list[tuple[str, regions.Box]] = []
    for name, liftable in _LIFTABLE.items():
        f = getattr(fields, name)
        doubts = [d.removeprefix(name + "_") for d in _field_doubts(fields, name)]
        if f.value is None or f.line is None or not doubts or not set(doubts) <= liftable:
            continue
        if f.line >= len(rows) or f.line >= len(lines) or not rows[f.line]:
            continue
        wanted.append((name, _reread_box(result, rows, lines[f.line], name, f)))
    if not wanted:
        return
    boxes = [box for _, box in wanted for _ in (0, 1)]
    words_per_box = regions.read_regions(result.gray, boxes, lang=lang, binary=[False, True] * len(wanted))
    for k, (name, _) in enumerate(wanted):
        mine = getattr(fields, name)
        readings = []
        for words in words_per_box[2 * k : 2 * k + 2]:
            weak = {w.text for w in words if w.conf < WEAK_WORD_CONF}
            got = getattr(extract_fields(ocr.layout_text(words), today=today, weak_tokens=weak, from_ocr=True), name)
            logger.debug("Re-read of %s: %r (%.2f) from %r", name, got.value, got.confidence, ocr.layout_text(words))
            if got.value is not None and got.confidence >= CERTAIN_CONFIDENCE:
                readings.append(got.value)
        if readings and all(value == mine.value for value in readings):
            for doubt in _field_doubts(fields, name):
                fields.doubts.remove(doubt)
            mine.confidence = max(mine.confidence, AGREEING_READS_CONFIDENCE)
            mine.note += "+reread"
            logger.info("Field %s confirmed by a re-read of its place on the page", name)


def reread_total(result: ocr.OcrResult, fields: InvoiceFields, text: str) -> None:
    """Re-read the rows of a strong total label ("कुल राशि", "Grand Total") when no total was read.

    Why: the figure beside a Hindi label is often lost or garbled in the page pass (a digit
    dropped, the rupee sign merged into it). The label's row and the one under it, from the
    label to the right edge, are read again with ``eng+hin`` as grayscale and as a binary. A
    figure found there is taken only when every reading agrees, it is the largest amount on the
    invoice, and the taxable amount plus taxes (and round-off) printed elsewhere add up to it exactly;
    otherwise nothing changes.
    """
    if result.gray is None or fields.total_paise.value is not None:
        return
    rows = ocr.layout_rows(result.words)
    lines = text.splitlines()
    found = [
        (i, m)
        for i, line in enumerate(lines[: len(rows)])
        for m in [TOTAL_STRONG.search(line)]
        if m and rows[i] and not TOTAL_EXCLUDE.search(line[max(0, m.start() - 15) : m.end() + 15])
    ]
    if len(found) != 1:
        return
    i, m = found[0]
    band = rows[i] + (rows[i + 1] if i + 1 < len(rows) else [])
    height = max(w.bottom - w.top for w in rows[i])
    char_w = max(1.0, float(np.median([(w.right - w.left) / max(1, len(w.text)) for w in result.words])))
    box = (
        max(0, int(m.start() * char_w - 2 * height)),
        max(0, int(min(w.top for w in rows[i]) - height * 0.5)),
        result.gray.shape[1],
        int(max(w.bottom for w in band) + height * 0.5),
    )
    amounts = [a.paise for a in find_amounts(text)]
    printed = [a.paise for a in find_amounts(text) if a.marked]
    readings = set()
    for words in regions.read_regions(result.gray, [box, box], lang=ocr.DEFAULT_LANG, binary=[False, True]):
        marked = [a.paise for a in find_amounts(ocr.layout_text(words)) if a.marked]
        logger.debug("Re-read of the total's rows: %r", ocr.layout_text(words))
        if marked:
            readings.add(max(marked))
    if len(readings) != 1:
        return
    value = readings.pop()
    if value < max(printed, default=0) or not arithmetic_confirms(value, amounts, exact=True):
        return
    if fields.words_paise is not None and fields.words_paise != value:
        return
    fields.total_paise = Field(value, 0.97 if fields.words_paise == value else 0.9, "reread", i)
    fields.total_confirmed = True
    fields.doubts = [d for d in fields.doubts if not d.startswith("total_")]
    logger.info("Total read again beside its label and confirmed by the tax arithmetic")


def _something_missing(fields: InvoiceFields) -> bool:
    """True when a field, its label or the total's confirmation was not found: text may be missing."""
    labels = {"invoice_number_unlabelled", "invoice_date_unlabelled", "total_label_missing"}
    values = [getattr(fields, n).value for n in _PARTS]
    return None in values or not fields.total_confirmed or bool(labels & set(fields.doubts))


def read_fields(pages: list[Image.Image], *, photo: bool, today: date) -> tuple[str, InvoiceFields]:
    """OCR the pages and extract the claim fields, spending more passes only while fields are doubtful.

    Returns:
        The text the fields were read from, and the fields.
    """
    from claims.second_opinion import second_opinion  # it re-reads boxes placed by this module

    results = [ocr.read_image(page, photo=photo) for page in pages]
    text, fields = _extract(results, today)
    if complete(fields):
        second_opinion(results, fields, text, today, "eng")
        return text, fields
    hindi = any(ocr.needs_hindi(r) for r in results)
    lang = ocr.DEFAULT_LANG if hindi else "eng"
    if not hindi and _something_missing(fields):
        recovered = [recover_dropped(r, lang) for r in results]
        text2, fields2 = _extract(recovered, today)
        if score(fields2) > score(fields):
            results, text, fields, fields2 = recovered, text2, fields2, fields
        fill_missing(fields, fields2)
    else:
        again = [ocr.second_pass(r) for r in results]
        text2, fields2 = _extract(again, today)
        if score(fields2) > score(fields):
            results, text, fields, fields2 = again, text2, fields2, fields
        agree(fields, fields2)
        fill_missing(fields, fields2)
    if len(results) == 1 and not complete(fields):
        reread_doubted(results[0], fields, text, lang, today)
        reread_total(results[0], fields, text)
    if not hindi and any(getattr(fields, n).value is None for n in _PARTS):
        again = [ocr.second_pass(r) for r in results]
        text2, fields2 = _extract(again, today)
        if score(fields2) > score(fields):
            text, fields, fields2 = text2, fields2, fields
        agree(fields, fields2)
        fill_missing(fields, fields2)
    second_opinion(results, fields, text, today, lang)
    return text, fields


def fill_missing(fields: InvoiceFields, other: InvoiceFields) -> None:
    """Take a field the chosen reading lacks from the other reading, with all its doubts.

    Why: the better-scoring pass can still drop a row the other pass read (an invoice number
    under a garbled label); the value then goes to review instead of being lost.
    """
    for name in ("invoice_number", "invoice_date"):
        if getattr(fields, name).value is None and getattr(other, name).value is not None:
            setattr(fields, name, getattr(other, name))
            fields.doubts = [d for d in fields.doubts if d != f"{name}_missing"]
            fields.doubts += [d for d in other.doubts if d.startswith(name + "_") and d not in fields.doubts]
