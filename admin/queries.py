"""Read-side queries for the dashboard and lists: counts, per-day series in IST, liability.

Why: the dashboard's figures are aggregates the database computes (GROUP BY the IST calendar day),
so they stay fast as the programme grows; nothing is loaded row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.i18n import IST
from storage import ledger
from storage.base import utcnow
from storage.claim_models import ClaimStatus, CouponRedemption, InvoiceClaim
from storage.ledger_models import Account, AccountKind, Transfer
from storage.models import Contact, Member


def ist_day(db: Session, column: Any) -> ColumnElement[Any]:
    """The IST calendar day of a UTC timestamp column, as 'YYYY-MM-DD' text, on either backend."""
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Kolkata", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+330 minutes")


def days_back(days: int, now: dt.datetime | None = None) -> list[str]:
    today = (now or utcnow()).astimezone(IST).date()
    return [(today - dt.timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]


def since_ist_midnight(days: int, now: dt.datetime | None = None) -> dt.datetime:
    local = (now or utcnow()).astimezone(IST)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days - 1)
    return start.astimezone(dt.UTC)


def per_day(db: Session, column: Any, days: int, *where: Any, value: Any = None) -> list[tuple[str, int]]:
    """``[(day, count-or-sum)]`` for the last ``days`` IST days, zero-filled."""
    day = ist_day(db, column)
    agg = func.count() if value is None else func.coalesce(func.sum(value), 0)
    rows = db.execute(select(day, agg).where(column >= since_ist_midnight(days), *where).group_by(day)).all()
    found = {str(d): int(n) for d, n in rows}
    return [(d, found.get(d, 0)) for d in days_back(days)]


def backlog_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(InvoiceClaim)
                         .where(InvoiceClaim.status == ClaimStatus.REVIEW.value)) or 0) + int(
        db.scalar(select(func.count()).select_from(CouponRedemption)
                  .where(CouponRedemption.status == ClaimStatus.REVIEW.value)) or 0)


def open_handoff_count(db: Session) -> int:
    from storage.messaging_models import Handoff, HandoffStatus

    return int(db.scalar(select(func.count()).select_from(Handoff)
                         .where(Handoff.status == HandoffStatus.OPEN.value)) or 0)


def oldest_waiting(db: Session) -> dt.datetime | None:
    times = [db.scalar(select(func.min(m.created_at)).where(m.status == ClaimStatus.REVIEW.value))
             for m in (InvoiceClaim, CouponRedemption)]
    known = [t for t in times if t is not None]
    if not known:
        return None
    return min(t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in known)


def _account_id(db: Session, code: str) -> int | None:
    return db.scalar(select(Account.id).where(Account.code == code))


def flow_total(db: Session, *, source: str | None = None, dest: str | None = None, since: dt.datetime | None = None
               ) -> int:
    """Net points that left system account ``source`` (or reached ``dest``): movements the other way
    (reversals, clawbacks, returned payouts) are subtracted."""
    code = source or dest
    account = _account_id(db, code or "")
    if account is None:
        return 0

    def total(column: Any) -> int:
        stmt = select(func.coalesce(func.sum(Transfer.points), 0)).where(column == account)
        if since is not None:
            stmt = stmt.where(Transfer.created_at >= since)
        return int(db.scalar(stmt) or 0)

    out, into = total(Transfer.source_account_id), total(Transfer.dest_account_id)
    return out - into if source else into - out


def liability_points(db: Session) -> int:
    """Points members hold or have on hold for pending payouts: what the brand still owes."""
    members = db.scalar(select(func.coalesce(func.sum(Account.balance), 0))
                        .where(Account.kind == AccountKind.MEMBER)) or 0
    holds = db.scalar(select(Account.balance).where(Account.code == ledger.HOLDS)) or 0
    return int(members) + int(holds)


@dataclass(frozen=True)
class Dashboard:
    members_total: int
    members_active_30d: int
    members_blocked: int
    enrollments: list[tuple[str, int]]
    claims: list[tuple[str, int]]
    points_issued: int
    points_redeemed: int
    points_expired: int
    issued_30d: list[tuple[str, int]]
    liability_points: int
    backlog: int
    oldest_waiting: dt.datetime | None
    by_role: list[tuple[str, int]]


def dashboard(db: Session, days: int = 30) -> Dashboard:
    now = utcnow()
    issuance = _account_id(db, ledger.ISSUANCE)
    coupons = per_day(db, CouponRedemption.created_at, days)
    invoices = per_day(db, InvoiceClaim.created_at, days)
    claims = [(d, a + b) for (d, a), (_, b) in zip(coupons, invoices, strict=True)]
    return Dashboard(
        members_total=int(db.scalar(select(func.count()).select_from(Member).where(Member.erased_at.is_(None))) or 0),
        members_active_30d=int(db.scalar(
            select(func.count()).select_from(Contact).where(
                Contact.member_id.is_not(None), Contact.last_inbound_at >= now - dt.timedelta(days=30))) or 0),
        members_blocked=int(db.scalar(select(func.count()).select_from(Member)
                                      .where(Member.blocked_at.is_not(None))) or 0),
        enrollments=per_day(db, Member.created_at, days),
        claims=claims,
        points_issued=flow_total(db, source=ledger.ISSUANCE),
        points_redeemed=flow_total(db, dest=ledger.REDEMPTION),
        points_expired=flow_total(db, dest=ledger.EXPIRY),
        issued_30d=per_day(db, Transfer.created_at, days, Transfer.source_account_id == issuance,
                           value=Transfer.points),
        liability_points=liability_points(db),
        backlog=backlog_count(db),
        oldest_waiting=oldest_waiting(db),
        by_role=[(str(r), int(n)) for r, n in db.execute(
            select(Member.role, func.count()).where(Member.erased_at.is_(None)).group_by(Member.role)
            .order_by(func.count().desc())).all()],
    )
