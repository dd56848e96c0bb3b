"""Outbound at most once: a crash or a database error around Twilio's 201 never sends a message twice,
and a message Twilio never got is still sent (reconciled through Twilio's Message list)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from storage.base import utcnow
from storage.db import sessions
from storage.models import Contact, OutboundMessage
from storage.outbox import queue_reply
from workers import jobs, runtime, sender

STALE = "1"


@pytest.fixture
def app(make_app: Any) -> Any:
    app = make_app(INAAM_SEND_STALE_SECONDS=STALE)
    runtime.set_app(app)
    return app


def _queue(app: Any, *bodies: str, phone: str = "+919812345678") -> int:
    from storage.contacts import get_or_create_contact

    with sessions(app).begin() as session:
        contact = get_or_create_contact(session, phone)
        contact.last_inbound_at = utcnow()  # inside WhatsApp's 24-hour window: free text may go
        for body in bodies:
            queue_reply(session, contact, [("test", body)])
        return contact.id


def _rows(app: Any) -> list[OutboundMessage]:
    with sessions(app)() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def _after_stale_sweep(app: Any) -> None:
    from tests.botkit import run_jobs

    time.sleep(float(STALE) + 0.2)
    jobs.sweep_outbox()
    run_jobs(app)


class Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause catches it."""


def test_crash_after_twilio_201_before_commit_is_not_sent_again(app: Any, standin: Any, monkeypatch) -> None:
    contact_id = _queue(app, "first", "second")
    real = sender.record_result
    calls = {"n": 0}

    def crash_once(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise Crash
        real(*args, **kwargs)

    monkeypatch.setattr(sender, "record_result", crash_once)
    with pytest.raises(Crash):
        jobs.send_outbox(contact_id)
    assert [m["body"] for m in standin.messages()] == ["first"]
    assert [r.status for r in _rows(app)] == ["sending", "pending"]
    assert jobs.send_outbox(contact_id) == 0  # a live-looking attempt: nobody else touches the contact
    _after_stale_sweep(app)
    bodies = [m["body"] for m in standin.messages()]
    assert bodies == ["first", "second"]  # reconciled, not resent; the next one sent after it
    rows = _rows(app)
    assert rows[0].twilio_sid == standin.messages()[0]["sid"] and rows[0].status == standin.messages()[0]["status"]
    assert rows[1].twilio_sid == standin.messages()[1]["sid"]


def test_database_error_after_the_call_is_not_sent_again(app: Any, standin: Any, monkeypatch) -> None:
    contact_id = _queue(app, "balance: 1,250 points")
    real = sender.record_result
    calls = {"n": 0}

    def db_down_once(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("UPDATE outbound_messages", {}, Exception("server closed the connection"))
        real(*args, **kwargs)

    monkeypatch.setattr(sender, "record_result", db_down_once)
    with pytest.raises(OperationalError):
        jobs.send_outbox(contact_id)
    _after_stale_sweep(app)
    assert len(standin.messages()) == 1
    assert _rows(app)[0].twilio_sid == standin.messages()[0]["sid"]


def test_lost_201_answer_is_reconciled_not_resent(app: Any, standin: Any) -> None:
    contact_id = _queue(app, "hello")
    standin.lose_next_answers(1)  # Twilio stores it but we see a 500
    jobs.send_outbox(contact_id)
    assert [r.status for r in _rows(app)] == ["sending"]
    _after_stale_sweep(app)
    assert len(standin.messages()) == 1
    assert _rows(app)[0].twilio_sid == standin.messages()[0]["sid"]


def test_crash_before_the_call_still_sends_once(app: Any, standin: Any, monkeypatch) -> None:
    contact_id = _queue(app, "hello")

    def crash(*args: Any, **kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(sender, "call_twilio", crash)
    with pytest.raises(Crash):
        jobs.send_outbox(contact_id)
    monkeypatch.undo()
    _after_stale_sweep(app)
    assert [m["body"] for m in standin.messages()] == ["hello"]
    assert _rows(app)[0].twilio_sid == standin.messages()[0]["sid"]


def test_same_body_twice_is_matched_once_each(app: Any, standin: Any, monkeypatch) -> None:
    """Two identical replies, both crashed after the 201: each claims its own Twilio message."""
    contact_id = _queue(app, "Sorry, I did not get that.")
    monkeypatch.setattr(sender, "record_result", lambda *a, **k: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        jobs.send_outbox(contact_id)
    monkeypatch.undo()
    _after_stale_sweep(app)
    _queue(app, "Sorry, I did not get that.")
    jobs.send_outbox(contact_id)
    rows = _rows(app)
    assert len(standin.messages()) == 2
    assert {r.twilio_sid for r in rows} == {m["sid"] for m in standin.messages()}


def test_opted_out_rows_are_skipped_before_marking(app: Any, standin: Any) -> None:
    contact_id = _queue(app, "offer")
    with sessions(app).begin() as session:
        session.get(Contact, contact_id).opted_out = True  # type: ignore[union-attr]
    jobs.send_outbox(contact_id)
    assert standin.messages() == [] and _rows(app)[0].status == "skipped"


def _status_callback(app: Any, sid: str, status: str, code: str = "") -> int:
    from bot.twilio_signing import sign
    from tests.botkit import TOKEN

    path = "/webhooks/twilio/status"
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "ab" * 16}
    if code:
        params["ErrorCode"] = code
    sig = sign(TOKEN, app.config["PUBLIC_BASE_URL"] + path, params)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": sig}).status_code


def test_status_callback_before_the_sid_is_recorded_is_applied_by_that_commit(
        app: Any, standin: Any, monkeypatch) -> None:
    from storage.models import EarlyStatus

    contact_id = _queue(app, "first")
    real = sender.record_result

    def callbacks_race_the_commit(factory: Any, attempt: Any, result: Any) -> None:
        assert _status_callback(app, result.sid, "sent") == 200
        assert _status_callback(app, result.sid, "undelivered", "63024") == 200
        assert _status_callback(app, result.sid, "queued") == 200  # out of order: never goes backwards
        real(factory, attempt, result)

    monkeypatch.setattr(sender, "record_result", callbacks_race_the_commit)
    assert jobs.send_outbox(contact_id) == 1
    [row] = _rows(app)
    assert row.twilio_sid == standin.messages()[0]["sid"]
    assert (row.status, row.error_code) == ("undelivered", 63024)
    with sessions(app)() as session:
        assert session.scalars(select(EarlyStatus)).all() == []  # applied, then forgotten


def test_callbacks_for_sids_never_recorded_are_pruned(app: Any) -> None:
    import datetime as dt

    from storage.models import EarlyStatus

    assert _status_callback(app, "SM" + "0" * 32, "delivered") == 200
    with sessions(app).begin() as session:
        assert sender.prune_early_statuses(session) == 0
        assert sender.prune_early_statuses(session, older_than=dt.timedelta(seconds=-1)) == 1
        assert session.scalars(select(EarlyStatus)).all() == []
