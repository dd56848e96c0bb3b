"""Redemption by chat, end to end: menu → amount → UPI validated (holder name) → PAN → summary → YES
→ hold → payout at the RazorpayX stand-in → signed webhook → posted, UTR to the member."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from payouts.models import PayoutProfile, Redemption
from storage import ledger
from storage.db import sessions
from storage.models import Member
from tests.botkit import run_jobs
from tests.payoutkit import post_event


@pytest.fixture
def member_user(papp, standin):  # type: ignore[no-untyped-def]
    from tests.botkit import WhatsAppUser

    u = WhatsAppUser(client=papp.test_client(), standin=standin, app=papp)
    for msg in ("hi", "1", "Ramesh Kumar", "1", "226010", "ramesh.kumar@okaxis", "yes"):
        u.send(msg)
    u.replies()
    with sessions(papp).begin() as s:
        m = s.scalar(select(Member))
        ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=4000, reason="qr_claim",
                        idempotency_key="test-credit")
    return u


def test_upi_redemption_end_to_end(papp, rzp, member_user) -> None:  # type: ignore[no-untyped-def]
    u = member_user
    menu = u.ask("redeem")
    assert "4,100 points" in menu and "1. Cash to your UPI ID" in menu
    amounts = u.ask("1")
    assert "₹500 = 2,000 points" in amounts
    ask_upi = u.ask("500")
    assert "ra••••ar@okaxis" in ask_upi and "ramesh.kumar" not in ask_upi
    holder = u.ask("1")
    assert "Paying RAMESH KUMAR at ra••••ar@okaxis" in holder
    pan = u.ask("YES")
    assert "PAN" in pan
    assert "5 letters" in u.ask("ABC123")
    u.ask("abcpk1234l")
    summary = u.ask("Shri Ramesh Kumar")
    assert "matched" in summary and "2,000 points → ₹500" in summary and "You receive: ₹500" in summary
    assert "No TDS" in summary
    with sessions(papp)() as s:  # mid-flow, the dialog's slots hold the UPI ID and PAN only encrypted
        slots = str(s.execute(text("select slots from contacts")).scalars().all())
        assert "ramesh.kumar" not in slots and "ABCPK1234L" not in slots.upper() and "fernet" not in slots
        assert "vpa" in slots and "pan" in slots
    done = u.ask("हाँ")
    assert "on its way" in done
    with sessions(papp)() as s:
        row = s.scalar(select(Redemption))
        assert row.status == "processing" and row.payout_id and row.idempotency_key == f"inaam-rdm-{row.id}"
        m = s.scalar(select(Member))
        assert ledger.balance(s, m.account_id) == 2100
        prof = s.get(PayoutProfile, m.id)
        assert prof.kyc_status == "verified" and prof.pan == "ABCPK1234L"
        raw = s.execute(text("select upi_id from members")).scalar()
        assert "okaxis" not in raw  # encrypted at rest
        bodies = " ".join(s.scalars(text("select body from inbound_messages")).all())
        params = " ".join(str(p) for p in s.scalars(text("select params from inbound_messages")).all())
        assert "ramesh.kumar@okaxis" not in bodies + params and "ABCPK1234L" not in (bodies + params).upper()
        assert "fernet:" in bodies
    assert "on the way since" in u.ask("balance")
    events = rzp.settle(row.payout_id, send=False)
    assert post_event(papp, rzp, events[0]) == 200
    assert post_event(papp, rzp, events[0]) == 200  # duplicate: no effect
    run_jobs(papp)
    paid = "\n".join(u.replies())
    assert "₹500 has reached your UPI ID" in paid and events[0]["payload"]["payout"]["entity"]["utr"] in paid
    assert paid.count("has reached") == 1
    with sessions(papp)() as s:
        assert s.scalar(select(Redemption)).status == "processed"
        assert ledger.verify(s) == []
    assert "UTR" in u.ask("balance")
    assert rzp.payout_count() == 1


def test_profile_change_upi_name_and_pin(papp, rzp, member_user) -> None:  # type: ignore[no-untyped-def]
    u = member_user
    shown = u.ask("profile")
    assert "Name: Ramesh Kumar" in shown and "ra••••ar@okaxis" in shown and "ramesh.kumar@" not in shown
    assert "Please send your UPI ID" in u.ask("UPI change karna hai")
    holder = u.ask("kamla.devi@oksbi")
    assert "Paying KAMLA DEVI at ka••••vi@oksbi" in holder
    assert "ka••••vi@oksbi" in u.ask("1")
    assert "name" in u.ask("mera naam badlo").lower()
    assert "Your balance" in u.ask("balance")  # a command is answered, never taken as the name
    u.ask("mera naam badlo")
    assert "What would you like to do" in u.ask("menu please hai")  # a command said as a sentence opens it
    u.ask("mera naam badlo")
    assert "doesn't look like a name" in u.ask("yes")
    assert "Ramesh K. Verma" in u.ask("Ramesh K. Verma")
    u.ask("profile")
    u.ask("3")
    assert "226001" in u.ask("226001")
    with sessions(papp)() as s:
        m = s.scalar(select(Member))
        prof = s.get(PayoutProfile, m.id)
        assert (m.name, m.pin_code, m.upi_id) == ("Ramesh K. Verma", "226001", "kamla.devi@oksbi")
        assert prof.upi_changed_at is not None and prof.upi_holder_name == "KAMLA DEVI"
    # A changed UPI ID starts the cooling-off: no payout to it for 24 hours.
    u.ask("redeem")
    u.ask("1")
    u.ask("100")
    assert "newly changed UPI ID start" in u.ask("1")


def test_urdu_and_hindi_members_redeem_in_their_language(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    from tests.botkit import WhatsAppUser

    for phone, lang, yes, amount, pending in (("+919811100001", "3", "ہاں", "۵۰", "بھیجے جا رہے ہیں"),
                                               ("+919811100002", "2", "हाँ", "५०", "भेजे जा रहे हैं")):
        u = WhatsAppUser(client=papp.test_client(), standin=standin, app=papp, phone=phone)
        for msg in ("salaam", lang, "Salim Ansari", "1", "226010", "salim.ansari@okhdfcbank", yes):
            u.send(msg)
        u.replies()
        with sessions(papp).begin() as s:
            m = s.scalar(select(Member).where(Member.phone == phone))
            ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=1000, reason="qr_claim",
                            idempotency_key=f"seed:{phone}")
        u.ask("paise nikalne hain")
        u.ask("1")
        u.ask(amount)
        holder = u.ask("1")
        assert "SALIM ANSARI" in holder
        u.ask(yes)
        u.ask("ABCPA1234K")
        summary = u.ask("Salim Ansari")
        assert "₹50" in summary and "TDS" in summary
        assert pending in u.ask(yes)
    assert rzp.payout_count() == 2
