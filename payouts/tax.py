"""Section 194R (TDS on business benefits), the financial year, and KYC checks (PAN, names).

194R: benefits given to a member in a financial year (April-March, IST) are added up; once this
benefit takes the year past the threshold (₹20,000 by default), TDS at the program's rate (a higher
one without a PAN) is either deducted from the payout or borne by the brand (gross-up:
tax = value × r / (100 − r), the member gets the full value).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.i18n import IST
from payouts.models import Redemption, RedemptionStatus
from payouts.rules import RedemptionRules

PAN_RE = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
PAN_HOLDER_TYPES = {
    "P": "individual", "C": "company", "H": "hindu_undivided_family", "F": "firm", "A": "association_of_persons",
    "T": "trust", "B": "body_of_individuals", "L": "local_authority", "J": "artificial_juridical_person",
    "G": "government",
}
"""The PAN's fourth character names the holder type."""

HONORIFICS = {"mr", "mrs", "ms", "miss", "shri", "sri", "shree", "smt", "shrimati", "kumari", "km", "dr", "md",
              "mohd", "mohammad", "mohammed", "muhammad", "janab", "sahab", "sahib", "ji", "late", "m/s", "ms."}


def financial_year(when: dt.datetime) -> str:
    """'2026-27' for any moment from 1 April 2026 to 31 March 2027 (IST)."""
    day = when.astimezone(IST).date()
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """'2026Q3' -> the calendar quarter (Oct-Dec 2026) as [first day, first day after); Indian FY quarters
    Q1=Apr-Jun, Q2=Jul-Sep, Q3=Oct-Dec, Q4=Jan-Mar (of the next calendar year)."""
    m = re.fullmatch(r"(\d{4})Q([1-4])", quarter.strip().upper())
    if not m:
        raise ValueError("quarter must look like 2026Q3")
    year, q = int(m.group(1)), int(m.group(2))
    start_month = {1: 4, 2: 7, 3: 10, 4: 1}[q]
    start_year = year + 1 if q == 4 else year
    start = dt.date(start_year, start_month, 1)
    end = dt.date(start_year + (1 if start_month == 10 else 0), (start_month + 2) % 12 + 1, 1)
    return start, end


def year_benefits(session: Session, member_id: int, fy: str) -> int:
    """Paise of benefits given (or on their way) to the member in financial year ``fy``."""
    value = session.scalar(
        select(func.coalesce(func.sum(Redemption.gross_paise), 0)).where(
            Redemption.member_id == member_id, Redemption.fy == fy,
            Redemption.status.not_in([RedemptionStatus.FAILED.value, RedemptionStatus.REVERSED.value]),
        )
    )
    return int(value or 0)


@dataclass(frozen=True)
class Tds:
    tds_paise: int
    net_paise: int
    mode: str
    """``none``, ``deduct`` or ``grossup``."""
    rate_percent: int


def compute_tds(rules: RedemptionRules, *, prior_paise: int, gross_paise: int, has_pan: bool) -> Tds:
    """TDS on a benefit of ``gross_paise`` after ``prior_paise`` of benefits this financial year."""
    threshold = rules.tds_threshold_rupees * 100
    if prior_paise + gross_paise <= threshold:
        return Tds(0, gross_paise, "none", 0)
    rate = rules.tds_rate_percent if has_pan else rules.tds_no_pan_rate_percent
    if rules.tds_mode == "grossup":
        tds = (gross_paise * rate + (100 - rate) // 2) // (100 - rate)
        return Tds(tds, gross_paise, "grossup", rate)
    tds = (gross_paise * rate + 50) // 100
    return Tds(tds, gross_paise - tds, "deduct", rate)


def normalize_pan(text: str) -> str:
    return "".join(text.split()).upper()


def pan_problem(pan: str) -> str | None:
    """None for a well-formed individual's PAN, else a short reason: 'format' or 'holder_type'."""
    if not PAN_RE.match(pan):
        return "format"
    if pan[3] not in PAN_HOLDER_TYPES:
        return "holder_type"
    if pan[3] != "P":
        return "not_individual"
    return None


def _name_tokens(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z ]", " ", text.replace(".", " "))
    return [t for t in text.split() if t not in HONORIFICS]


def name_similarity(a: str, b: str) -> int:
    """0-100: how likely two spellings name one person (order, initials and honorifics forgiven)."""
    ta, tb = _name_tokens(a), _name_tokens(b)
    if not ta or not tb:
        return 0
    best = int(fuzz.token_sort_ratio(" ".join(ta), " ".join(tb)))
    # Initials: 'R KUMAR' matches 'RAMESH KUMAR' when every initial fits a word of the other name.
    short, long_ = (ta, tb) if len(" ".join(ta)) <= len(" ".join(tb)) else (tb, ta)
    full = [t for t in short if len(t) > 1]
    initials = [t for t in short if len(t) == 1]
    if full and initials:
        rest = list(long_)
        ok = True
        for word in full:
            match = max(rest, key=lambda w: fuzz.ratio(word, w), default="")
            if fuzz.ratio(word, match) < 85:
                ok = False
                break
            rest.remove(match)
        if ok and all(any(w.startswith(i) for w in rest) for i in initials):
            best = max(best, 90)
    return best
