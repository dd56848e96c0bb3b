"""Hindi in Latin letters as a fourth reply language, and opt-out confirmed in the writer's script."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import sessions
from storage.models import Contact, Member
from tests.botkit import WhatsAppUser


def test_romanized_first_message_gets_roman_hindi_and_can_be_kept(user: WhatsAppUser, app) -> None:
    first = user.ask("namaste bhai, points kaise milenge")
    assert "aapka swagat hai" in first and "4. Hindi (Roman" in first
    assert "aap kaise hain" in first
    replies = [user.ask("4"), user.ask("Suresh Pal"), user.ask("1"), user.ask("226001"), user.ask("skip"),
               user.ask("1")]
    assert "poora naam" in replies[0]
    assert "Suresh Pal ji" in replies[1] and "1. Thekedar" in replies[1]
    assert "Badhai ho" in replies[5] and "100 points" in replies[5]
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        assert member is not None and member.lang == "hi_Latn"
    assert "aapka balance: 100 points" in user.ask("balance")


def test_new_number_stopping_in_hindi_is_confirmed_in_hindi(user: WhatsAppUser, app) -> None:
    reply = user.ask("बंद करो")
    assert "मैसेज नहीं आएगा" in reply
    with sessions(app)() as s:
        contact = s.scalar(select(Contact))
        assert contact is not None and contact.opted_out and contact.lang == "hi"


def test_new_number_stopping_in_urdu_is_confirmed_in_urdu(user: WhatsAppUser) -> None:
    assert "پیغام نہیں آئے گا" in user.ask("بند")
