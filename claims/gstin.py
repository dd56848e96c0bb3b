"""GSTIN validation (official mod-36 check character) and OCR-tolerant discovery in text.

Why: the supplier GSTIN decides which distributor a claim is credited to. The check character
catches almost every misread; repairs of look-alike characters (O/0, S/5, B/8 ...) are only
accepted when they make the checksum pass, so a repair can never invent a wrong GSTIN that
looks valid by accident more often than 1 in 36.

Layout: 2 digits state code, 5 letters + 4 digits + 1 letter (the PAN), 1 entity character
(1-9, A-Z), 'Z' (default), 1 check character.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Alphabet of the check-character algorithm, value = index."""

STATE_CODES = frozenset([f"{n:02d}" for n in range(1, 39)] + ["97", "99"])
"""State/UT codes in use (01-38), 97 other territory, 99 centre jurisdiction."""

GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][A-Z0-9][0-9A-Z]$")
"""Shape of a GSTIN; the 14th character is 'Z' for normal taxpayers but others exist."""

_MAX_REPAIRS = 3
"""More look-alike substitutions than this and we no longer trust a checksum match."""

_AS_DIGIT = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "J": "1",
    "Z": "2",
    "S": "58",
    "B": "8",
    "G": "6",
    "A": "4",
    "T": "7",
    "E": "3",
}
_AS_LETTER = {"0": "OD", "1": "IL", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A", "7": "T", "3": "E"}
_DIGIT_POS = (0, 1, 7, 8, 9, 10)
_LETTER_POS = (2, 3, 4, 5, 6, 11)


def check_char(first14: str) -> str:
    """The check character for the first 14 characters of a GSTIN."""
    total = 0
    for i, ch in enumerate(first14):
        product = CHARSET.index(ch) * (2 if i % 2 else 1)
        total += product // 36 + product % 36
    return CHARSET[(36 - total % 36) % 36]


def is_valid(gstin: str) -> bool:
    """True for a well-formed GSTIN with a known state code and a correct check character."""
    gstin = gstin.strip().upper()
    return bool(GSTIN_RE.match(gstin)) and gstin[:2] in STATE_CODES and check_char(gstin[:14]) == gstin[14]


@dataclass(frozen=True)
class GstinHit:
    """A GSTIN found in text: value, where the source token starts, and how many characters were repaired."""

    value: str
    start: int
    repairs: int


def _alternatives(token: str) -> list[list[str]]:
    options: list[list[str]] = []
    for i, ch in enumerate(token):
        if i in _DIGIT_POS:
            options.append([ch] if ch.isdigit() else list(_AS_DIGIT.get(ch, ch)))
        elif i in _LETTER_POS:
            options.append([ch] if ch.isalpha() else list(_AS_LETTER.get(ch, ch)))
        elif i == 13:
            options.append([ch] if ch == "Z" else ["Z", ch])
        else:  # entity number and check character: either class is legal
            alt = _AS_DIGIT.get(ch, "") if ch.isalpha() else _AS_LETTER.get(ch, "")
            options.append([ch, *alt])
    return options


def repair(token: str) -> tuple[str, int] | None:
    """Fix OCR look-alikes in a 15-character token; returns (gstin, repairs) only if unambiguous."""
    token = token.upper()
    if len(token) != 15:
        return None
    if is_valid(token):
        return token, 0
    options = _alternatives(token)
    if sum(len(o) for o in options) > 40:  # too garbled to search honestly
        return None
    found: dict[str, int] = {}
    for combo in itertools.product(*options):
        candidate = "".join(combo)
        changes = sum(a != b for a, b in zip(candidate, token, strict=True))
        if changes <= _MAX_REPAIRS and is_valid(candidate):
            found[candidate] = changes
    if not found:
        return None
    best = min(found.values())
    winners = [g for g, n in found.items() if n == best]
    if len(winners) != 1:
        logger.info("GSTIN token %s: %d equally good repairs, ignored", token, len(winners))
        return None
    return winners[0], best


def _repair_extra_char(token: str) -> tuple[str, int] | None:
    """Drop each character in turn; keep the unique fewest-fix GSTIN (counted as 3 repairs: weak alone)."""
    found: dict[str, int] = {}
    for i in range(len(token)):
        fixed = repair(token[:i] + token[i + 1 :])
        if fixed:
            found[fixed[0]] = min(fixed[1], found.get(fixed[0], 99))
    if not found:
        return None
    best = min(found.values())
    winners = [g for g, n in found.items() if n == best]
    return (winners[0], _MAX_REPAIRS) if len(winners) == 1 else None


_TOKEN_RE = re.compile(r"[0-9A-Za-z|]+")

_MAX_PIECES = 3
"""A GSTIN split by OCR into more pieces than this is not reassembled."""

_MAX_SPLIT_GAP = 4
"""Characters of space between two pieces of one split GSTIN (layout text widens OCR gaps)."""


def find_gstin_hits(text: str) -> list[GstinHit]:
    """Every GSTIN in the text with its position, repairing OCR confusions when the checksum allows."""
    tokens = [(m.group().replace("|", "I").upper(), m.start()) for m in _TOKEN_RE.finditer(text)]
    hits: list[GstinHit] = []
    seen_starts: set[int] = set()
    for i, (token, start) in enumerate(tokens):
        candidates = [token]
        joined, end = token, start + len(token)
        for nxt, nstart in tokens[i + 1 : i + _MAX_PIECES]:  # OCR split the GSTIN with spaces
            if len(joined) >= 15 or nstart - end > _MAX_SPLIT_GAP:
                break
            joined, end = joined + nxt, nstart + len(nxt)
            candidates.append(joined)
        if len(token) == 17 and token.startswith("ID"):  # "GSTIN" glued: rare, skip the label
            candidates.append(token[2:])
        for cand in candidates:
            if len(cand) > 15 and re.match(r"^(GSTIN|GSTINUIN|UIN|GST)", cand):
                cand = re.sub(r"^(GSTINUIN|GSTIN|UIN|GST)", "", cand)
            if len(cand) == 16:  # OCR doubled or invented one character
                fixed = _repair_extra_char(cand)
            elif len(cand) != 15 or not any(c.isdigit() for c in cand[:2] + cand[7:11]):
                continue
            else:
                fixed = repair(cand)
            if fixed and start not in seen_starts:
                hits.append(GstinHit(fixed[0], start, fixed[1]))
                seen_starts.add(start)
                break
    return hits


_CANON = str.maketrans("OQDILJZSBG", "0001112586")


def canonical(text: str) -> str:
    """Fold OCR look-alikes (O/0, I/1, S/5, B/8 ...) so two readings of one code compare equal."""
    return text.upper().translate(_CANON)


def find_gstins(text: str) -> list[str]:
    """Distinct valid GSTINs in order of first appearance (OCR look-alikes repaired if checksum passes)."""
    result: list[str] = []
    for hit in find_gstin_hits(text):
        if hit.value not in result:
            result.append(hit.value)
    return result
