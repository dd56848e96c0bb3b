"""The review queue: claims held for a person, and their decisions.

Why: a doubtful invoice or a suspicious coupon scan waits here with everything read from it;
an admin approves (points are posted, idempotently) or rejects with a reason, and the member
is told either way in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import format_number, format_rupees, translate
from claims.codes import printed
from claims.coupons import credit_redemption
from claims.exceptions import ClaimAlreadyDecided, UnknownClaim
from claims.invoices import credit_claim
from storage import ledger
from storage.base import utcnow
from storage.claim_models import ClaimStatus, CouponRedemption, InvoiceClaim
from storage.models import Contact, Member, OutboundMessage
from storage.outbox import queue_template


@dataclass(frozen=True)
class ReviewItem:
    """One waiting claim, as the review command lists it."""

    ref: str
    member: str
    phone: str
    summary: str
    reasons: list[str]
    created_at: Any


def pending(session: Session) -> list[ReviewItem]:
    """Every claim waiting for review, oldest first."""
    items: list[ReviewItem] = []
    invoices = session.execute(
        select(InvoiceClaim, Member).join(Member, Member.id == InvoiceClaim.member_id)
        .where(InvoiceClaim.status == ClaimStatus.REVIEW.value).order_by(InvoiceClaim.id)
    ).all()
    for claim, member in invoices:
        total = format_rupees(claim.total_paise) if claim.total_paise is not None else "?"
        summary = (f"invoice {claim.invoice_number or '?'} GSTIN {claim.supplier_gstin or '?'} "
                   f"date {claim.invoice_date or '?'} total {total} -> {claim.points} pts (media {claim.media_id})")
        candidates = (claim.reading or {}).get("candidates") or {}
        if candidates:  # the two engines' readings where they disagree: the reviewer picks, nothing was guessed
            summary += " candidates: " + "; ".join(f"{k}={' | '.join(map(str, v))}" for k, v in candidates.items())
        items.append(ReviewItem(f"I{claim.id}", member.name, member.phone, summary, list(claim.reasons or []),
                                claim.created_at))
    coupons = session.execute(
        select(CouponRedemption, Member).join(Member, Member.id == CouponRedemption.member_id)
        .where(CouponRedemption.status == ClaimStatus.REVIEW.value).order_by(CouponRedemption.id)
    ).all()
    for row, member in coupons:
        summary = f"coupon {printed(row.code)} batch {row.batch_id} -> {row.points} pts"
        items.append(ReviewItem(f"C{row.id}", member.name, member.phone, summary, [row.review_reason or ""],
                                row.created_at))
    return sorted(items, key=lambda i: i.created_at)


REJECTION_REASONS = ("unreadable", "incomplete", "duplicate", "not_registered_supplier", "too_old",
                     "amount_mismatch", "outside_region", "failed_checks")
"""Reasons a reviewer picks from; each is a catalog sentence (``claims.reject_reason.<code>``), so the
member reads it in their own language."""


def reason_msgid(code: str) -> str:
    if code not in REJECTION_REASONS:
        raise ValueError(f"unknown rejection reason {code!r}")
    return f"claims.reject_reason.{code}"


def decide(session: Session, ref: str, *, approve: bool, admin: str, note: str | None,
           support_phone: str, reason_code: str | None = None) -> OutboundMessage | None:
    """Approve or reject claim ``ref`` ('I12' invoice, 'C34' coupon) and queue the member's notice.

    A rejection's reason is ``reason_code`` (one of ``REJECTION_REASONS``, translated for the
    member) or else the free-text ``note``. The claim row is locked, so the decision and its one
    notice happen once however many reviewers click at the same moment.

    Raises:
        UnknownClaim: no such claim.
        ClaimAlreadyDecided: it is not waiting for review.
    """
    kind, number = ref[:1].upper(), ref[1:]
    if kind not in ("I", "C") or not number.isdigit():
        raise UnknownClaim(ref)
    model = InvoiceClaim if kind == "I" else CouponRedemption
    claim = session.scalar(select(model).where(model.id == int(number)).with_for_update()
                          .execution_options(populate_existing=True))
    if claim is None:
        raise UnknownClaim(ref)
    if claim.status != ClaimStatus.REVIEW.value:
        raise ClaimAlreadyDecided(f"{ref} is {claim.status}")
    member = session.get(Member, claim.member_id)
    assert member is not None and member.account_id is not None
    if approve:
        if isinstance(claim, InvoiceClaim):
            credit_claim(session, claim, member)
        else:
            credit_redemption(session, claim, member)
    else:
        claim.status = ClaimStatus.REJECTED.value
        if isinstance(claim, InvoiceClaim):
            claim.dedupe_key = claim.irn = None  # the invoice may be sent again, correctly
    if reason_code is not None:
        reason_msgid(reason_code)
        note = f"[{reason_code}]" + (f" {note}" if note else "")
    claim.decided_by, claim.decision_note, claim.decided_at = admin, note, utcnow()
    return _notify(session, member, claim, approve=approve, note=note, support=support_phone,
                   reason_code=reason_code)


def _notify(session: Session, member: Member, claim: InvoiceClaim | CouponRedemption, *, approve: bool,
            note: str | None, support: str, reason_code: str | None = None) -> OutboundMessage | None:
    contact = session.scalar(select(Contact).where(Contact.member_id == member.id))
    if contact is None:
        return None
    lang = member.lang
    if isinstance(claim, InvoiceClaim):
        what = translate(lang, "claims.review.what_invoice", number=claim.invoice_number or f"#{claim.id}")
    else:
        what = translate(lang, "claims.review.what_coupon", code=printed(claim.code))
    params: dict[str, object]
    if approve:
        balance = ledger.balance(session, member.account_id or 0)
        msgid = "claims.review.approved"
        params = {"what": what, "points": format_number(claim.points), "balance": format_number(balance)}
    else:
        reason = translate(lang, reason_msgid(reason_code)) if reason_code else (note or "—")
        msgid = "claims.review.rejected"
        params = {"what": what, "reason": reason, "support": support}
    # Reviews often end days after the claim: outside the 24-hour window the approved template goes.
    rows = queue_template(session, contact, CLAIM_TEMPLATE,
                          {"name": member.name, "update": translate(lang, msgid, **params)},
                          fallback_msgid=msgid, **params)
    return rows[0] if rows else None


CLAIM_TEMPLATE = "claim_update"
"""The approved template that carries a review's result to a member outside the window."""
