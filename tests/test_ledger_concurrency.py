"""The ledger under concurrent writers on PostgreSQL: no overdraft, no double posting, no deadlock.

Why: row locks, the conditional UPDATE and the idempotency savepoint only matter when transactions
race; these tests make them race with real threads and real connections.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage import ledger
from storage.base import Base
from storage.db import make_engine
from storage.exceptions import InsufficientPoints
from storage.guards import apply_guards
from storage.ledger_models import Entry, Transfer

pytestmark = pytest.mark.postgres

THREADS = 16
PER_THREAD = 30


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    import storage.ledger_models  # noqa: F401  (registers the ledger tables)

    eng = make_engine(pg_url, pool_size=THREADS, max_overflow=4)
    Base.metadata.create_all(eng)
    with eng.begin() as conn:
        apply_guards(conn)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(pg_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(pg_engine, expire_on_commit=False)


def run_threads(n: int, work: Callable[[int], list[str]]) -> Counter[str]:
    barrier = threading.Barrier(n)

    def start(i: int) -> list[str]:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(n) as pool:
        return Counter(outcome for outcomes in pool.map(start, range(n)) for outcome in outcomes)


def test_parallel_spends_never_overdraw(sessions: sessionmaker[Session]) -> None:
    start_balance = 137
    with sessions.begin() as s:
        member = ledger.open_member_account(s, 1).id
        ledger.transfer(
            s,
            source=ledger.ISSUANCE,
            dest=member,
            points=start_balance,
            reason="welcome_bonus",
            idempotency_key="welcome:1",
        )

    def spend(worker: int) -> list[str]:
        outcomes = []
        for i in range(PER_THREAD):
            try:
                with sessions.begin() as s:
                    ledger.transfer(
                        s,
                        source=member,
                        dest=ledger.REDEMPTION,
                        points=1,
                        reason="redemption",
                        idempotency_key=f"spend:{worker}:{i}",
                    )
                outcomes.append("ok")
            except InsufficientPoints:
                outcomes.append("refused")
        return outcomes

    outcomes = run_threads(THREADS, spend)
    assert outcomes == {"ok": start_balance, "refused": THREADS * PER_THREAD - start_balance}
    with sessions.begin() as s:
        assert ledger.balance(s, member) == 0
        assert ledger.balance(s, ledger.REDEMPTION) == start_balance
        assert s.scalar(select(func.min(Entry.balance_after)).where(Entry.account_id == member)) == 0
        assert ledger.verify(s) == []


def test_same_key_posted_concurrently_pays_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        member = ledger.open_member_account(s, 1).id
        ledger.ensure_system_accounts(s)

    def post(_: int) -> list[str]:
        with sessions.begin() as s:
            t = ledger.transfer(
                s,
                source=ledger.ISSUANCE,
                dest=member,
                points=100,
                reason="welcome_bonus",
                idempotency_key="welcome:1",
            )
            return [str(t.id)]

    outcomes = run_threads(THREADS, post)
    assert len(outcomes) == 1 and sum(outcomes.values()) == THREADS
    with sessions.begin() as s:
        assert s.scalar(select(func.count(Transfer.id))) == 1
        assert ledger.balance(s, member) == 100
        assert ledger.verify(s) == []


def test_same_hold_key_placed_concurrently_holds_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        member = ledger.open_member_account(s, 1).id
        ledger.transfer(
            s,
            source=ledger.ISSUANCE,
            dest=member,
            points=500,
            reason="welcome_bonus",
            idempotency_key="welcome:1",
        )

    def hold(_: int) -> list[str]:
        with sessions.begin() as s:
            return [str(ledger.place_hold(s, account=member, points=300, idempotency_key="payout:1").id)]

    assert len(run_threads(8, hold)) == 1
    with sessions.begin() as s:
        assert ledger.balance(s, member) == 200 and ledger.balance(s, ledger.HOLDS) == 300
        assert ledger.verify(s) == []


def test_criss_cross_transfers_do_not_deadlock_and_verify_sees_a_snapshot(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        accounts = [ledger.open_member_account(s, m).id for m in range(1, 6)]
        for a in accounts:
            ledger.transfer(
                s,
                source=ledger.ISSUANCE,
                dest=a,
                points=1000,
                reason="welcome_bonus",
                idempotency_key=f"welcome:{a}",
            )

    def shuffle(worker: int) -> list[str]:
        if worker == 0:  # one auditor runs verify() while the others post: its snapshot stays consistent
            found = []
            for _ in range(5):
                with sessions.begin() as s:
                    found += [str(p) for p in ledger.verify(s)]
            return found or ["verified"]
        rng = random.Random(worker)
        outcomes = []
        for i in range(15):
            src, dst = rng.sample(accounts, 2)
            try:
                with sessions.begin() as s:
                    ledger.transfer(
                        s,
                        source=src,
                        dest=dst,
                        points=rng.randint(1, 50),
                        reason="adjustment",
                        idempotency_key=f"x:{worker}:{i}",
                    )
                outcomes.append("ok")
            except InsufficientPoints:
                outcomes.append("refused")
            except DBAPIError as exc:  # a deadlock would land here
                outcomes.append(type(exc.orig).__name__)
        return outcomes

    outcomes = run_threads(THREADS, shuffle)
    assert set(outcomes) <= {"ok", "refused", "verified"}, outcomes
    with sessions.begin() as s:
        assert sum(ledger.balance(s, a) for a in accounts) == 5000
        assert ledger.verify(s) == []


def test_deferred_trigger_refuses_a_transfer_without_entries(pg_engine: Engine) -> None:
    with pg_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_accounts (code, kind, allow_negative) VALUES "
                "('a', 'member', false), ('b', 'member', false)"
            )
        )
    with pytest.raises(DBAPIError, match="must have one"), pg_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_transfers (idempotency_key, source_account_id, dest_account_id, points,"
                " reason) "
                "SELECT 'k', a.id, b.id, 5, 'forged' FROM ledger_accounts a, ledger_accounts b "
                "WHERE a.code = 'a' AND b.code = 'b'"
            )
        )
