"""What each statement entry was for, and the claims still waiting: for the member's statement.

Why: "+120 · coupon" does not tell a member which coupon; the statement names the coupon code or
the invoice number behind each entry, and lists claims that are still being checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.codes import printed
from storage.claim_models import ClaimStatus, CouponRedemption, InvoiceClaim


@dataclass(frozen=True)
class Pending:
    """A claim not decided yet."""

    kind: str  # coupon | invoice
    label: str  # printed code, or invoice number
    when: dt.datetime
    total_paise: int | None = None


def what_for(session: Session, references: list[str | None]) -> dict[str, tuple[str, str]]:
    """Ledger reference -> (kind, label), e.g. 'coupon:12' -> ('coupon', 'ABCD-EFGH-…')."""
    ids: dict[str, list[int]] = {"coupon": [], "invoice": []}
    for ref in references:
        kind, _, number = (ref or "").partition(":")
        if kind in ids and number.isdigit():
            ids[kind].append(int(number))
    out: dict[str, tuple[str, str]] = {}
    if ids["coupon"]:
        for rid, code in session.execute(
            select(CouponRedemption.id, CouponRedemption.code).where(CouponRedemption.id.in_(ids["coupon"]))
        ):
            out[f"coupon:{rid}"] = ("coupon", printed(code))
    if ids["invoice"]:
        for cid, number in session.execute(
            select(InvoiceClaim.id, InvoiceClaim.invoice_number).where(InvoiceClaim.id.in_(ids["invoice"]))
        ):
            if number:
                out[f"invoice:{cid}"] = ("invoice", number)
    return out


def pending(session: Session, member_id: int, limit: int = 10) -> list[Pending]:
    """The member's claims still under review, newest first."""
    invoices = session.execute(
        select(InvoiceClaim.invoice_number, InvoiceClaim.created_at, InvoiceClaim.total_paise)
        .where(InvoiceClaim.member_id == member_id, InvoiceClaim.status == ClaimStatus.REVIEW.value)
        .order_by(InvoiceClaim.id.desc())
        .limit(limit)
    ).all()
    coupons = session.execute(
        select(CouponRedemption.code, CouponRedemption.created_at)
        .where(CouponRedemption.member_id == member_id, CouponRedemption.status == ClaimStatus.REVIEW.value)
        .order_by(CouponRedemption.id.desc())
        .limit(limit)
    ).all()
    items = [Pending("invoice", n or "—", w, t) for n, w, t in invoices]
    items += [Pending("coupon", printed(c), w) for c, w in coupons]
    return sorted(items, key=lambda p: p.when, reverse=True)[:limit]
