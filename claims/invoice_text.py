"""Field extraction from invoice text (OCR layout text or a PDF text layer).

Why: a claim needs four fields (supplier GSTIN, invoice number, date, grand total) and, for
each, an honest confidence. Labels differ by billing software and language, so every field is
found by label first (same line, or the line below in the same column), then checked: GSTIN
checksum, total against the amount in words or the tax arithmetic, date plausibility.
"""

from __future__ import annotations

import bisect
import difflib
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from claims.gstin import canonical, find_gstin_hits

logger = logging.getLogger(__name__)

EARLIEST_DATE = date(2017, 7, 1)
"""GST started on 1 July 2017: an earlier invoice date is a misread."""

MONTHS = {
    m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}


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


# ---------------------------------------------------------------- amounts

AMOUNT_RE = re.compile(
    r"(?P<cur>₹|Rs\.?|INR|रु\.?|रुपये)?\s*"
    r"(?P<num>(?<![\d.,])\d{1,3}(?:,\d{2})*,\d{3}|(?<![\d.,])\d{1,3}(?:,\d{3})+|(?<![\d.,])\d+)"
    r"(?:\.(?P<dec>\d{1,2}))?(?![\d,]*\d)(?P<dash>\s*/-)?",
)


@dataclass
class Amount:
    """A money amount found in the text."""

    paise: int
    line: int
    col: int
    end: int
    marked: bool  # currency sign, grouping, decimals or /-: really money, not a phone number


def find_amounts(text: str) -> list[Amount]:
    """Money-looking numbers per line (Indian 1,23,456.00 or plain 123456.50, with ₹/Rs./INR, /-)."""
    amounts: list[Amount] = []
    for i, line in enumerate(text.splitlines()):
        for m in AMOUNT_RE.finditer(line):
            num, dec = m.group("num"), m.group("dec")
            digits = num.replace(",", "")
            if len(digits) > 10:
                continue
            paise = int(digits) * 100 + (int(dec.ljust(2, "0")) if dec else 0)
            marked = bool(m.group("cur") or m.group("dash") or "," in num or (dec and len(dec) == 2))
            amounts.append(Amount(paise, i, m.start("num"), m.end(), marked))
    return amounts


_ENGLISH_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_UNITS = {w: i for i, w in enumerate(_ENGLISH_UNITS)}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_SCALES = {
    "hundred": 100,
    "thousand": 1000,
    "lakh": 100000,
    "lakhs": 100000,
    "lac": 100000,
    "lacs": 100000,
    "crore": 10**7,
    "crores": 10**7,
    "million": 10**6,
}


def words_to_int(words: str) -> int | None:
    """English number words (Indian lakh/crore system too) to an integer; None if any word is unknown."""
    tokens = [t for t in re.split(r"[\s,-]+", words.lower()) if t and t != "and"]
    if not tokens:
        return None
    total = current = 0
    for tok in tokens:
        if tok in _UNITS:
            current += _UNITS[tok]
        elif tok in _TENS:
            current += _TENS[tok]
        elif tok == "hundred":
            current = (current or 1) * 100
        elif tok in _SCALES:
            total += (current or 1) * _SCALES[tok]
            current = 0
        else:
            return None
    return total + current


_WORDS_START = re.compile(r"\b(?:indian\s+rupees?|rupees?|inr|rs\.?)\s+(?=[a-z])", re.IGNORECASE)
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES) | {"and", "paise", "paisa"}
_MAX_SKIPPED_WORDS = 6
"""Words from a neighbouring column that may interrupt an amount in words before we give up."""


