"""Tables of the redemption capability: payout profiles, redemptions, webhook events, vouchers.

Design:

* ``PayoutProfile`` (one per member) keeps what payouts need beyond enrollment: which UPI ID was
  validated (a keyed fingerprint, so a changed ID is validated again), the holder name RazorpayX
  returned, KYC (PAN encrypted) and the provider's contact / fund-account ids.
* ``Redemption`` is the state machine of one cash-out or voucher. Its ``idempotency_key`` is
  derived from its id and stored before any HTTP call; ``payout_id`` is unique, so one
  redemption can never be linked to two payouts.
* ``PayoutEvent`` stores every webhook once (unique ``event_id``): a redelivery is a no-op.
* ``Voucher`` is one code in stock; ``redemption_id`` is unique, so a code is handed out once.
* ``TierState``, ``ExpiryReminder`` and ``NightlyRun`` belong to the loyalty rules (tiers, expiry
  reminders, the nightly job's completed days).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk
from storage.crypto import EncryptedString


class RedemptionStatus(str, Enum):
    REVIEW = "review"
    """Points held; waiting for an operator (KYC name mismatch)."""
    PENDING = "pending"
    """Points held; payout job queued (idempotency key stored)."""
    SUBMITTING = "submitting"
    """The payout request was (maybe) sent; the outcome is reconciled by key or by status fetch."""
    PROCESSING = "processing"
    """The provider accepted the payout (queued/pending/processing)."""
    PROCESSED = "processed"
    FAILED = "failed"
    REVERSED = "reversed"


OPEN_STATUSES = (
    RedemptionStatus.REVIEW.value,
    RedemptionStatus.PENDING.value,
    RedemptionStatus.SUBMITTING.value,
    RedemptionStatus.PROCESSING.value,
)
"""A redemption in one of these still holds the member's points (in flight)."""


class PayoutProfile(Base):
    __tablename__ = "payout_profiles"

    member_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                           ForeignKey("members.id"), primary_key=True)
    upi_validated_fp: Mapped[str | None] = mapped_column(String(64))
    upi_holder_name: Mapped[str | None] = mapped_column(String(120))
    upi_validated_at: Mapped[dt.datetime | None]
    upi_changed_at: Mapped[dt.datetime | None]
    pan: Mapped[str | None] = mapped_column(EncryptedString(255))
    pan_name: Mapped[str | None] = mapped_column(String(120))
    kyc_status: Mapped[str] = mapped_column(String(12), default="none")
    kyc_note: Mapped[str | None] = mapped_column(String(255))
    kyc_at: Mapped[dt.datetime | None]
    contact_ref: Mapped[str | None] = mapped_column(String(40))
    fund_account_ref: Mapped[str | None] = mapped_column(String(40))
    fund_account_fp: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created_at]


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (Index("ix_redemptions_member_status", "member_id", "status"),)

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(10))
    reward_code: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(BigInteger)
    gross_paise: Mapped[int] = mapped_column(BigInteger)
    tds_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    net_paise: Mapped[int] = mapped_column(BigInteger)
    tds_mode: Mapped[str] = mapped_column(String(10), default="none")
    """``none``, ``deduct``, ``grossup`` or ``split`` (payouts.tax.Tds.mode)."""
    tds_rate_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tds_base_paise: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Benefit value the TDS covers: this benefit plus the year's earlier ones caught up (194R)."""
    tds_brand_paise: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Part of ``tds_paise`` the brand bears (the rest was cut from the payout)."""
    fy: Mapped[str] = mapped_column(String(7), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_holds.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    provider: Mapped[str] = mapped_column(String(12))
    payout_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    utr: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    vpa: Mapped[str | None] = mapped_column(EncryptedString(255))
    holder_name: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reversal_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    created_at: Mapped[created_at]
    submitted_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime | None]
    settled_at: Mapped[dt.datetime | None]


class PayoutEvent(Base):
    __tablename__ = "payout_events"

    id: Mapped[intpk]
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(40))
    payout_id: Mapped[str | None] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[created_at]


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("brand", "code", name="uq_vouchers_brand_code"),
        Index("ix_vouchers_stock", "brand", "value_paise", "redemption_id"),
    )

    id: Mapped[intpk]
    brand: Mapped[str] = mapped_column(String(40))
    value_paise: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(80))
    pin: Mapped[str | None] = mapped_column(String(40))
    expires_on: Mapped[dt.date]
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"), unique=True)
    source: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[created_at]


class TierState(Base):
    __tablename__ = "member_tiers"

    member_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                           ForeignKey("members.id"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(40))
    since: Mapped[dt.datetime]


class ExpiryReminder(Base):
    __tablename__ = "expiry_reminders"
    __table_args__ = (UniqueConstraint("member_id", "expires_on", "days_before", name="uq_expiry_reminders_once"),)

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    expires_on: Mapped[dt.date]
    days_before: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[created_at]


class NightlyRun(Base):
    """One completed nightly loyalty run, by the IST date it ran for (the embedded clock catches up
    the days without one)."""

    __tablename__ = "nightly_runs"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    done_at: Mapped[created_at]
