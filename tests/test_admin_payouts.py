"""The payouts area of the console (manual provider): in-flight list, bank export, recording the
outcome with the member told once; masked KYC on the profile; erasure of payout personal data."""

from __future__ import annotations

from sqlalchemy import select

from payouts.models import PayoutProfile, Redemption
from storage import ledger
from storage.db import sessions
from tests.adminkit import SQLITE_ONLY, Console, make_user, member_id_of
from tests.botkit import WhatsAppUser, run_jobs
from tests.payoutkit import payout_env


@SQLITE_ONLY
def test_manual_payouts_from_the_console(make_app, standin, rzp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**payout_env(rzp), INAAM_PAYOUT_PROVIDER="manual")
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    for msg in ("hi", "1", "Ramesh Kumar", "1", "226010", "ramesh.kumar@okaxis", "yes"):
        u.send(msg)
    mid = member_id_of(app, u.phone)
    with sessions(app).begin() as s:
        ledger.transfer(s, source=ledger.ISSUANCE, dest=f"member:{mid}", points=3000, reason="qr_claim",
                        idempotency_key=f"seed:{mid}")
    for msg in ("redeem", "1", "100", "1", "YES", "ABCPK1234L", "Ramesh Kumar"):
        u.ask(msg)
    assert "on its way" in u.ask("YES")
    run_jobs(app)
    u.replies()
    make_user(app)
    console = Console(app)
    page = console.text("/admin/payouts")
    assert "rdm-1" in page and "ra•" in page and "ramesh.kumar@okaxis" not in page
    bank = console.text("/admin/payouts/manual-export.csv")
    assert "ramesh.kumar@okaxis,100.00,UPI,rdm-1" in bank
    profile = console.text(f"/admin/members/{mid}")
    assert "PAN ABC" in profile and "ABCPK1234L" not in profile and "rdm-1" in profile
    bad = console.post("/admin/payouts/outcome", {"redemption": "1", "utr": "x"}, form_page="/admin/payouts",
                       follow=True)
    assert "Give the bank" in bad.get_data(as_text=True)
    console.post("/admin/payouts/outcome", {"redemption": "1", "utr": "612345678901"}, form_page="/admin/payouts")
    run_jobs(app)
    assert "UTR: 612345678901" in "\n".join(u.replies())
    with sessions(app)() as s:
        assert s.get(Redemption, 1).status == "processed" and ledger.verify(s) == []
    assert "payout.mark" in console.text("/admin/audit")
    console.post(f"/admin/members/{mid}/erase", {"confirm": "ERASE"}, form_page=f"/admin/members/{mid}")
    with sessions(app)() as s:
        profile_row = s.scalar(select(PayoutProfile).where(PayoutProfile.member_id == mid))
        assert profile_row.pan is None and s.get(Redemption, 1).vpa is None
        assert ledger.verify(s) == []
