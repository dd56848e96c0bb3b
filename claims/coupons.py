"""Coupon batches and coupon claims.

Why: a code pays at most once, also when two members send it at the same instant: the claim is
an INSERT into ``coupon_redemptions`` under UNIQUE (batch_id, serial), made in a savepoint, so
the database picks the winner. Forged and mistyped codes are refused by their HMAC and check
character before any query.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.program import Program
from claims.codes import CodeError, CouponCode, make_code, parse_code, printed
from claims.velocity import batch_count_last_minute, coupon_counts
from storage import ledger
from storage.base import utcnow
from storage.claim_models import ClaimStatus, CouponBatch, CouponRedemption
from storage.models import Member

logger = logging.getLogger(__name__)


class CodeResult(str, Enum):
    CREDITED = "credited"
    ALREADY_YOURS = "already_yours"
    ALREADY_USED = "already_used"
    INVALID = "invalid"
    TYPO = "typo"
    VOIDED = "voided"
    REVIEW_REGION = "review_region"
    REVIEW_VELOCITY = "review_velocity"


@dataclass(frozen=True)
class CodeOutcome:
    """What happened to one code of a claim, for the reply."""

    code: str
    result: CodeResult
    points: int = 0
    sku: str | None = None
    when: dt.datetime | None = None


def parse_regions(text: str) -> list[str]:
    """'226, 2270' -> ['226', '2270'].

    Raises:
        ValueError: a prefix is not 1-6 digits.
    """
    prefixes = [p.strip() for p in text.split(",") if p.strip()]
    if any(not p.isdigit() or not 1 <= len(p) <= 6 for p in prefixes):
        raise ValueError("regions are PIN prefixes of 1-6 digits, e.g. 226,2270")
    return prefixes


def create_batch(session: Session, *, sku: str, points: int, count: int, name: str | None = None,
                 regions: list[str] | None = None) -> CouponBatch:
    """Register a batch; its id is the batch number inside every code."""
    batch = CouponBatch(name=name or sku, sku=sku, points=points, count=count, regions=list(regions or []))
    session.add(batch)
    session.flush()
    return batch


def batch_codes(secret: bytes, batch: CouponBatch) -> Iterator[CouponCode]:
    """Every code of ``batch``, serial 0..count-1 (computed, not stored)."""
    for serial in range(batch.count):
        yield make_code(secret, batch.id, serial)


def void_batch(session: Session, batch_id: int, reason: str) -> CouponBatch:
    batch = session.get(CouponBatch, batch_id)
    if batch is None:
        raise LookupError(f"no batch {batch_id}")
    if batch.voided_at is None:
        batch.voided_at = utcnow()
        batch.void_reason = reason
    return batch


def claim_codes(session: Session, *, secret: bytes, member: Member, texts: list[str], program: Program,
                now: dt.datetime, inbound_id: int | None = None, media_id: int | None = None) -> list[CodeOutcome]:
    """Claim every code in ``texts`` (typed or scanned) for ``member``; one outcome per distinct code."""
    outcomes: list[CodeOutcome] = []
    seen: set[str] = set()
    for text in texts:
        outcome = _claim_one(session, secret=secret, member=member, text=text, program=program, now=now,
                             inbound_id=inbound_id, media_id=media_id, seen=seen)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _claim_one(session: Session, *, secret: bytes, member: Member, text: str, program: Program, now: dt.datetime,
               inbound_id: int | None, media_id: int | None, seen: set[str]) -> CodeOutcome | None:
    try:
        code = parse_code(secret, text)
    except CodeError as exc:
        shown = printed(text) if exc.reason != "format" else " ".join(text.split()).upper()[:32]
        if exc.reason == "signature":
            logger.warning("Member %s: forged coupon code refused", member.id)
        return CodeOutcome(shown, CodeResult.TYPO if exc.reason == "check" else CodeResult.INVALID)
    if code.text in seen:
        return None
    seen.add(code.text)
    label = printed(code.text)
    batch = session.get(CouponBatch, code.batch)
    if batch is None or code.serial >= batch.count:
        logger.warning("Member %s: signed code outside any issued batch (%s)", member.id, code.batch)
        return CodeOutcome(label, CodeResult.INVALID)
    if batch.voided_at is not None:
        return CodeOutcome(label, CodeResult.VOIDED, sku=batch.sku)
    existing = _existing(session, code)
    if existing is not None:
        return _used(label, batch, existing, member)

    status, review = ClaimStatus.CREDITED, None
    if batch.regions and not any(member.pin_code.startswith(p) for p in batch.regions):
        status, review = ClaimStatus.REVIEW, CodeResult.REVIEW_REGION
    else:
        per_minute, today = coupon_counts(session, member.id, now)
        if (per_minute >= program.qr.max_per_minute or today >= program.qr.max_per_day
                or batch_count_last_minute(session, batch.id, now) >= program.qr.batch_max_per_minute):
            status, review = ClaimStatus.REVIEW, CodeResult.REVIEW_VELOCITY
    row = CouponRedemption(
        batch_id=batch.id, serial=code.serial, code=code.text, member_id=member.id, inbound_id=inbound_id,
        media_id=media_id, status=status.value, review_reason=review.value if review else None, points=batch.points,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Someone claimed it between our look and our insert: the database decided.
        existing = _existing(session, code)
        assert existing is not None
        return _used(label, batch, existing, member)
    if review is not None:
        return CodeOutcome(label, review, points=batch.points, sku=batch.sku)
    credit_redemption(session, row, member)
    return CodeOutcome(label, CodeResult.CREDITED, points=batch.points, sku=batch.sku)


def credit_redemption(session: Session, row: CouponRedemption, member: Member) -> None:
    """Post the points of a redemption (idempotent on the code)."""
    assert member.account_id is not None
    transfer = ledger.transfer(
        session, source=ledger.ISSUANCE, dest=member.account_id, points=row.points, reason="qr_claim",
        idempotency_key=f"coupon:{row.batch_id}:{row.serial}", reference=f"coupon:{row.id}",
    )
    row.transfer_id = transfer.id
    row.status = ClaimStatus.CREDITED.value
    from loyalty.hooks import on_credit

    on_credit(session, member, base_points=row.points, key=f"coupon:{row.batch_id}:{row.serial}")


def _existing(session: Session, code: CouponCode) -> CouponRedemption | None:
    return session.scalar(
        select(CouponRedemption).where(CouponRedemption.batch_id == code.batch, CouponRedemption.serial == code.serial)
    )


def _used(label: str, batch: CouponBatch, existing: CouponRedemption, member: Member) -> CodeOutcome:
    result = CodeResult.ALREADY_YOURS if existing.member_id == member.id else CodeResult.ALREADY_USED
    return CodeOutcome(label, result, sku=batch.sku, when=existing.created_at)
