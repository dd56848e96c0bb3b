"""Many ledger transfers in one go, for scheduled jobs (expiry): the same rows ``post_transfer``
writes, a fraction of the statements.

Each transfer is still one ``Transfer`` with two hash-chained ``Entry`` legs, under its own
idempotency key; accounts are locked in id order first, balances are checked under the locks,
keys already posted are skipped, and each account's balance, entry count and chain head are
written once with the same conditional UPDATE guard (``entry_count`` unchanged) that
``post_transfer`` uses. ``ledger verify`` cannot tell the two paths apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert, select, update

from storage.base import utcnow
from storage.exceptions import InsufficientPoints, LedgerError
from storage.ledger_models import Account, Entry, Transfer, entry_hash
from storage.locks import lock_accounts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class BatchItem:
    source_id: int
    dest_id: int
    points: int
    reason: str
    idempotency_key: str
    reference: str | None = None
    memo: str | None = None


def post_batch(session: Session, items: Sequence[BatchItem]) -> int:
    """Post every item not posted before (by key); returns how many were posted now (caller commits).

    Raises:
        InsufficientPoints: an account would go below zero; nothing is written.
        LedgerError: an account changed under the lock (should not happen); nothing is written.
    """
    if not items:
        return 0
    for item in items:
        if item.points <= 0 or item.source_id == item.dest_id:
            raise ValueError(f"bad batch item {item.idempotency_key!r}")
    accounts = lock_accounts(session, {i.source_id for i in items} | {i.dest_id for i in items})
    keys = [i.idempotency_key for i in items]
    done = set(session.scalars(select(Transfer.idempotency_key).where(Transfer.idempotency_key.in_(keys))))
    todo = [i for i in items if i.idempotency_key not in done]
    if not todo:
        return 0
    state = {a.id: [a.balance, a.entry_count, a.last_hash] for a in accounts.values()}
    start = {aid: s[1] for aid, s in state.items()}
    for item in todo:  # balance check in order, as sequential postings would see it
        src = accounts[item.source_id]
        state[src.id][0] -= item.points
        if not src.allow_negative and state[src.id][0] < 0:
            raise InsufficientPoints(src.code, state[src.id][0] + item.points, item.points)
        state[item.dest_id][0] += item.points
    state = {a.id: [a.balance, a.entry_count, a.last_hash] for a in accounts.values()}
    when = utcnow()
    ids = session.execute(
        insert(Transfer).returning(Transfer.id, Transfer.idempotency_key, sort_by_parameter_order=True),
        [{"idempotency_key": i.idempotency_key, "source_account_id": i.source_id, "dest_account_id": i.dest_id,
          "points": i.points, "reason": i.reason, "reference": i.reference, "memo": i.memo, "reverses_id": None,
          "created_at": when} for i in todo],
    ).all()
    entries = []
    for (transfer_id, _key), item in zip(ids, todo, strict=True):
        for account_id, amount in sorted(((item.source_id, -item.points), (item.dest_id, item.points))):
            balance, count, last = state[account_id]
            seq, after = count + 1, balance + amount
            digest = entry_hash(account_id, seq, transfer_id, amount, after, when, last)
            entries.append({"transfer_id": transfer_id, "account_id": account_id, "amount": amount,
                            "balance_after": after, "seq": seq, "prev_hash": last, "hash": digest,
                            "created_at": when})
            state[account_id] = [after, seq, digest]
    session.execute(insert(Entry), entries)
    table = Account.__table__
    moved = [{"aid": aid, "old": start[aid], "bal": s[0], "cnt": s[1], "head": s[2]}
             for aid, s in state.items() if s[1] != start[aid]]
    result = session.connection().execute(
        update(table).where(table.c.id == bindparam("aid"), table.c.entry_count == bindparam("old"))
        .values(balance=bindparam("bal"), entry_count=bindparam("cnt"), last_hash=bindparam("head")), moved)
    if result.rowcount not in (-1, len(moved)):
        raise LedgerError("an account changed while locked (entry_count moved)")
    session.expire_all()
    return len(todo)
