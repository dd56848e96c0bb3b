"""Vouchers, the manual provider, KYC review, TDS (194R), tiers and FIFO expiry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.program import load_program
from payouts import service, tax
from payouts.models import PayoutProfile, Redemption, Voucher
from payouts.rules import RedemptionRules
from storage import ledger
from storage.db import sessions
from storage.models import Contact, Member
from tests.botkit import WhatsAppUser, app_environ, run_jobs
from tests.payoutkit import payout_env


def _enroll(user: WhatsAppUser, app: Any, points: int, upi: str = "ramesh.kumar@okaxis") -> int:
    for msg in ("hi", "1", "Ramesh Kumar", "1", "226010", upi, "yes"):
        user.send(msg)
    user.replies()
    with sessions(app).begin() as s:
        m = s.scalar(select(Member).where(Member.phone == user.phone))
        if points:
            ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=points, reason="qr_claim",
                            idempotency_key=f"seed:{m.id}")
        return m.id


def _env(app: Any, standin: Any, rzp: Any, **extra: str) -> dict[str, str]:
    """The CLI's environment: the test app's database, and its embedded queue (never the real Redis)."""
    return app_environ(app.config["DATABASE_URL"], standin.url, **payout_env(rzp), REDIS_URL="", **extra)


def test_vouchers_load_stock_and_redeem_by_chat(make_app, standin, rzp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**payout_env(rzp))
    csv = tmp_path / "codes.csv"
    csv.write_text("brand,value,code,pin,expiry\nIndianOil,500,IOC-AAAA-1111,1234,2027-12-31\n"
                   "IndianOil,500,IOC-BBBB-2222,5678,2027-12-31\nIndianOil,500,IOC-AAAA-1111,1234,2027-12-31\n")
    env = _env(app, standin, rzp)
    out = CliRunner().invoke(main, ["vouchers", "load", str(csv)], env=env)
    assert out.exit_code == 0 and "Loaded 2 code(s)" in out.output and "1 duplicate" in out.output
    again = CliRunner().invoke(main, ["vouchers", "load", str(csv)], env=env)
    assert "Loaded 0 code(s)" in again.output and "3 duplicate" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("brand,value,code\nX,1,Y\n")
    assert "missing column" in CliRunner().invoke(main, ["vouchers", "load", str(bad)], env=env).output
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    member_id = _enroll(u, app, 3000)
    u.ask("redeem")
    out_of_stock = u.ask("3")  # Amazon: nothing loaded
    assert "out of stock" in out_of_stock
    u.ask("redeem")
    summary = u.ask("2")
    assert "IndianOil fuel voucher" in summary and "2,100 points" in summary
    given = u.ask("1")
    assert "Code: IOC-AAAA-1111" in given and "PIN: 1234" in given and "balance 1,000 points" in given
    stock = CliRunner().invoke(main, ["vouchers", "stock"], env=env)
    assert "IndianOil\t₹500\t1\t1" in stock.output
    with sessions(app)() as s:
        assert s.scalar(select(Voucher).where(Voucher.code == "IOC-AAAA-1111")).redemption_id is not None
        m = s.get(Member, member_id)
        assert ledger.balance(s, m.account_id) == 1000 and ledger.verify(s) == []


def test_manual_provider_export_and_mark_paid(make_app, standin, rzp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**payout_env(rzp), INAAM_PAYOUT_PROVIDER="manual")
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    _enroll(u, app, 3000)
    u.ask("redeem")
    u.ask("1")
    u.ask("100")
    assert "is this your UPI ID" in u.ask("1")
    u.ask("YES")
    u.ask("ABCPK1234L")
    u.ask("Ramesh Kumar")
    assert "on its way" in u.ask("YES")
    run_jobs(app)
    env = _env(app, standin, rzp, INAAM_PAYOUT_PROVIDER="manual")
    listed = CliRunner().invoke(main, ["payouts", "pending"], env=env)
    assert "₹100" in listed.output and "1 payout(s) pending" in listed.output and "ramesh.kumar@" not in listed.output
    csv = tmp_path / "bank.csv"
    assert CliRunner().invoke(main, ["payouts", "export", str(csv)], env=env).exit_code == 0
    text = csv.read_text()
    assert "ramesh.kumar@okaxis,100.00,UPI,rdm-1" in text
    assert "--utr" in CliRunner().invoke(main, ["payouts", "mark-paid", "rdm-1"], env=env).output
    done = CliRunner().invoke(main, ["payouts", "mark-paid", "rdm-1", "--utr", "612345678901"], env=env)
    assert "processing -> processed" in done.output
    run_jobs(app)
    assert "UTR: 612345678901" in "\n".join(u.replies())
    assert rzp.payout_count() == 0


def test_kyc_name_mismatch_goes_to_review(make_app, standin, rzp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**payout_env(rzp))
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    _enroll(u, app, 3000)
    for msg in ("redeem", "1", "100", "1", "1", "ABCPK1234L"):
        u.ask(msg)
    summary = u.ask("Mohammed Salim Ansari")
    assert "doesn't quite match" in summary
    assert "once our team has checked" in u.ask("1")
    env = _env(app, standin, rzp)
    listed = CliRunner().invoke(main, ["payouts", "review"], env=env)
    assert "rdm-1" in listed.output and "ABXXXXXX4L" in listed.output and "ABCPK1234L" not in listed.output
    assert "on the way" not in u.ask("balance") and "waiting for a PAN check" in u.ask("balance")
    ok = CliRunner().invoke(main, ["payouts", "review", "--approve", "rdm-1", "--note", "PAN card seen"], env=env)
    assert "approved" in ok.output
    run_jobs(app)
    assert rzp.payout_count() == 1
    with sessions(app)() as s:
        assert s.get(Redemption, 1).status == "processing"
        assert s.get(PayoutProfile, 1).kyc_status == "verified"


def test_tds_194r_rates_and_report(make_app, standin, rzp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rules = RedemptionRules(tds_threshold_rupees=20_000, tds_rate_percent=10, tds_no_pan_rate_percent=20)
    assert tax.compute_tds(rules, prior_paise=1_500_000, gross_paise=500_000, has_pan=True).tds_paise == 0
    crossing = tax.compute_tds(rules, prior_paise=1_800_000, gross_paise=500_000, has_pan=True)
    assert (crossing.tds_paise, crossing.net_paise, crossing.mode) == (230_000, 270_000, "deduct")  # on ₹23,000
    assert tax.compute_tds(rules, prior_paise=2_500_000, gross_paise=100_000, has_pan=False).tds_paise == 20_000
    grossup = RedemptionRules(tds_mode="grossup")
    g = tax.compute_tds(grossup, prior_paise=2_500_000, gross_paise=90_000, has_pan=True)
    assert (g.tds_paise, g.net_paise) == (10_000, 90_000)
    assert tax.pan_problem("ABCPK1234L") is None and tax.pan_problem("ABCFK1234L") == "not_individual"
    assert tax.pan_problem("ABCXK1234L") == "holder_type" and tax.pan_problem("AB1PK1234L") == "format"

    app = make_app(**payout_env(rzp))
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    member_id = _enroll(u, app, 90_000)
    with sessions(app).begin() as s:  # ₹19,000 already given this year
        s.add(PayoutProfile(member_id=member_id, kyc_status="verified", pan="ABCPK1234L", pan_name="RAMESH KUMAR",
                            upi_validated_fp=None))
        s.add(Redemption(member_id=member_id, kind="upi", reward_code="upi", points=76_000, gross_paise=1_900_000,
                         tds_paise=0, net_paise=1_900_000, tds_mode="none", fy=tax.financial_year(service.utcnow()),
                         status="processed", provider="razorpayx", attempts=1,
                         created_at=service.utcnow() - dt.timedelta(days=2),
                         settled_at=service.utcnow() - dt.timedelta(days=2)))
    for msg in ("redeem", "1", "2000", "1"):
        u.ask(msg)
    summary = u.ask("1")
    # ₹2,100 due (10 % of the year's ₹21,000) on a ₹2,000 payout: ₹1,999 is cut, the brand pays the rest.
    assert "TDS (section 194R): ₹2,111.22 (10% on this year's ₹21,000 of rewards, plus the tax" in summary, summary
    assert "₹1,999 of it is cut from this payout" in summary and "You receive: ₹1" in summary
    u.ask("YES")
    run_jobs(app)
    with sessions(app).begin() as s:
        row = s.scalar(select(Redemption).where(Redemption.status == "processing"))
        assert (row.gross_paise, row.tds_paise, row.net_paise, row.tds_brand_paise) == (200_000, 211_122, 100,
                                                                                        11_222)
        notice = service.apply_status(s, row, "processed", utr="UTR0000001")
        assert notice is not None
    assert "₹21,000, past the ₹20,000 TDS limit (section 194R). TDS this year: ₹2,111.22." in u.ask("balance")
    out = tmp_path / "tds.csv"
    today = service.utcnow().astimezone(tax.IST).date()
    quarter = f"{today.year if today.month >= 4 else today.year - 1}Q{((today.month - 4) % 12) // 3 + 1}"
    res = CliRunner().invoke(main, ["tds", "report", "--quarter", quarter, "--out", str(out)],
                             env=_env(app, standin, rzp))
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("member_id,member_name,phone,pan")
    assert any(",ABCPK1234L," in line and ",2000.00,19000.00,112.22,21112.22,10,2111.22,1999.00,member+brand,1.00,"
               "UTR0000001," in line for line in lines)
    assert "quarter must look like" in CliRunner().invoke(main, ["tds", "report", "--quarter", "Q3"],
                                                          env=_env(app, standin, rzp)).output


def test_tier_multiplier_and_fifo_expiry(make_app, standin, rzp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import loyalty.hooks as hooks
    import storage.ledger_core as core
    from loyalty.expiry import expire
    from loyalty.hooks import on_credit

    app = make_app(**payout_env(rzp))
    program = load_program()
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    member_id = _enroll(u, app, 0)
    now = service.utcnow()

    def at(when: dt.datetime) -> None:
        monkeypatch.setattr(core, "utcnow", lambda: when)
        monkeypatch.setattr(hooks, "utcnow", lambda: when)

    months = dt.timedelta(days=30.44)
    with app.app_context():
        at(now - 30 * months)
        with sessions(app).begin() as s:
            m = s.get(Member, member_id)
            ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=6000, reason="qr_claim",
                            idempotency_key="old-earning")
            assert on_credit(s, m, base_points=6000, key="old-earning") == 0  # promoted to Gold by this credit
            ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=1000, reason="qr_claim",
                            idempotency_key="gold-earning")
            assert on_credit(s, m, base_points=1000, key="gold-earning") == 100  # Gold: x1.1
            assert on_credit(s, m, base_points=1000, key="gold-earning") == 100  # idempotent
        at(now - 20 * months)
        with sessions(app).begin() as s:
            m = s.get(Member, member_id)
            ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=500, reason="qr_claim",
                            idempotency_key="newer-earning")
        at(now - 10 * months)
        with sessions(app).begin() as s:
            m = s.get(Member, member_id)
            ledger.transfer(s, source=m.account_id, dest=ledger.REDEMPTION, points=6900, reason="redemption",
                            idempotency_key="spent")
        monkeypatch.undo()
    today = now.astimezone(tax.IST).date()
    # 7,100 earned 30 months ago (6,000 + 1,000 + 100 Gold bonus), 6,900 spent oldest-first: 200 old points
    # remain and expire; the 500 earned 20 months ago and today's 100 welcome bonus stay.
    assert expire(sessions(app), program, today) == {"members": 1, "points": 200}
    assert expire(sessions(app), program, today) == {"members": 0, "points": 0}
    with sessions(app)() as s:
        m = s.get(Member, member_id)
        assert ledger.balance(s, m.account_id) == 600 and ledger.verify(s) == []
    assert "Silver" in u.ask("balance")  # nothing earned in the last 12 months


def test_expiry_reminders_go_out_once_as_templates(make_app, standin, rzp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    import storage.ledger_core as core
    from content.api import content_client
    from content.registry import sync_templates
    from loyalty.reminders import send_reminders
    from storage.models import Contact
    from workers.jobs import schedule_send

    app = make_app(**payout_env(rzp))
    program = load_program()
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    member_id = _enroll(u, app, 0)
    today = service.utcnow().astimezone(tax.IST).date()
    from loyalty.expiry import months_before

    earned_at = dt.datetime.combine(months_before(today, 24) + dt.timedelta(days=5), dt.time(12), tax.IST)
    monkeypatch.setattr(core, "utcnow", lambda: earned_at.astimezone(dt.UTC))
    with sessions(app).begin() as s:
        m = s.get(Member, member_id)
        ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=1234, reason="qr_claim",
                        idempotency_key="old")
    monkeypatch.undo()
    with sessions(app).begin() as s:
        sync_templates(s, content_client(app.config), app.config["TEMPLATES"])
        contact = s.scalar(select(Contact).where(Contact.member_id == member_id))
        contact.last_inbound_at = service.utcnow() - dt.timedelta(hours=30)  # outside the 24-hour window
        contact_id = contact.id
    # the points expire in 6 days: the 7-day step speaks (the 30-day one is marked told with it)
    assert send_reminders(sessions(app), program, today) == {30: 0, 7: 1, 1: 0}
    assert send_reminders(sessions(app), program, today) == {30: 0, 7: 0, 1: 0}
    schedule_send(app, contact_id)
    run_jobs(app)
    sent = [m for m in standin.messages(to=f"whatsapp:{u.phone}")  # templates, not enrollment's buttons
            if m["content_sid"] and "twilio/text" in (m["content_types"] or {})]
    assert len(sent) == 1
    variables = json.loads(sent[-1]["content_variables"])
    assert variables["1"] == "Ramesh Kumar" and variables["2"] == "1,234"
    from bot.i18n import format_day

    assert variables["3"] == format_day("en", today + dt.timedelta(days=6))  # expires on X+1, 24 months on
    assert all(m["window_error"] is None for m in sent)


def test_expiry_reminders_night_by_night_name_the_true_date_and_never_nag(make_app, standin, rzp,
                                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Points earned on one day: reminders exactly 30, 7 and 1 day before, each naming that day. Points
    earned on 40 days in a row: at most one reminder a night, the 30- and 7-day steps quiet within
    their windows."""
    import storage.ledger_core as core
    from loyalty.expiry import months_before
    from loyalty.reminders import send_reminders
    from storage.models import OutboundMessage

    app = make_app(**payout_env(rzp))
    program = load_program()
    months = program.redemption.expiry_months
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    once = _enroll(u, app, 0)
    u2 = WhatsAppUser(client=app.test_client(), standin=standin, app=app, phone="+919812345999")
    daily = _enroll(u2, app, 1)
    start = dt.date(2027, 1, 1)  # the first night simulated
    expires = start + dt.timedelta(days=35)

    def earn(member_id: int, on: dt.date, points: int, key: str) -> None:
        at = dt.datetime.combine(on, dt.time(12), tax.IST)
        monkeypatch.setattr(core, "utcnow", lambda: at.astimezone(dt.UTC))
        with sessions(app).begin() as s:
            m = s.get(Member, member_id)
            ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=points, reason="qr_claim",
                            idempotency_key=key)
        monkeypatch.undo()

    earn(once, months_before(expires - dt.timedelta(days=1), months), 500, "one-day")  # expiry: the day after
    for n in range(40):
        earn(daily, months_before(start + dt.timedelta(days=n), months), 10, f"daily-{n}")
    told: dict[int, list[tuple[dt.date, dict[int, int]]]] = {}
    for night in range(40):
        today = start + dt.timedelta(days=night)
        with sessions(app)() as s:
            before = {mid: s.scalar(select(func.count()).select_from(OutboundMessage).join(
                Contact, Contact.id == OutboundMessage.contact_id).where(
                Contact.member_id == mid, OutboundMessage.template == "points_expiry")) for mid in (once, daily)}
        send_reminders(sessions(app), program, today)
        with sessions(app)() as s:
            for mid in (once, daily):
                rows = s.scalars(select(OutboundMessage).join(Contact, Contact.id == OutboundMessage.contact_id)
                                 .where(Contact.member_id == mid, OutboundMessage.template == "points_expiry")
                                 .order_by(OutboundMessage.id)).all()
                assert len(rows) - before[mid] <= 1  # never two in a night
                if len(rows) > before[mid]:
                    told.setdefault(mid, []).append((today, dict(rows[-1].variables or {})))
    from bot.i18n import format_day

    assert [(expires - day).days for day, _ in told[once]] == [30, 7, 1]
    assert all(v["date"] == format_day("en", expires) and v["points"] == "500" for _, v in told[once])
    # points expiring every day: one message a night, always the most urgent truth (tomorrow's 10);
    # the 7- and 30-day steps never add a second message in a night
    assert all(v["date"] == format_day("en", day + dt.timedelta(days=1)) for day, v in told[daily])
    assert all(v["points"] == "10" for _, v in told[daily])


