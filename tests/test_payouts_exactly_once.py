"""Money moves exactly once, on PostgreSQL, with faults injected: racing redemptions, provider 500
and timeout, a worker SIGKILLed between the payout call and its commit, reversal after processed,
duplicate and out-of-order webhooks. ``ledger verify`` is clean after each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from payouts import service
from payouts.models import Redemption
from payouts.providers import provider_for
from storage import ledger
from storage.db import sessions
from storage.members import Enrollment, enroll
from storage.models import Contact, Member
from tests.botkit import app_environ
from tests.payoutkit import payout_env, post_event

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_url: str, standin: Any, rzp: Any) -> Iterator[Any]:
    import fakeredis

    from bot.app import create_app
    from storage.migrate import upgrade
    from workers import queue as queue_mod

    queue_mod._FAKE_SERVER = fakeredis.FakeServer()
    made = create_app({"EMBEDDED_WORKER": False}, environ=app_environ(pg_url, standin.url, **payout_env(rzp)))
    upgrade(pg_url)
    yield made
    made.extensions["inaam.engine"].dispose()


def make_member(app: Any, points: int, phone: str = "+919812300001", vpa: str = "suresh.yadav@okicici") -> int:
    with sessions(app).begin() as s:
        contact = Contact(phone=phone, lang="en", slots={})
        s.add(contact)
        s.flush()
        member = enroll(s, contact, Enrollment(name="Suresh Yadav", role="mason", pin_code="226010", upi_id=vpa,
                                                lang="en"), welcome_bonus=0)
        ledger.transfer(s, source=ledger.ISSUANCE, dest=member.account_id, points=points, reason="qr_claim",
                        idempotency_key=f"seed:{member.id}")
        return member.id


def new_redemption(app: Any, member_id: int, points: int = 2000, net: int = 50_000) -> int:
    with sessions(app).begin() as s:
        member = s.get(Member, member_id)
        row = service.start_redemption(s, member, service.NewRedemption(
            kind="upi", reward_code="upi", points=points, gross_paise=net, tds_paise=0, net_paise=net,
            tds_mode="none", fy="2026-27", provider="razorpayx", vpa=member.upi_id, holder_name="SURESH YADAV"))
        return row.id


def state(app: Any, member_id: int) -> tuple[str, int]:
    with sessions(app)() as s:
        row = s.scalar(select(Redemption).where(Redemption.member_id == member_id).order_by(Redemption.id.desc()))
        member = s.get(Member, member_id)
        assert ledger.verify(s) == [], "ledger verify must be clean"
        return row.status, ledger.balance(s, member.account_id)


def test_two_redemptions_race_for_the_same_points(app: Any) -> None:
    member_id = make_member(app, 3000)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def go() -> None:
        barrier.wait()
        try:
            new_redemption(app, member_id, points=2000)
            outcomes.append("won")
        except service.RedemptionRefused as exc:
            outcomes.append(exc.msgid)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1, outcomes
    assert state(app, member_id) == ("pending", 1000)
    with sessions(app)() as s:
        assert s.scalar(select(func.count(Redemption.id))) == 1


def test_provider_500_then_retry_with_the_same_key(app: Any, rzp: Any) -> None:
    member_id = make_member(app, 3000)
    rid = new_redemption(app, member_id)
    rzp.fail_next(2, 500)  # the contact call fails, then (on retry) the payout call fails
    provider = provider_for(app.config)
    with pytest.raises(service.TransientPayoutError):
        service.submit(sessions(app), provider, rid)
    assert state(app, member_id) == ("submitting", 1000)
    with pytest.raises(service.TransientPayoutError):
        service.submit(sessions(app), provider, rid)
    assert rzp.payout_count() == 0
    service.submit(sessions(app), provider, rid)
    assert state(app, member_id) == ("processing", 1000)
    assert rzp.payout_count() == 1
    assert {k for _, k in rzp.requests} == {f"inaam-rdm-{rid}"}


def test_provider_timeout_after_creating_the_payout_pays_once(app: Any, rzp: Any) -> None:
    member_id = make_member(app, 3000)
    rid = new_redemption(app, member_id)
    rzp.timeout_next(3.0)  # client timeout is 2 s: the payout exists, the answer is lost
    provider = provider_for(app.config)
    with pytest.raises(service.TransientPayoutError):
        service.submit(sessions(app), provider, rid)
    assert rzp.payout_count() == 1 and state(app, member_id)[0] == "submitting"
    service.submit(sessions(app), provider, rid)  # the retry reuses the key: same payout
    assert rzp.payout_count() == 1
    status, _ = state(app, member_id)
    assert status == "processing"
    pid = next(iter(rzp.payouts))
    for event in rzp.settle(pid, send=False):
        assert post_event(app, rzp, event) == 200
    assert state(app, member_id) == ("processed", 1000)


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from payouts import razorpayx, service
    from bot.app import create_app
    from storage.db import sessions
    from payouts.providers import provider_for

    real = razorpayx.RazorpayX.create_payout
    def create_then_die(self, **kw):
        real(self, **kw)
        os.kill(os.getpid(), signal.SIGKILL)   # after the HTTP call, before the commit
    razorpayx.RazorpayX.create_payout = create_then_die
    app = create_app({"EMBEDDED_WORKER": False})
    service.submit(sessions(app), provider_for(app.config), int(sys.argv[1]))
""")


