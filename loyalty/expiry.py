"""Points expiry, first in first out, and the reminders before it.

FIFO without per-lot bookkeeping: redemptions and every other debit consume the oldest points
first, so the points still held from before a cutoff are whatever the balance holds beyond what
was earned after it:

    expiring(cutoff) = max(0, balance − points earned after cutoff)

(held points count as spent; voided holds and reversed payouts return old points, which then
expire on time). One grouped query gives "earned after cutoff" for every member; each member
with something to expire gets one ``expiry`` transfer (member → EXPIRY) under the key
``expiry:<member>:<date>``, so a re-run the same day posts nothing twice and ``ledger verify``
accepts it like any transfer. Reminders (30, 7 and 1 day before, per the program file) name the
amount and the date and go out as WhatsApp templates, because members are usually outside the
24-hour window; each is recorded once in ``expiry_reminders``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import IST
from bot.program import Program
from storage import ledger
from storage.ledger_batch import BatchItem, post_batch
from storage.ledger_models import Account, AccountKind, Transfer
from storage.locks import lock_accounts

logger = logging.getLogger(__name__)

EARNING_SOURCES = (ledger.ISSUANCE, ledger.ADJUSTMENT)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same calendar day ``months`` earlier (clamped to the month's end)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    import calendar

    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def cutoff_for(day: dt.date, months: int) -> dt.datetime:
    """Points earned before this moment (IST midnight, ``months`` before ``day``) expire on ``day``."""
    return dt.datetime.combine(months_before(day, months), dt.time(), IST).astimezone(dt.UTC)


@dataclass(frozen=True)
class Due:
    member_id: int
    account_id: int
    points: int


def due(session: Session, cutoff: dt.datetime, *, batch: int = 20_000) -> Iterator[Due]:
    """Members holding points earned before ``cutoff`` (FIFO), in account-id batches."""
    sources = select(Account.id).where(Account.code.in_(EARNING_SOURCES)).scalar_subquery()
    earned_after = (
        select(Transfer.dest_account_id.label("aid"), func.sum(Transfer.points).label("pts"))
        .where(Transfer.source_account_id.in_(sources), Transfer.created_at >= cutoff)
        .group_by(Transfer.dest_account_id).subquery()
    )
    last = 0
    while True:
        rows = session.execute(
            select(Account.id, Account.member_id, Account.balance - func.coalesce(earned_after.c.pts, 0))
            .outerjoin(earned_after, earned_after.c.aid == Account.id)
            .where(Account.kind == AccountKind.MEMBER, Account.balance > 0, Account.id > last)
            .order_by(Account.id).limit(batch)).all()
        if not rows:
            return
        for aid, member_id, points in rows:
            if points and points > 0 and member_id is not None:
                yield Due(int(member_id), int(aid), int(points))
        last = rows[-1][0]


def expire(factory: sessionmaker[Session], program: Program, today: dt.date, *, chunk: int = 1000) -> dict[str, int]:
    """Post today's expiry transfers; returns counts. Safe to re-run (idempotency keys)."""
    months = program.redemption.expiry_months
    if not months:
        return {"members": 0, "points": 0}
    cutoff = cutoff_for(today, months)
    with factory() as session:
        todo = list(due(session, cutoff))
    members = points = 0
    note = f"earned before {cutoff.astimezone(IST).date().isoformat()}"
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        with factory.begin() as session:
            expiry_id = ledger.ensure_system_accounts(session)[ledger.EXPIRY].id
            # Re-read under the ledger's locks: members may have spent points since the scan.
            lock_accounts(session, [item.account_id for item in part] + [expiry_id])
            fresh = due_many(session, [item.account_id for item in part], cutoff)
            items = [BatchItem(item.account_id, expiry_id, fresh[item.account_id], "expiry",
                               f"expiry:{item.member_id}:{today.isoformat()}", note)
                     for item in part if fresh.get(item.account_id, 0) > 0]
            posted = post_batch(session, items)
            if posted:
                members += posted
                points += sum(i.points for i in items)
    logger.info("Expiry %s: %s points from %s members", today, points, members)
    return {"members": members, "points": points}


def due_many(session: Session, account_ids: list[int], cutoff: dt.datetime) -> dict[int, int]:
    """{account id: points to expire} for the given (locked) member accounts."""
    sources = select(Account.id).where(Account.code.in_(EARNING_SOURCES)).scalar_subquery()
    after = dict(session.execute(
        select(Transfer.dest_account_id, func.sum(Transfer.points))
        .where(Transfer.dest_account_id.in_(account_ids), Transfer.source_account_id.in_(sources),
               Transfer.created_at >= cutoff).group_by(Transfer.dest_account_id)).all())
    balances = dict(session.execute(select(Account.id, Account.balance).where(Account.id.in_(account_ids))).all())
    return {aid: max(0, int(bal) - int(after.get(aid) or 0)) for aid, bal in balances.items()}
