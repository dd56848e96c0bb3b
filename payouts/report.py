"""The 194R TDS report: one row per benefit given in a quarter, for the brand's accountant.

Each row with TDS carries the value the deduction covers: the benefit itself, the year's earlier
benefits it caught up (the threshold is one of applicability, so the benefit that crosses it is
taxed with the year's earlier ones), and the tax the brand bore for the member (itself a
benefit, grossed up). ``tds_inr`` = ``tds_rate_percent`` × ``taxed_value_inr`` on every row
(within a paisa of rounding), so the file's totals reconcile.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.i18n import IST
from payouts.models import PayoutProfile, Redemption, RedemptionStatus
from storage.models import Member

HEADER = ["member_id", "member_name", "phone", "pan", "pan_name", "financial_year", "redemption", "kind",
          "benefit_value_inr", "earlier_benefits_covered_inr", "tds_borne_by_brand_inr", "taxed_value_inr",
          "tds_rate_percent", "tds_inr", "tds_from_member_inr", "tds_borne_by", "paid_to_member_inr", "utr",
          "benefit_date", "tds_date", "status", "reversed_date"]
"""``taxed_value_inr`` = benefit + earlier benefits covered + TDS borne by the brand. A payout the bank
reversed after it was paid is listed (``status`` ``reversed``, with the date) but left out of the totals:
the benefit was not given, and its TDS is for the accountant to correct."""

BORNE_BY = {"deduct": "member", "grossup": "brand", "split": "member+brand"}


@dataclass(frozen=True)
class ReportTotals:
    rows: int
    tds_paise: int
    taxed_paise: int
    """Sum of the taxed values: Σ TDS = Σ rate × taxed value."""
    brand_paise: int
    by_rate: dict[int, tuple[int, int]] = field(default_factory=dict)
    reversed_rows: int = 0
    """{rate: (TDS, taxed value)} in paise: each line reconciles on its own (TDS = rate × taxed value)."""


def _inr(paise: int) -> str:
    return f"{paise // 100}.{paise % 100:02d}"


def write_tds_report(session: Session, out: IO[str], start: dt.date, end: dt.date) -> ReportTotals:
    """Benefits settled in [start, end) (IST dates), TDS or not; returns the totals written."""
    lo = dt.datetime.combine(start, dt.time(), IST).astimezone(dt.UTC)
    hi = dt.datetime.combine(end, dt.time(), IST).astimezone(dt.UTC)
    rows = session.execute(
        select(Redemption, Member, PayoutProfile).join(Member, Member.id == Redemption.member_id)
        .outerjoin(PayoutProfile, PayoutProfile.member_id == Member.id)
        .where(or_(Redemption.status == RedemptionStatus.PROCESSED.value,
                   and_(Redemption.status == RedemptionStatus.REVERSED.value,
                        Redemption.reversal_transfer_id.is_not(None))),
               Redemption.settled_at >= lo, Redemption.settled_at < hi)
        .order_by(Redemption.settled_at, Redemption.id)).all()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    tds = taxed = brand = 0
    by_rate: dict[int, tuple[int, int]] = {}
    reversed_rows = 0
    for red, member, prof in rows:
        reversed_ = red.status == RedemptionStatus.REVERSED.value
        covered = red.tds_base_paise + red.tds_brand_paise if red.tds_paise else 0
        earlier = max(0, red.tds_base_paise - red.gross_paise) if red.tds_paise else 0
        day = (red.settled_at or red.created_at).astimezone(IST).date().isoformat()
        writer.writerow([
            member.id, member.name, member.phone, (prof.pan if prof else None) or "PANNOTAVBL",
            (prof.pan_name if prof else "") or "", red.fy, f"rdm-{red.id}", red.kind, _inr(red.gross_paise),
            _inr(earlier), _inr(red.tds_brand_paise), _inr(covered), red.tds_rate_percent if red.tds_paise else 0,
            _inr(red.tds_paise), _inr(red.tds_paise - red.tds_brand_paise), BORNE_BY.get(red.tds_mode, ""),
            _inr(red.net_paise), red.utr or "", day, day if red.tds_paise else "", red.status,
            (red.updated_at or red.settled_at).astimezone(IST).date().isoformat() if reversed_ else "",
        ])
        if reversed_:
            reversed_rows += 1
            continue
        tds += red.tds_paise
        taxed += covered
        brand += red.tds_brand_paise
        if red.tds_paise:
            was = by_rate.get(red.tds_rate_percent, (0, 0))
            by_rate[red.tds_rate_percent] = (was[0] + red.tds_paise, was[1] + covered)
    return ReportTotals(len(rows), tds, taxed, brand, dict(sorted(by_rate.items())), reversed_rows)
