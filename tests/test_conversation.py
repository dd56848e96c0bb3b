"""End-to-end conversations through the signed webhook, RQ jobs and the Twilio stand-in."""

from __future__ import annotations

from sqlalchemy import func, select

from storage import ledger
from storage.db import sessions
from storage.ledger_models import Transfer
from storage.models import Contact, InboundMessage, Member, OutboundMessage, Rep
from tests.botkit import WhatsAppUser


def enroll(user: WhatsAppUser, first: str, lang_choice: str, name: str, role: str = "2",
           pin: str = "226001", upi: str = "ramesh@okaxis", consent: str = "1") -> list[str]:
    replies = [user.ask(first), user.ask(lang_choice), user.ask(name), user.ask(role), user.ask(pin),
               user.ask(upi), user.ask(consent)]
    return replies


def test_full_enrollment_in_english(user: WhatsAppUser, app) -> None:
    replies = enroll(user, "Hello", "1", "Ramesh Kumar")
    assert "Welcome to Inaam Rewards" in replies[0]
    assert "choose your language" in replies[0]
    assert "full name" in replies[1]
    assert "Ramesh Kumar" in replies[2] and "7. Distributor" in replies[2]
    assert "PIN code" in replies[3]
    assert "UPI ID" in replies[4]
    assert "terms" in replies[5]
    assert "100 points" in replies[6] and "₹25" in replies[6]
    assert "1. My points balance" in replies[6]
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        assert member is not None
        assert (member.name, member.role, member.pin_code, member.upi_id, member.lang) == (
            "Ramesh Kumar", "mason", "226001", "ramesh@okaxis", "en")
        assert ledger.balance(s, member.account_id) == 100
    assert "100 points" in user.ask("balance")
    statement = user.ask("2")
    assert "Welcome bonus" in statement and "+100" in statement


def test_enrollment_in_hindi_with_devanagari_digits(user: WhatsAppUser, app) -> None:
    replies = enroll(user, "नमस्ते", "२", "सुनील यादव", role="३", pin="२२६ ०१०", upi="skip", consent="हाँ")
    assert "स्वागत" in replies[0]
    assert "पूरा नाम" in replies[1]
    assert "इलेक्ट्रीशियन" in replies[2]
    assert "बधाई" in replies[6] and "100 पॉइंट्स" in replies[6]
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        assert member is not None and member.lang == "hi" and member.pin_code == "226010"
        assert member.upi_id is None and member.role == "electrician"
    assert "बैलेंस" in user.ask("बैलेंस")


def test_enrollment_in_urdu_with_urdu_digits(user: WhatsAppUser, app) -> None:
    replies = enroll(user, "السلام علیکم", "۳", "محمد عارف", role="۱", pin="۲۲۶۰۰۳", upi="arif.m@ybl",
                     consent="جی ہاں")
    assert "خوش آمدید" in replies[0] or "خیر مقدم" in replies[0]
    assert "پورا نام" in replies[1]
    assert "مبارک" in replies[6]
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        assert member is not None and member.lang == "ur" and member.role == "contractor"
    assert "بیلنس" in user.ask("بیلنس")


def test_romanized_hindi_is_understood(user: WhatsAppUser) -> None:
    enroll(user, "hi", "2", "Ramesh")
    assert "पॉइंट्स" in user.ask("balance kitna hai")
    assert "पॉइंट्स" in user.ask("mera point")
    assert "UPI" in user.ask("paise nikalne hain")
    assert "एंट्री" in user.ask("hisab dikhao")


def test_invalid_answers_get_polite_reprompts(user: WhatsAppUser) -> None:
    user.ask("hello")
    assert "1 for English" in user.ask("klingon")
    user.ask("1")
    assert "just your name" in user.ask("12345")
    user.ask("Asha")
    assert "pick one" in user.ask("astronaut")
    user.ask("1")
    assert "PIN code" in user.ask("999999")
    assert "PIN code" in user.ask("12345")
    user.ask("400001")
    assert "doesn't look right" in user.ask("not a upi")