def _words_amount(tokens: list[str]) -> int | None:
    """Paise from number-word tokens ending at "only" ("... and Twenty Four Paise")."""
    if "paise" in tokens or "paisa" in tokens:
        cut = tokens.index("paise") if "paise" in tokens else tokens.index("paisa")
        head = tokens[:cut]
        split = len(head) - 1 - head[::-1].index("and") if "and" in head else None
        if split is None:
            return None
        rupees, paise = words_to_int(" ".join(head[:split])), words_to_int(" ".join(head[split + 1 :]))
        if rupees is None or paise is None or paise >= 100:
            return None
        return rupees * 100 + paise
    rupees = words_to_int(" ".join(tokens))
    return None if rupees is None else rupees * 100


def words_to_paise(text: str) -> int | None:
    """Parse "Rupees One Lakh Twenty Three Thousand ... and Fifty Paise Only" to paise.

    Tolerates text of a neighbouring column interleaved by the layout (digits, labels).
    Returns the amount of the first such phrase that is not about tax, or None.
    """
    flat = " ".join(text.split())
    for m in _WORDS_START.finditer(flat):
        if "tax" in flat[max(0, m.start() - 40) : m.start()].lower():
            continue
        tokens: list[str] = []
        skipped = 0
        for raw in flat[m.end() : m.end() + 400].split():
            tok = raw.strip(".,:;()").lower()
            if tok == "only":
                break
            if tok in _NUMBER_WORDS:
                tokens.append(tok)
            elif tok.isalpha():
                skipped += 1
                if skipped > _MAX_SKIPPED_WORDS or difflib.get_close_matches(tok, _NUMBER_WORDS, 1, 0.75):
                    # a misspelt number word would silently change the amount: give up instead
                    tokens = []
                    break
        else:
            continue
        if tokens:
            value = _words_amount(tokens)
            if value is not None:
                return value
    return None


_HI_UNITS = [
    "शून्य",
    "एक",
    "दो",
    "तीन",
    "चार",
    "पांच",
    "छह",
    "सात",
    "आठ",
    "नौ",
    "दस",
    "ग्यारह",
    "बारह",
    "तेरह",
    "चौदह",
    "पंद्रह",
    "सोलह",
    "सत्रह",
    "अठारह",
    "उन्नीस",
    "बीस",
    "इक्कीस",
    "बाईस",
    "तेईस",
    "चौबीस",
    "पच्चीस",
    "छब्बीस",
    "सत्ताईस",
    "अट्ठाईस",
    "उनतीस",
    "तीस",
    "इकतीस",
    "बत्तीस",
    "तैंतीस",
    "चौंतीस",
    "पैंतीस",
    "छत्तीस",
    "सैंतीस",
    "अड़तीस",
    "उनतालीस",
    "चालीस",
    "इकतालीस",
    "बयालीस",
    "तैंतालीस",
    "चवालीस",
    "पैंतालीस",
    "छियालीस",
    "सैंतालीस",
    "अड़तालीस",
    "उनचास",
    "पचास",
    "इक्यावन",
    "बावन",
    "तिरेपन",
    "चौवन",
    "पचपन",
    "छप्पन",
    "सत्तावन",
    "अट्ठावन",
    "उनसठ",
    "साठ",
    "इकसठ",
    "बासठ",
    "तिरेसठ",
    "चौंसठ",
    "पैंसठ",
    "छियासठ",
    "सड़सठ",
    "अड़सठ",
    "उनहत्तर",
    "सत्तर",
    "इकहत्तर",
    "बहत्तर",
    "तिहत्तर",
    "चौहत्तर",
    "पचहत्तर",
    "छिहत्तर",
    "सतहत्तर",
    "अठहत्तर",
    "उन्यासी",
    "अस्सी",
    "इक्यासी",
    "बयासी",
    "तिरासी",
    "चौरासी",
    "पचासी",
    "छियासी",
    "सत्तासी",
    "अट्ठासी",
    "नवासी",
    "नब्बे",
    "इक्यानवे",
    "बानवे",
    "तिरानवे",
    "चौरानवे",
    "पचानवे",
    "छियानवे",
    "सत्तानवे",
    "अट्ठानवे",
    "निन्यानवे",
]
"""Hindi number names 0-99 (each is its own word), index = value."""
_HI_WORDS = {w: i for i, w in enumerate(_HI_UNITS)}
_HI_WORDS.update({"पाँच": 5, "छः": 6, "छह": 6, "पन्द्रह": 15, "अठ्ठाईस": 28})
_HI_SCALES = {"सौ": 100, "हज़ार": 1000, "हजार": 1000, "लाख": 100000, "करोड़": 10**7, "करोड": 10**7}


