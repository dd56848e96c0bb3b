"""Row locks for the ledger, always taken in one order: holds first, then accounts by ascending id.

Why: two transfers that touch the same accounts in opposite directions would deadlock if each
locked its source first; taking every lock here, sorted by id, makes the order global (saleor's
``payment/lock_objects.py``). On PostgreSQL this is ``SELECT … FOR UPDATE``; on SQLite the engine
starts every transaction with ``BEGIN IMMEDIATE`` (``storage.db``), which already serializes
writers, and SQLAlchemy renders no ``FOR UPDATE`` there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage.exceptions import UnknownAccount, UnknownHold
from storage.ledger_models import Account, Hold

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def lock_accounts(session: Session, ids: Iterable[int]) -> dict[int, Account]:
    """Lock the given account rows in ascending id order and return them freshly loaded.

    Args:
        session: the caller's session; the locks last until its transaction ends.
        ids: account ids (duplicates are fine).

    Returns:
        ``{id: Account}`` with values re-read under the lock (identity map refreshed).

    Raises:
        UnknownAccount: an id names no account.
    """
    wanted = sorted({int(i) for i in ids})
    rows = session.scalars(
        select(Account)
        .where(Account.id.in_(wanted))
        .order_by(Account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    found = {a.id: a for a in rows}
    for i in wanted:
        if i not in found:
            raise UnknownAccount(i)
    return found


def lock_hold(session: Session, hold_id: int) -> Hold:
    """Lock one hold row (taken before any account lock) and return it freshly loaded.

    Raises:
        UnknownHold: no hold has this id.
    """
    hold = session.scalar(
        select(Hold).where(Hold.id == hold_id).with_for_update().execution_options(populate_existing=True)
    )
    if hold is None:
        raise UnknownHold(hold_id)
    return hold
