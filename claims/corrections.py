"""A reviewer's correction of what was read from an invoice, before deciding it.

Why: OCR is sometimes unsure of one digit; the reviewer looks at the photo, types the right value,
and the claim's points, duplicate key and rules follow the corrected reading, exactly as if the
bot had read it right. The original reading stays in ``reading`` for the record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.program import Program
from claims.exceptions import ClaimAlreadyDecided, UnknownClaim
from claims.gstin import is_valid
from claims.invoices import dedupe_key
from storage.claim_models import ClaimStatus, InvoiceClaim

EDITABLE = ("supplier_gstin", "invoice_number", "invoice_date", "total_paise")


class CorrectionError(ValueError):
    """The corrected value is not acceptable (message shown to the reviewer)."""


def parse_field(name: str, raw: str) -> Any:
    """The typed value of a corrected field.

    Raises:
        CorrectionError: malformed value.
    """
    raw = raw.strip()
    if name == "supplier_gstin":
        value = raw.upper().replace(" ", "")
        if not is_valid(value):
            raise CorrectionError(f"{value or 'empty'} is not a valid GSTIN (check character)")
        return value
    if name == "invoice_number":
        if not raw or len(raw) > 60:
            raise CorrectionError("the invoice number must be 1–60 characters")
        return raw
    if name == "invoice_date":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise CorrectionError("the date must be YYYY-MM-DD") from None
    if name == "total_paise":
        text = raw.replace(",", "").replace("₹", "").strip()
        try:
            rupees = float(text)
        except ValueError:
            raise CorrectionError("the total must be an amount in rupees, e.g. 12,450.50") from None
        if not 0 < rupees < 1e10:
            raise CorrectionError("the total must be positive")
        return round(rupees * 100)
    raise CorrectionError(f"{name} cannot be corrected")


def correct(session: Session, claim_id: int, name: str, raw: str, program: Program) -> tuple[Any, Any]:
    """Set one field of invoice claim ``claim_id`` (in review) and recompute its points and key.

    Returns:
        (old value, new value).

    Raises:
        UnknownClaim, ClaimAlreadyDecided, CorrectionError.
    """
    claim = session.scalar(select(InvoiceClaim).where(InvoiceClaim.id == claim_id).with_for_update()
                           .execution_options(populate_existing=True))
    if claim is None:
        raise UnknownClaim(f"I{claim_id}")
    if claim.status != ClaimStatus.REVIEW.value:
        raise ClaimAlreadyDecided(f"I{claim_id} is {claim.status}")
    if name not in EDITABLE:
        raise CorrectionError(f"{name} cannot be corrected")
    value = parse_field(name, raw)
    old = getattr(claim, name)
    setattr(claim, name, value)
    rules = program.invoice
    if name == "total_paise":
        raw_points = rules.points_for(value)
        claim.points = min(raw_points, rules.max_points_per_claim)
        claim.rule = {**(claim.rule or {}), "raw_points": raw_points,
                      "capped_by": "per_claim" if raw_points > rules.max_points_per_claim else None}
    if claim.supplier_gstin and claim.invoice_number and claim.invoice_date:
        claim.dedupe_key = dedupe_key(claim.supplier_gstin, claim.invoice_date, claim.invoice_number)
    corrections = dict((claim.rule or {}).get("corrections", {}))
    corrections[name] = str(value)
    claim.rule = {**(claim.rule or {}), "corrections": corrections}
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise CorrectionError("another claim already holds this invoice (same GSTIN, year and number)") from None
    return old, value
