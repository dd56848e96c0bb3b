"""Natural answers, small talk and clarifying questions through the signed webhook and the dialog engine."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import sessions
from storage.models import Contact, Member
from tests.botkit import WhatsAppUser


def test_natural_answers_small_talk_and_clarification(user: WhatsAppUser, app) -> None:
    user.ask("السلام علیکم")
    user.ask("اردو میں")  # the language named in a sentence
    assert "(Roman" not in user.ask("محمد عارف")
    assert "پن کوڈ" in user.ask("ٹھیکیدار ہوں")  # a role with a filler
    user.ask("۲۲۶۰۰۳")
    user.ask("بعد میں")
    assert "مبارک ہو، محمد عارف جی" in user.ask("جی ہاں")  # consent with fillers; neutral address
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        assert member is not None and (member.role, member.lang) == ("contractor", "ur")

    assert "وعلیکم السلام، محمد عارف جی" in user.ask("السلام علیکم")  # small talk, not "didn't understand"
    assert "خوشی ہوئی" in user.ask("شکریہ 🙏")
    assert "سلور" in user.ask("بيلنس")  # Arabic-keyboard letters; the tier name in Urdu
    assert "تصویر" in user.ask("کوپن اسکین کرنا ہے")  # a claim intent explains the photo
    question = user.ask("dukaan band hai")  # faint opt-out: asked, never guessed
    assert "1." in question and "2." in question and "پیغامات بند" in question
    assert "پیغام نہیں آئے گا" in user.ask("1")
    with sessions(app)() as s:
        contact = s.scalar(select(Contact))
        assert contact is not None and contact.opted_out


def test_roman_hindi_member_negations_and_typed_labels(user: WhatsAppUser) -> None:
    for answer in ("hello", "4", "Ramesh Yadav", "I am an electrician", "226001", "skip", "haan ji"):
        reply = user.ask(answer)
    assert "Badhai ho, Ramesh Yadav ji" in reply
    assert "Namaste, Ramesh Yadav ji" in user.ask("namaste")
    reply = user.ask("mujhe paise nahi chahiye")  # negation: no redemption
    assert "bhunane" not in reply and "samajh nahi" in reply
    assert "balance" not in user.ask("kitne din lagenge delivery mein").split("\n")[0]
    assert "Apni bhasha chuniye" in user.ask("Bhasha badlein")  # the bot's own menu label
    assert "Done — I'll talk to you in English" in user.ask("English")
    assert "Your balance" in user.ask("My points balance")
    assert "Your only entry" in user.ask("Mini-statement (last 10 entries)")
