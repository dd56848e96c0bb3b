"""Worked examples of the points ledger (after hordak's ``test_worked_examples.py``), on both backends.

Each test tells a small story a member would live through, then checks balances, statements and
``verify()``; the last ones tamper with the stored rows and expect ``verify()`` to name the damage.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage import ledger
from storage.exceptions import (
    AlreadyReversed,
    HoldStateError,
    IdempotencyConflict,
    InsufficientPoints,
    UnknownAccount,
)
from storage.guards import apply_guards, drop_guards
from storage.ledger_models import Account, Entry, Hold, HoldStatus, Transfer

Sessions = sessionmaker[Session]


@pytest.fixture
def guarded(engine: Engine) -> Engine:
    """The engine with the append-only guards installed, as the migration does."""
    with engine.begin() as conn:
        apply_guards(conn)
    return engine


@pytest.fixture
def make_member(session_factory: Sessions) -> Callable[..., int]:
    """Open a member account (optionally with a welcome bonus) and return its account id."""

    def make(member_id: int, bonus: int = 0) -> int:
        with session_factory.begin() as s:
            account = ledger.open_member_account(s, member_id)
            if bonus:
                ledger.transfer(
                    s,
                    source=ledger.ISSUANCE,
                    dest=account.id,
                    points=bonus,
                    reason="welcome_bonus",
                    idempotency_key=f"welcome:{member_id}",
                )
            return account.id

    return make


def counts(s: Session) -> tuple[int, int]:
    return s.scalar(select(func.count(Transfer.id))), s.scalar(select(func.count(Entry.id)))


def test_welcome_bonus_is_posted_once_per_key(session_factory: Sessions, guarded: Engine) -> None:
    # Ravi enrols; the enrolment turn is retried twice (Twilio redelivery) with the same key.
    with session_factory.begin() as s:
        ledger.ensure_system_accounts(s)
        acct = ledger.open_member_account(s, 1)
        assert ledger.open_member_account(s, 1).id == acct.id  # idempotent
    ids = []
    for _ in range(3):
        with session_factory.begin() as s:
            t = ledger.transfer(
                s,
                source=ledger.ISSUANCE,
                dest=acct.id,
                points=100,
                reason="welcome_bonus",
                idempotency_key="welcome:1",
            )
            ids.append(t.id)
    assert len(set(ids)) == 1
    with session_factory.begin() as s:
        assert ledger.balance(s, acct.id) == 100
        assert ledger.balance(s, "member:1") == 100
        assert ledger.balance(s, ledger.ISSUANCE) == -100
        assert counts(s) == (1, 2)
        # Same key, different amount: a bug in the caller, refused loudly.
        with pytest.raises(IdempotencyConflict):
            ledger.transfer(
                s,
                source=ledger.ISSUANCE,
                dest=acct.id,
                points=500,
                reason="welcome_bonus",
                idempotency_key="welcome:1",
            )
        assert ledger.verify(s) == []


def test_balance_and_statement(session_factory: Sessions, make_member: Callable[..., int]) -> None:
    # Ravi gets 100 welcome points, scans a QR worth 40, redeems 30.
    ravi = make_member(1, bonus=100)
    with session_factory.begin() as s:
        ledger.transfer(
            s,
            source=ledger.ISSUANCE,
            dest=ravi,
            points=40,
            reason="qr_claim",
            idempotency_key="qr:ABC",
            reference="claim:7",
        )
        ledger.transfer(
            s,
            source=ravi,
            dest=ledger.REDEMPTION,
            points=30,
            reason="redemption",
            idempotency_key="redeem:1",
        )
    with session_factory.begin() as s:
        assert ledger.balance(s, ravi) == 110
        lines = ledger.statement(s, ravi, limit=10)
        assert [(x.amount, x.reason, x.balance_after) for x in lines] == [
            (-30, "redemption", 110),
            (40, "qr_claim", 140),
            (100, "welcome_bonus", 100),
        ]
        assert lines[1].reference == "claim:7"
        assert all(x.when.tzinfo is not None and x.when.utcoffset().total_seconds() == 0 for x in lines)
        assert len(ledger.statement(s, "member:1", limit=2)) == 2
        assert ledger.balance(s, ledger.REDEMPTION) == 30
        assert ledger.verify(s) == []
        with pytest.raises(UnknownAccount):
            ledger.balance(s, "member:999")
        with pytest.raises(UnknownAccount):
            ledger.transfer(s, source=ravi, dest="member:999", points=1, reason="x", idempotency_key="k")


def test_insufficient_points_refused_and_nothing_written(
    session_factory: Sessions, make_member: Callable[..., int]
) -> None:
    ravi = make_member(1, bonus=50)
    with session_factory.begin() as s:
        before = counts(s)
        with pytest.raises(InsufficientPoints) as info:
            ledger.transfer(
                s,
                source=ravi,
                dest=ledger.REDEMPTION,
                points=51,
                reason="redemption",
                idempotency_key="redeem:too-much",
            )
        assert info.value.balance == 50 and info.value.points == 51
        # The caller's transaction is still usable and nothing was written.
        assert counts(s) == before
        assert ledger.balance(s, ravi) == 50
        # Spending exactly the balance is fine; then zero is left.
        ledger.transfer(
            s,
            source=ravi,
            dest=ledger.REDEMPTION,
            points=50,
            reason="redemption",
            idempotency_key="redeem:ok",
        )
        assert ledger.balance(s, ravi) == 0
    with session_factory.begin() as s:
        # The redemption turn is retried after it emptied the account: same transfer, not a refusal.
        again = ledger.transfer(
            s,
            source=ravi,
            dest=ledger.REDEMPTION,
            points=50,
            reason="redemption",
            idempotency_key="redeem:ok",
        )
        assert again.idempotency_key == "redeem:ok"
        assert ledger.balance(s, ravi) == 0
        assert s.scalar(select(Transfer).where(Transfer.idempotency_key == "redeem:too-much")) is None
        assert ledger.verify(s) == []


def test_reverse_posts_the_opposite_movement(
    session_factory: Sessions, make_member: Callable[..., int]
) -> None:
    # A QR claim is found to be a duplicate sticker: the 40 points are clawed back.
    ravi = make_member(1, bonus=100)
    with session_factory.begin() as s:
        claim = ledger.transfer(
            s,
            source=ledger.ISSUANCE,
            dest=ravi,
            points=40,
            reason="qr_claim",
            idempotency_key="qr:DUP",
            reference="claim:9",
        )
    with session_factory.begin() as s:
        back = ledger.reverse(s, claim.id, idempotency_key="reverse:claim:9", memo="duplicate sticker")
        again = ledger.reverse(s, claim.id, idempotency_key="reverse:claim:9")
        assert again.id == back.id
        assert (back.source_account_id, back.dest_account_id, back.points) == (
            ravi,
            claim.source_account_id,
            40,
        )
        assert back.reverses_id == claim.id and back.reason == "reversal" and back.reference == "claim:9"
    with session_factory.begin() as s:
        with pytest.raises(AlreadyReversed):
            ledger.reverse(s, claim.id, idempotency_key="reverse:claim:9:second")
        assert ledger.balance(s, ravi) == 100
        assert s.get(Transfer, claim.id).points == 40  # the original is untouched
        assert [x.reason for x in ledger.statement(s, ravi)] == ["reversal", "qr_claim", "welcome_bonus"]
        assert ledger.verify(s) == []


def test_reverse_refused_when_points_already_spent(
    session_factory: Sessions, make_member: Callable[..., int]
) -> None:
    ravi = make_member(1)
    with session_factory.begin() as s:
        t = ledger.transfer(
            s, source=ledger.ISSUANCE, dest=ravi, points=40, reason="qr_claim", idempotency_key="q"
        )
        ledger.transfer(
            s, source=ravi, dest=ledger.REDEMPTION, points=30, reason="redemption", idempotency_key="r"
        )
    with session_factory.begin() as s, pytest.raises(InsufficientPoints):
        ledger.reverse(s, t.id, idempotency_key="rev:q")


def test_hold_place_then_post(session_factory: Sessions, make_member: Callable[..., int]) -> None:
    # Ravi asks for a 300-point UPI payout; the points are held while the payment runs.
    ravi = make_member(1, bonus=500)
    with session_factory.begin() as s:
        hold = ledger.place_hold(s, account=ravi, points=300, idempotency_key="payout:1", reference="upi:1")
        assert ledger.place_hold(s, account=ravi, points=300, idempotency_key="payout:1").id == hold.id
        assert ledger.balance(s, ravi) == 200
        assert ledger.balance(s, ledger.HOLDS) == 300
        # He cannot spend the held points a second time.
        with pytest.raises(InsufficientPoints):
            ledger.place_hold(s, account=ravi, points=300, idempotency_key="payout:2")
        with pytest.raises(IdempotencyConflict):
            ledger.place_hold(s, account=ravi, points=10, idempotency_key="payout:1")
        assert ledger.verify(s) == []
    with session_factory.begin() as s:
        paid = ledger.post_hold(s, hold.id, dest=ledger.REDEMPTION, idempotency_key="payout:1:post")
        assert ledger.post_hold(s, hold.id, idempotency_key="payout:1:post").id == paid.id
        with pytest.raises(HoldStateError):
            ledger.post_hold(s, hold.id, idempotency_key="payout:1:post-again")
        with pytest.raises(HoldStateError):
            ledger.void_hold(s, hold.id, idempotency_key="payout:1:void")
        with pytest.raises(HoldStateError):
            ledger.reverse(s, paid.id, idempotency_key="rev:paid")
    with session_factory.begin() as s:
        h = s.get(Hold, hold.id)
        assert h.status == HoldStatus.POSTED and h.settle_transfer_id == paid.id and h.settled_at is not None
        assert ledger.balance(s, ravi) == 200
        assert ledger.balance(s, ledger.HOLDS) == 0
        assert ledger.balance(s, ledger.REDEMPTION) == 300
        assert ledger.verify(s) == []


def test_hold_place_then_void(session_factory: Sessions, make_member: Callable[..., int]) -> None:
    # The UPI id bounced: the hold is voided and Ravi gets his points back.
    ravi = make_member(1, bonus=500)
    with session_factory.begin() as s:
        hold = ledger.place_hold(s, account=ravi, points=300, idempotency_key="payout:1")
    with session_factory.begin() as s:
        back = ledger.void_hold(s, hold.id, idempotency_key="payout:1:void")
        assert ledger.void_hold(s, hold.id, idempotency_key="payout:1:void").id == back.id
        with pytest.raises(HoldStateError):
            ledger.post_hold(s, hold.id, idempotency_key="payout:1:post")
    with session_factory.begin() as s:
        assert s.get(Hold, hold.id).status == HoldStatus.VOIDED
        assert ledger.balance(s, ravi) == 500 and ledger.balance(s, ledger.HOLDS) == 0
        assert [x.reason for x in ledger.statement(s, ravi)] == ["hold_release", "hold", "welcome_bonus"]
        assert ledger.verify(s) == []


def test_guards_refuse_update_and_delete(
    session_factory: Sessions, guarded: Engine, make_member: Callable[..., int]
) -> None:
    make_member(1, bonus=100)
    for sql in (
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transfers SET points = 1",
        "DELETE FROM ledger_transfers",
    ):
        with pytest.raises(DBAPIError, match="append-only"), guarded.begin() as conn:
            conn.execute(text(sql))
    with session_factory.begin() as s:
        assert counts(s) == (1, 2)
        assert ledger.verify(s) == []


def test_verify_names_an_altered_entry(
    session_factory: Sessions, guarded: Engine, make_member: Callable[..., int]
) -> None:
    ravi = make_member(1, bonus=100)
    with session_factory.begin() as s:
        ledger.transfer(
            s, source=ravi, dest=ledger.REDEMPTION, points=30, reason="redemption", idempotency_key="r"
        )
        victim = s.scalar(select(Entry.id).where(Entry.account_id == ravi, Entry.seq == 1))
    with guarded.begin() as conn:  # an attacker with SQL access removes the guards first
        drop_guards(conn)
        conn.execute(
            text("UPDATE ledger_entries SET amount = 1000, balance_after = 1000 WHERE id = :id"),
            {"id": victim},
        )
    with session_factory.begin() as s:
        problems = ledger.verify(s)
    text_ = "\n".join(map(str, problems))
    assert f"Entry #{victim} (account member:1, seq 1" in text_
    assert "hash does not recompute" in text_
    assert "stored balance 70 but its entries sum to 970" in text_
    assert any(p.subject == "transfer" for p in problems)  # the welcome transfer no longer sums to zero


def test_verify_names_a_tampered_balance(
    session_factory: Sessions, engine: Engine, make_member: Callable[..., int]
) -> None:
    ravi = make_member(1, bonus=100)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_accounts SET balance = 5000 WHERE id = :id"), {"id": ravi})
    with session_factory.begin() as s:
        messages = [str(p) for p in ledger.verify(s)]
    assert f"Account member:1 (#{ravi}): stored balance 5000 but its entries sum to 100" in messages
    assert "Books do not balance: account balances sum to 4900, not 0" in messages


def test_verify_names_a_deleted_entry(
    session_factory: Sessions, engine: Engine, make_member: Callable[..., int]
) -> None:
    ravi = make_member(1, bonus=100)
    with session_factory.begin() as s:
        ledger.transfer(
            s, source=ravi, dest=ledger.REDEMPTION, points=10, reason="redemption", idempotency_key="a"
        )
        ledger.transfer(
            s, source=ravi, dest=ledger.REDEMPTION, points=10, reason="redemption", idempotency_key="b"
        )
        middle = s.scalar(select(Entry.id).where(Entry.account_id == ravi, Entry.seq == 2))
    with engine.begin() as conn:  # no guards installed on this engine
        conn.execute(text("DELETE FROM ledger_entries WHERE id = :id"), {"id": middle})
    with session_factory.begin() as s:
        text_ = "\n".join(map(str, ledger.verify(s)))
    assert "seq 3" in text_ and "sequence gap, expected seq 2" in text_
    assert "chain broken" in text_
    assert "entry_count is 3 but it has 2 entries" in text_


def test_database_refuses_negative_balance_even_without_the_api(
    session_factory: Sessions, engine: Engine, make_member: Callable[..., int]
) -> None:
    ravi = make_member(1, bonus=10)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE ledger_accounts SET balance = -1 WHERE id = :id"), {"id": ravi})
    with session_factory.begin() as s:
        assert s.get(Account, ravi).balance == 10
