"""Talking to a person: the bot hands over, stays silent, the agent replies in the window, the bot resumes."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from campaigns.sending import tick
from handoff.service import HandoffError, close, list_handoffs, reply, show_handoff
from storage.base import utcnow
from storage.db import sessions
from storage.messaging_models import Handoff
from storage.models import Contact
from tests.botkit import WhatsAppUser, run_jobs
from tests.claimkit import code, enroll, new_batch
from workers import runtime
from workers.jobs import schedule_send


@pytest.fixture
def member(user: WhatsAppUser) -> WhatsAppUser:
    enroll(user)
    user.replies()
    return user


def _open(app) -> Handoff:
    with sessions(app)() as s:
        handoff = s.scalar(select(Handoff).where(Handoff.status == "open"))
        assert handoff is not None
        s.expunge(handoff)
        return handoff


ASKS_FOR_PERSON = [
    "talk to a person", "किसी से बात करनी है", "کسی سے بات کرنی ہے", "Agent", "AGENT please", "agent",
    "kisi se baat karni hai", "mujhe kisi se baat karni hai", "insaan se baat karao",
    # typos, other spellings and keyboards
    "talk to a persn", "agnet", "kisi se bat karni h", "kisise baat karni hai", "kisii se baaat karni hai",
    "किसि से बात करनी हे", "किसी इन्सान से बात करनी है", "كسي سے بات کرنی ہے",
    # inside sentences
    "can I talk to a real person about my points", "bhai koi customer care wala hai kya",
    "mujhe kisi insaan se baat karni hai please", "भाई मुझे किसी से बात करनी है, जल्दी", "براہ کرم کسی انسان سے بات کرائیں",
    "Kisi se baat karein",  # the menu line typed back
]
NOT_FOR_PERSON = ["balance", "agenda", "मेरा बैलेंस", "mujhe kisi se baat nahi karni", "I don't want to talk to a person",
                  "किसी से बात नहीं करनी", "hindi mein baat karo", "galat", "wrong number"]
DISPUTES = ["this claim is wrong", "this claim is wrong, I got less points", "mere points kam aaye",
            "coupon ke points nahi mile", "कूपन के पॉइंट नहीं मिले", "मेरा क्लेम गलत है", "میرے پوائنٹس کم آئے",
            "کلیم غلط ہے", "bill galat hai", "I did not get my points for the coupon", "claim galt hai"]
NOT_DISPUTES = ["galat", "wrong", "points kitne mile", "mera naam galat hai", "coupon", "bill bhejna hai",
                "points nahi chahiye"]


def _turn(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, media=[], understanding=None, member=object())


@pytest.mark.parametrize("phrase", ASKS_FOR_PERSON)
def test_phrases_in_every_language_ask_for_a_person(phrase: str) -> None:
    """Through issue 12's folding and intent layer: typos, keyboards and sentences, like other intents."""
    from flows.handoff import _asks_for_person

    assert _asks_for_person(_turn(phrase)), phrase


@pytest.mark.parametrize("phrase", NOT_FOR_PERSON)
def test_negations_and_near_misses_are_not_a_request_for_a_person(phrase: str) -> None:
    from flows.handoff import _asks_for_person, _disputes_claim

    assert _asks_for_person(_turn(phrase)) is None and _disputes_claim(_turn(phrase)) is None, phrase


@pytest.mark.parametrize("phrase", DISPUTES)
def test_disputes_in_every_script(phrase: str) -> None:
    from flows.handoff import _asks_for_person, _disputes_claim

    assert _disputes_claim(_turn(phrase)) and _asks_for_person(_turn(phrase)) is None, phrase


@pytest.mark.parametrize("phrase", NOT_DISPUTES)
def test_a_claim_word_or_galat_alone_is_no_dispute(phrase: str) -> None:
    from flows.handoff import _disputes_claim

    assert _disputes_claim(_turn(phrase)) is None, phrase


def test_asking_opens_a_handoff_and_the_bot_goes_quiet(app, member: WhatsAppUser) -> None:
    assert "team" in member.ask("किसी से बात करनी है")
    handoff = _open(app)
    assert handoff.reason == "asked"
    assert member.ask("balance") == ""  # the bot does not answer while a person has the chat
    assert member.ask("1") == ""
    with sessions(app)() as s:
        view = show_handoff(s, handoff.id)
    assert [m["text"] for m in view["messages"] if m["from"] == "member"][-2:] == ["balance", "1"]
    assert view["member"]["name"] == "Ramesh Kumar" and view["contact"]["window_open"]


def test_agent_replies_inside_the_window_and_closing_hands_back(app, member: WhatsAppUser) -> None:
    member.ask("agent")
    handoff = _open(app)
    with sessions(app).begin() as s:
        contact_id = reply(s, handoff.id, "Namaste! Main Priya, aapki madad karti hoon.", agent="Priya").contact_id
        assert list_handoffs(s)[0]["agent"] == "Priya"
    schedule_send(app, contact_id)
    run_jobs(app)
    assert member.replies() == ["Namaste! Main Priya, aapki madad karti hoon."]
    with sessions(app).begin() as s:
        close(s, handoff.id, by="Priya")
        with pytest.raises(HandoffError):
            close(s, handoff.id, by="Priya")
    schedule_send(app, contact_id)
    run_jobs(app)
    assert "back" in member.replies()[0]
    assert "balance" in member.ask("balance").lower()  # the bot answers again


def test_no_free_text_outside_the_window(app, member: WhatsAppUser) -> None:
    member.ask("talk to a person")
    handoff = _open(app)
    with sessions(app).begin() as s:
        contact = s.scalar(select(Contact).where(Contact.phone == member.phone))
        contact.last_inbound_at = utcnow() - dt.timedelta(hours=25)
    with sessions(app).begin() as s, pytest.raises(HandoffError, match="window"):
        reply(s, handoff.id, "hello", agent="Priya")


def test_timeout_returns_the_conversation_to_the_bot(app, member: WhatsAppUser) -> None:
    member.ask("agent")
    handoff = _open(app)
    with sessions(app).begin() as s:
        s.get(Handoff, handoff.id).last_activity_at = utcnow() - dt.timedelta(hours=5)
    runtime.set_app(app)
    assert tick()["handoffs_closed"] == 1
    run_jobs(app)
    assert "could not reply in time" in member.replies()[-1]
    assert member.ask("balance") != ""


def test_disputing_a_claim_attaches_it(app, member: WhatsAppUser) -> None:
    batch = new_batch(app)
    member.ask(code(app, batch, 7))
    answer = member.ask("this claim is wrong, I got less points")
    handoff = _open(app)
    assert handoff.reason == "dispute" and handoff.claim_ref and handoff.claim_ref.startswith("C")
    assert handoff.claim_ref in answer
    with sessions(app)() as s:
        view = show_handoff(s, handoff.id)
    assert view["claims"][0]["ref"] == handoff.claim_ref


def test_menu_has_a_talk_to_a_person_item(app, member: WhatsAppUser) -> None:
    member.ask("menu")
    items = member.standin.messages(to=f"whatsapp:{member.phone}")[-1]["content_types"]["twilio/list-picker"]["items"]
    position = next(i["id"] for i in items if "person" in (i.get("description") or i["item"]))
    assert "team" in member.ask(position)
    assert _open(app).reason == "asked"
