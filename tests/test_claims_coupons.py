"""Coupon claims end to end: photos and typed codes through the webhook, the jobs and the ledger."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot.program import DEFAULT_PROGRAM_FILE
from claims.codes import make_code, printed
from claims.coupons import CodeResult, claim_codes, void_batch
from storage import ledger
from storage.base import utcnow
from storage.claim_models import CouponRedemption
from storage.db import sessions
from storage.models import Member
from tests.botkit import WhatsAppUser
from tests.claimkit import code, coupon_photo, enroll, new_batch


def balance(app, phone: str) -> int:
    with sessions(app)() as s:
        member = s.scalar(select(Member).where(Member.phone == phone))
        return ledger.balance(s, member.account_id)


def test_photo_with_three_coupons_credits_each_once(user: WhatsAppUser, app) -> None:
    enroll(user)
    batch = new_batch(app, points=15)
    codes = [code(app, batch, n) for n in (1, 2, 3)]
    reply = user.ask("", media=[(coupon_photo(codes), "image/jpeg")])
    for c in codes:
        assert f"✅ {printed(c)} — +15 points (CEM-OPC53)" in reply
    assert "45 points added" in reply and "New balance: 145 points" in reply
    again = user.ask("", media=[(coupon_photo(codes), "image/jpeg")])
    assert again.count("you already claimed this coupon") == 3
    assert balance(app, user.phone) == 145


def test_ten_coupons_in_one_photo(user: WhatsAppUser, app) -> None:
    enroll(user)
    batch = new_batch(app, points=5)
    codes = [code(app, batch, n) for n in range(10)]
    reply = user.ask("", media=[(coupon_photo(codes, module_px=5), "image/jpeg")])
    assert reply.count("✅") == 10 and "50 points added" in reply


def test_typed_codes_forgive_case_spaces_and_dashes(user: WhatsAppUser, app) -> None:
    enroll(user)
    batch = new_batch(app, points=7)
    typed = printed(code(app, batch, 9)).lower().replace("-", " ")
    reply = user.ask(f"code {typed}")
    assert "+7 points" in reply and "New balance: 107 points" in reply


def test_typo_forged_and_voided_codes_are_refused_with_reasons(user: WhatsAppUser, app) -> None:
    enroll(user)
    batch = new_batch(app)
    good = code(app, batch, 4)
    typo = good[:5] + ("A" if good[5] != "A" else "B") + good[6:]
    assert "one character looks wrong" in user.ask(typo)
    forged = make_code(b"not-our-secret-at-all-000", batch, 5).text
    assert "not a valid coupon code" in user.ask(forged)
    with sessions(app).begin() as s:
        void_batch(s, batch, "stolen from warehouse")
    assert "withdrawn" in user.ask(good)
    assert balance(app, user.phone) == 100


def test_code_used_by_someone_else_says_when(app, standin) -> None:
    first = WhatsAppUser(client=app.test_client(), standin=standin, app=app, phone="+919811111111")
    second = WhatsAppUser(client=app.test_client(), standin=standin, app=app, phone="+919822222222")
    enroll(first, "Asha")
    enroll(second, "Bilal")
    batch = new_batch(app)
    c = code(app, batch, 11)
    assert "+10 points" in first.ask(c)
    assert "already used on" in second.ask(c)
    assert balance(app, second.phone) == 100


def test_region_limited_batch_goes_to_review_outside_its_region(user: WhatsAppUser, app) -> None:
    enroll(user, pin="400001")  # Mumbai
    batch = new_batch(app, regions=["226", "227"])  # Lucknow only
    reply = user.ask(code(app, batch, 1))
    assert "quick check" in reply
    with sessions(app)() as s:
        row = s.scalar(select(CouponRedemption))
        assert row.status == "review" and row.review_reason == "review_region"
    assert balance(app, user.phone) == 100


def test_velocity_breach_goes_to_review(make_app, standin, tmp_path) -> None:
    rules = tmp_path / "program.toml"
    rules.write_text(DEFAULT_PROGRAM_FILE.read_text().replace("max_per_minute = 20 ", "max_per_minute = 2 "))
    app = make_app(INAAM_PROGRAM_FILE=str(rules))
    user = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    enroll(user)
    batch = new_batch(app)
    reply = user.ask(" ".join(code(app, batch, n) for n in range(3)))
    assert reply.count("✅") == 2 and reply.count("quick check") == 1


def test_same_code_at_the_same_moment_pays_once(app) -> None:
    """Two members claim one code concurrently: the UNIQUE constraint decides (PostgreSQL and SQLite)."""
    from bot.program import load_program
    from storage.members import Enrollment
    from storage.members import enroll as enroll_member
    from storage.models import Contact

    with sessions(app).begin() as s:
        ids = []
        for n in range(8):
            contact = Contact(phone=f"+9198000000{n:02d}", slots={})
            s.add(contact)
            s.flush()
            member = enroll_member(s, contact, Enrollment(f"M{n}", "mason", "226001", None, "en"), welcome_bonus=0)
            ids.append(member.id)
    batch = new_batch(app, points=50)
    c = code(app, batch, 77)
    program = load_program()
    results: list[CodeResult] = []
    barrier = threading.Barrier(len(ids))

    def claim(member_id: int) -> None:
        barrier.wait()
        with sessions(app).begin() as s:
            member = s.get(Member, member_id)
            out = claim_codes(s, secret=app.config["COUPON_SECRET"], member=member, texts=[c], program=program,
                              now=utcnow())
            results.extend(o.result for o in out)

    threads = [threading.Thread(target=claim, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(CodeResult.CREDITED) == 1
    assert results.count(CodeResult.ALREADY_USED) == len(ids) - 1
    with sessions(app)() as s:
        assert s.scalar(select(func.count()).select_from(CouponRedemption)) == 1
        assert ledger.verify(s) == []
