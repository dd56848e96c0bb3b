"""Money amounts printed as figures: finding them, and checking a total against its parts.

Why: the grand total is one of a claim's four fields; Indian invoices group digits in lakhs
(1,23,456.00), mark rupees with ₹/Rs./INR or a trailing /-, and print the tax break-up that
lets us confirm a total without trusting its label alone.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

AMOUNT_RE = re.compile(
    r"(?P<cur>₹|Rs\.?|INR|रु\.?|रुपये)?\s*"
    r"(?P<num>(?<![\d,])(?<!\d\.)(?:\d{1,3}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+|\d+))"
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


def arithmetic_confirms(total: int, amounts: list[int], *, exact: bool = False) -> bool:
    """True when taxable + taxes (+ round-off) adds up to the total, using amounts printed elsewhere.

    Taxes may be one figure, a CGST+SGST pair of equal halves, or two rate slabs (each maybe a
    pair). A whole-rupee total may also differ from taxable + taxes by under one rupee: that is
    the round-off, whose own line OCR often garbles ("049" for "0.49"); ``exact`` refuses that
    slack (the round-off must then be printed and read).
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
        if total % 100 == 0 and not exact:
            at = bisect.bisect_left(ordered, rest - 99)
            if at < len(ordered) and ordered[at] <= rest + 99:
                return True
    return False


def indian_format(paise: int) -> str:
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
