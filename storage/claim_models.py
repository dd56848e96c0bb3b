"""Claim tables: coupon batches, coupon redemptions and invoice claims.

Design overview:

* ``CouponBatch`` is a print run of single-use codes. The codes themselves are not stored: each
  carries its batch number and serial under an HMAC (``claims.codes``), so a forged or mistyped
  code is refused without a database hit. A batch can be voided and limited to PIN prefixes.
* ``CouponRedemption`` is the one row a code can ever have: UNIQUE (batch_id, serial) makes the
  database, not a check-then-insert, decide which of two simultaneous scans wins. Its status is
  ``credited``, ``review`` (held for an admin: region or velocity) or ``rejected``.
* ``InvoiceClaim`` is one invoice sent by a member, with what was read and the rules' verdict.
  ``dedupe_key`` (supplier GSTIN + financial year + invoice number) and ``irn`` are UNIQUE while a
  claim holds them (credited or in review); a rejected claim releases them.
Points move only through ledger transfers whose idempotency keys name the claim.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk


class ClaimStatus(str, Enum):
    CREDITED = "credited"
    REVIEW = "review"
    REJECTED = "rejected"


class CouponBatch(Base):
    """A print run of coupon codes for one SKU."""

    __tablename__ = "coupon_batches"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(80))
    sku: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    regions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]


class CouponRedemption(Base):
    """The single claim of one code; its uniqueness is what makes a code pay at most once."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (
        UniqueConstraint("batch_id", "serial", name="uq_coupon_redemptions_code"),
        Index("ix_coupon_redemptions_member_created", "member_id", "created_at"),
        Index("ix_coupon_redemptions_batch_created", "batch_id", "created_at"),
    )

    id: Mapped[intpk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("coupon_batches.id"))
    serial: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    status: Mapped[str] = mapped_column(String(10))
    review_reason: Mapped[str | None] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]


class InvoiceClaim(Base):
    """An invoice sent by a member: the fields read, the verdict and the points."""

    __tablename__ = "invoice_claims"
    __table_args__ = (Index("ix_invoice_claims_member_created", "member_id", "created_at"),)

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    supplier_gstin: Mapped[str | None] = mapped_column(String(15))
    buyer_gstin: Mapped[str | None] = mapped_column(String(15))
    invoice_number: Mapped[str | None] = mapped_column(String(60))
    invoice_date: Mapped[dt.date | None]
    total_paise: Mapped[int | None] = mapped_column(BigInteger)
    irn: Mapped[str | None] = mapped_column(String(64), unique=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    image_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reading: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
