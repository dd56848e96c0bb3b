"""Redemption lines for the balance and statement replies: pending payouts, paid ones with UTR,
and the financial year's benefits against the 194R threshold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.i18n import format_day, format_moment, format_rupees
from payouts import tax
from payouts.models import Redemption, RedemptionStatus

if TYPE_CHECKING:
    from flows.engine import Turn

S = RedemptionStatus
_STATUS_WORD = {S.REVIEW.value: "status.review", S.PENDING.value: "status.pending",
                S.SUBMITTING.value: "status.pending", S.PROCESSING.value: "status.pending",
                S.PROCESSED.value: "status.processed", S.FAILED.value: "status.failed",
                S.REVERSED.value: "status.reversed"}


def balance_lines(turn: Turn) -> list[str]:
    member = turn.member
    assert member is not None
    rows = turn.session.scalars(select(Redemption).where(Redemption.member_id == member.id, Redemption.kind == "upi")
                                .order_by(Redemption.id.desc()).limit(10)).all()
    lines = []
    for row in rows:
        if row.status == S.REVIEW.value:
            lines.append(turn.t("balance.review", rupees=format_rupees(row.net_paise),
                                since=format_moment(turn.lang, row.created_at)))
        elif row.status in (S.PENDING.value, S.SUBMITTING.value, S.PROCESSING.value):
            lines.append(turn.t("balance.pending", rupees=format_rupees(row.net_paise),
                                since=format_moment(turn.lang, row.created_at)))
    paid = next((r for r in rows if r.status == S.PROCESSED.value), None)
    if paid is not None:
        lines.append(turn.t("balance.paid", rupees=format_rupees(paid.net_paise),
                            date=format_day(turn.lang, paid.settled_at or paid.created_at), utr=paid.utr or "—"))
    fy = tax.financial_year(turn.ctx.now)
    year = tax.year_benefits(turn.session, member.id, fy)
    threshold = turn.program.redemption.tds_threshold_rupees * 100
    if year > threshold:
        lines.append(turn.t("balance.benefits_over", fy=fy, year=format_rupees(year), limit=format_rupees(threshold),
                            tds=format_rupees(tax.year_tds(turn.session, member.id, fy))))
    else:
        lines.append(turn.t("balance.benefits", fy=fy, year=format_rupees(year), limit=format_rupees(threshold)))
    return lines


def statement_lines(turn: Turn, limit: int = 5) -> list[str]:
    member = turn.member
    assert member is not None
    rows = turn.session.scalars(select(Redemption).where(Redemption.member_id == member.id, Redemption.kind == "upi")
                                .order_by(Redemption.id.desc()).limit(limit)).all()
    if not rows:
        return []
    out = [turn.t("statement.payouts_title")]
    for row in rows:
        utr = f", UTR {row.utr}" if row.utr else ""
        out.append(turn.t("statement.payout", date=format_day(turn.lang, row.created_at),
                          rupees=format_rupees(row.net_paise), status=turn.t(_STATUS_WORD[row.status]), utr=utr))
    return out
