"""Section 194R (TDS on business benefits), the financial year, and KYC checks (PAN, names).

194R: benefits given to a member in a financial year (April-March, IST) are added up. The
threshold (₹20,000 by default) decides whether tax applies at all, it is not an exemption
(CBDT Circular 12/2022): the benefit that takes the year past it is taxed together with every
earlier benefit of the year not yet taxed (the *catch-up*); later benefits of the year are taxed
on their own value. The rate is the program's (a higher one without a PAN, section 206AA).

Who bears the tax (``[tds] mode``):

* ``deduct``: cut from the cash payout. When the catch-up is more than the payout can bear, the
  payout bears what it can (the member still receives ₹1, RazorpayX's smallest payout) and the
  brand bears the rest, because the whole tax must be deposited by the 7th of the next month
  whatever the member redeems later. Tax the brand pays for the member is itself a benefit, so
  that part is grossed up: with ``M`` cut from the payout and ``B`` borne by the brand,
  ``M + B = rate × (covered value + B)``.
* ``grossup``: the brand bears all of it (``M = 0``); the member gets the full value.

Vouchers cannot be cut, so their tax (catch-up included) is always borne by the brand, grossed up.
Every row keeps the value its TDS covers, so ``TDS = rate × (covered value + brand's part)``
reconciles row by row (within a paisa of rounding).
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


NOTHING_GIVEN = (RedemptionStatus.FAILED.value, RedemptionStatus.REVERSED.value)
"""Statuses of redemptions that gave nothing (excluded from the year's benefits)."""

MIN_PAYOUT_PAISE = 100
"""The smallest payout RazorpayX makes (₹1): TDS cut from a payout leaves at least this."""


def year_benefits(session: Session, member_id: int, fy: str) -> int:
    """Paise of benefits given (or on their way) to the member in financial year ``fy``."""
    value = session.scalar(
        select(func.coalesce(func.sum(Redemption.gross_paise), 0)).where(
            Redemption.member_id == member_id, Redemption.fy == fy, Redemption.status.not_in(NOTHING_GIVEN),
        )
    )
    return int(value or 0)


def year_taxed(session: Session, member_id: int, fy: str) -> int:
    """Paise of the year's benefits some TDS already covers (each taxed row's own and caught-up value)."""
    value = session.scalar(
        select(func.coalesce(func.sum(Redemption.tds_base_paise), 0)).where(
            Redemption.member_id == member_id, Redemption.fy == fy, Redemption.status.not_in(NOTHING_GIVEN),
        )
    )
    return int(value or 0)


def year_tds(session: Session, member_id: int, fy: str) -> int:
    """Paise of TDS on the member's benefits in financial year ``fy`` (cut from payouts or borne by the brand)."""
    value = session.scalar(
        select(func.coalesce(func.sum(Redemption.tds_paise), 0)).where(
            Redemption.member_id == member_id, Redemption.fy == fy, Redemption.status.not_in(NOTHING_GIVEN),
        )
    )
    return int(value or 0)


@dataclass(frozen=True)
class Tds:
    tds_paise: int
    """The whole tax deposited for this benefit (member's part + brand's part)."""
    net_paise: int
    """What the member receives."""
    mode: str
    """``none``, ``deduct`` (all cut from the payout), ``grossup`` (all borne by the brand) or ``split``."""
    rate_percent: int
    base_paise: int = 0
    """The benefit value this TDS covers: this benefit plus the year's earlier ones caught up."""
    caught_up_paise: int = 0
    """The year's earlier benefits, untaxed until now, that this TDS covers."""
    brand_paise: int = 0
    """The part of ``tds_paise`` the brand bears (itself a benefit: the taxed value is base + this)."""

    @property
    def member_paise(self) -> int:
        return self.tds_paise - self.brand_paise

    @property
    def taxed_paise(self) -> int:
        """The value the rate applies to: ``tds_paise`` = rate × this (within a paisa)."""
        return self.base_paise + self.brand_paise


def compute_tds(rules: RedemptionRules, *, prior_paise: int, gross_paise: int, has_pan: bool,
                untaxed_paise: int | None = None, cash: bool = True) -> Tds:
    """TDS on a benefit of ``gross_paise`` after ``prior_paise`` of benefits this financial year.

    ``untaxed_paise``: the part of ``prior_paise`` no TDS covers yet (default: all of it while the
    year is within the threshold, none once past it). ``cash``: the benefit is a payout TDS can be
    cut from (a voucher is not).
    """
    threshold = rules.tds_threshold_rupees * 100
    if prior_paise + gross_paise <= threshold:
        return Tds(0, gross_paise, "none", 0)
    if untaxed_paise is None:
        untaxed_paise = prior_paise if prior_paise <= threshold else 0
    caught_up = max(0, min(untaxed_paise, prior_paise))
    base = gross_paise + caught_up
    rate = rules.tds_rate_percent if has_pan else rules.tds_no_pan_rate_percent
    due = (base * rate + 50) // 100
    capacity = max(0, gross_paise - MIN_PAYOUT_PAISE) if cash and rules.tds_mode == "deduct" else 0
    if due <= capacity:
        return Tds(due, gross_paise - due, "deduct", rate, base, caught_up, 0)
    member = capacity
    brand = (rate * base - 100 * member + (100 - rate) // 2) // (100 - rate)
    return Tds(member + brand, gross_paise - member, "split" if member else "grossup", rate, base, caught_up, brand)


def assess(session: Session, rules: RedemptionRules, member_id: int, *, fy: str, gross_paise: int, has_pan: bool,
           cash: bool) -> Tds:
    """The TDS on a new benefit of ``gross_paise`` to the member, from the year's redemptions.

    Call it under the member's account lock (``storage.locks.lock_accounts``) for the figure that
    is stored: two redemptions then never both take the same catch-up.
    """
    prior = year_benefits(session, member_id, fy)
    untaxed = max(0, prior - year_taxed(session, member_id, fy))
    return compute_tds(rules, prior_paise=prior, gross_paise=gross_paise, has_pan=has_pan, untaxed_paise=untaxed,
                       cash=cash)


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