def hindi_words_to_paise(text: str) -> int | None:
    """Parse "रुपये तीस हज़ार नौ सौ आठ और इक्कीस पैसे मात्र" to paise; None when absent or unclear."""
    flat = " ".join(text.split())
    m = re.search(r"रुपये\s+(?P<body>[^\d:]+?)\s+(?:मात्र|केवल)", flat)
    if not m:
        return None
    body = m.group("body")
    paise = 0
    pm = re.search(r"(?:और\s+)?(\S+)\s+पैसे$", body)
    if pm:
        if pm.group(1) not in _HI_WORDS:
            return None
        paise = _HI_WORDS[pm.group(1)]
        body = body[: pm.start()].strip()
    total = current = 0
    for tok in body.split():
        if tok in _HI_WORDS:
            current += _HI_WORDS[tok]
        elif tok == "सौ":
            current = (current or 1) * 100
        elif tok in _HI_SCALES:
            total += (current or 1) * _HI_SCALES[tok]
            current = 0
        elif tok in ("और", "रुपये"):
            continue
        else:
            return None
    return (total + current) * 100 + paise


# ---------------------------------------------------------------- labels

TOTAL_STRONG = re.compile(
    r"grand\s*total|total\s*amount|invoice\s*(?:total|value|amount)|net\s*amount|net\s*payable|"
    r"amount\s*payable|total\s*payable|amount\s*due|bill\s*amount|total\s*(?:inr|rs|₹)|"
    r"कुल\s*राशि|कुल\s*योग|देय\s*राशि|कुल\s*देय|कुल\s*रकम|शुद्ध\s*राशि",
    re.IGNORECASE,
)
TOTAL_WEAK = re.compile(r"\btotal\b|कुल", re.IGNORECASE)
TOTAL_EXCLUDE = re.compile(
    r"sub\s*-?\s*total|total\s*tax|tax\s*amount|taxable|total\s*qty|quantity|items|amount\s*paid|"
    r"in\s*words|savings|discount|कर\s*योग्य|उप\s*योग|शब्दों",
    re.IGNORECASE,
)
NUMBER_LABEL = re.compile(
    r"(?:tax\s*)?(?:invoice|inv|bill)\s*(?:no|number|num|#)[.,]?|invoice\s*#|"
    r"(?:चालान|बिल|बीजक|इनवॉइस|इन्वॉइस)\s*(?:संख्या|सं\.?|नं\.?|क्रमांक)",
    re.IGNORECASE,
)
NUMBER_LABEL_EXCLUDE = re.compile(
    r"e-?\s*way|eway|ack|order|delivery|dispatch|challan\s*no|vehicle|account|po\b", re.IGNORECASE
)
DATE_GOOD = re.compile(r"invoice\s*date|inv\.?\s*date|bill\s*date|\bdated?\b|\bdt\b|दिनांक|तारीख|तिथि", re.IGNORECASE)
DATE_BAD = re.compile(r"due|order|delivery|ack|\bpo\b|dispatch|irn|supply|valid|expiry|note", re.IGNORECASE)
BUYER_LABEL = re.compile(
    r"bill(?:ed)?\s*to|ship(?:ped)?\s*to|buyer|consignee|customer|recipient|receiver|\bparty\b|sold\s*to|"
    r"क्रेता|प्राप्तकर्ता|खरीदार|ग्राहक",
    re.IGNORECASE,
)
SELLER_LABEL = re.compile(r"seller|supplier|billed\s*by|sold\s*by|vendor|विक्रेता|आपूर्तिकर्ता", re.IGNORECASE)
INVOICE_WORDS = re.compile(
    r"invoice|gstin|tax|cgst|sgst|igst|hsn|bill\s*no|total|बीजक|चालान|जीएसटी|राशि|कुल", re.IGNORECASE
)

