"""The 194R TDS report: one row per benefit given in a quarter, for the brand's accountant."""

from __future__ import annotations

import csv
import datetime as dt
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import IST
from payouts.models import PayoutProfile, Redemption, RedemptionStatus
from storage.models import Member

HEADER = ["member_id", "member_name", "phone", "pan", "pan_name", "financial_year", "redemption", "kind",
          "benefit_value_inr", "tds_rate_percent", "tds_inr", "tds_borne_by", "paid_to_member_inr", "utr",
          "benefit_date", "tds_date"]


def _inr(paise: int) -> str:
    return f"{paise // 100}.{paise % 100:02d}"


def write_tds_report(session: Session, out: IO[str], start: dt.date, end: dt.date) -> tuple[int, int]:
    """Benefits settled in [start, end) (IST dates) with TDS; returns (rows, total TDS in paise)."""
    lo = dt.datetime.combine(start, dt.time(), IST).astimezone(dt.UTC)
    hi = dt.datetime.combine(end, dt.time(), IST).astimezone(dt.UTC)
    rows = session.execute(
        select(Redemption, Member, PayoutProfile).join(Member, Member.id == Redemption.member_id)
        .outerjoin(PayoutProfile, PayoutProfile.member_id == Member.id)
        .where(Redemption.status == RedemptionStatus.PROCESSED.value, Redemption.settled_at >= lo,
               Redemption.settled_at < hi).order_by(Redemption.settled_at, Redemption.id)).all()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    total = 0
    for red, member, prof in rows:
        rate = round(red.tds_paise * 100 / (red.gross_paise if red.tds_mode == "deduct"
                                             else red.gross_paise + red.tds_paise)) if red.tds_paise else 0
        day = (red.settled_at or red.created_at).astimezone(IST).date().isoformat()
        writer.writerow([
            member.id, member.name, member.phone, (prof.pan if prof else None) or "PANNOTAVBL",
            (prof.pan_name if prof else "") or "", red.fy, f"rdm-{red.id}", red.kind, _inr(red.gross_paise), rate,
            _inr(red.tds_paise), {"deduct": "member", "grossup": "brand"}.get(red.tds_mode, ""),
            _inr(red.net_paise), red.utr or "", day, day if red.tds_paise else "",
        ])
        total += red.tds_paise
    return len(rows), total
