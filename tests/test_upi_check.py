"""UPI validation off the chat turn: a job checks the UPI ID with RazorpayX while the dialog waits.

Faults come from the RazorpayX stand-in (slow validation, 500, timeout); the invariants: no lock is
held across the HTTP call, messages in between get a polite answer, a failure is a clear "try again
in a few minutes" in the member's language, a cancelled or lost check never leaves anyone stuck.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text

from bot.i18n import translate
from flows import upi_steps
from storage import ledger
from storage.db import sessions
from storage.models import Contact, InboundMessage, Member
from tests.botkit import WhatsAppUser, run_jobs
from tests.payoutkit import payout_env
from workers import jobs, runtime
from workers.queue import EmbeddedWorker, get_queue

LANGUAGE_CHOICE = {"en": "1", "hi": "2", "ur": "3", "hi_Latn": "4"}


def _member(app, standin, lang: str = "en", phone: str = "+919811100071") -> WhatsAppUser:  # type: ignore[no-untyped-def]
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app, phone=phone)
    for msg in ("hello", LANGUAGE_CHOICE[lang], "Salim Ansari", "1", "226010", "skip", "1"):
        u.send(msg)
    u.replies()
    with sessions(app).begin() as s:
        m = s.scalar(select(Member).where(Member.phone == phone))
        ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=1000, reason="qr_claim",
                        idempotency_key=f"seed:{phone}")
    return u


def _contact(app, phone: str) -> Contact:  # type: ignore[no-untyped-def]
    with sessions(app)() as s:
        return s.scalar(select(Contact).where(Contact.phone == phone))


def _inbound_id(app, sid: str) -> int:  # type: ignore[no-untyped-def]
    with sessions(app)() as s:
        return s.scalar(select(InboundMessage.id).where(InboundMessage.message_sid == sid))


def _worker_thread(app) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Run the queued jobs in another thread (as a separate worker process would)."""
    runtime.set_app(app)
    queue = get_queue(app)
    worker = EmbeddedWorker([queue], connection=queue.connection)
    thread = threading.Thread(target=worker.work, kwargs={"burst": True, "logging_level": "WARNING"})
    thread.start()
    return thread


def _turn_now(app, u: WhatsAppUser, body: str) -> float:  # type: ignore[no-untyped-def]
    """Send ``body`` and run its turn in this thread at once; returns how long the turn took."""
    u.send(body, run=False)
    runtime.set_app(app)
    started = time.monotonic()
    jobs.handle_inbound(_inbound_id(app, u.sent_sids[-1]))
    return time.monotonic() - started


def test_slow_bank_holds_no_lock_and_messages_in_between_are_answered(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin)
    u.ask("UPI change karna hai")
    rzp.delay_validations(1.5)
    u.send("kamla.devi@oksbi", run=False)
    worker = _worker_thread(papp)  # runs the turn ("Checking…"), then the check job, stuck at the bank
    assert rzp.validation_started.wait(10)
    contact = _contact(papp, u.phone)
    assert contact.state == upi_steps.CHECKING
    url = papp.config["DATABASE_URL"]
    if url.startswith("postgres"):  # the contact row is not locked while the bank is being asked
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with eng.begin() as conn:
            conn.execute(text("SELECT id FROM contacts WHERE id = :id FOR UPDATE NOWAIT"), {"id": contact.id})
        eng.dispose()
    took = _turn_now(papp, u, "balance")  # answered during the check, not after it
    assert took < 1.2
    assert rzp.validation_started.is_set() and worker.is_alive()  # the bank has not answered yet
    worker.join(20)
    run_jobs(papp)
    replies = u.replies()
    joined = "\n".join(replies)
    assert "Checking ka••••vi@oksbi with the bank" in joined
    assert joined.index("Your balance") < joined.index("Still checking ka••••vi@oksbi")
    assert joined.index("Still checking") < joined.index("Paying KAMLA DEVI at ka••••vi@oksbi")
    assert "kamla.devi@oksbi" not in joined
    assert _contact(papp, u.phone).state == upi_steps.CONFIRM_HOLDER
    assert "ka••••vi@oksbi" in u.ask("1")  # the flow goes on where the check left it
    with sessions(papp)() as s:
        assert s.scalar(select(Member)).upi_id == "kamla.devi@oksbi"
        raw = str(s.execute(text("select slots from contacts")).scalars().all())
        assert "kamla.devi" not in raw


@pytest.mark.parametrize("lang", ["hi", "ur"])
def test_bank_error_gets_try_again_later_in_the_members_language(papp, rzp, standin, lang: str) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin, lang)
    u.ask("redeem")
    u.ask("1")
    assert translate(lang, "upi.ask") in u.ask("50")  # no UPI ID stored at enrollment
    rzp.fail_next(1, 500)
    answer = u.ask("kamla.devi@oksbi")
    assert translate(lang, "upi.unavailable") in answer
    contact = _contact(papp, u.phone)
    assert contact.flow is None and not contact.slots
    assert rzp.payout_count() == 0


