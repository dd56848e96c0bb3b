"""``verify``: recompute the ledger from its entries and report every inconsistency in plain English.

Re-exported by ``storage.ledger`` (``ledger.verify``, ``ledger.Problem``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import case, func, or_, select, text
from sqlalchemy.exc import SAWarning

from storage.ledger_core import HOLDS
from storage.ledger_models import GENESIS_HASH, Account, Entry, Hold, HoldStatus, Transfer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)


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


__all__ = ["Problem", "verify"]
