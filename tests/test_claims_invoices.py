"""Invoice claims end to end: PDFs, photos and e-invoices through the bot, and the review queue."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.program import DEFAULT_PROGRAM_FILE
from claims.invoices import claim_invoice, dedupe_key, financial_year
from storage import ledger
from storage.claim_models import InvoiceClaim
from storage.db import sessions
from storage.models import Member, OutboundMessage
from tests.botkit import WhatsAppUser
from tests.claimkit import enroll, enroll_firm, own_gstin
from tests.samples import SAMPLES_DIR, sample


@pytest.fixture
def invoice_app(make_app, tmp_path):
    rules = tmp_path / "program.toml"
    key = SAMPLES_DIR / "einvoice-test-public.pem"
    text = DEFAULT_PROGRAM_FILE.read_text().replace("max_points_per_claim = 5000", "max_points_per_claim = 1000")
    if key.exists():
        text = text.replace('einvoice_public_key = ""', f'einvoice_public_key = "{key}"')
    rules.write_text(text)
    return make_app(INAAM_PROGRAM_FILE=str(rules))


@pytest.fixture
def member(invoice_app, standin) -> WhatsAppUser:
    user = WhatsAppUser(client=invoice_app.test_client(), standin=standin, app=invoice_app)
    enroll_firm(user, "Shree Traders", BUYER)
    return user


BUYER = "08JTRCY0244U1ZY"
"""The buyer of sample 002.pdf: the firm the test member registers."""


def test_text_pdf_invoice_is_credited_with_cap_and_reason(member: WhatsAppUser, invoice_app) -> None:
    reply = member.ask("", media=[(sample("002.pdf"), "application/pdf")])
    assert "✅ Invoice GST-3447 from GSTIN 29VZUPS7965V1ZQ" in reply
    assert "₹1,88,589" in reply and "+1,000 points" in reply
    assert "It would be 1,885 points, but one invoice earns at most 1,000." in reply
    assert "New balance: 1,100 points" in reply
    again = member.ask("", media=[(sample("002.pdf"), "application/pdf")])
    assert "already been claimed" in again and "Claimed on" in again
    with sessions(invoice_app)() as s:
        m = s.scalar(select(Member))
        assert ledger.balance(s, m.account_id) == 1100


def test_signed_einvoice_is_credited_from_its_qr(member: WhatsAppUser, invoice_app) -> None:
    own_gstin(invoice_app, "23MMKPK5031Z1ZY")  # 045.png's buyer
    reply = member.ask("", media=[(sample("045.png"), "image/png")])
    assert "✅ Invoice" in reply and "₹68,828" in reply and "+688 points" in reply
    with sessions(invoice_app)() as s:
        claim = s.scalar(select(InvoiceClaim))
        assert claim.status == "credited" and claim.irn and len(claim.irn) == 64


def test_forged_einvoice_is_refused(member: WhatsAppUser, invoice_app) -> None:
    reply = member.ask("", media=[(sample("048.jpg"), "image/jpeg")])
    assert "could not be verified" in reply
    with sessions(invoice_app)() as s:
        assert s.scalar(select(InvoiceClaim.status)) == "rejected"
        m = s.scalar(select(Member))
        assert ledger.balance(s, m.account_id) == 100


@pytest.mark.parametrize(("name", "ctype", "expected"), [
    ("015.jpg", "image/jpeg", "damaged or incomplete"),
    ("017.png", "image/png", "too large"),
    ("035.jpg", "image/jpeg", "looks empty"),
])
def test_bad_files_get_clear_replies_and_are_kept(member: WhatsAppUser, invoice_app, name, ctype, expected) -> None:
    from storage.models import Media

    reply = member.ask("", media=[(sample(name), ctype)])
    assert expected in reply
    with sessions(invoice_app)() as s:
        media = s.scalar(select(Media))
        assert media.sha256 and media.size == len(sample(name))  # kept for inspection


def test_voice_note_is_unsupported(member: WhatsAppUser) -> None:
    reply = member.ask("", media=[(b"OggS\x00\x02" + b"\x00" * 200, "audio/ogg")])
    assert "voice notes, videos and stickers can't be claimed" in reply


def test_hindi_member_gets_hindi_rejection(invoice_app, standin) -> None:
    user = WhatsAppUser(client=invoice_app.test_client(), standin=standin, app=invoice_app)
    enroll(user, "सुनील", lang="2")
    assert "फ़ाइल खुल नहीं रही" in user.ask("", media=[(sample("015.jpg"), "image/jpeg")])


def test_slow_analysis_sends_received_checking_first(member: WhatsAppUser, monkeypatch) -> None:
    import workers.analysis

    monkeypatch.setattr(workers.analysis, "DEFAULT_ACK_AFTER_SECONDS", 0.0)
    member.send("", media=[(sample("039.pdf"), "application/pdf")])
    replies = member.replies()
    assert "checking your file" in replies[0]
    assert "Invoice" in replies[-1]


def test_uncertain_reading_waits_for_review_then_admin_approves(member: WhatsAppUser, invoice_app, standin) -> None:
    from bot.cli import main
    from storage.base import utcnow
    from storage.models import Media
    from tests.botkit import app_environ

    reading = {
        "outcome": "ok", "certain": False, "einvoice_signed": False, "doubts": ["total_unconfirmed"],
        "supplier_gstin": {"value": "29VZUPS7965V1ZQ"}, "buyer_gstin": {"value": BUYER},
        "invoice_number": {"value": "INV/2026-27/00123"}, "invoice_date": {"value": "2026-11-05"},
        "total_paise": {"value": 12345600}, "image_hash": None,
    }
    with sessions(invoice_app).begin() as s:
        m = s.scalar(select(Member))
        media = Media(inbound_id=1, idx=0, url="x", status="stored")
        s.add(media)
        s.flush()
        out = claim_invoice(s, member=m, media_id=media.id, reading=reading, program=invoice_app.config["PROGRAM"],
                            now=utcnow())
        assert out.status.value == "review" and out.points == 1000
        claim_id = out.claim_id
    env = app_environ(invoice_app.config["DATABASE_URL"], standin.url)
    runner = CliRunner()
    listed = runner.invoke(main, ["claims", "review"], env=env)
    assert f"I{claim_id}" in listed.output and "total_unconfirmed" in listed.output
    done = runner.invoke(main, ["claims", "review", "--approve", f"I{claim_id}", "--admin", "asha"], env=env)
    assert done.exit_code == 0, done.output
    again = runner.invoke(main, ["claims", "review", "--approve", f"I{claim_id}"], env=env)
    assert again.exit_code != 0 and "credited" in again.output
    with sessions(invoice_app)() as s:
        m = s.scalar(select(Member))
        assert ledger.balance(s, m.account_id) == 1100
        notice = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
        assert "approved" in notice.body and "+1,000 points" in notice.body


def test_rejected_review_tells_the_member_why(member: WhatsAppUser, invoice_app, standin) -> None:
    from bot.cli import main
    from storage.base import utcnow
    from storage.models import Media
    from tests.botkit import app_environ

    reading = {"outcome": "ok", "certain": False, "supplier_gstin": {"value": "29VZUPS7965V1ZQ"},
               "buyer_gstin": {"value": BUYER}, "invoice_number": {"value": "77"},
               "invoice_date": {"value": "2026-11-05"},
               "total_paise": {"value": 500000}}
    with sessions(invoice_app).begin() as s:
        m = s.scalar(select(Member))
        media = Media(inbound_id=1, idx=0, url="x", status="stored")
        s.add(media)
        s.flush()
        claim_id = claim_invoice(s, member=m, media_id=media.id, reading=reading,
                                 program=invoice_app.config["PROGRAM"], now=utcnow()).claim_id
    env = app_environ(invoice_app.config["DATABASE_URL"], standin.url)
    result = CliRunner().invoke(main, ["claims", "review", "--reject", f"I{claim_id}", "--reason",
                                       "stamp does not match the distributor"], env=env)
    assert result.exit_code == 0, result.output
    with sessions(invoice_app)() as s:
        claim = s.get(InvoiceClaim, claim_id)
        assert claim.status == "rejected" and claim.dedupe_key is None
        notice = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
        assert "not approved" in notice.body and "stamp does not match" in notice.body


def test_financial_year_and_dedupe_key() -> None:
    import datetime as dt

    assert financial_year(dt.date(2026, 3, 31)) == "2025-26"
    assert financial_year(dt.date(2026, 4, 1)) == "2026-27"
    assert dedupe_key("29VZUPS7965V1ZQ", dt.date(2026, 11, 5), "inv 00123") == dedupe_key(
        "29VZUPS7965V1ZQ", dt.date(2026, 5, 1), "INV123")


def test_near_identical_picture_with_other_fields_goes_to_review(member: WhatsAppUser, invoice_app) -> None:
    from storage.base import utcnow
    from storage.models import Media

    def reading(number: str, image_hash: str) -> dict:
        return {"outcome": "ok", "certain": True, "supplier_gstin": {"value": "29VZUPS7965V1ZQ"},
                "buyer_gstin": {"value": BUYER}, "invoice_number": {"value": number},
                "invoice_date": {"value": "2026-11-05"},
                "total_paise": {"value": 250000}, "image_hash": image_hash}

    with sessions(invoice_app).begin() as s:
        m = s.scalar(select(Member))
        outcomes = []
        for idx, (number, image_hash) in enumerate((("A-1", "c3d2b1a0f0e1d2c3"), ("A-2", "c3d2b1a0f0e1d2c7"))):
            media = Media(inbound_id=1, idx=idx + 5, url="x", status="stored")
            s.add(media)
            s.flush()
            outcomes.append(claim_invoice(s, member=m, media_id=media.id, reading=reading(number, image_hash),
                                          program=invoice_app.config["PROGRAM"], now=utcnow()))
    assert outcomes[0].status.value == "credited" and outcomes[0].points == 25
    assert outcomes[1].status.value == "review" and "similar_image" in outcomes[1].reasons


def test_invoice_velocity_sends_claims_to_review(member: WhatsAppUser, invoice_app) -> None:
    from storage.base import utcnow
    from storage.models import Media

    program = invoice_app.config["PROGRAM"]
    with sessions(invoice_app).begin() as s:
        m = s.scalar(select(Member))
        results = []
        for n in range(program.invoice.max_per_minute + 1):
            media = Media(inbound_id=1, idx=n + 5, url="x", status="stored")
            s.add(media)
            s.flush()
            reading = {"outcome": "ok", "certain": True, "supplier_gstin": {"value": "29VZUPS7965V1ZQ"},
                       "buyer_gstin": {"value": BUYER}, "invoice_number": {"value": f"V-{n}"},
                       "invoice_date": {"value": "2026-11-05"},
                       "total_paise": {"value": 100000 + n}, "image_hash": None}
            results.append(claim_invoice(s, member=m, media_id=media.id, reading=reading, program=program,
                                         now=utcnow()))
    assert [r.status.value for r in results[:-1]] == ["credited"] * program.invoice.max_per_minute
    assert results[-1].status.value == "review" and "velocity" in results[-1].reasons