def test_coupon_credit_reply_shows_tier_multiplier_and_promotion(user, app) -> None:  # type: ignore[no-untyped-def]
    from tests.claimkit import code, enroll, new_batch

    enroll(user)
    big = new_batch(app, points=5000)
    first = user.ask(f"code {code(app, big, 1)}")
    assert "+5,000 points" in first and "You are now a Gold member" in first and "×" not in first
    small = new_batch(app, points=10)
    second = user.ask(f"code {code(app, small, 1)}")
    assert "Gold bonus: 10 × 1.1 = 11 points credited" in second and "New balance: 5,111 points" in second
    assert "Gold" in user.ask("balance")
    statement = user.ask("statement")
    assert "Tier bonus" in statement
    with sessions(app)() as s:
        assert ledger.verify(s) == []


def test_erasure_removes_upi_and_pan_but_keeps_the_books(make_app, standin, rzp) -> None:  # type: ignore[no-untyped-def]
    from storage.privacy import erase

    app = make_app(**payout_env(rzp))
    u = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    member_id = _enroll(u, app, 3000)
    for msg in ("redeem", "1", "100", "1", "1", "ABCPK1234L", "Ramesh Kumar", "YES"):
        u.ask(msg)
    with sessions(app).begin() as s:
        erase(s, s.get(Member, member_id))
    with sessions(app)() as s:
        row = s.scalar(select(Redemption))
        prof = s.get(PayoutProfile, member_id)
        assert row.vpa is None and row.holder_name is None and row.net_paise == 10_000
        assert prof.pan is None and prof.upi_holder_name is None and prof.fund_account_ref is None
        assert ledger.verify(s) == []