def test_bank_timeout_is_a_clear_reply_not_a_stuck_turn(make_app, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**{**payout_env(rzp), "RAZORPAYX_TIMEOUT_SECONDS": "0.5"})
    u = _member(app, standin, "hi_Latn")
    u.ask("profile")
    u.ask("1")
    rzp.delay_validations(1.5)
    started = time.monotonic()
    answer = u.ask("kamla.devi@oksbi")
    assert translate("hi_Latn", "upi.checking", upi="ka••••vi@oksbi") in answer
    assert translate("hi_Latn", "upi.unavailable") in answer
    assert time.monotonic() - started < 5
    assert _contact(app, u.phone).flow is None
    with sessions(app)() as s:
        assert s.scalar(select(Member)).upi_id is None  # nothing saved on a failed check


def test_cancel_or_another_upi_id_while_checking_drops_the_old_answer(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin)
    u.ask("profile")
    u.ask("1")
    rzp.delay_validations(1.0)
    u.send("kamla.devi@oksbi", run=False)
    worker = _worker_thread(papp)
    assert rzp.validation_started.wait(10)
    _turn_now(papp, u, "cancel")
    worker.join(20)
    run_jobs(papp)
    joined = "\n".join(u.replies())
    assert translate("en", "cancel.done") in joined and "KAMLA DEVI" not in joined
    assert _contact(papp, u.phone).flow is None

    # A second UPI ID sent while the first is being checked: only the second one is answered.
    rzp.validation_started.clear()
    u.ask("profile")
    u.ask("1")
    rzp.delay_validations(1.0)
    u.send("kamla.devi@oksbi", run=False)
    worker = _worker_thread(papp)
    assert rzp.validation_started.wait(10)
    _turn_now(papp, u, "salim.ansari@okhdfcbank")
    worker.join(20)
    run_jobs(papp)
    joined = "\n".join(u.replies())
    assert "Paying SALIM ANSARI" in joined and "KAMLA DEVI" not in joined
    assert _contact(papp, u.phone).state == upi_steps.CONFIRM_HOLDER


def test_a_lost_check_is_run_again_and_an_old_one_gives_up(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin)
    u.ask("profile")
    u.ask("1")
    _turn_now(papp, u, "kamla.devi@oksbi")
    get_queue(papp).empty()  # the check job is lost (Redis flushed, worker killed…)
    assert _contact(papp, u.phone).state == upi_steps.CHECKING

    def age(delta: dt.timedelta) -> None:
        with sessions(papp).begin() as s:
            contact = s.scalar(select(Contact).where(Contact.phone == u.phone))
            check = dict(contact.slots["upi_check"])
            check["since"] = (dt.datetime.fromisoformat(check["since"]) - delta).isoformat()
            contact.slots = {**contact.slots, "upi_check": check}

    runtime.set_app(papp)
    assert jobs.sweep()["upi_checks"] == 0  # a fresh check is left alone
    age(upi_steps.RECHECK_AFTER + dt.timedelta(seconds=1))
    assert jobs.sweep()["upi_checks"] == 1
    run_jobs(papp)
    assert "Paying KAMLA DEVI" in "\n".join(u.replies())

    u.ask("cancel")
    u.ask("profile")
    u.ask("1")
    _turn_now(papp, u, "kamla.devi@oksbi")
    get_queue(papp).empty()
    age(upi_steps.GIVE_UP_AFTER + dt.timedelta(seconds=1))
    answer = u.ask("hello? koi hai?")
    assert translate("en", "upi.unavailable") in answer
    assert _contact(papp, u.phone).flow is None


def test_a_validation_the_bank_has_not_finished_is_looked_at_again(make_app, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    """RazorpayX answers 'created' while the bank works: the job looks again (no lock held) before
    answering; a bank that never finishes ends in "try again in a few minutes"."""
    app = make_app(**{**payout_env(rzp), "RAZORPAYX_VALIDATION_WAITS": "0.05,0.05,0.05"})
    u = _member(app, standin, "ur")
    u.ask("profile")
    u.ask("1")
    rzp.slow_bank_validations(fetches=3)  # done at the third look
    assert "KAMLA DEVI" in u.ask("kamla.devi@oksbi")
    u.ask("نہیں")  # not this one: another UPI ID
    rzp.slow_bank_validations(fetches=9)  # still running after every look
    answer = u.ask("kamla.devi@okicici")
    assert translate("ur", "upi.unavailable") in answer and "KAMLA" not in answer
    assert _contact(app, u.phone).flow is None
