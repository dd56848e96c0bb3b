"""Velocity counts: how many claims a member (or a coupon batch) made recently.

Why: a member scanning hundreds of codes a minute, or one batch being scanned everywhere at
once, is how leaked or printed-off codes show up; such claims go to review, never to silence.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.claim_models import ClaimStatus, CouponRedemption, InvoiceClaim
from storage.members import today_ist_start

MINUTE = dt.timedelta(minutes=1)


def coupon_counts(session: Session, member_id: int, now: dt.datetime) -> tuple[int, int]:
    """(codes claimed by the member in the last minute, since midnight IST)."""
    base = select(func.count()).select_from(CouponRedemption).where(CouponRedemption.member_id == member_id)
    last_minute = session.scalar(base.where(CouponRedemption.created_at >= now - MINUTE)) or 0
    today = session.scalar(base.where(CouponRedemption.created_at >= today_ist_start(now))) or 0
    return int(last_minute), int(today)


def batch_count_last_minute(session: Session, batch_id: int, now: dt.datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(CouponRedemption)
            .where(CouponRedemption.batch_id == batch_id, CouponRedemption.created_at >= now - MINUTE)
        )
        or 0
    )


def invoice_counts(session: Session, member_id: int, now: dt.datetime) -> tuple[int, int]:
    """(invoices sent by the member in the last minute, since midnight IST), rejected ones excluded."""
    base = (
        select(func.count())
        .select_from(InvoiceClaim)
        .where(InvoiceClaim.member_id == member_id, InvoiceClaim.status != ClaimStatus.REJECTED.value)
    )
    last_minute = session.scalar(base.where(InvoiceClaim.created_at >= now - MINUTE)) or 0
    today = session.scalar(base.where(InvoiceClaim.created_at >= today_ist_start(now))) or 0
    return int(last_minute), int(today)


def invoice_points_today(session: Session, member_id: int, now: dt.datetime) -> int:
    """Points credited (or held in review) for invoices since midnight IST: the daily cap's usage."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(InvoiceClaim.points), 0)).where(
                InvoiceClaim.member_id == member_id,
                InvoiceClaim.status != ClaimStatus.REJECTED.value,
                InvoiceClaim.created_at >= today_ist_start(now),
            )
        )
        or 0
    )
