"""Field extraction from invoice text (OCR layout text or a PDF text layer).

Why: a claim needs four fields (supplier GSTIN, invoice number, date, grand total) and, for
each, an honest confidence. Labels differ by billing software and language, so every field is
found by label first (same line, or the line below in the same column), then checked: GSTIN
checksum, total against the amount in words or the tax arithmetic, date plausibility.
Amounts, amounts in words, dates and label patterns live in their own modules.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from claims.amount_words import hindi_words_to_paise, words_to_paise
from claims.amounts import Amount, arithmetic_confirms, find_amounts, indian_format
from claims.dates import DATE_RES, EARLIEST_DATE, DateHit, find_dates
from claims.gstin import canonical, find_gstin_hits
from claims.labels import (
    BUYER_LABEL,
    DATE_BAD,
    DATE_GOOD,
    INVOICE_WORDS,
    NUMBER_LABEL,
    NUMBER_LABEL_EXCLUDE,
    SELLER_LABEL,
    TITLE_RE,
    TOTAL_EXCLUDE,
    TOTAL_STRONG,
    TOTAL_WEAK,
)

logger = logging.getLogger(__name__)


@dataclass
class Field:
    """One extracted value with its confidence in [0, 1] and a short note on how it was found."""

    value: str | int | None = None
    confidence: float = 0.0
    note: str = ""
    line: int | None = None  # text line of the value, so OCR can re-read that part of the page


@dataclass
class InvoiceFields:
    """Everything read from one invoice text, plus the cross-check results."""

    supplier_gstin: Field = field(default_factory=Field)
    buyer_gstin: Field = field(default_factory=Field)
    invoice_number: Field = field(default_factory=Field)
    invoice_date: Field = field(default_factory=Field)
    total_paise: Field = field(default_factory=Field)
    words_paise: int | None = None
    total_confirmed: bool = False
    invoice_keywords: int = 0
    doubts: list[str] = field(default_factory=list)
    agreed: list[str] = field(default_factory=list)  # fields both OCR engines read identically
    candidates: dict[str, list[str | int]] = field(default_factory=dict)  # differing readings, for review


def _above(lines: list[str], line: int, col: int, end: int, depth: int = 2) -> str:
    """Text just above a value in its column (labels printed over their value)."""
    parts = []
    for j in range(max(0, line - depth), line):
        parts.append(lines[j][max(0, col - 30) : end + 12])
    return " ".join(parts)


def _left(lines: list[str], line: int, col: int, width: int = 40) -> str:
    return lines[line][max(0, col - width) : col]


# ---------------------------------------------------------------- fields


def _pick_gstins(text: str, lines: list[str], result: InvoiceFields) -> None:
    hits = find_gstin_hits(text)
    if not hits:
        result.doubts.append("supplier_gstin_missing")
        return
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    title = next((i for i, line in enumerate(lines) if TITLE_RE.search(line)), len(lines))
    roles: list[tuple[str, str, int]] = []  # (gstin, role, candidates)
    for hit in hits:
        li = max(i for i, off in enumerate(offsets) if off <= hit.start)
        col = hit.start - offsets[li]
        role = "header" if li < title else "unknown"
        same = _left(lines, li, col, 60)
        if BUYER_LABEL.search(same):
            role = "buyer"
        elif SELLER_LABEL.search(same):
            role = "seller"
        else:
            for j in range(li - 1, max(-1, li - 9), -1):
                segment = lines[j][max(0, col - 30) : col + 40]
                if BUYER_LABEL.search(segment):
                    role = "buyer"
                    break
                if SELLER_LABEL.search(segment):
                    role = "seller"
                    break
        roles.append((hit.value, role, hit.repairs))
    buyer = next(((i, m.start()) for i, line in enumerate(lines) for m in [BUYER_LABEL.search(line)] if m), None)
    first_line = max(i for i, off in enumerate(offsets) if off <= hits[0].start)
    first_col = hits[0].start - offsets[first_line]
    if roles[0][1] == "unknown" and buyer is not None and (first_line < buyer[0] or first_col + 15 < buyer[1]):
        # the first GSTIN, printed before the buyer's block begins or in the column left of it, is the
        # letterhead's (the seller's)
        roles[0] = (roles[0][0], "header", roles[0][2])
    sellers = [r for r in roles if r[1] == "seller"]
    headers = [r for r in roles if r[1] == "header"]
    buyers = [r for r in roles if r[1] == "buyer"]
    unknown = [r for r in roles if r[1] == "unknown"]
    buyer_values = {r[0] for r in buyers}
    if sellers:
        supplier, conf = sellers[0], 0.95
        if len({r[0] for r in sellers}) > 1:
            conf = 0.5
            result.doubts.append("supplier_gstin_ambiguous")
    elif headers:
        supplier, conf = headers[0], 0.92
    elif unknown:
        supplier = unknown[0]
        others = {r[0] for r in unknown} - {supplier[0]} - buyer_values
        if buyers and not others:
            conf = 0.95 if roles[0][0] == supplier[0] else 0.6
        elif others:
            conf = 0.5
            result.doubts.append("supplier_gstin_ambiguous")
        else:
            conf = 0.8
    else:
        result.doubts.append("supplier_gstin_unclear")
        return
    if supplier[0] in buyer_values:
        conf = min(conf, 0.4)
        result.doubts.append("supplier_gstin_also_buyer")
    if supplier[2] > 2:
        conf = min(conf, 0.6)  # many look-alike fixes: the checksum is weaker evidence
    pan = canonical(supplier[0][2:12])
    printed_pans = {canonical(m.group(1)) for m in re.finditer(r"PAN\W{0,12}([A-Z0-9]{10})\b", text)}
    if pan in printed_pans:
        conf = max(conf, 0.97)  # the printed PAN repeats characters 3-12 of the GSTIN
    result.supplier_gstin = Field(supplier[0], conf, supplier[1])
    buyer = next((r for r in buyers if r[0] != supplier[0]), None)
    if buyer is None:
        buyer = next((r for r in unknown + headers if r[0] != supplier[0]), None)
    if buyer:
        result.buyer_gstin = Field(buyer[0], 0.9 if buyer[1] == "buyer" else 0.6, buyer[1])


_NUMBER_TOKEN = re.compile(r"^[A-Z0-9][A-Z0-9/\-_.]{0,24}$", re.IGNORECASE)


_FY_SLASH = re.compile(r"(?<=[A-Z])[I1l|](?=\d{2}-\d{2}/)")
_PREFIX = re.compile(r"^([A-Z01]{2,6})(?=[/-])")


def _fix_number(token: str) -> str:
    """Undo OCR look-alikes that Indian numbering conventions make unambiguous.

    "$B/1345/26" and "S$B/1345/26" -> "SB/1345/26" ('$' is never in a number), "MBSI26-27/2228" -> "MBS/26-27/2228"
    (a financial year "26-27" follows a '/'), "T1-02071" -> "TI-02071" (a letter prefix with a
    lone 1/0 among letters). The caller still marks such numbers as unsure.
    """
    token = re.sub(r"S\$|\$S", "S", token).replace("$", "S")  # "S$B": one S read twice
    token = _FY_SLASH.sub("/", token)
    prefix = _PREFIX.match(token)
    if prefix and re.search(r"[A-Z]", prefix.group(1)) and re.search(r"[01]", prefix.group(1)):
        token = prefix.group(1).replace("1", "I").replace("0", "O") + token[prefix.end() :]
    return token


def _clean_number(token: str) -> str | None:
    token = _fix_number(token.strip(" :#.|,;"))
    if not token or not _NUMBER_TOKEN.match(token) or not re.search(r"\d", token):
        return None
    if any(rx.fullmatch(token) for rx in DATE_RES):
        return None
    return token


_BARE_NO = re.compile(r"No\s*[.:]", re.IGNORECASE)

_LOOKALIKE = re.compile(r"[IlO|][0-9]|[0-9][IlO|]")


def _pick_number(lines: list[str], result: InvoiceFields, weak: Collection[str], from_ocr: bool) -> None:
    candidates: list[tuple[float, str, str, int]] = []
    for i, line in enumerate(lines):
        for m in NUMBER_LABEL.finditer(line):
            if NUMBER_LABEL_EXCLUDE.search(line[max(0, m.start() - 12) : m.end()]):
                continue
            bare = bool(_BARE_NO.fullmatch(m.group()))
            if bare and re.search(r"[^\W\d_]\.?\s?$", line[: m.start()]):
                continue  # "House No.", "Khasra No.": a bare "No." counts only standing alone
            rest = re.sub(r"^\s*[:.#\-]?\s*", "", line[m.end() :])
            parts = rest.split()
            if parts and len(parts[0]) == 1 and not parts[0].isascii():  # ':' misread as '४'
                parts = parts[1:]
            token = _clean_number(parts[0]) if parts and not rest.startswith("   " * 4) else None
            if token is None and parts and ":" in rest[:30]:
                # "बिल नं. / Invoice No. : INV-7" with the second label garbled: the value follows the colon
                after = rest[rest.index(":") + 1 :].split()
                token = _clean_number(after[0]) if after and not re.fullmatch(r"[A-Za-z]{1,3}\.?", after[0]) else None
            if token:
                if not bare or len(token) >= 2:
                    candidates.append((0.95, token, "bare" if bare else "same_line", i))
                continue
            if bare:
                continue  # a lone "No." over a column is the items' serial number, not the invoice's
            for j in range(i + 1, min(i + 4, len(lines))):
                # the value printed under its label; stop at anything else in that column
                column = [
                    tm.group()
                    for tm in re.finditer(r"\S+", lines[j])
                    if tm.end() >= m.start() - 4 and tm.start() <= m.end() + 16
                ]
                column = [t for t in column if not t.endswith(":")]  # a label fragment, not a value
                if not column:
                    continue
                token = _clean_number(column[0])
                if token:
                    candidates.append((0.9, token, "bare" if bare else "below", j))
                break
    if not candidates:
        guess = _unlabelled_number(lines)
        result.doubts.append("invoice_number_missing" if guess is None else "invoice_number_unlabelled")
        if guess is not None:
            result.invoice_number = Field(guess[0], 0.4, "unlabelled", guess[1])
        return
    labelled = [c for c in candidates if c[2] != "bare"]
    candidates = labelled or candidates  # a bare "No." only when no proper label was found
    values = {c[1] for c in candidates}
    conf, value, note, where = max(candidates, key=lambda c: c[0])
    if len(values) > 1:
        conf = min(conf, 0.5)
        result.doubts.append("invoice_number_ambiguous")
    if note == "bare":  # a lone "No." may be a house, shop or serial number: never credited unseen
        conf = min(conf, 0.6)
        result.doubts.append("invoice_number_bare_label")
    if value in weak:
        conf = min(conf, 0.6)
        result.doubts.append("invoice_number_low_ocr_confidence")
    if from_ocr and (_LOOKALIKE.search(str(value)) or value not in "\n".join(lines)):
        conf = min(conf, 0.7)  # I/1, O/0 next to digits: OCR may have swapped them (or a '/')
        result.doubts.append("invoice_number_lookalike")
    result.invoice_number = Field(value, conf, note, where)


_CODE_LIKE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{1,6}[/-][A-Z0-9/-]{2,20}$")


def _unlabelled_number(lines: list[str]) -> tuple[str, int] | None:
    """Best guess when the number's label is unreadable: a code beside a date near the top.

    Why: bordered layouts print "Invoice No. | Dated" over "ABC/26-27/0123 | 5-Nov-26"; OCR
    sometimes loses the label row but keeps the values. Never confident enough to credit.
    """
    for i, line in enumerate(lines[: max(5, len(lines) * 2 // 5)]):
        if not find_dates(line) or re.search(r"order|dispatch|delivery|\bpo\b|ack", line, re.IGNORECASE):
            continue
        for token in line.split():
            token = _fix_number(token.strip(" :|‘'"))
            if _CODE_LIKE.match(token) and not re.match(r"^(PO|DN)\b", token) and not find_dates(token):
                return token, i
    return None


def _pick_date(lines: list[str], result: InvoiceFields, today: date, weak: Collection[str]) -> None:
    hits = find_dates("\n".join(lines))
    scored: list[tuple[float, DateHit]] = []
    number = result.invoice_number.value
    number_line = next((i for i, line in enumerate(lines) if number and str(number) in line), None)
    for hit in hits:
        left = _left(lines, hit.line, hit.col, 45)
        above = _above(lines, hit.line, hit.col, hit.end)
        score = 0.0
        label = left if DATE_GOOD.search(left) or DATE_BAD.search(left) else above
        if re.search(r"invoice\s*date|inv\.?\s*date|bill\s*date", label, re.IGNORECASE):
            score += 3
        elif DATE_GOOD.search(label):
            score += 2
        if DATE_BAD.search(label):
            score -= 4
        if number and str(number) in lines[hit.line]:
            score += 2
        elif number_line is not None and abs(hit.line - number_line) <= 3 and DATE_GOOD.search(label):
            score += 1  # "Invoice No. / Dated" blocks: the nearest dated value under the number
        if not EARLIEST_DATE <= hit.value <= today:
            score -= 10
        scored.append((score, hit))
    if not scored:
        result.doubts.append("invoice_date_missing")
        return
    best_score = max(s for s, _ in scored)
    best = [h for s, h in scored if s == best_score]
    chosen = best[0]
    if best_score >= 2:
        conf = 0.95
    elif best_score >= 0:
        conf = 0.6
        result.doubts.append("invoice_date_unlabelled")
    else:
        conf = 0.2
        result.doubts.append("invoice_date_implausible")
    if len({h.value for h in best}) > 1:
        conf = min(conf, 0.5)
        result.doubts.append("invoice_date_ambiguous")
    raw = lines[chosen.line][chosen.col : chosen.end]
    if any(tok in weak for tok in raw.split()):
        conf = min(conf, 0.6)
        result.doubts.append("invoice_date_low_ocr_confidence")
    note = "label" if best_score >= 2 else "position"
    result.invoice_date = Field(chosen.value.isoformat(), conf, note, chosen.line)


def _pick_total(lines: list[str], text: str, result: InvoiceFields, weak: Collection[str]) -> None:
    amounts = find_amounts(text)
    by_line: dict[int, list[Amount]] = {}
    for a in amounts:
        by_line.setdefault(a.line, []).append(a)
    candidates: list[tuple[float, int, int]] = []
    for i, line in enumerate(lines):
        strong = TOTAL_STRONG.search(line)
        label = strong or TOTAL_WEAK.search(line)
        if not label or TOTAL_EXCLUDE.search(line[max(0, label.start() - 15) : label.end() + 15]):
            continue
        base = 3.0 if strong else 1.0
        after = [a for a in by_line.get(i, []) if a.col >= label.end() - 1 and a.marked]
        if not after:
            after = [a for a in by_line.get(i + 1, []) if a.marked and a.end >= label.start()]
            base -= 0.5
        if after:
            bonus = 0.5 if after[-1].paise == max(a.paise for a in after) else 0
            candidates.append((base + bonus, after[-1].paise, after[-1].line))
    words = words_to_paise(text)
    if words is None:
        words = hindi_words_to_paise(text)
    if words is None:
        # a garbled Hindi number word, guessed: it only confirms a figure it equals, and alone
        # it is a reading that the printed figures or the tax arithmetic must confirm
        words = hindi_words_to_paise(text, fuzzy=True)
    result.words_paise = words
    marked = [a.paise for a in amounts if a.marked]
    all_amounts = [a.paise for a in amounts]
    if candidates:
        best_score = max(c[0] for c in candidates)
        value: int | None = max(p for s, p, _ in candidates if s == best_score)
        confirmed_words = words is not None and words == value
        confirmed_sum = arithmetic_confirms(value, all_amounts)  # type: ignore[arg-type]
    elif words is not None:
        # The total's label or figure was unreadable: the amount in words is the reading, and it
        # counts as confirmed only if the same figure is printed or the tax arithmetic gives it.
        value, best_score = words, 3.0
        confirmed_words = words in marked
        confirmed_sum = arithmetic_confirms(words, all_amounts)
        if not (confirmed_words or confirmed_sum):
            result.doubts.append("total_label_missing")
    else:
        result.doubts.append("total_missing")
        return
    twice = sum(1 for _, p, _ in candidates if p == value) >= 2
    conf = 0.7 if best_score >= 3 else 0.5
    if confirmed_words or (confirmed_sum and best_score >= 3):
        conf = 0.97
    elif confirmed_sum:
        # a bare "Total" whose parts add up may still be a sub-total (line items add up too)
        conf = 0.85
        result.doubts.append("total_weak_label")
    elif twice:
        conf = 0.85
    if words is not None and words != value:
        conf = min(conf, 0.3)
        result.doubts.append("total_disagrees_with_words")
    if marked and value < max(marked):
        conf = min(conf, 0.4)
        result.doubts.append("total_not_largest_amount")
    printed = {f"{value // 100:,}", f"{value // 100}.{value % 100:02d}", indian_format(value)}
    if not (confirmed_words or confirmed_sum) and any(tok.strip("₹Rs.:/-") in printed for tok in weak):
        conf = min(conf, 0.6)  # unconfirmed and OCR itself was unsure of these digits
        result.doubts.append("total_low_ocr_confidence")
    where = next((line for _, p, line in candidates if p == value), None)
    result.total_paise = Field(value, conf, "words" if confirmed_words else "sum" if confirmed_sum else "label", where)
    result.total_confirmed = confirmed_words or confirmed_sum


def tidy(text: str) -> str:
    """Undo OCR spacing inside numbers: "1,23, 185.00" -> "1,23,185.00", "18,849 .00" -> "18,849.00".

    Also a zero read as '@' where only a digit fits: "@.09" (round-off), "@5-11-2026" (a date).
    """
    text = re.sub(r"@(?=\.\d{2}\b)|@(?=\d{1,3}[/-]\d{1,2}[/-]\d)|(?<=\d)@(?=\d)", "0", text)
    text = re.sub(r"(?<=\d,) (?=\d{2,3}\b)", "", text)
    text = re.sub(r"(?<=\d) ?\. ?(?=\d{2}\b)", ".", text)
    # "37.043.00" (group commas read as points) and "1,03,238,00" (decimal point read as a comma)
    text = _GROUPED_POINTS.sub(lambda m: m.group(1).replace(".", ",") + m.group(2), text)
    text = _DECIMAL_COMMA.sub(lambda m: m.group(1) + "." + m.group(2), text)
    # "02.10.202614:49": a date run into the time printed after it
    return re.sub(r"(\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2})(?=\d{1,2}:\d{2}\b)", r"\1 ", text)


_GROUPED_POINTS = re.compile(r"(?<![\d,])(?<!\d\.)(\d{1,3}(?:\.\d{2})*\.\d{3})(\.\d{2})(?![\d.,])")
"""An amount whose group commas came out as points: the last point is the decimal one."""

_DECIMAL_COMMA = re.compile(r"(?<![\d,])(?<!\d\.)(\d{1,3}(?:,\d{2})*,\d{3}),(\d{2})(?![\d.,])")
"""An Indian-grouped amount ending in ",dd": a last group of two digits can only be paise."""


def extract_fields(
    text: str, *, today: date | None = None, weak_tokens: Collection[str] = (), from_ocr: bool = False
) -> InvoiceFields:
    """Read supplier/buyer GSTIN, invoice number, date and grand total from invoice text.

    Args:
        text: layout text (lines; columns roughly aligned with spaces).
        today: latest plausible invoice date (default: today).
        weak_tokens: words the OCR read with low confidence; fields using them lose confidence.
        from_ocr: the text comes from OCR, so look-alike characters in codes are suspect.
    """
    today = today or date.today()
    text = tidy(text)
    lines = text.splitlines()
    result = InvoiceFields()
    result.invoice_keywords = len(INVOICE_WORDS.findall(text))
    _pick_gstins(text, lines, result)
    _pick_number(lines, result, weak_tokens, from_ocr)
    _pick_date(lines, result, today, weak_tokens)
    _pick_total(lines, text, result, weak_tokens)
    return result
