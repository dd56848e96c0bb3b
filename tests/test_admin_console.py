"""The admin console: sign-in security, roles, claims review, members, coupons, audit log."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select, text

from claims.codes import parse_code
from storage import ledger
from storage.admin_models import AdminSession, AuditEntry
from storage.claim_models import CouponBatch, InvoiceClaim
from storage.db import sessions
from storage.models import Member
from tests.adminkit import (
    PASSWORD,
    SQLITE_ONLY,
    Console,
    claim_codes_for,
    csrf_from,
    make_user,
    quick_member,
    review_invoice,
)
from tests.botkit import run_jobs
from tests.claimkit import code, new_batch


def _audit(app, action: str) -> list[AuditEntry]:
    with sessions(app)() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_login_sessions_csrf_and_rate_limit(make_app) -> None:
    app = make_app()
    make_user(app)
    anon = app.test_client()
    assert anon.get("/admin/dashboard").status_code == 302  # to the login page
    page = anon.get("/admin/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page
    # no CSRF token: refused
    assert anon.post("/admin/login", data={"email": "admin@brand.in", "password": PASSWORD}).status_code == 400
    console = Console(app)
    assert console.last.status_code == 302
    cookie = console.last.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert console.get("/admin/dashboard").status_code == 200
    # the session lives in the database: a second app (another web process) accepts the same cookie
    other = make_app()
    token = cookie.split(";")[0].split("=", 1)[1]
    second = other.test_client()
    second.set_cookie("inaam_admin", token)
    assert second.get("/admin/dashboard").status_code == 200
    # sign out ends it everywhere
    dash = console.text("/admin/dashboard")
    console.client.post("/admin/logout", data={"csrf_token": csrf_from(dash)})
    assert second.get("/admin/dashboard").status_code == 302
    with sessions(app)() as db:
        assert db.scalar(select(AdminSession).where(AdminSession.user_id.is_not(None))) is None
    # five wrong passwords lock the address out, even for the right password, across processes
    for _ in range(5):
        assert Console(app, password="wrong password!").last.status_code == 401
    assert Console(other).last.status_code == 429
    assert len(_audit(app, "login.failed")) == 5 and _audit(app, "login")


@SQLITE_ONLY
def test_roles_limit_what_each_user_sees(app) -> None:
    from storage.reps import add_rep

    with sessions(app).begin() as db:
        rep_id = add_rep(db, "Suresh Yadav", "+919811111111").id
    make_user(app, "reviewer@brand.in", "reviewer")
    make_user(app, "rep@brand.in", "rep", rep_id=rep_id)
    reviewer, rep = Console(app, "reviewer@brand.in"), Console(app, "rep@brand.in")
    assert reviewer.get("/admin/claims").status_code == 200
    assert reviewer.get("/admin/users").status_code == 403
    assert reviewer.get("/admin/audit").status_code == 403
    page = reviewer.text("/admin/coupons")
    assert "Issue a new batch" not in page  # read-only there
    assert rep.get("/admin/members").status_code == 403
    mine = rep.text("/admin/mine")
    assert "JOIN%20" in mine and "Suresh Yadav" in mine
    assert rep.get(f"/admin/reps/{rep_id}/poster.png").status_code == 200
    assert rep.get(f"/admin/reps/{rep_id + 1}/poster.png").status_code == 403


@SQLITE_ONLY
def test_claim_review_approve_and_reject_notify_once(app, user, standin) -> None:
    make_user(app)
    mid = quick_member(app, user.phone, lang="hi", pin="226001")
    batch = new_batch(app, points=40, regions=["4"])  # outside the member's region: held for review
    claim_codes_for(app, mid, [code(app, batch, 1), code(app, batch, 2)])
    console = Console(app)
    queue = console.text("/admin/claims?kind=coupon")
    assert "C1" in queue and "outside the batch" in queue
    before = _balance(app, mid)
    page = console.text("/admin/claims/C1")
    assert 'data-key="a"' in page and "इलाक़े" in page  # reasons shown in the member's language
    resp = console.post("/admin/claims/C1/decide", {"decision": "approve"}, form_page="/admin/claims/C1")
    assert resp.status_code == 302
    run_jobs(app)
    assert _balance(app, mid) == before + 40
    notices = user.replies()
    assert len(notices) == 1 and "+40" in notices[0] and "मंज़ूर" in notices[0]
    # a second click (stale page) changes nothing and sends nothing
    again = console.post("/admin/claims/C1/decide", {"decision": "approve"}, form_page="/admin/claims/C2")
    assert again.status_code == 302
    run_jobs(app)
    assert user.replies() == [] and _balance(app, mid) == before + 40
    # reject with a reason from the list: the member reads it in Hindi
    no_reason = console.post("/admin/claims/C2/decide", {"decision": "reject"}, form_page="/admin/claims/C2")
    assert no_reason.status_code == 302 and user.replies() == []
    console.post("/admin/claims/C2/decide", {"decision": "reject", "reason_code": "outside_region"},
                 form_page="/admin/claims/C2")
    run_jobs(app)
    notice = user.replies()
    assert len(notice) == 1 and "यह कूपन आपके इलाक़े में मान्य नहीं है" in notice[0]
    assert {e.target_id for e in _audit(app, "claim.approve")} == {"C1"}
    assert [e.after["reason"] for e in _audit(app, "claim.reject")] == ["outside_region"]


@SQLITE_ONLY
def test_invoice_correction_recomputes_points(app, user) -> None:
    make_user(app)
    mid = quick_member(app, user.phone)
    claim_id = review_invoice(app, mid, total_paise=1_245_050)
    console = Console(app)
    page = console.text(f"/admin/claims/I{claim_id}")
    assert "₹12,450.50" in page and "<meter" in page and "/admin/media/" in page
    photo_url = page.split('id="claim-photo"')[0].rsplit('src="', 1)[1].split('"')[0]
    photo = console.get(photo_url)
    assert photo.status_code == 200 and photo.data[:4] == b"\x89PNG"
    resp = console.post(f"/admin/claims/I{claim_id}/correct", {"field": "total_paise", "value": "1,24,505"},
                        form_page=f"/admin/claims/I{claim_id}", follow=True)
    assert "corrected" in resp.get_data(as_text=True)
    with sessions(app)() as db:
        claim = db.get(InvoiceClaim, claim_id)
        assert claim.total_paise == 12_450_500 and claim.points == app.config["PROGRAM"].invoice.points_for(12_450_500)
    bad = console.post(f"/admin/claims/I{claim_id}/correct", {"field": "supplier_gstin", "value": "29ABCDE1234F1Z0"},
                       form_page=f"/admin/claims/I{claim_id}", follow=True)
    assert "not a valid GSTIN" in bad.get_data(as_text=True)
    entry = _audit(app, "claim.correct")[0]
    assert entry.before == {"total_paise": 1_245_050} and entry.after["total_paise"] == 12_450_500


def _balance(app, member_id: int) -> int:
    with sessions(app)() as db:
        return ledger.balance(db, db.get(Member, member_id).account_id)


@SQLITE_ONLY
def test_members_search_adjust_block(app, user) -> None:
    make_user(app)
    mid = quick_member(app, user.phone, name="Ramesh Kumar", pin="226010")
    console = Console(app)
    for q in ("98123", "ramesh", "2260", f"#{mid}"):
        assert "Ramesh Kumar" in console.text(f"/admin/members?q={q}"), q
    assert "Ramesh Kumar" not in console.text("/admin/members?q=Suresh")
    csv_text = console.text("/admin/members?format=csv")
    assert "Ramesh Kumar" in csv_text and csv_text.startswith("\ufeffMember")
    before = _balance(app, mid)
    profile = console.text(f"/admin/members/{mid}")
    nonce = profile.split('name="nonce" value="')[1].split('"')[0]
    form = {"points": "250", "reason": "Goodwill for a late payout", "nonce": nonce}
    console.post(f"/admin/members/{mid}/adjust", form, form_page=f"/admin/members/{mid}")
    console.post(f"/admin/members/{mid}/adjust", form, form_page=f"/admin/members/{mid}")  # double submit
    assert _balance(app, mid) == before + 250
    no_reason = console.post(f"/admin/members/{mid}/adjust", {"points": "5", "reason": " "},
                             form_page=f"/admin/members/{mid}", follow=True)
    assert "reason is required" in no_reason.get_data(as_text=True)
    too_much = console.post(f"/admin/members/{mid}/adjust", {"points": str(-(before + 251)), "reason": "x"},
                            form_page=f"/admin/members/{mid}", follow=True)
    assert "does not have that many points" in too_much.get_data(as_text=True)
    assert _balance(app, mid) == before + 250
    with sessions(app)() as db:
        assert ledger.verify(db) == []
    assert _audit(app, "member.adjust")[0].after["balance"] == before + 250
    console.post(f"/admin/members/{mid}/block", {"action": "block", "reason": "coupon fraud"},
                 form_page=f"/admin/members/{mid}")
    assert "on hold" in user.ask("ABCD-EFGH-JKMN-PQRS")
    assert "on hold" not in user.ask("balance")  # the balance is still theirs to see
    console.post(f"/admin/members/{mid}/block", {"action": "unblock"}, form_page=f"/admin/members/{mid}")
    assert "on hold" not in user.ask("ABCD-EFGH-JKMN-PQRS")


@SQLITE_ONLY
def test_coupons_issue_download_void_and_scans(app, user) -> None:
    make_user(app)
    mid = quick_member(app, user.phone)
    console = Console(app)
    resp = console.post("/admin/coupons/issue", {"sku": "CBL-2.5MM", "points": "15", "count": "12",
                                                 "regions": "226"}, form_page="/admin/coupons")
    batch_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    rows = list(csv.reader(io.StringIO(console.text(f"/admin/coupons/{batch_id}/codes.csv"))))
    codes = [r[0] for r in rows[1:]]
    assert len(codes) == 12
    assert all(parse_code(app.config["COUPON_SECRET"], c).batch == batch_id for c in codes)
    assert console.get(f"/admin/coupons/{batch_id}/labels.pdf").data[:5] == b"%PDF-"
    claim_codes_for(app, mid, [codes[0]])
    page = console.text(f"/admin/coupons/{batch_id}")
    assert "Uttar Pradesh" in page and "<svg" in page
    console.post(f"/admin/coupons/{batch_id}/void", {"reason": "labels stolen"}, form_page=f"/admin/coupons/{batch_id}")
    with sessions(app)() as db:
        assert db.get(CouponBatch, batch_id).void_reason == "labels stolen"
    assert [e.action for e in _audit(app, "batch.void")] == ["batch.void"]
    assert "withdrawn" in user.ask(codes[1]).lower()


def test_audit_log_is_append_only_and_exportable(app) -> None:
    make_user(app)
    console = Console(app)
    console.post("/admin/reps/new", {"name": "Anil Verma", "phone": "9876543210"}, form_page="/admin/reps")
    page = console.text("/admin/audit")
    assert "rep.create" in page and "admin@brand.in" in page
    exported = console.text("/admin/audit?format=csv")
    assert "rep.create" in exported and "IST" in exported
    with sessions(app)() as db, pytest.raises(Exception, match="append-only"):
        db.execute(text("UPDATE audit_log SET actor = 'someone else'"))
        db.commit()
    with sessions(app)() as db, pytest.raises(Exception, match="append-only"):
        db.execute(text("DELETE FROM audit_log"))
        db.commit()


@SQLITE_ONLY
def test_create_user_command_reads_the_password_from_stdin(app, standin) -> None:
    from click.testing import CliRunner

    from bot.cli import main
    from tests.botkit import app_environ

    env = app_environ(app.config["DATABASE_URL"], standin.url)
    result = CliRunner().invoke(main, ["admin", "create-user", "Boss@Brand.in", "--role", "admin"],
                                input="a long enough passphrase\n", env=env)
    assert result.exit_code == 0, result.output
    short = CliRunner().invoke(main, ["admin", "create-user", "x@brand.in"], input="short\n", env=env)
    assert short.exit_code != 0 and "10 characters" in short.output
    assert Console(app, "boss@brand.in", "a long enough passphrase").last.status_code == 302
    assert Console(app, "boss@brand.in", "wrong").last.status_code == 401


def test_hostile_input_gets_4xx_never_5xx(app) -> None:
    make_user(app)
    console = Console(app)
    for path in ("/admin/members?q=%00", "/admin/members/99999999999999999999999", "/admin/claims/X1",
                 "/admin/members?page=999999999999999999999", "/admin/audit?target=member%20abc",
                 "/admin/coupons/0", "/admin/media/123456789"):
        assert console.get(path).status_code < 500, path
    resp = console.post("/admin/members/1/adjust", {"points": "1", "reason": "a\x00b"})
    assert resp.status_code == 400


def test_two_reviewers_at_once_credit_and_notify_once(app, user) -> None:
    import threading

    from claims.exceptions import ClaimAlreadyDecided
    from claims.review import decide
    from storage.models import OutboundMessage

    mid = quick_member(app, user.phone)
    batch = new_batch(app, points=40, regions=["4"])
    claim_codes_for(app, mid, [code(app, batch, 1)])
    before = _balance(app, mid)
    with sessions(app)() as db:
        sent_before = db.scalar(select(func.count()).select_from(OutboundMessage))
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def reviewer(name: str) -> None:
        barrier.wait()
        try:
            with sessions(app).begin() as db:
                decide(db, "C1", approve=True, admin=name, note=None, support_phone="+911800000000")
            outcomes.append("ok")
        except ClaimAlreadyDecided:
            outcomes.append("already")

    threads = [threading.Thread(target=reviewer, args=(f"r{i}@brand.in",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already", "already", "already", "ok"]
    assert _balance(app, mid) == before + 40
    with sessions(app)() as db:
        assert db.scalar(select(func.count()).select_from(OutboundMessage)) == sent_before + 1