def test_embedded_clock_runs_the_nightly_job_once_per_night_and_catches_up_missed_ones(make_app) -> None:  # type: ignore[no-untyped-def]
    from payouts import schedule
    from payouts.models import NightlyRun
    from workers.queue import get_queue

    app = make_app()
    schedule._checked_due = None

    def queued() -> list[str]:
        return sorted(j.removeprefix("loyalty-nightly-") for j in get_queue(app).job_ids
                      if j.startswith("loyalty-nightly"))

    def done() -> list[str]:
        with sessions(app)() as s:
            return [d.isoformat() for d in s.scalars(select(NightlyRun.day).order_by(NightlyRun.day))]

    start = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)  # 20:30 IST on 2 December
    # A fresh install runs the night just passed (02:00 IST, 2 December), once.
    assert schedule.embedded_tick(app, 1, start) == [dt.date(2026, 12, 2)]
    assert schedule.embedded_tick(app, 2, start + dt.timedelta(seconds=1)) == []
    run_jobs(app)
    assert done() == ["2026-12-02"] and queued() == []
    late = dt.datetime(2026, 12, 2, 20, 30, 1, 700_000, tzinfo=dt.UTC)  # the tick at 20:30:00 was skipped
    assert schedule.embedded_tick(app, 3, late) == [dt.date(2026, 12, 3)]
    assert schedule.embedded_tick(app, 4, late + dt.timedelta(seconds=1)) == []  # once per night
    assert schedule.embedded_tick(app, 5, late + dt.timedelta(hours=23)) == []
    run_jobs(app)
    # The process was down (or the machine asleep) for three nights: at the next tick the missed
    # nights are queued, oldest first, each for its own date, and the recheck finds nothing more.
    back = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)  # 14:30 IST, 6 December
    assert schedule.embedded_tick(app, 7, back) == [dt.date(2026, 12, 4), dt.date(2026, 12, 5),
                                                    dt.date(2026, 12, 6)]
    assert queued() == ["2026-12-04", "2026-12-05", "2026-12-06"]
    run_jobs(app)
    assert done() == ["2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"]
    app.extensions["inaam.redis"].flushdb()  # the queue markers gone: only the records decide now
    assert schedule.embedded_tick(app, schedule.RECHECK_EVERY_TICKS, back) == []
    schedule._checked_due = None