def test_worker_killed_after_payout_call_before_commit_pays_once(app: Any, rzp: Any, pg_url: str,
                                                                  standin: Any, monkeypatch: Any) -> None:
    member_id = make_member(app, 3000)
    rid = new_redemption(app, member_id)
    env = {**os.environ, **app_environ(pg_url, standin.url, **payout_env(rzp))}
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(rid)], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert rzp.payout_count() == 1
    assert state(app, member_id) == ("submitting", 1000)  # the answer was never committed
    with sessions(app)() as s:
        assert s.get(Redemption, rid).payout_id is None
    # The scheduled reconcile job finds the payout by reference id instead of paying again.
    import datetime as dt

    from payouts import jobs
    from workers import runtime

    with sessions(app)() as s:
        assert service.stuck(s, older_than=dt.timedelta(0)) == [rid]
    monkeypatch.setattr(jobs, "RECONCILE_AFTER", dt.timedelta(0))
    runtime.set_app(app)
    assert jobs.reconcile_payouts() == {"checked": 1, "unreachable": 0}
    assert rzp.payout_count() == 1
    assert state(app, member_id)[0] == "processing"
    # A re-run of the lost job is harmless too.
    service.submit(sessions(app), provider_for(app.config), rid)
    assert rzp.payout_count() == 1
    assert {k for _, k in rzp.requests} == {f"inaam-rdm-{rid}"}


def test_reversal_after_processed_returns_the_points(app: Any, rzp: Any) -> None:
    member_id = make_member(app, 3000)
    rid = new_redemption(app, member_id)
    service.submit(sessions(app), provider_for(app.config), rid)
    pid = next(iter(rzp.payouts))
    processed, reversed_ = rzp.settle(pid, "reversed", send=False)
    assert post_event(app, rzp, processed) == 200
    assert state(app, member_id) == ("processed", 1000)
    assert post_event(app, rzp, reversed_) == 200
    assert state(app, member_id) == ("reversed", 3000)
    assert post_event(app, rzp, reversed_) == 200  # duplicate
    assert post_event(app, rzp, processed) == 200  # stale, out of order
    assert state(app, member_id) == ("reversed", 3000)


def test_out_of_order_and_duplicate_webhooks(app: Any, rzp: Any) -> None:
    member_id = make_member(app, 3000)
    rid = new_redemption(app, member_id)
    service.submit(sessions(app), provider_for(app.config), rid)
    pid = next(iter(rzp.payouts))
    # 'reversed' (failed after debit) arrives before 'processed'; then 'processed'; each twice.
    processed, reversed_ = rzp.settle(pid, "reversed", send=False)
    for event in (reversed_, reversed_, processed, processed):
        assert post_event(app, rzp, event) == 200
    assert state(app, member_id) == ("reversed", 3000)
    # A second member: 'processed' twice, then a late 'initiated'-style processing event.
    other = make_member(app, 3000, phone="+919812300002", vpa="kamla.devi@oksbi")
    rid2 = new_redemption(app, other)
    service.submit(sessions(app), provider_for(app.config), rid2)
    pid2 = next(p for p in rzp.payouts if p != pid)
    (done,) = rzp.settle(pid2, "processed", send=False)
    late = {**done, "_id": "evt_late_initiated", "event": "payout.initiated",
            "payload": {"payout": {"entity": {**done["payload"]["payout"]["entity"], "status": "processing"}}}}
    for event in (done, done, late):
        assert post_event(app, rzp, event) == 200
    assert state(app, other) == ("processed", 1000)
    with sessions(app)() as s:
        row = s.get(Redemption, rid2)
        assert row.utr == done["payload"]["payout"]["entity"]["utr"]
    assert post_event(app, rzp, done, signature="0" * 64) == 400


def test_failed_payout_voids_the_hold(app: Any, rzp: Any) -> None:
    member_id = make_member(app, 3000, vpa="wrong.vpa@okhdfc")
    rzp.set_outcome("wrong.vpa@okhdfc", "failed")
    rid = new_redemption(app, member_id)
    service.submit(sessions(app), provider_for(app.config), rid)
    for event in rzp.settle(next(iter(rzp.payouts)), send=False):
        post_event(app, rzp, event)
    assert state(app, member_id) == ("failed", 3000)
    with sessions(app)() as s:
        assert s.get(Redemption, rid).failure_reason == "beneficiary_vpa_invalid"


def _in_window(app: Any, member_id: int) -> None:
    from storage.base import utcnow

    with sessions(app).begin() as s:
        s.scalar(select(Contact).where(Contact.member_id == member_id)).last_inbound_at = utcnow()


