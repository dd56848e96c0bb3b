"""Section 194R catch-up: the benefit that takes the year past ₹20,000 is taxed with the year's earlier ones.

The threshold is one of applicability (CBDT Circular 12/2022): ₹15,000 given earlier and then
₹10,000 means TDS on ₹25,000. Covered here on SQLite and PostgreSQL: the catch-up by chat (summary,
stored row, report), a later benefit taxed on its own value, the no-PAN rate on the whole, a voucher
that crosses (the brand bears it), the financial year starting fresh on 1 April IST, two concurrent
redemptions (the catch-up is taken exactly once) and the report's reconciliation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.program import load_program
from payouts import service, tax, vouchers
from payouts.models import PayoutProfile, Redemption, Voucher
from payouts.report import write_tds_report
from payouts.rules import RedemptionRules
from storage import ledger
from storage.base import utcnow
from storage.db import sessions
from storage.members import Enrollment, enroll
from storage.models import Contact, Member
from tests.botkit import WhatsAppUser, app_environ, run_jobs
from tests.payoutkit import payout_env

RULES = RedemptionRules(tds_threshold_rupees=20_000, tds_rate_percent=10, tds_no_pan_rate_percent=20)


def _member(app: Any, points: int, *, pan: str | None = "ABCPK1234L", phone: str = "+919812300001") -> int:
    with sessions(app).begin() as s:
        contact = Contact(phone=phone, lang="en", slots={})
        s.add(contact)
        s.flush()
        member = enroll(s, contact, Enrollment(name="Ramesh Kumar", role="mason", pin_code="226010",
                                                upi_id="ramesh.kumar@okaxis", lang="en"), welcome_bonus=0)
        if points:
            ledger.transfer(s, source=ledger.ISSUANCE, dest=member.account_id, points=points, reason="qr_claim",
                            idempotency_key=f"seed:{member.id}")
        if pan:
            s.add(PayoutProfile(member_id=member.id, kyc_status="verified", pan=pan, pan_name="RAMESH KUMAR"))
        return member.id


def _given(app: Any, member_id: int, rupees: int, *, fy: str, kind: str = "upi", when: dt.datetime | None = None,
           tds: tax.Tds | None = None) -> None:
    """A benefit already given (processed), with the TDS it was assessed."""
    when = when or utcnow() - dt.timedelta(days=1)
    fields = service.tds_row_fields(tds or tax.Tds(0, rupees * 100, "none", 0))
    with sessions(app).begin() as s:
        s.add(Redemption(member_id=member_id, kind=kind, reward_code=kind, points=rupees * 4, gross_paise=rupees * 100,
                         fy=fy, status="processed", provider="razorpayx" if kind == "upi" else "voucher", attempts=1,
                         created_at=when, updated_at=when, settled_at=when, **fields))


def _stock(app: Any, n: int) -> None:
    with sessions(app).begin() as s:
        for i in range(n):
            s.add(Voucher(brand="IndianOil", value_paise=50_000, code=f"IOC-{i:04d}", pin="1234",
                          expires_on=dt.date(2099, 12, 31)))


def _reconciles(text: str) -> list[dict[str, str]]:
    """Every TDS row: rate × taxed value = TDS (to the paisa); returns the rows."""
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        paise = {k: round(float(r[k]) * 100) for k in ("benefit_value_inr", "earlier_benefits_covered_inr",
                                                        "tds_borne_by_brand_inr", "taxed_value_inr", "tds_inr",
                                                        "tds_from_member_inr", "paid_to_member_inr")}
        assert paise["taxed_value_inr"] == (paise["benefit_value_inr"] + paise["earlier_benefits_covered_inr"]
                                            + paise["tds_borne_by_brand_inr"] if paise["tds_inr"] else 0)
        assert abs(paise["tds_inr"] * 100 - int(r["tds_rate_percent"]) * paise["taxed_value_inr"]) <= 100, r
        assert paise["tds_from_member_inr"] + paise["tds_borne_by_brand_inr"] == paise["tds_inr"]
        assert paise["paid_to_member_inr"] == paise["benefit_value_inr"] - paise["tds_from_member_inr"]
    return rows


def _report(app: Any) -> str:
    out = io.StringIO()
    start, end = dt.date(2000, 1, 1), dt.date(2100, 1, 1)
    with sessions(app)() as s:
        totals = write_tds_report(s, out, start, end)
    text = out.getvalue()
    rows = _reconciles(text)
    assert totals.rows == len(rows)
    given = [r for r in rows if r["status"] == "processed"]
    assert totals.reversed_rows == len(rows) - len(given)
    assert totals.tds_paise == sum(round(float(r["tds_inr"]) * 100) for r in given)
    assert totals.taxed_paise == sum(round(float(r["taxed_value_inr"]) * 100) for r in given)
    for rate, (tds_paise, taxed_paise) in totals.by_rate.items():  # each rate's line reconciles on its own
        assert abs(tds_paise * 100 - rate * taxed_paise) <= 100 * len(rows)
    return text


def test_catch_up_arithmetic() -> None:
    catch_up = tax.compute_tds(RULES, prior_paise=1_500_000, gross_paise=1_000_000, has_pan=True)
    assert (catch_up.tds_paise, catch_up.net_paise, catch_up.mode) == (250_000, 750_000, "deduct")
    assert (catch_up.base_paise, catch_up.caught_up_paise, catch_up.brand_paise) == (2_500_000, 1_500_000, 0)
    no_pan = tax.compute_tds(RULES, prior_paise=1_500_000, gross_paise=1_000_000, has_pan=False)
    assert (no_pan.tds_paise, no_pan.net_paise, no_pan.rate_percent) == (500_000, 500_000, 20)
    # Within the threshold (equal to it is not past it): nothing.
    assert tax.compute_tds(RULES, prior_paise=1_000_000, gross_paise=1_000_000, has_pan=True).mode == "none"
    # Once crossed, later benefits of the year pay on their own value.
    later = tax.compute_tds(RULES, prior_paise=2_500_000, gross_paise=100_000, has_pan=True, untaxed_paise=0)
    assert (later.tds_paise, later.caught_up_paise) == (10_000, 0)
    # The catch-up is more than a ₹1,000 payout can bear: the member still gets ₹1, the brand bears the
    # rest grossed up, and TDS = 10 % of (₹20,500 + the brand's part) to the paisa.
    split = tax.compute_tds(RULES, prior_paise=1_950_000, gross_paise=100_000, has_pan=True)
    assert (split.mode, split.net_paise, split.member_paise) == ("split", 100, 99_900)
    assert split.tds_paise * 100 - 10 * split.taxed_paise in range(-100, 101)
    # Gross-up: the brand bears all of it, catch-up included.
    grossup = tax.compute_tds(RedemptionRules(tds_mode="grossup"), prior_paise=1_500_000, gross_paise=1_000_000,
                              has_pan=True)
    assert (grossup.tds_paise, grossup.net_paise, grossup.brand_paise) == (277_778, 1_000_000, 277_778)
    # A voucher cannot be cut: in deduct mode too the brand bears its TDS.
    voucher = tax.compute_tds(RULES, prior_paise=1_980_000, gross_paise=50_000, has_pan=True, cash=False)
    assert (voucher.mode, voucher.base_paise, voucher.tds_paise) == ("grossup", 2_030_000, 225_556)
    # The financial year turns at midnight IST on 1 April.
    assert tax.financial_year(dt.datetime(2027, 3, 31, 18, 29, 59, tzinfo=dt.UTC)) == "2026-27"
    assert tax.financial_year(dt.datetime(2027, 3, 31, 18, 30, tzinfo=dt.UTC)) == "2027-28"


def _enroll_by_chat(u: WhatsAppUser, app: Any, points: int) -> int:
    for msg in ("hi", "1", "Ramesh Kumar", "1", "226010", "ramesh.kumar@okaxis", "yes"):
        u.send(msg)
    u.replies()
    with sessions(app).begin() as s:
        m = s.scalar(select(Member).where(Member.phone == u.phone))
        ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=points, reason="qr_claim",
                        idempotency_key=f"seed:{m.id}")
        return m.id


def test_crossing_redemption_pays_tds_on_the_whole_year(make_app, standin, rzp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**payout_env(rzp))
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    member_id = _enroll_by_chat(u, app, 60_000)
    fy = tax.financial_year(utcnow())
    with sessions(app).begin() as s:
        s.add(PayoutProfile(member_id=member_id, kyc_status="verified", pan="ABCPK1234L", pan_name="RAMESH KUMAR"))
    _given(app, member_id, 15_000, fy=fy)  # ₹15,000 earlier this year: no TDS then
    for msg in ("redeem", "1", "10000", "1"):
        u.ask(msg)
    summary = u.ask("1")
    assert "TDS (section 194R): −₹2,500 (10% on this year's ₹25,000 of rewards)" in summary, summary
    assert "earlier ₹15,000" in summary and "You receive: ₹7,500" in summary
    u.ask("YES")
    run_jobs(app)
    with sessions(app).begin() as s:
        row = s.scalar(select(Redemption).where(Redemption.status == "processing"))
        assert (row.gross_paise, row.tds_paise, row.net_paise, row.tds_base_paise) == (1_000_000, 250_000, 750_000,
                                                                                        2_500_000)
        assert service.apply_status(s, row, "processed", utr="UTR0000001") is not None
    # A later benefit of the year pays on its own value only.
    for msg in ("redeem", "1", "1000"):
        u.ask(msg)
    later = u.ask("1")
    assert "−₹100 (10% of this ₹1,000)" in later and "earlier" not in later, later
    u.ask("YES")
    run_jobs(app)
    with sessions(app).begin() as s:
        row = s.scalar(select(Redemption).where(Redemption.status == "processing"))
        assert (row.tds_paise, row.net_paise, row.tds_base_paise) == (10_000, 90_000, 100_000)
        service.apply_status(s, row, "processed", utr="UTR0000002")
    assert "₹26,000, past the ₹20,000 TDS limit (section 194R). TDS this year: ₹2,600." in u.ask("balance")
    rows = [r for r in csv.DictReader(io.StringIO(_report(app))) if r["tds_date"]]
    assert [(r["benefit_value_inr"], r["earlier_benefits_covered_inr"], r["taxed_value_inr"], r["tds_inr"],
             r["tds_borne_by"]) for r in rows] == [("10000.00", "15000.00", "25000.00", "2500.00", "member"),
                                                   ("1000.00", "0.00", "1000.00", "100.00", "member")]
    # The CLI writes the same file for the quarter and prints the reconciling totals.
    today = utcnow().astimezone(tax.IST).date()
    quarter = f"{today.year if today.month >= 4 else today.year - 1}Q{((today.month - 4) % 12) // 3 + 1}"
    out = tmp_path / "tds.csv"
    env = app_environ(app.config["DATABASE_URL"], standin.url, **payout_env(rzp), REDIS_URL="")
    res = CliRunner().invoke(main, ["tds", "report", "--quarter", quarter, "--out", str(out)], env=env)
    assert res.exit_code == 0, res.output
    assert "TDS ₹2,600 on a taxed value of ₹26,000" in res.output and "10%: TDS ₹2,600 on ₹26,000" in res.output
    _reconciles(out.read_text())


def test_voucher_crossing_without_pan_is_taxed_at_the_higher_rate_on_the_whole(make_app, standin, rzp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**payout_env(rzp))
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    member_id = _enroll_by_chat(u, app, 5_000)
    _given(app, member_id, 19_800, fy=tax.financial_year(utcnow()))  # no PAN given
    _stock(app, 1)
    u.ask("redeem")
    summary = u.ask("2")
    # 20 % of ₹20,300, the brand paying it for the member (the tax it pays is a benefit too: grossed up).
    assert "TDS (section 194R): ₹5,075 (20% on this year's ₹20,300 of rewards" in summary, summary
    assert "paid by Inaam Rewards" in summary and "earlier ₹19,800" in summary
    # Another benefit goes through between the summary and YES (here: one given by hand): the TDS shown
    # is no longer the TDS due, so nothing is done and the member is told to look again.
    _given(app, member_id, 100, fy=tax.financial_year(utcnow()))
    assert "tax on this redemption changed" in u.ask("1")
    with sessions(app)() as s:
        assert s.scalar(select(Voucher).where(Voucher.redemption_id.is_not(None))) is None
        assert ledger.balance(s, s.get(Member, member_id).account_id) == 5_100  # with the welcome bonus
    with sessions(app).begin() as s:
        s.delete(s.scalar(select(Redemption).where(Redemption.gross_paise == 10_000)))
    u.ask("redeem")
    assert "₹5,075 (20% on this year's ₹20,300 of rewards" in u.ask("2")
    assert "Code: IOC-0000" in u.ask("1")
    with sessions(app)() as s:
        row = s.scalar(select(Redemption).where(Redemption.kind == "voucher"))
        assert (row.tds_paise, row.tds_brand_paise, row.tds_base_paise, row.tds_rate_percent, row.net_paise) == (
            507_500, 507_500, 2_030_000, 20, 50_000)
        assert ledger.verify(s) == []
    [row_csv] = [r for r in csv.DictReader(io.StringIO(_report(app))) if r["tds_date"]]
    assert (row_csv["pan"], row_csv["taxed_value_inr"], row_csv["tds_inr"], row_csv["tds_borne_by"]) == (
        "PANNOTAVBL", "25375.00", "5075.00", "brand")


def test_next_financial_year_starts_fresh_on_1_april_ist(app) -> None:  # type: ignore[no-untyped-def]
    member_id = _member(app, 0)
    march = dt.datetime(2027, 3, 31, 18, 29, 59, tzinfo=dt.UTC)  # 23:59:59 IST, 31 March
    april = dt.datetime(2027, 3, 31, 18, 30, tzinfo=dt.UTC)  # 00:00 IST, 1 April
    old_fy, new_fy = tax.financial_year(march), tax.financial_year(april)
    _given(app, member_id, 15_000, fy=old_fy, when=march - dt.timedelta(days=30))
    with sessions(app)() as s:
        crossing = tax.assess(s, RULES, member_id, fy=old_fy, gross_paise=1_000_000, has_pan=True, cash=True)
    assert (crossing.tds_paise, crossing.caught_up_paise) == (250_000, 1_500_000)
    _given(app, member_id, 10_000, fy=old_fy, when=march, tds=crossing)
    with sessions(app)() as s:  # the old year, once crossed: own value only
        assert tax.assess(s, RULES, member_id, fy=old_fy, gross_paise=100_000, has_pan=True,
                          cash=True).tds_paise == 10_000
        # 1 April: nothing of last year counts, towards the threshold or the catch-up.
        assert tax.assess(s, RULES, member_id, fy=new_fy, gross_paise=1_900_000, has_pan=True,
                          cash=True).mode == "none"
    _given(app, member_id, 19_000, fy=new_fy, when=april)
    with sessions(app)() as s:
        second = tax.assess(s, RULES, member_id, fy=new_fy, gross_paise=200_000, has_pan=True, cash=True)
    # ₹2,100 due on a ₹2,000 payout: the member gets ₹1, the brand bears the rest, grossed up.
    assert (second.mode, second.caught_up_paise, second.net_paise) == ("split", 1_900_000, 100)
    assert (second.member_paise, second.brand_paise, second.tds_paise) == (199_900, 11_222, 211_122)
    # A failed redemption gave nothing: its catch-up is not counted as taken.
    with sessions(app).begin() as s:
        s.add(Redemption(member_id=member_id, kind="upi", reward_code="upi", points=800, gross_paise=200_000,
                         fy=new_fy, status="failed", provider="razorpayx", attempts=1,
                         **service.tds_row_fields(second)))
    with sessions(app)() as s:
        again = tax.assess(s, RULES, member_id, fy=new_fy, gross_paise=200_000, has_pan=True, cash=True)
    assert again == second


def test_concurrent_redemptions_take_the_catch_up_once(app) -> None:  # type: ignore[no-untyped-def]
    """Two vouchers confirmed at the same moment, both quoted with the catch-up: one gets it, the
    other is refused (nothing moves) and, quoted again, pays on its own value."""
    member_id = _member(app, 10_000)
    fy = tax.financial_year(utcnow())
    _given(app, member_id, 19_800, fy=fy)
    _stock(app, 3)
    reward = load_program().redemption.reward("fuel500")
    assert reward is not None
    check = service.TaxCheck(RULES, has_pan=True)

    def quote() -> tax.Tds:
        with sessions(app)() as s:
            return tax.assess(s, RULES, member_id, fy=fy, gross_paise=50_000, has_pan=True, cash=False)

    first = quote()
    assert first.caught_up_paise == 1_980_000
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm() -> None:
        shown = quote()
        barrier.wait(timeout=10)
        try:
            with sessions(app).begin() as s:
                member = s.get(Member, member_id)
                vouchers.redeem_voucher(s, member, reward, fy=fy, now=utcnow(), tax_check=check,
                                        quoted=(shown.tds_paise, shown.net_paise))
                threading.Event().wait(0.3)  # hold the member's lock while the other one waits for it
            outcomes.append("given")
        except service.RedemptionRefused as exc:
            outcomes.append(exc.msgid)

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["given", "redeem.tds_changed"]
    again = quote()
    assert (again.caught_up_paise, again.base_paise) == (0, 50_000)
    with sessions(app).begin() as s:
        vouchers.redeem_voucher(s, s.get(Member, member_id), reward, fy=fy, now=utcnow(), tax_check=check,
                                quoted=(again.tds_paise, again.net_paise))
    with sessions(app)() as s:
        rows = s.scalars(select(Redemption).where(Redemption.kind == "voucher").order_by(Redemption.id)).all()
        assert [r.tds_base_paise for r in rows] == [2_030_000, 50_000]  # every rupee of the year covered once
        assert sum(r.tds_base_paise for r in rows) == tax.year_benefits(s, member_id, fy)
        assert ledger.balance(s, s.get(Member, member_id).account_id) == 10_000 - 2 * reward.points
        assert ledger.verify(s) == []
    _report(app)


def test_a_crossing_payout_reversed_after_payment_frees_the_catch_up_and_is_flagged(app) -> None:  # type: ignore[no-untyped-def]
    member_id = _member(app, 100)
    fy = tax.financial_year(utcnow())
    _given(app, member_id, 15_000, fy=fy)
    with sessions(app)() as s:
        crossing = tax.assess(s, RULES, member_id, fy=fy, gross_paise=1_000_000, has_pan=True, cash=True)
    _given(app, member_id, 10_000, fy=fy, tds=crossing)
    with sessions(app).begin() as s:  # the bank reversed it after it was paid: the points came back
        member = s.get(Member, member_id)
        back = ledger.transfer(s, source=ledger.ISSUANCE, dest=member.account_id, points=40_000, reason="reversal",
                               idempotency_key="reverse-test")
        row = s.scalar(select(Redemption).where(Redemption.gross_paise == 1_000_000))
        row.status, row.reversal_transfer_id, row.updated_at = "reversed", back.id, utcnow()
    with sessions(app)() as s:  # that benefit was not given: the next one takes the catch-up
        again = tax.assess(s, RULES, member_id, fy=fy, gross_paise=1_000_000, has_pan=True, cash=True)
    assert (again.tds_paise, again.caught_up_paise) == (250_000, 1_500_000)
    out = io.StringIO()
    with sessions(app)() as s:
        totals = write_tds_report(s, out, dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    rows = _reconciles(out.getvalue())
    [flagged] = [r for r in rows if r["status"] == "reversed"]
    assert flagged["tds_inr"] == "2500.00" and flagged["reversed_date"]
    assert (totals.rows, totals.reversed_rows, totals.tds_paise, totals.taxed_paise) == (2, 1, 0, 0)