def test_rep_link_attributes_member(user: WhatsAppUser, app) -> None:
    from storage.reps import add_rep

    with sessions(app).begin() as s:
        code = add_rep(s, "Field Rep", "+919000000001").code
    enroll(user, f"JOIN {code}", "1", "Imran Khan")
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        rep = s.scalar(select(Rep))
        assert member is not None and rep is not None and member.rep_id == rep.id


def test_global_commands_and_language_change(user: WhatsAppUser, app) -> None:
    enroll(user, "Hello", "1", "Ramesh")
    assert "choose your language" in user.ask("language")
    assert "उर्दू" not in user.ask("3")  # now in Urdu
    assert "بیلنس" in user.ask("menu")
    assert "کوپن" in user.ask("مدد")
    assert user.ask("زبان")
    assert "English" in user.ask("1")
    # stop: confirmation sent, then silence for everything but START
    assert "won't get any more messages" in user.ask("STOP")
    assert "Send START" in user.ask("balance")
    assert "Welcome back" in user.ask("start")
    with sessions(app)() as s:
        assert s.scalar(select(Contact.opted_out)) is False


def test_menu_numbers_and_cancel(user: WhatsAppUser) -> None:
    enroll(user, "Hello", "1", "Ramesh")
    assert "100 points" in user.ask("1")
    assert "Welcome bonus" in user.ask("2")
    assert "photo of the QR coupon" in user.ask("3")
    assert "GST invoice" in user.ask("4")
    assert "Cash to your UPI ID" in user.ask("5")
    assert "cancelled" in user.ask("cancel")
    assert "Your profile" in user.ask("6")
    assert "cancelled" in user.ask("cancel")
    assert "choose your language" in user.ask("7")
    assert "cancelled" in user.ask("cancel")
    assert "pick a number from 1" in user.ask("9")
    assert "didn't understand" in user.ask("what is the weather")


def test_redelivered_message_sid_is_processed_once(user: WhatsAppUser, app) -> None:
    user.ask("Hello")
    assert user.send("1", sid="SM" + "7" * 32) == 200
    first = user.replies()
    assert user.send("1", sid="SM" + "7" * 32) == 200
    assert user.replies() == []
    assert first
    with sessions(app)() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_bad_signature_is_refused_and_nothing_stored(user: WhatsAppUser, app) -> None:
    from bot.twilio_signing import inbound_params
    from tests.botkit import FROM, SID

    params = inbound_params(from_phone=user.phone, to=FROM, body="hello", account_sid=SID)
    assert user.post(params, signature="bm90IHRoZSByaWdodCBzaWduYXR1cmU=") == 403
    assert user.post(params, signature="") == 403
    with sessions(app)() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_welcome_bonus_is_posted_once(user: WhatsAppUser, app) -> None:
    enroll(user, "Hello", "1", "Ramesh")
    user.ask("JOIN")
    with sessions(app)() as s:
        assert s.scalar(select(func.count()).select_from(Transfer).where(Transfer.reason == "welcome_bonus")) == 1


def test_quick_reply_button_payload_works_like_typed_choice(user: WhatsAppUser) -> None:
    user.ask("Hello")
    assert "full name" in user.ask("English", button="1")


def test_long_reply_is_split_under_whatsapp_limit(user: WhatsAppUser, app) -> None:
    from storage.outbox import split_body

    text = ("word " * 700).strip()
    parts = split_body(text)
    assert len(parts) == 3 and all(len(p) <= 1600 for p in parts)
    assert " ".join(parts) == text


def test_outbound_rows_record_twilio_sid_and_status(user: WhatsAppUser, app) -> None:
    user.ask("Hello")
    with sessions(app)() as s:
        rows = s.scalars(select(OutboundMessage)).all()
        assert rows and all(r.twilio_sid and r.twilio_sid.startswith("SM") for r in rows)
        assert {r.status for r in rows} == {"queued"}