TITLE_RE = re.compile(r"tax\s*invoice|invoice\s*no|bill\s*no|bill\s*of\s*supply|कर\s*बीजक|चालान\s*संख्या", re.IGNORECASE)
"""Where the document proper starts: a GSTIN printed above it belongs to the letterhead (seller)."""

DATE_RES = (
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]*(?P<mon>[A-Za-z]{3,9})\.?[\s,-]*(?P<y>\d{4}|\d{2})(?!\d)"),
)


@dataclass
class DateHit:
    """A date found in the text."""

    value: date
    line: int
    col: int
    end: int


def find_dates(text: str) -> list[DateHit]:
    """Every parseable date (Indian day-first order) with its position."""
    hits: list[DateHit] = []
    for i, line in enumerate(text.splitlines()):
        taken: list[tuple[int, int]] = []
        for rx in DATE_RES:
            for m in rx.finditer(line):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                parts = m.groupdict()
                try:
                    if parts.get("mon"):
                        mon = MONTHS.get(parts["mon"][:3].lower())
                        if mon is None or (
                            len(parts["mon"]) > 3 and not parts["mon"].lower().startswith(tuple(k for k in MONTHS))
                        ):
                            continue
                    else:
                        mon = int(parts["m"])
                    year = int(parts["y"])
                    year += 2000 if year < 100 else 0
                    value = date(year, mon, int(parts["d"]))
                except ValueError:
                    continue
                taken.append((m.start(), m.end()))
                hits.append(DateHit(value, i, m.start(), m.end()))
    return hits


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

    "$B/1345/26" -> "SB/1345/26" ('$' is never in a number), "MBSI26-27/2228" -> "MBS/26-27/2228"
    (a financial year "26-27" follows a '/'), "T1-02071" -> "TI-02071" (a letter prefix with a
    lone 1/0 among letters). The caller still marks such numbers as unsure.
    """
    token = token.replace("$", "S")
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


_LOOKALIKE = re.compile(r"[IlO|][0-9]|[0-9][IlO|]")


def _pick_number(lines: list[str], result: InvoiceFields, weak: Collection[str], from_ocr: bool) -> None:
    candidates: list[tuple[float, str, str, int]] = []
    for i, line in enumerate(lines):
        for m in NUMBER_LABEL.finditer(line):
            if NUMBER_LABEL_EXCLUDE.search(line[max(0, m.start() - 12) : m.end()]):
                continue
            rest = re.sub(r"^\s*[:.#\-]?\s*", "", line[m.end() :])
            parts = rest.split()
            if parts and len(parts[0]) == 1 and not parts[0].isascii():  # ':' misread as '४'
                parts = parts[1:]
            token = _clean_number(parts[0]) if parts and not rest.startswith("   " * 4) else None
            if token:
                candidates.append((0.95, token, "same_line", i))
                continue
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
                    candidates.append((0.9, token, "below", j))
                break
    if not candidates:
        guess = _unlabelled_number(lines)
        result.doubts.append("invoice_number_missing" if guess is None else "invoice_number_unlabelled")
        if guess is not None:
            result.invoice_number = Field(guess[0], 0.4, "unlabelled", guess[1])
        return
    values = {c[1] for c in candidates}
    conf, value, note, where = max(candidates, key=lambda c: c[0])
    if len(values) > 1:
        conf = min(conf, 0.5)
        result.doubts.append("invoice_number_ambiguous")
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


def _arithmetic_confirms(total: int, amounts: list[int]) -> bool:
    """True when taxable + taxes (+ round-off) adds up to the total, using amounts printed elsewhere.

    Taxes may be one figure, a CGST+SGST pair of equal halves, or two rate slabs (each maybe a
    pair). A whole-rupee total may also differ from taxable + taxes by under one rupee: that is
    the round-off, whose own line OCR often garbles ("049" for "0.49").
    """
    small = {0} | {a for a in amounts if a < 100} | {-a for a in amounts if a < 100}
    pool = sorted({a for a in amounts if 100 <= a < total})
    big = [a for a in pool if a >= total * 0.6]
    taxes = [a for a in pool if a <= total * 0.25]
    sums = set(taxes) | {2 * t for t in taxes}
    for i, a in enumerate(taxes):
        for b in taxes[i + 1 :]:
            sums.update((a + b, 2 * (a + b)))
    ordered = sorted(sums)
    for base in big:
        rest = total - base
        if any(rest - r in sums for r in small):
            return True
        if total % 100 == 0:
            at = bisect.bisect_left(ordered, rest - 99)
            if at < len(ordered) and ordered[at] <= rest + 99:
                return True
    return False


def _indian(paise: int) -> str:
    """1,23,456.00 style for comparing with printed tokens."""
    rupees = str(paise // 100)
    head, tail = rupees[:-3], rupees[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join([*groups, tail]) + f".{paise % 100:02d}"


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
    result.words_paise = words
    marked = [a.paise for a in amounts if a.marked]
    all_amounts = [a.paise for a in amounts]
    if candidates:
        best_score = max(c[0] for c in candidates)
        value: int | None = max(p for s, p, _ in candidates if s == best_score)
        confirmed_words = words is not None and words == value
        confirmed_sum = _arithmetic_confirms(value, all_amounts)  # type: ignore[arg-type]
    elif words is not None:
        # The total's label or figure was unreadable: the amount in words is the reading, and it
        # counts as confirmed only if the same figure is printed or the tax arithmetic gives it.
        value, best_score = words, 3.0
        confirmed_words = words in marked
        confirmed_sum = _arithmetic_confirms(words, all_amounts)
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
    printed = {f"{value // 100:,}", f"{value // 100}.{value % 100:02d}", _indian(value)}
    if not (confirmed_words or confirmed_sum) and any(tok.strip("₹Rs.:/-") in printed for tok in weak):
        conf = min(conf, 0.6)  # unconfirmed and OCR itself was unsure of these digits
        result.doubts.append("total_low_ocr_confidence")
    where = next((line for _, p, line in candidates if p == value), None)
    result.total_paise = Field(value, conf, "words" if confirmed_words else "sum" if confirmed_sum else "label", where)
    result.total_confirmed = confirmed_words or confirmed_sum


def _tidy(text: str) -> str:
    """Undo OCR spacing inside numbers: "1,23, 185.00" -> "1,23,185.00", "18,849 .00" -> "18,849.00".

    Also a zero read as '@' where only a digit fits: "@.09" (round-off), "@5-11-2026" (a date).
    """
    text = re.sub(r"@(?=\.\d{2}\b)|@(?=\d{1,3}[/-]\d{1,2}[/-]\d)|(?<=\d)@(?=\d)", "0", text)
    text = re.sub(r"(?<=\d,) (?=\d{2,3}\b)", "", text)
    return re.sub(r"(?<=\d) ?\. ?(?=\d{2}\b)", ".", text)


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
    text = _tidy(text)
    lines = text.splitlines()
    result = InvoiceFields()
    result.invoice_keywords = len(INVOICE_WORDS.findall(text))
    _pick_gstins(text, lines, result)
    _pick_number(lines, result, weak_tokens, from_ocr)
    _pick_date(lines, result, today, weak_tokens)
    _pick_total(lines, text, result, weak_tokens)
    return result
