"""Points ledger tables: accounts, transfers, entries (legs) and holds.

Design overview (after django-hordak's ``models/core.py``):

* ``Account`` holds points. Every member has one (code ``member:<id>``); the programme has system
  accounts: ``issuance`` (where every point comes from, the only kind allowed below zero together
  with ``adjustment``), ``redemption`` (points paid out), ``expiry``, ``holds`` (escrow for pending
  redemptions) and ``adjustment``. The stored ``balance`` is read in O(1); the database refuses a
  negative balance on any account without ``allow_negative``.
* ``Transfer`` is one movement of ``points`` (> 0) from a source to a destination account. It is
  identified by a unique ``idempotency_key`` (the same key never moves points twice). Transfers
  are append-only: a mistake is undone by a *reversing* transfer (``reverses_id``, unique, so a
  transfer is reversed at most once), never by UPDATE or DELETE (triggers in ``storage.guards``).
* ``Entry`` is one leg of a transfer: ``-points`` on the source and ``+points`` on the
  destination, so every transfer sums to zero and so does the whole book. Each account's entries
  form a chain: ``seq`` counts 1, 2, 3… per account (unique), ``balance_after`` is the running
  balance and ``hash`` is SHA-256 over the entry's fields and the previous entry's hash
  (``prev_hash``), so editing any past entry breaks the chain (``ledger.verify`` finds it).
  ``Account.entry_count`` and ``Account.last_hash`` are the head of that chain.
* ``Hold`` reserves a member's points for a pending redemption: ``place`` moves them to the
  ``holds`` account (the member cannot spend them twice), then ``post`` moves them on (e.g. to
  ``redemption``) or ``void`` returns them. A hold row changes status; its money moves are ordinary
  transfers.

Table names: ``ledger_accounts``, ``ledger_transfers``, ``ledger_entries``, ``ledger_holds``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import Enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, bigint, created_at, intpk

GENESIS_HASH = "0" * 64
"""``prev_hash`` of an account's first entry (and ``last_hash`` of an account with no entries)."""


class AccountKind(str, Enum):
    """What an account is for."""

    MEMBER = "member"
    ISSUANCE = "issuance"
    REDEMPTION = "redemption"
    EXPIRY = "expiry"
    HOLDS = "holds"
    ADJUSTMENT = "adjustment"


class HoldStatus(str, Enum):
    """Life of a hold: pending until posted (paid out) or voided (returned)."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


def _values(enum: type[Enum]) -> list[str]:
    return [m.value for m in enum]


class Account(Base):
    """A points account with its stored balance and the head of its entry chain."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (CheckConstraint("allow_negative OR balance >= 0", name="balance_non_negative"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[AccountKind] = mapped_column(
        SAEnum(
            AccountKind,
            native_enum=False,
            length=16,
            values_callable=_values,
            create_constraint=True,
            validate_strings=True,
            name="account_kind",
        )
    )
    member_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    balance: Mapped[bigint] = mapped_column(default=0, server_default="0")
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    entry_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH, server_default=GENESIS_HASH)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<Account #{self.id} {self.code} balance={self.balance}>"


class Transfer(Base):
    """One movement of points between two accounts; never updated or deleted."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("source_account_id <> dest_account_id", name="distinct_accounts"),
    )

    id: Mapped[intpk]
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    source_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    dest_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    points: Mapped[bigint]
    reason: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(128))
    memo: Mapped[str | None] = mapped_column(String(255))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"), unique=True)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return (
            f"<Transfer #{self.id} {self.points} pts {self.source_account_id}->{self.dest_account_id}"
            f" {self.reason}>"
        )


class Entry(Base):
    """One leg of a transfer on one account, chained to that account's previous entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "seq", name="uq_ledger_entries_account_seq"),
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        Index("ix_ledger_entries_transfer_id", "transfer_id"),
    )

    id: Mapped[intpk]
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[bigint]
    balance_after: Mapped[bigint]
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]

    def compute_hash(self) -> str:
        """Recompute this entry's hash from its stored fields."""
        return entry_hash(
            self.account_id,
            self.seq,
            self.transfer_id,
            self.amount,
            self.balance_after,
            self.created_at,
            self.prev_hash,
        )


class Hold(Base):
    """Points reserved from a member account until posted or voided."""

    __tablename__ = "ledger_holds"
    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    points: Mapped[bigint]
    status: Mapped[HoldStatus] = mapped_column(
        SAEnum(
            HoldStatus,
            native_enum=False,
            length=16,
            values_callable=_values,
            create_constraint=True,
            validate_strings=True,
            name="hold_status",
        ),
        default=HoldStatus.PENDING,
    )
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    reference: Mapped[str | None] = mapped_column(String(128))
    hold_transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"), unique=True)
    settle_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"), unique=True)
    void_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"), unique=True)
    created_at: Mapped[created_at]
    settled_at: Mapped[dt.datetime | None]


def canonical_time(when: dt.datetime) -> str:
    """The UTC timestamp as hashed: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (microseconds always shown)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime in a ledger entry")
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    account_id: int,
    seq: int,
    transfer_id: int,
    amount: int,
    balance_after: int,
    when: dt.datetime,
    prev_hash: str,
) -> str:
    """SHA-256 hex over the canonical JSON array of an entry's chained fields.

    Args:
        account_id, seq, transfer_id, amount, balance_after: the entry's integers.
        when: the entry's ``created_at`` (aware); hashed via ``canonical_time``.
        prev_hash: the previous entry's hash on the same account (``GENESIS_HASH`` for seq 1).

    Returns:
        64 lowercase hex characters.
    """
    payload = json.dumps(
        [
            int(account_id),
            int(seq),
            int(transfer_id),
            int(amount),
            int(balance_after),
            canonical_time(when),
            prev_hash,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


__all__ = [
    "GENESIS_HASH",
    "Account",
    "AccountKind",
    "Entry",
    "Hold",
    "HoldStatus",
    "Transfer",
    "canonical_time",
    "entry_hash",
]
