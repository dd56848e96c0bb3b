"""Invoice claims: the program's rules applied to what the reader extracted.

Why: only a claim that is certain in every field and passes every rule is credited at once; a
doubt sends it to review (a wrong automatic credit is worse than a review). Duplicates are
refused by UNIQUE keys, not by a check-then-insert: supplier GSTIN + financial year + invoice
number, and the e-invoice IRN; a claim matching another on supplier, date and total, or with a
near-identical picture, goes to review whatever number was read. An invoice pays only the
member (of a claiming role) whose registered GSTIN is its buyer.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import imagehash
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.i18n import IST
from bot.program import Program
from claims.gstin import is_valid
from claims.velocity import invoice_counts, invoice_points_today
from storage import ledger
from storage.base import utcnow
from storage.claim_models import ClaimStatus, InvoiceClaim
from storage.models import Member

logger = logging.getLogger(__name__)

SIMILAR_IMAGE_DISTANCE = 6
"""Perceptual-hash Hamming distance at or under which two invoice pictures count as the same."""

SIMILAR_IMAGE_WINDOW = 2000
"""How many recent claims are compared for near-identical pictures."""

READ_PROBLEMS = {"blurry", "blank", "not_invoice", "corrupt", "too_large", "unsupported", "forged"}
"""Reader outcomes that end a claim before any rule (the reply says what to do)."""


@dataclass
class InvoiceOutcome:
    """The verdict on one invoice, with everything the reply needs to say why."""

    status: ClaimStatus
    reasons: list[str] = field(default_factory=list)
    claim_id: int | None = None
    points: int = 0
    raw_points: int = 0
    capped_by: str | None = None
    total_paise: int | None = None
    invoice_number: str | None = None
    supplier_gstin: str | None = None
    buyer_gstin: str | None = None
    invoice_date: dt.date | None = None
    duplicate_of: dt.datetime | None = None


def financial_year(day: dt.date) -> str:
    """India's financial year (April-March) of ``day``: 2026-11-05 -> '2026-27'."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def dedupe_key(gstin: str, day: dt.date, number: str) -> str:
    """Supplier GSTIN + financial year + invoice number (case, spaces and leading zeros forgiven)."""
    norm = re.sub(r"[\s]+", "", number.upper())
    norm = re.sub(r"(?<![0-9])0+(?=[0-9])", "", norm)
    return f"{gstin}:{financial_year(day)}:{norm}"[:100]


