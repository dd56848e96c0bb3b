"""Ledger internals shared by ``storage.ledger``, ``storage.holds`` and ``storage.ledger_verify``.

Accounts (system account codes, opening, lookup by id or code) and the one posting primitive,
``post_transfer``: lock both accounts in id order, honour the idempotency key, check the balance,
then write the transfer and its two hash-chained entries in a savepoint. Callers use the public
API re-exported by ``storage.ledger``; nothing here commits.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from storage.base import utcnow
from storage.exceptions import (
    AlreadyReversed,
    IdempotencyConflict,
    InsufficientPoints,
    LedgerError,
    UnknownAccount,
)
from storage.ledger_models import GENESIS_HASH, Account, AccountKind, Entry, Transfer, entry_hash
from storage.locks import lock_accounts

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

ISSUANCE = "issuance"
"""Source of every point the programme gives; may go negative (its negation is points in issue)."""
REDEMPTION = "redemption"
"""Sink for points paid out (UPI, gifts)."""
EXPIRY = "expiry"
"""Sink for points that expired."""
HOLDS = "holds"
"""Escrow for points reserved by a pending redemption (``place_hold``)."""
ADJUSTMENT = "adjustment"
"""Manual corrections by an admin, in either direction; may go negative."""

SYSTEM_ACCOUNTS: dict[str, tuple[AccountKind, bool]] = {
    ISSUANCE: (AccountKind.ISSUANCE, True),
    REDEMPTION: (AccountKind.REDEMPTION, False),
    EXPIRY: (AccountKind.EXPIRY, False),
    HOLDS: (AccountKind.HOLDS, False),
    ADJUSTMENT: (AccountKind.ADJUSTMENT, True),
}
"""System account code -> (kind, allow_negative). Created on first use or by ``ensure_system_accounts``."""

AccountRef = int | str
"""An account id or its code (``"issuance"``, ``"member:123"``)."""


def member_code(member_id: int) -> str:
    """The account code of a member: ``member:<id>``."""
    return f"member:{int(member_id)}"


# --------------------------------------------------------------------------------------- accounts


def _get_or_create(
    session: Session, code: str, kind: AccountKind, allow_negative: bool, member_id: int | None = None
) -> Account:
    account = session.scalar(select(Account).where(Account.code == code))
    if account is not None:
        return account
    try:
        with session.begin_nested():
            account = Account(
                code=code,
                kind=kind,
                allow_negative=allow_negative,
                member_id=member_id,
                balance=0,
                entry_count=0,
                last_hash=GENESIS_HASH,
            )
            session.add(account)
    except IntegrityError:
        # Another transaction created it first (the unique code waited for its commit).
        account = session.scalar(select(Account).where(Account.code == code))
        if account is None:
            raise
    return account


def ensure_system_accounts(session: Session) -> dict[str, Account]:
    """Create the system accounts that are missing (idempotent).

    Returns:
        ``{code: Account}`` for ``ISSUANCE``, ``REDEMPTION``, ``EXPIRY``, ``HOLDS``, ``ADJUSTMENT``.
    """
    return {code: _get_or_create(session, code, kind, neg) for code, (kind, neg) in SYSTEM_ACCOUNTS.items()}


def open_account(
    session: Session,
    code: str,
    *,
    kind: AccountKind,
    allow_negative: bool = False,
    member_id: int | None = None,
) -> Account:
    """Return the account with ``code``, creating it on first call (idempotent, concurrency-safe).

    An existing account is returned as it is (its kind and flags are not changed).
    """
    return _get_or_create(session, code, kind, allow_negative, member_id)


def open_member_account(session: Session, member_id: int) -> Account:
    """Return the member's account, creating it on first call (idempotent, concurrency-safe)."""
    return _get_or_create(session, member_code(member_id), AccountKind.MEMBER, False, member_id=member_id)


def resolve_account(session: Session, ref: AccountRef) -> int:
    """Account id for an id or a code; system accounts are created on first use."""
    if isinstance(ref, bool):
        raise TypeError("account must be an id or a code")
    if isinstance(ref, int):
        return ref
    account_id = session.scalar(select(Account.id).where(Account.code == ref))
    if account_id is not None:
        return account_id
    if ref in SYSTEM_ACCOUNTS:
        kind, neg = SYSTEM_ACCOUNTS[ref]
        return _get_or_create(session, ref, kind, neg).id
    raise UnknownAccount(ref)


def get_account(session: Session, account: AccountRef) -> Account:
    """The account for an id or a code.

    Raises:
        UnknownAccount: nothing matches.
    """
    if isinstance(account, int) and not isinstance(account, bool):
        found = session.get(Account, account)
    else:
        found = session.scalar(select(Account).where(Account.code == account))
    if found is None:
        raise UnknownAccount(account)
    return found


# -------------------------------------------------------------------------------------- transfers


def transfer_by_key(session: Session, key: str) -> Transfer | None:
    return session.scalar(select(Transfer).where(Transfer.idempotency_key == key))


