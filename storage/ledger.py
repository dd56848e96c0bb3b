"""The points ledger: one public call per movement, append-only, double-entry, idempotent.

Design (hordak's Account/Transaction/Leg, saleor's idempotency and lock order):

* Every movement is a ``Transfer`` of ``points`` from a source to a destination account with two
  ``Entry`` legs (−points, +points), so each transfer and the whole book sum to zero.
* A transfer carries a unique ``idempotency_key``. The transfer row is inserted inside a
  savepoint; if the key already exists the first transfer is returned (``IdempotencyConflict`` if
  it moved other accounts or points), so a retried turn or job never pays twice.
* Both account rows are locked in id order (``storage.locks``) before anything is read for a
  decision; the source's balance is checked (``InsufficientPoints``) and then debited by a
  conditional ``UPDATE … WHERE allow_negative OR balance >= :points`` whose row count is checked,
  and the table's CHECK constraint refuses a negative balance as a last line.
* Each entry extends its account's hash chain (``seq``, ``prev_hash``, ``hash``); the account row
  keeps the head (``entry_count``, ``last_hash``) and the balance, so ``balance`` is O(1).
* Nothing is ever updated or deleted: ``reverse`` posts a reversing transfer; the guards in
  ``storage.guards`` make the database refuse UPDATE/DELETE of transfers and entries.
* Functions take the caller's ``session`` and never commit: the caller owns the transaction, so
  a movement commits together with the message or claim that caused it.

``verify`` recomputes everything from the entries and reports problems in plain English.

This module is the public API. Accounts and the posting primitive live in ``storage.ledger_core``,
holds in ``storage.holds``, ``verify`` in ``storage.ledger_verify``; all are re-exported here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from storage.exceptions import AlreadyReversed, HoldStateError, UnknownAccount, UnknownTransfer
from storage.exceptions import IdempotencyConflict as IdempotencyConflict
from storage.exceptions import InsufficientPoints as InsufficientPoints
from storage.exceptions import LedgerError as LedgerError
from storage.holds import place_hold, post_hold, void_hold
from storage.ledger_core import (
    ADJUSTMENT,
    EXPIRY,
    HOLDS,
    ISSUANCE,
    REDEMPTION,
    SYSTEM_ACCOUNTS,
    AccountRef,
    ensure_system_accounts,
    get_account,
    member_code,
    open_account,
    open_member_account,
    post_transfer,
    same_or_conflict,
    transfer_by_key,
)
from storage.ledger_models import Account, Entry, Hold, Transfer
from storage.ledger_models import AccountKind as AccountKind
from storage.ledger_models import HoldStatus as HoldStatus
from storage.ledger_verify import Problem, verify

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)


def balance(session: Session, account: AccountRef) -> int:
    """The account's stored balance (one indexed read; ``verify`` proves it equals its entries).

    Raises:
        UnknownAccount: nothing matches ``account``.
    """
    column = Account.id if isinstance(account, int) else Account.code
    value = session.scalar(select(Account.balance).where(column == account))
    if value is None:
        raise UnknownAccount(account)
    return int(value)


# -------------------------------------------------------------------------------------- transfers


def transfer(
    session: Session,
    *,
    source: AccountRef,
    dest: AccountRef,
    points: int,
    reason: str,
    idempotency_key: str,
    reference: str | None = None,
    memo: str | None = None,
) -> Transfer:
    """Move ``points`` from ``source`` to ``dest`` once per ``idempotency_key``.

    Args:
        session: the caller's session (not committed here).
        source, dest: account ids or codes (``ISSUANCE``, ``"member:12"``…).
        points: a positive int.
        reason: short code shown on statements (``welcome_bonus``, ``qr_claim``, ``redemption``…).
        idempotency_key: unique per movement, e.g. ``f"welcome:{member.id}"``.
        reference: what caused it (claim id, invoice number).
        memo: free text for admins.

    Returns:
        The new transfer, or the first transfer posted under this key.

    Raises:
        InsufficientPoints: ``source`` cannot go below zero and holds fewer than ``points``;
            nothing is written.
        IdempotencyConflict: the key was used for other accounts or points.
        UnknownAccount: an account does not exist.
    """
    return post_transfer(
        session,
        source=source,
        dest=dest,
        points=points,
        reason=reason,
        idempotency_key=idempotency_key,
        reference=reference,
        memo=memo,
    )


def _hold_of(session: Session, transfer_id: int) -> Hold | None:
    return session.scalar(
        select(Hold).where(
            or_(
                Hold.hold_transfer_id == transfer_id,
                Hold.settle_transfer_id == transfer_id,
                Hold.void_transfer_id == transfer_id,
            )
        )
    )


def reverse(session: Session, transfer_id: int, *, idempotency_key: str, memo: str | None = None) -> Transfer:
    """Undo a transfer by posting the opposite movement (the original stays as it was).

    Returns:
        The reversing transfer (``reverses_id == transfer_id``); the same one on a repeated key.

    Raises:
        UnknownTransfer: no such transfer.
        AlreadyReversed: it was reversed before under another key.
        HoldStateError: it belongs to a hold (use ``void_hold``).
        InsufficientPoints: the destination has already spent the points.
    """
    original = session.get(Transfer, transfer_id)
    if original is None:
        raise UnknownTransfer(transfer_id)
    existing = transfer_by_key(session, idempotency_key)
    if existing is not None:
        return same_or_conflict(
            existing,
            idempotency_key,
            original.dest_account_id,
            original.source_account_id,
            original.points,
            original.id,
        )
    hold = _hold_of(session, original.id)
    if hold is not None:
        raise HoldStateError(hold.id, hold.status.value, f"reverse transfer #{original.id} of")
    prior = session.scalar(select(Transfer.id).where(Transfer.reverses_id == original.id))
    if prior is not None:
        raise AlreadyReversed(original.id, prior)
    try:
        return post_transfer(
            session,
            source=original.dest_account_id,
            dest=original.source_account_id,
            points=original.points,
            reason="reversal",
            idempotency_key=idempotency_key,
            reference=original.reference,
            memo=memo,
            reverses_id=original.id,
        )
    except AlreadyReversed:
        prior = session.scalar(select(Transfer.id).where(Transfer.reverses_id == original.id))
        raise AlreadyReversed(original.id, prior) from None


# ------------------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class StatementLine:
    """One line of a mini-statement."""

    when: dt.datetime
    """UTC time of the entry."""
    amount: int
    """Signed points: positive credited, negative debited."""
    reason: str
    reference: str | None
    balance_after: int
    transfer_id: int


def statement(session: Session, account: AccountRef, limit: int = 10) -> list[StatementLine]:
    """The account's last ``limit`` entries, newest first.

    Raises:
        UnknownAccount: nothing matches ``account``.
    """
    account_id = account if isinstance(account, int) else get_account(session, account).id
    rows = session.execute(
        select(
            Entry.created_at,
            Entry.amount,
            Transfer.reason,
            Transfer.reference,
            Entry.balance_after,
            Transfer.id,
        )
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .where(Entry.account_id == account_id)
        .order_by(Entry.seq.desc())
        .limit(limit)
    ).all()
    if not rows and session.get(Account, account_id) is None:
        raise UnknownAccount(account)
    return [StatementLine(r[0], int(r[1]), r[2], r[3], int(r[4]), r[5]) for r in rows]


__all__ = [
    "ADJUSTMENT",
    "EXPIRY",
    "HOLDS",
    "ISSUANCE",
    "REDEMPTION",
    "SYSTEM_ACCOUNTS",
    "AccountRef",
    "Problem",
    "StatementLine",
    "balance",
    "ensure_system_accounts",
    "get_account",
    "member_code",
    "open_account",
    "open_member_account",
    "place_hold",
    "post_hold",
    "reverse",
    "statement",
    "transfer",
    "verify",
    "void_hold",
]