def claim_invoice(session: Session, *, member: Member, media_id: int, reading: dict[str, Any], program: Program,
                  now: dt.datetime, inbound_id: int | None = None) -> InvoiceOutcome:
    """Judge one invoice reading for ``member``; idempotent per media item."""
    existing = session.scalar(select(InvoiceClaim).where(InvoiceClaim.media_id == media_id))
    if existing is not None:
        return _outcome_of(existing)
    outcome_name = reading.get("outcome", "not_invoice")
    fields = _fields(reading)
    claim = InvoiceClaim(
        member_id=member.id, inbound_id=inbound_id, media_id=media_id, reading=_slim(reading),
        supplier_gstin=fields["gstin"], buyer_gstin=fields["buyer"], invoice_number=fields["number"],
        invoice_date=fields["date"], total_paise=fields["total"], irn=None, image_hash=reading.get("image_hash"),
        created_at=now,
    )
    if outcome_name in READ_PROBLEMS:
        claim.status, claim.reasons = ClaimStatus.REJECTED.value, [outcome_name]
        if outcome_name == "forged":
            logger.warning("Member %s: e-invoice with a failing signature refused (media %s)", member.id, media_id)
        return _save(session, claim)

    rules = program.invoice
    certain = bool(reading.get("certain")) or bool(reading.get("einvoice_signed"))
    hard: list[str] = []  # rules that refuse the claim outright
    soft: list[str] = [] if certain else ["uncertain_reading", *reading.get("doubts", [])]
    missing = [name for name in ("gstin", "number", "date", "total") if fields[name] is None]
    if missing:
        soft.append("missing_" + "_".join(missing))
    today = now.astimezone(IST).date()
    if fields["gstin"] and rules.supplier_gstins and fields["gstin"] not in rules.supplier_gstins:
        (hard if certain else soft).append("supplier_not_registered")
    if fields["date"] is not None:
        if fields["date"] > today:
            (hard if certain else soft).append("future_date")
        elif (today - fields["date"]).days > rules.max_age_days:
            (hard if certain else soft).append("too_old")
    if fields["total"] is not None and fields["total"] <= 0:
        soft.append("zero_total")
    _whose(member, fields["buyer"], rules, hard, soft)

    raw = rules.points_for(fields["total"] or 0)
    points, capped_by = raw, None
    if points > rules.max_points_per_claim:
        points, capped_by = rules.max_points_per_claim, "per_claim"
    remaining = rules.max_points_per_day - invoice_points_today(session, member.id, now)
    if points > max(remaining, 0):
        points, capped_by = max(remaining, 0), "per_day"
    if points <= 0 and not hard:
        soft.append("daily_cap_reached" if capped_by == "per_day" else "no_points")
    per_minute, per_day = invoice_counts(session, member.id, now)
    if per_minute >= rules.max_per_minute or per_day >= rules.max_per_day:
        soft.append("velocity")
    if _similar_image(session, claim.image_hash):
        soft.append("similar_image")
    if _same_facts(session, fields):
        soft.append("same_supplier_date_total")

    claim.points = points
    claim.rule = {"points_per_100_rupees": rules.points_per_100_rupees, "raw_points": raw, "capped_by": capped_by,
                  "max_points_per_claim": rules.max_points_per_claim, "max_points_per_day": rules.max_points_per_day}
    if fields["gstin"] and fields["number"] and fields["date"]:
        claim.dedupe_key = dedupe_key(fields["gstin"], fields["date"], fields["number"])
    claim.irn = reading.get("irn") if reading.get("einvoice_signed") else None
    duplicate = _duplicate(session, claim)
    if duplicate is not None:
        claim.status, claim.reasons = ClaimStatus.REJECTED.value, ["duplicate"]
        claim.dedupe_key = claim.irn = None
        out = _save(session, claim)
        out.duplicate_of = duplicate.created_at
        return out
    if hard:
        claim.status, claim.reasons = ClaimStatus.REJECTED.value, hard
        claim.dedupe_key = claim.irn = None
        return _save(session, claim)
    claim.status = (ClaimStatus.REVIEW if soft else ClaimStatus.CREDITED).value
    claim.reasons = sorted(set(soft))
    out = _save(session, claim)
    if out.status is ClaimStatus.CREDITED:
        credit_claim(session, claim, member)
    return _outcome_of(claim)


def _whose(member: Member, buyer: str | None, rules: Any, hard: list[str], soft: list[str]) -> None:
    """An invoice pays only a member of a claiming role whose registered GSTIN is its buyer."""
    if member.role not in rules.claimant_roles:
        hard.append("role_cannot_claim")
    elif not member.gstin:
        hard.append("no_gstin_registered")
    elif buyer is None:
        soft.append("buyer_unread")
    elif buyer != member.gstin:
        # a buyer GSTIN with a valid check character is another firm's; a broken one may be a misread
        (hard if is_valid(buyer) else soft).append("not_your_invoice")
    elif member.gstin_shared:
        soft.append("gstin_shared")


def _same_facts(session: Session, fields: dict[str, Any]) -> bool:
    """Another live claim with the same supplier GSTIN, date and total: the same invoice, whatever number was read."""
    if not (fields["gstin"] and fields["date"] and fields["total"]):
        return False
    return session.scalar(
        select(InvoiceClaim.id).where(
            InvoiceClaim.supplier_gstin == fields["gstin"], InvoiceClaim.invoice_date == fields["date"],
            InvoiceClaim.total_paise == fields["total"],
            InvoiceClaim.status.in_([ClaimStatus.CREDITED.value, ClaimStatus.REVIEW.value]),
        ).limit(1)
    ) is not None