def same_or_conflict(
    existing: Transfer,
    key: str,
    source_id: int | None,
    dest_id: int | None,
    points: int,
    reverses_id: int | None,
) -> Transfer:
    same = (
        (source_id is None or existing.source_account_id == source_id)
        and (dest_id is None or existing.dest_account_id == dest_id)
        and existing.points == points
        and (reverses_id is None or existing.reverses_id == reverses_id)
    )
    if not same:
        raise IdempotencyConflict(
            key,
            f"transfer #{existing.id} ({existing.points} points, account {existing.source_account_id} -> "
            f"{existing.dest_account_id})",
        )
    logger.debug("Transfer %s: repeat of key %s returned", existing.id, key)
    return existing


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name or str(exc.orig)


def _append(session: Session, account: Account, transfer: Transfer, amount: int, when: dt.datetime) -> Entry:
    """Move ``account``'s balance by ``amount`` with a conditional UPDATE; return its (unsaved) entry."""
    seq = account.entry_count + 1
    after = account.balance + amount
    digest = entry_hash(account.id, seq, transfer.id, amount, after, when, account.last_hash)
    accounts = Account.__table__
    result = session.connection().execute(
        update(accounts)
        .where(
            accounts.c.id == account.id,
            accounts.c.entry_count == account.entry_count,
            or_(accounts.c.allow_negative, accounts.c.balance >= -amount),
        )
        .values(balance=accounts.c.balance + amount, entry_count=seq, last_hash=digest)
    )
    if result.rowcount != 1:
        current = session.scalar(select(Account.balance).where(Account.id == account.id))
        if amount < 0 and current is not None and current < -amount:
            raise InsufficientPoints(account.code, int(current), -amount)
        raise LedgerError(f"Account {account.code} changed while locked (entry_count moved)")
    return Entry(
        transfer_id=transfer.id,
        account_id=account.id,
        amount=amount,
        balance_after=after,
        seq=seq,
        prev_hash=account.last_hash,
        hash=digest,
        created_at=when,
    )


def post_transfer(
    session: Session,
    *,
    source: AccountRef,
    dest: AccountRef,
    points: int,
    reason: str,
    idempotency_key: str,
    reference: str | None,
    memo: str | None,
    reverses_id: int | None = None,
) -> Transfer:
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise ValueError(f"points must be a positive int, not {points!r}")
    if not idempotency_key:
        raise ValueError("idempotency_key is required")
    if not reason:
        raise ValueError("reason is required")

    source_id, dest_id = resolve_account(session, source), resolve_account(session, dest)
    if source_id == dest_id:
        raise LedgerError(f"Transfer from account {source_id} to itself")
    accounts = lock_accounts(session, (source_id, dest_id))
    # Look the key up only once the locks are held: a concurrent first posting of this key on the
    # same accounts has then committed, and READ COMMITTED shows it (a retry gets the first result,
    # not "insufficient points" computed from the balance the first one left).
    existing = transfer_by_key(session, idempotency_key)
    if existing is not None:
        return same_or_conflict(existing, idempotency_key, source_id, dest_id, points, reverses_id)
    src, dst = accounts[source_id], accounts[dest_id]
    if not src.allow_negative and src.balance < points:
        raise InsufficientPoints(src.code, src.balance, points)

    when = utcnow()
    try:
        with session.begin_nested():
            transfer = Transfer(
                idempotency_key=idempotency_key,
                source_account_id=source_id,
                dest_account_id=dest_id,
                points=points,
                reason=reason,
                reference=reference,
                memo=memo,
                reverses_id=reverses_id,
                created_at=when,
            )
            session.add(transfer)
            session.flush()
            entries = [
                _append(session, acct, transfer, amount, when)
                for acct, amount in sorted(((src, -points), (dst, points)), key=lambda p: p[0].id)
            ]
            session.add_all(entries)  # one multi-row INSERT when the savepoint flushes
    except IntegrityError as exc:
        existing = transfer_by_key(session, idempotency_key)
        if existing is not None:
            return same_or_conflict(existing, idempotency_key, source_id, dest_id, points, reverses_id)
        name = _constraint(exc)
        if "reverses_id" in name:
            raise AlreadyReversed(reverses_id or 0, None) from exc
        if "balance_non_negative" in name:
            raise InsufficientPoints(src.code, src.balance, points) from exc
        raise LedgerError(f"Transfer refused by the database: {name}") from exc
    for entry in entries:  # the locked rows now hold what the UPDATEs wrote
        acct = accounts[entry.account_id]
        set_committed_value(acct, "balance", entry.balance_after)
        set_committed_value(acct, "entry_count", entry.seq)
        set_committed_value(acct, "last_hash", entry.hash)
    logger.info("Transfer %s: %s points %s -> %s (%s)", transfer.id, points, src.code, dst.code, reason)
    return transfer


__all__ = [
    "ADJUSTMENT",
    "EXPIRY",
    "HOLDS",
    "ISSUANCE",
    "REDEMPTION",
    "SYSTEM_ACCOUNTS",
    "AccountRef",
    "ensure_system_accounts",
    "get_account",
    "member_code",
    "open_account",
    "open_member_account",
    "post_transfer",
    "resolve_account",
    "same_or_conflict",
    "transfer_by_key",
]
