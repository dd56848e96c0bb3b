"""Quick replies and list pickers: tapped choices work like typed ones; numbered text is the fallback."""

from __future__ import annotations

from sqlalchemy import select

from content.registry import forget_cached
from storage.db import sessions
from storage.models import Member, OutboundMessage
from tests.botkit import WhatsAppUser


def _last(user: WhatsAppUser) -> dict:
    return user.standin.messages(to=f"whatsapp:{user.phone}")[-1]


def test_enrollment_and_menu_by_tapping(app, user: WhatsAppUser) -> None:
    user.ask("Hello")
    first = _last(user)
    languages = first["content_types"]["twilio/list-picker"]  # four languages: a list (buttons hold three)
    assert [(i["id"], i["item"]) for i in languages["items"]][:3] == [("1", "English"), ("2", "हिंदी"), ("3", "اردو")]
    assert "1. English" not in first["body"] and "language" in first["body"]  # the list replaces the lines

    user.send("हिंदी", list_id="2")
    user.ask("Sunil Yadav")
    roles = _last(user)["content_types"]["twilio/list-picker"]
    assert roles["button"] == "अपना काम चुनिए" and len(roles["items"]) == 7
    assert roles["items"][2]["id"] == "3"
    user.send(roles["items"][2]["item"], list_id="3")  # electrician, picked from the list
    user.ask("226010")
    user.ask("skip")
    consent = _last(user)["content_types"]["twilio/quick-reply"]["actions"]
    assert [a["id"] for a in consent] == ["1", "2"]
    done = user.ask(consent[0]["title"], button="1")
    assert "इनाम" in done or "बोनस" in done or "पॉइंट" in done
    menu = _last(user)["content_types"]["twilio/list-picker"]
    assert [i["id"] for i in menu["items"]][:2] == ["1", "2"]
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        assert (member.role, member.lang, member.pin_code) == ("electrician", "hi", "226010")
    balance = user.ask(menu["items"][0]["item"], list_id="1")
    assert "बैलेंस" in balance


def test_numbered_text_when_the_content_api_is_unavailable(make_app, standin) -> None:
    forget_cached()
    app = make_app(TWILIO_CONTENT_BASE_URL="http://127.0.0.1:9")  # nothing listens there
    user = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    try:
        user.ask("Hello")
        message = _last(user)
        assert message["content_sid"] is None and message["status"] != "failed"
        assert "1. English" in message["body"] and "3. اردو" in message["body"]
        assert "नाम" in user.ask("2")  # typed choices work as always (Hindi chosen, name asked)
    finally:
        forget_cached()  # the back-off is per process: let the next tests use the Content API


def test_buttons_deleted_in_twilio_fall_back_to_numbered_text_then_come_back(app, user: WhatsAppUser) -> None:
    """A session content deleted in Twilio's console (21655): the member still gets the question, as
    numbered text, at once; the next message of that shape has buttons again."""
    import requests

    from tests.botkit import SID, TOKEN
    from tests.claimkit import enroll

    forget_cached()
    enroll(user)
    user.ask("menu")
    sid = _last(user)["content_sid"]
    assert sid and requests.delete(f"{user.standin.url}/v1/Content/{sid}", auth=(SID, TOKEN), timeout=5).ok
    answer = user.ask("menu")  # the same list again
    message = _last(user)
    assert message["content_sid"] is None and message["status"] != "failed"
    assert "1. " in answer and "2. " in answer and "\n" in message["body"]
    user.ask("menu")
    again = _last(user)
    assert again["content_sid"] not in (None, sid) and "twilio/list-picker" in again["content_types"]
    with sessions(app)() as s:
        refused = s.scalars(select(OutboundMessage).where(OutboundMessage.error_code == 21655)).all()
        assert refused == []  # no message is left failed