def credit_claim(session: Session, claim: InvoiceClaim, member: Member) -> None:
    """Post the claim's points (idempotent on the claim id)."""
    assert member.account_id is not None
    if claim.points > 0:
        transfer = ledger.transfer(
            session, source=ledger.ISSUANCE, dest=member.account_id, points=claim.points, reason="invoice_claim",
            idempotency_key=f"invoice:{claim.id}", reference=f"invoice:{claim.id}",
        )
        claim.transfer_id = transfer.id
        from loyalty.hooks import on_credit

        on_credit(session, member, base_points=claim.points, key=f"invoice:{claim.id}")
    claim.status = ClaimStatus.CREDITED.value
    claim.decided_at = claim.decided_at or utcnow()


def _save(session: Session, claim: InvoiceClaim) -> InvoiceOutcome:
    """Insert the claim; if its invoice or IRN was claimed concurrently, store it as a duplicate."""
    try:
        with session.begin_nested():
            session.add(claim)
            session.flush()
    except IntegrityError:
        same_media = session.scalar(select(InvoiceClaim).where(InvoiceClaim.media_id == claim.media_id))
        if same_media is not None:  # a retried job raced itself: the first verdict stands
            return _outcome_of(same_media)
        first = _duplicate(session, claim)
        claim.status, claim.reasons = ClaimStatus.REJECTED.value, ["duplicate"]
        claim.dedupe_key = claim.irn = None
        session.add(claim)
        session.flush()
        out = _outcome_of(claim)
        out.duplicate_of = first.created_at if first is not None else None
        return out
    return _outcome_of(claim)


def _duplicate(session: Session, claim: InvoiceClaim) -> InvoiceClaim | None:
    for column, value in ((InvoiceClaim.irn, claim.irn), (InvoiceClaim.dedupe_key, claim.dedupe_key)):
        if value:
            found = session.scalar(select(InvoiceClaim).where(column == value))
            if found is not None:
                return found
    return None


def _similar_image(session: Session, image_hash: str | None) -> bool:
    if not image_hash:
        return False
    target = imagehash.hex_to_hash(image_hash)
    recent = session.scalars(
        select(InvoiceClaim.image_hash)
        .where(InvoiceClaim.image_hash.is_not(None))
        .order_by(InvoiceClaim.id.desc())
        .limit(SIMILAR_IMAGE_WINDOW)
    )
    return any(h and (target - imagehash.hex_to_hash(h)) <= SIMILAR_IMAGE_DISTANCE for h in recent)


def _fields(reading: dict[str, Any]) -> dict[str, Any]:
    def value(name: str) -> Any:
        item = reading.get(name) or {}
        return item.get("value") if isinstance(item, dict) else None

    raw_date = value("invoice_date")
    try:
        day = dt.date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        day = None
    total = value("total_paise")
    number = value("invoice_number")
    return {
        "gstin": value("supplier_gstin"),
        "buyer": value("buyer_gstin"),
        "number": str(number)[:60] if number else None,
        "date": day,
        "total": int(total) if isinstance(total, int) else None,
    }


def _slim(reading: dict[str, Any]) -> dict[str, Any]:
    """The reading without its (long) raw text, which stays on the media row's analysis."""
    return {k: v for k, v in reading.items() if k != "text"}


def _outcome_of(claim: InvoiceClaim) -> InvoiceOutcome:
    return InvoiceOutcome(
        status=ClaimStatus(claim.status), reasons=list(claim.reasons or []), claim_id=claim.id, points=claim.points,
        raw_points=int((claim.rule or {}).get("raw_points", claim.points)),
        capped_by=(claim.rule or {}).get("capped_by"), total_paise=claim.total_paise,
        invoice_number=claim.invoice_number, supplier_gstin=claim.supplier_gstin, invoice_date=claim.invoice_date,
        buyer_gstin=claim.buyer_gstin,
    )
