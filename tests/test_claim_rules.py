"""Issue 11's claim rules: whose invoice it is, duplicates that survive misreads, typed codes the way
people type them, coupon photos sent before enrollment, and replies that say what changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from claims.codes import printed
from claims.invoices import claim_invoice
from claims.typed import complete_missing, typed_codes
from storage.base import utcnow
from storage.claim_models import InvoiceClaim
from storage.db import sessions
from storage.members import Enrollment, enroll
from storage.models import Media, Member
from tests.botkit import WhatsAppUser
from tests.claimkit import code, coupon_photo, enroll_firm, new_batch
from tests.claimkit import enroll as enroll_chat

SELLER = "29VZUPS7965V1ZQ"
FIRM = "08JTRCY0244U1ZY"
OTHER_FIRM = "23MMKPK5031Z1ZY"


def _reading(number: str, *, buyer: str | None = FIRM, total: int = 500000, day: str = "2026-11-05") -> dict:
    return {"outcome": "ok", "certain": True, "supplier_gstin": {"value": SELLER}, "buyer_gstin": {"value": buyer},
            "invoice_number": {"value": number}, "invoice_date": {"value": day}, "total_paise": {"value": total},
            "image_hash": None}


def _member(session, phone: str, role: str, gstin: str | None = None) -> Member:
    from storage.contacts import get_or_create_contact

    contact = get_or_create_contact(session, phone, "T")
    return enroll(session, contact, Enrollment("T", role, "226001", None, "en", gstin=gstin, firm_name="F"),
                  welcome_bonus=0)


def _media(session, member: Member) -> Media:
    from storage.models import Contact, InboundMessage

    contact = session.scalar(select(Contact).where(Contact.member_id == member.id))
    count = session.scalar(select(func.count(InboundMessage.id)))
    inbound = InboundMessage(message_sid=f"SM{count:032d}", contact_id=contact.id, params={})
    session.add(inbound)
    session.flush()
    media = Media(inbound_id=inbound.id, idx=0, url="x", status="stored")
    session.add(media)
    session.flush()
    return media


def _claim(session, member: Member, reading: dict, program) -> object:
    media = _media(session, member)
    return claim_invoice(session, member=member, media_id=media.id, reading=reading, program=program,
                         now=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))


def test_an_invoice_pays_only_its_buyer_of_a_claiming_role(app) -> None:
    program = app.config["PROGRAM"]
    with sessions(app).begin() as s:
        contractor = _member(s, "+919800000001", "contractor")
        firm = _member(s, "+919800000002", "distributor", FIRM)
        other = _member(s, "+919800000003", "retailer", OTHER_FIRM)
        assert _claim(s, contractor, _reading("A-1"), program).reasons == ["role_cannot_claim"]
        assert _claim(s, other, _reading("A-2"), program).reasons == ["not_your_invoice"]
        unread = _claim(s, firm, _reading("A-3", buyer=None), program)
        assert unread.status.value == "review" and "buyer_unread" in unread.reasons
        paid = _claim(s, firm, _reading("A-4", total=600000), program)
        assert paid.status.value == "credited" and paid.points == 60


def test_a_second_member_with_the_same_gstin_goes_to_review(app) -> None:
    program = app.config["PROGRAM"]
    with sessions(app).begin() as s:
        first = _member(s, "+919800000011", "distributor", FIRM)
        second = _member(s, "+919800000012", "distributor", FIRM)
        assert not first.gstin_shared and second.gstin_shared
        out = _claim(s, second, _reading("B-1"), program)
        assert out.status.value == "review" and "gstin_shared" in out.reasons


def test_same_supplier_date_and_total_goes_to_review_whatever_number_was_read(app) -> None:
    program = app.config["PROGRAM"]
    with sessions(app).begin() as s:
        firm = _member(s, "+919800000021", "distributor", FIRM)
        assert _claim(s, firm, _reading("VTC/26-27/2091"), program).status.value == "credited"
        misread = _claim(s, firm, _reading("VIC/26-27/2091"), program)  # same invoice, number read differently
        assert misread.status.value == "review" and "same_supplier_date_total" in misread.reasons
        assert s.scalar(select(InvoiceClaim.points).where(InvoiceClaim.id == misread.claim_id)) == 50


def test_enrollment_asks_a_firm_for_a_valid_gstin_and_its_name(user: WhatsAppUser) -> None:
    for text in ("Hello", "1", "Ramesh Kumar"):
        user.ask(text)
    assert "GSTIN" in user.ask("7")
    assert "doesn't check out" in user.ask("08JTRCY0244U1ZX")  # one character off: check character fails
    assert "firm's name" in user.ask("08 jtrcy 0244 u1zy")
    assert "PIN code" in user.ask("Shree Traders")


def test_typed_codes_with_o_for_zero_fillers_and_a_missing_character(user: WhatsAppUser, app) -> None:
    enroll_chat(user)
    batch = new_batch(app, points=7, count=500)
    first = next(c for c in (code(app, batch, n) for n in range(10, 400)) if "0" in c or "1" in c)
    second = code(app, batch, 401)
    typed = printed(first).lower().replace("0", "o").replace("1", "l").replace("-", " ")
    reply = user.ask(f"mera coupon code hai {typed}")
    assert "+7 points" in reply and "New balance: 107 points" in reply
    short = second[:6] + second[7:]
    reply = user.ask(printed(short))
    assert "one character was missing" in reply and printed(second) in reply and "+7 points" in reply
    again = user.ask(printed(second))
    assert "you already claimed this coupon" in again and "New balance" not in again  # nothing changed


def test_typed_code_helpers() -> None:
    secret = b"s" * 32
    from claims.codes import make_code

    full = make_code(secret, 3, 77).text
    assert typed_codes(f"code {full.lower()}") == ([full], [])
    assert typed_codes("what is my balance") is None
    assert typed_codes(full[:15]) == ([], [full[:15]])
    assert complete_missing(secret, full[:9] + full[10:]) == full
    assert complete_missing(b"x" * 32, full[:9] + full[10:]) is None  # not ours: nothing is guessed


def test_coupon_photo_before_enrollment_is_claimed_when_enrollment_ends(user: WhatsAppUser, app) -> None:
    batch = new_batch(app, points=12)
    c = code(app, batch, 5)
    first = user.ask("", media=[(coupon_photo([c]), "image/jpeg")])
    assert "kept it safe" in first
    replies = [user.ask(text) for text in ("1", "Ramesh Kumar", "1", "226001", "skip", "1")]
    assert f"✅ {printed(c)} — +12 points" in replies[-1] and "now been claimed" in replies[-1]
    statement = user.ask("statement")
    assert f"(coupon {printed(c)})" in statement


def test_statement_lists_pending_invoice_claims(user: WhatsAppUser, app) -> None:
    enroll_firm(user, "Shree Traders", FIRM)
    with sessions(app).begin() as s:
        member = s.scalar(select(Member))
        reading = _reading("INV/77", total=1234500) | {"certain": False, "doubts": ["invoice_number_single_engine"]}
        media = _media(s, member)
        claim_invoice(s, member=member, media_id=media.id, reading=reading, program=app.config["PROGRAM"],
                      now=utcnow())
    reply = user.ask("statement")
    assert "Still being checked (1)" in reply and "Invoice INV/77, ₹12,345" in reply


def test_checking_note_reaches_the_member_while_the_work_is_still_running(user: WhatsAppUser, app, monkeypatch) -> None:
    import time

    import workers.analysis
    from tests.samples import sample

    enroll_chat(user)
    seen_during_work: list[list[str]] = []
    real = workers.analysis.analyze

    def slow(*args, **kwargs):
        time.sleep(1.0)  # the work drags on past the threshold
        seen_during_work.append([m["body"] for m in user.standin.messages(to=f"whatsapp:{user.phone}")])
        return real(*args, **kwargs)

    monkeypatch.setattr(workers.analysis, "DEFAULT_ACK_AFTER_SECONDS", 0.2)
    monkeypatch.setattr(workers.analysis, "analyze", slow)
    user.replies()
    reply = user.ask("", media=[(sample("015.jpg"), "image/jpeg")])
    assert any("checking your file" in body for body in seen_during_work[0])  # sent before the result exists
    assert "damaged or incomplete" in reply
