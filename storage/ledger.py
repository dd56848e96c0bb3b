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
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SAWarning
from sqlalchemy.orm.attributes import set_committed_value

from storage.base import utcnow
from storage.exceptions import (
    AlreadyReversed,
    HoldStateError,
    IdempotencyConflict,
    InsufficientPoints,
    LedgerError,
    UnknownAccount,
    UnknownTransfer,
)
from storage.ledger_models import (
    GENESIS_HASH,
    Account,
    AccountKind,
    Entry,
    Hold,
    HoldStatus,
    Transfer,
    entry_hash,
)
from storage.locks import lock_accounts, lock_hold

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


def _resolve(session: Session, ref: AccountRef) -> int:
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


def _by_key(session: Session, key: str) -> Transfer | None:
    return session.scalar(select(Transfer).where(Transfer.idempotency_key == key))


def _same_or_conflict(
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


def _post(
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

    source_id, dest_id = _resolve(session, source), _resolve(session, dest)
    if source_id == dest_id:
        raise LedgerError(f"Transfer from account {source_id} to itself")
    accounts = lock_accounts(session, (source_id, dest_id))
    # Look the key up only once the locks are held: a concurrent first posting of this key on the
    # same accounts has then committed, and READ COMMITTED shows it (a retry gets the first result,
    # not "insufficient points" computed from the balance the first one left).
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return _same_or_conflict(existing, idempotency_key, source_id, dest_id, points, reverses_id)
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
        existing = _by_key(session, idempotency_key)
        if existing is not None:
            return _same_or_conflict(existing, idempotency_key, source_id, dest_id, points, reverses_id)
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
    return _post(
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
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return _same_or_conflict(
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
        return _post(
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


# ------------------------------------------------------------------------------------------ holds


def place_hold(
    session: Session, *, account: AccountRef, points: int, idempotency_key: str, reference: str | None = None
) -> Hold:
    """Reserve ``points`` of a member account by moving them to ``HOLDS`` (once per key).

    Returns:
        The pending hold (or the hold first placed under this key, whatever its status now).

    Raises:
        InsufficientPoints: the account holds fewer than ``points``; nothing is written.
        IdempotencyConflict: the key was used for another account or amount.
    """
    account_id = _resolve(session, account)
    existing = session.scalar(select(Hold).where(Hold.idempotency_key == idempotency_key))
    if existing is not None:
        if existing.account_id != account_id or existing.points != points:
            raise IdempotencyConflict(idempotency_key, f"hold #{existing.id}")
        return existing
    moved = _post(
        session,
        source=account_id,
        dest=HOLDS,
        points=points,
        reason="hold",
        idempotency_key=f"hold:{idempotency_key}",
        reference=reference,
        memo=None,
    )
    try:
        with session.begin_nested():
            hold = Hold(
                account_id=account_id,
                points=points,
                status=HoldStatus.PENDING,
                idempotency_key=idempotency_key,
                reference=reference,
                hold_transfer_id=moved.id,
                created_at=moved.created_at,
            )
            session.add(hold)
    except IntegrityError:
        hold = session.scalar(select(Hold).where(Hold.idempotency_key == idempotency_key))
        if hold is None:
            raise
    logger.info("Hold %s: %s points held from account %s", hold.id, points, account_id)
    return hold


def _settle(
    session: Session, hold_id: int, *, dest: AccountRef | None, idempotency_key: str, posting: bool
) -> Transfer:
    hold = lock_hold(session, hold_id)
    action, done, done_id = (
        ("post", HoldStatus.POSTED, hold.settle_transfer_id)
        if posting
        else ("void", HoldStatus.VOIDED, hold.void_transfer_id)
    )
    if hold.status == done and done_id is not None:
        settled = session.get(Transfer, done_id)
        assert settled is not None
        if settled.idempotency_key == idempotency_key:
            return settled
        raise HoldStateError(hold.id, hold.status.value, f"{action} (again, key {idempotency_key!r})")
    if hold.status != HoldStatus.PENDING:
        raise HoldStateError(hold.id, hold.status.value, action)
    moved = _post(
        session,
        source=HOLDS,
        dest=dest if posting else hold.account_id,  # type: ignore[arg-type]
        points=hold.points,
        reason="redemption" if posting else "hold_release",
        idempotency_key=idempotency_key,
        reference=hold.reference,
        memo=f"hold #{hold.id}",
    )
    hold.status = done
    hold.settled_at = moved.created_at
    if posting:
        hold.settle_transfer_id = moved.id
    else:
        hold.void_transfer_id = moved.id
    session.flush()
    logger.info("Hold %s: %s by transfer %s", hold.id, done.value, moved.id)
    return moved


def post_hold(session: Session, hold_id: int, *, dest: AccountRef = REDEMPTION, idempotency_key: str) -> Transfer:
    """Pay out a pending hold: move its points from ``HOLDS`` to ``dest`` (default ``REDEMPTION``).

    Returns:
        The settling transfer (the same one when repeated with the same key).

    Raises:
        HoldStateError: the hold was voided, or already posted under another key.
        UnknownHold: no such hold.
    """
    return _settle(session, hold_id, dest=dest, idempotency_key=idempotency_key, posting=True)


def void_hold(session: Session, hold_id: int, *, idempotency_key: str) -> Transfer:
    """Cancel a pending hold: return its points from ``HOLDS`` to the member.

    Returns:
        The releasing transfer (the same one when repeated with the same key).

    Raises:
        HoldStateError: the hold was posted, or already voided under another key.
        UnknownHold: no such hold.
    """
    return _settle(session, hold_id, dest=None, idempotency_key=idempotency_key, posting=False)


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


# ----------------------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Problem:
    """Something ``verify`` found wrong, named and explained in plain English."""

    subject: str
    """``account``, ``transfer``, ``entry``, ``hold`` or ``books``."""
    id: int | None
    message: str

    def __str__(self) -> str:
        return self.message


def _account_problems(session: Session, accounts: dict[int, Account]) -> Iterator[Problem]:
    def check_head(acct: Account, total: int, count: int, last_hash: str) -> Iterator[Problem]:
        name = f"Account {acct.code} (#{acct.id})"
        if acct.balance != total:
            yield Problem("account", acct.id, f"{name}: stored balance {acct.balance} but its entries sum to {total}")
        if acct.entry_count != count:
            yield Problem("account", acct.id, f"{name}: entry_count is {acct.entry_count} but it has {count} entries")
        if acct.last_hash != last_hash:
            yield Problem("account", acct.id, f"{name}: last_hash does not match its newest entry's hash")
        if not acct.allow_negative and acct.balance < 0:
            yield Problem("account", acct.id, f"{name}: balance {acct.balance} is below zero")

    seen: set[int] = set()
    current: Account | None = None
    total = count = 0
    expect_seq, prev_hash, running = 1, GENESIS_HASH, 0
    entries = session.scalars(select(Entry).order_by(Entry.account_id, Entry.seq).execution_options(yield_per=2000))
    for e in entries:
        if current is None or e.account_id != current.id:
            if current is not None:
                yield from check_head(current, total, count, prev_hash)
            current = accounts.get(e.account_id)
            if current is None:
                yield Problem("entry", e.id, f"Entry #{e.id} belongs to missing account #{e.account_id}")
                continue
            seen.add(current.id)
            total = count = 0
            expect_seq, prev_hash, running = 1, GENESIS_HASH, 0
        where = f"Entry #{e.id} (account {current.code}, seq {e.seq}, transfer #{e.transfer_id})"
        if e.seq != expect_seq:
            yield Problem("entry", e.id, f"{where}: sequence gap, expected seq {expect_seq}")
        if e.prev_hash != prev_hash:
            yield Problem("entry", e.id, f"{where}: chain broken, prev_hash does not match the previous entry's hash")
        if e.compute_hash() != e.hash:
            yield Problem("entry", e.id, f"{where}: hash does not recompute; the entry was altered")
        running += e.amount
        if e.balance_after != running:
            yield Problem("entry", e.id, f"{where}: balance_after {e.balance_after} but running total is {running}")
            running = e.balance_after  # report the break once, not on every later entry
        total += e.amount
        count += 1
        expect_seq, prev_hash = e.seq + 1, e.hash
    if current is not None:
        yield from check_head(current, total, count, prev_hash)
    for acct in accounts.values():
        if acct.id not in seen:
            yield from check_head(acct, 0, 0, GENESIS_HASH)


def _transfer_problems(session: Session) -> Iterator[Problem]:
    n = func.count(Entry.id)
    src_ok = func.sum(
        case(
            ((Entry.account_id == Transfer.source_account_id) & (Entry.amount == -Transfer.points), 1),
            else_=0,
        )
    )
    dst_ok = func.sum(
        case(((Entry.account_id == Transfer.dest_account_id) & (Entry.amount == Transfer.points), 1), else_=0)
    )
    total = func.coalesce(func.sum(Entry.amount), 0)
    rows = session.execute(
        select(
            Transfer.id,
            Transfer.points,
            Transfer.source_account_id,
            Transfer.dest_account_id,
            n,
            total,
            src_ok,
            dst_ok,
        )
        .outerjoin(Entry, Entry.transfer_id == Transfer.id)
        .group_by(Transfer.id, Transfer.points, Transfer.source_account_id, Transfer.dest_account_id)
        .having(or_(n != 2, total != 0, func.coalesce(src_ok, 0) != 1, func.coalesce(dst_ok, 0) != 1))
        .order_by(Transfer.id)
    )
    for tid, points, source, dest, count, summed, ok_src, ok_dst in rows:
        yield Problem(
            "transfer",
            tid,
            f"Transfer #{tid} ({points} points, account #{source} -> #{dest}): {count} entries summing to "
            f"{summed}; expected -{points} on #{source} and +{points} on #{dest}"
            + ("" if ok_src == 1 else "; source leg wrong")
            + ("" if ok_dst == 1 else "; destination leg wrong"),
        )


def _snapshot(session: Session) -> None:
    """Read the whole ledger from one snapshot (REPEATABLE READ on PostgreSQL) so that transfers
    committed while ``verify`` runs cannot look like mismatches. SQLite's BEGIN IMMEDIATE already
    excludes writers."""
    if session.get_bind().dialect.name != "postgresql":
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # already connected: the level cannot change now
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    level = session.scalar(text("SHOW transaction_isolation"))
    if level not in ("repeatable read", "serializable"):
        logger.warning("Ledger verify: running under %s; concurrent transfers may show as problems", level)


def verify(session: Session) -> list[Problem]:
    """Recompute the ledger from its entries and list every inconsistency (empty list: healthy).

    Checks per account: stored balance equals the sum of its entries, ``entry_count`` equals their
    number, ``seq`` runs 1..n, every ``prev_hash`` is the previous hash, every hash recomputes,
    ``balance_after`` is the running total, no non-negative account is below zero. Per transfer:
    exactly two entries, −points on the source and +points on the destination. Overall: balances
    sum to zero, and ``HOLDS`` equals the points of pending holds.
    """
    _snapshot(session)
    accounts = {a.id: a for a in session.scalars(select(Account).execution_options(populate_existing=True)).all()}
    problems = list(_account_problems(session, accounts))
    problems += _transfer_problems(session)
    books = sum(a.balance for a in accounts.values())
    if books != 0:
        problems.append(Problem("books", None, f"Books do not balance: account balances sum to {books}, not 0"))
    holds = next((a for a in accounts.values() if a.code == HOLDS), None)
    pending = int(
        session.scalar(select(func.coalesce(func.sum(Hold.points), 0)).where(Hold.status == HoldStatus.PENDING)) or 0
    )
    held = holds.balance if holds is not None else 0
    if held != pending:
        problems.append(Problem("hold", None, f"Account {HOLDS} holds {held} points but pending holds total {pending}"))
    for p in problems:
        logger.warning("Ledger verify: %s", p)
    return problems


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