def _utr_messages(app: Any, standin: Any, member_id: int, utr: str) -> list[str]:
    """What the member's phone received that carries ``utr`` (after running the send jobs)."""
    from storage.models import OutboundMessage
    from tests.botkit import run_jobs

    run_jobs(app)
    with sessions(app)() as s:
        contact = s.scalar(select(Contact).where(Contact.member_id == member_id))
        queued = s.scalars(select(OutboundMessage.msgid).where(OutboundMessage.contact_id == contact.id)).all()
        assert queued.count("payout.utr") <= 1
    return [m["body"] for m in standin.messages(to=f"whatsapp:{contact.phone}") if utr in (m["body"] or "")]


def test_late_utr_from_payout_updated_is_sent_once(app: Any, rzp: Any, standin: Any) -> None:
    member_id = make_member(app, 3000)
    _in_window(app, member_id)
    rid = new_redemption(app, member_id)
    service.submit(sessions(app), provider_for(app.config), rid)
    pid = next(iter(rzp.payouts))
    (processed,) = rzp.settle(pid, "processed", send=False, utr_later=True)
    assert processed["payload"]["payout"]["entity"]["utr"] is None
    assert post_event(app, rzp, processed) == 200
    assert state(app, member_id) == ("processed", 1000)
    updated = rzp.publish_utr(pid, send=False)
    utr = updated["payload"]["payout"]["entity"]["utr"]
    assert _utr_messages(app, standin, member_id, utr) == []  # told "paid, the UTR will follow"
    again = {**updated, "_id": "evt_second_update"}  # another payout.updated carrying the same UTR
    for event in (updated, updated, again):
        assert post_event(app, rzp, event) == 200
    with sessions(app)() as s:
        assert s.get(Redemption, rid).utr == utr
    runtime_app(app)
    from payouts.jobs import reconcile_payouts

    reconcile_payouts()  # a status fetch now also sees the UTR: nothing more to say
    sent = _utr_messages(app, standin, member_id, utr)
    assert len(sent) == 1 and "reference number (UTR)" in sent[0] and "₹500" in sent[0]
    assert state(app, member_id) == ("processed", 1000)


def test_late_utr_from_a_status_fetch_is_sent_once(app: Any, rzp: Any, standin: Any) -> None:
    from payouts.jobs import reconcile_payouts

    member_id = make_member(app, 3000, phone="+919812300003", vpa="kamla.devi@oksbi")
    _in_window(app, member_id)
    rid = new_redemption(app, member_id)
    service.submit(sessions(app), provider_for(app.config), rid)
    pid = next(iter(rzp.payouts))
    (processed,) = rzp.settle(pid, "processed", send=False, utr_later=True)
    assert post_event(app, rzp, processed) == 200
    runtime_app(app)
    assert reconcile_payouts() == {"checked": 1, "unreachable": 0}  # asked: no UTR yet
    updated = rzp.publish_utr(pid, send=False)  # the webhook is lost; only a fetch will see it
    utr = updated["payload"]["payout"]["entity"]["utr"]
    assert reconcile_payouts() == {"checked": 0, "unreachable": 0}  # not asked again within 10 minutes
    later = app.extensions["inaam.redis"]
    later.delete(f"inaam:utr-lookup:{rid}")  # ten minutes later
    assert reconcile_payouts() == {"checked": 1, "unreachable": 0}
    later.delete(f"inaam:utr-lookup:{rid}")
    assert reconcile_payouts() == {"checked": 0, "unreachable": 0}  # the UTR is in: no more lookups
    assert post_event(app, rzp, updated) == 200  # the lost webhook turns up after all
    sent = _utr_messages(app, standin, member_id, utr)
    assert len(sent) == 1 and "rdm-" in sent[0]
    assert state(app, member_id) == ("processed", 1000)


def runtime_app(app: Any) -> None:
    from workers import runtime

    runtime.set_app(app)


def test_a_payout_notice_is_queued_with_the_status_change(app: Any, rzp: Any, monkeypatch: Any) -> None:
    """The worker dies right after the commit that failed the payout: the member's notice is
    already stored with it (the outbox sweep sends it), never lost between two transactions."""
    from payouts import jobs
    from storage.models import OutboundMessage

    member_id = make_member(app, 3000, phone="+919812300009", vpa="suresh yadav@okicici")  # RazorpayX refuses it
    rid = new_redemption(app, member_id)

    def killed(*_args: object) -> None:
        raise SystemExit("worker killed after the commit")

    monkeypatch.setattr(jobs, "send_soon", killed)
    runtime_app(app)
    with pytest.raises(SystemExit):
        jobs.submit_payout(rid)
    assert state(app, member_id) == ("failed", 3000)
    with sessions(app)() as s:
        contact = s.scalar(select(Contact).where(Contact.member_id == member_id))
        queued = s.scalars(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)).all()
        assert [(m.msgid, m.status) for m in queued] == [("payout.failed", "pending")]
