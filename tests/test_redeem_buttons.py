"""Quick-reply buttons in the redemption and profile flows: a tapped button (``ButtonPayload``) does
exactly what the typed YES / हाँ / ہاں / 1 does, in every reply language; typed answers still work."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.i18n import LANGUAGES, translate
from content.interactive import BUTTON_TITLE_MAX
from payouts.models import Redemption
from storage import ledger
from storage.db import sessions
from storage.models import Contact, Member
from tests.botkit import WhatsAppUser

LANGUAGE_CHOICE = {"en": "1", "hi": "2", "ur": "3", "hi_Latn": "4"}
STARTED = {"en": "on its way", "hi": "भेजे जा रहे हैं", "ur": "بھیجے جا رہے ہیں", "hi_Latn": "bheje ja rahe"}


def _member(papp, standin, lang: str, phone: str) -> WhatsAppUser:  # type: ignore[no-untyped-def]
    u = WhatsAppUser(client=papp.test_client(), standin=standin, app=papp, phone=phone)
    for msg in ("hello", LANGUAGE_CHOICE[lang], "Salim Ansari", "1", "226010", "salim.ansari@okhdfcbank", "1"):
        u.send(msg)
    u.replies()
    with sessions(papp).begin() as s:
        m = s.scalar(select(Member).where(Member.phone == phone))
        ledger.transfer(s, source=ledger.ISSUANCE, dest=m.account_id, points=1000, reason="qr_claim",
                        idempotency_key=f"seed:{phone}")
    return u


def _buttons(u: WhatsAppUser) -> list[tuple[str, str]]:
    """The latest message's quick-reply buttons as (payload, title)."""
    message = u.standin.messages(to=f"whatsapp:{u.phone}")[-1]
    actions = (message.get("content_types") or {}).get("twilio/quick-reply", {}).get("actions")
    assert actions, f"no quick-reply buttons on {message.get('body')!r}"
    return [(a["id"], a["title"]) for a in actions]


def _tap(u: WhatsAppUser, payload: str) -> str:
    """Tap the latest message's button ``payload`` as WhatsApp reports it (Body = its title)."""
    title = dict(_buttons(u))[payload]
    return u.ask(title, button=payload)


def _redemptions(papp) -> int:  # type: ignore[no-untyped-def]
    with sessions(papp)() as s:
        return s.scalar(select(func.count()).select_from(Redemption)) or 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_yes_no_step_of_a_redemption_is_tappable(papp, rzp, standin, lang: str) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin, lang, "+919811100031")
    u.ask("paise nikalne hain")
    u.ask("1")
    u.ask("50")
    assert _buttons(u) == [("1", translate(lang, "redeem.button_same_upi")),
                           ("2", translate(lang, "redeem.button_other_upi"))]
    holder = _tap(u, "1")
    assert "SALIM ANSARI" in holder
    yes_no = [t.partition(" ")[2] for t in translate(lang, "upi.confirm_holder").splitlines()[1:]]
    assert [t for _, t in _buttons(u)] == yes_no  # "Yes / No" in the member's language
    assert "PAN" in _tap(u, "1")
    u.ask("ABCPA1234K")
    summary = u.ask("Salim Ansari")
    assert "₹50" in summary
    assert _buttons(u) == [("1", translate(lang, "redeem.button_yes")), ("2", translate(lang, "redeem.button_no"))]
    assert STARTED[lang] in _tap(u, "1")
    assert rzp.payout_count() == 1 and _redemptions(papp) == 1


def test_tapped_yes_does_what_typed_yes_does(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    """Two Urdu members, one taps and one types ہاں: the same replies, the same redemption."""
    seen: list[list[str]] = []
    for phone, tap in (("+919811100041", True), ("+919811100042", False)):
        u = _member(papp, standin, "ur", phone)
        replies = [u.ask("paise nikalne hain"), u.ask("1"), u.ask("50"), u.ask("ہاں"), u.ask("ہاں"),
                   u.ask("ABCPA1234K"), u.ask("Salim Ansari")]
        replies.append(_tap(u, "1") if tap else u.ask("ہاں"))
        seen.append(replies)
    assert seen[0] == seen[1]
    assert STARTED["ur"] in seen[0][-1]
    with sessions(papp)() as s:
        rows = s.scalars(select(Redemption)).all()
        assert sorted(r.status for r in rows) == ["processing", "processing"]
        assert len({(r.points, r.net_paise, r.tds_paise) for r in rows}) == 1


def test_tapped_no_cancels_and_a_bad_answer_offers_the_buttons_again(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin, "hi", "+919811100051")
    u.ask("redeem")
    u.ask("1")
    u.ask("50")
    u.ask("1")
    u.ask("हाँ")
    u.ask("ABCPA1234K")
    u.ask("Salim Ansari")
    again = u.ask("शायद")
    assert translate("hi", "redeem.bad_confirm") in again
    assert _buttons(u)[1] == ("2", translate("hi", "redeem.button_no"))
    assert translate("hi", "redeem.cancelled") in _tap(u, "2")
    assert _redemptions(papp) == 0 and rzp.payout_count() == 0


def test_profile_choices_and_upi_check_are_buttons(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin, "hi_Latn", "+919811100061")
    u.ask("profile")
    assert [p for p, _ in _buttons(u)] == ["1", "2", "3"]
    assert "UPI" in _tap(u, "1")
    assert "KAMLA DEVI" in u.ask("kamla.devi@oksbi")
    saved = _tap(u, "1")
    assert "ka••••vi@oksbi" in saved
    with sessions(papp)() as s:
        assert s.scalar(select(Member).where(Member.phone == u.phone)).upi_id == "kamla.devi@oksbi"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_button_titles_fit_whatsapp(lang: str) -> None:
    for msgid in ("redeem.button_yes", "redeem.button_no", "redeem.button_same_upi", "redeem.button_other_upi"):
        assert 0 < len(translate(lang, msgid)) <= BUTTON_TITLE_MAX, (lang, msgid)


def test_galat_answers_the_holder_question_and_opens_no_handoff(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    """'galat' (wrong) at "Paying KAMLA DEVI … right?" is a No to that question, not a claim dispute."""
    from storage.messaging_models import Handoff

    u = _member(papp, standin, "hi_Latn", "+919811100071")
    u.ask("profile")
    _tap(u, "1")
    assert "KAMLA DEVI" in u.ask("kamla.devi@oksbi")
    assert translate("hi_Latn", "upi.ask_again") in u.ask("galat")
    with sessions(papp)() as s:
        assert s.scalar(select(func.count()).select_from(Handoff)) == 0


def test_rewards_and_amounts_are_picked_from_a_list(papp, rzp, standin) -> None:  # type: ignore[no-untyped-def]
    u = _member(papp, standin, "hi", "+919811100081")
    u.ask("redeem")
    message = u.standin.messages(to=f"whatsapp:{u.phone}")[-1]
    rewards = message["content_types"]["twilio/list-picker"]
    assert [i["id"] for i in rewards["items"]] == ["1", "2", "3"] and "UPI" in rewards["items"][0]["description"]
    assert "1." not in message["body"] and translate("hi", "redeem.cancel_hint") in message["body"]
    u.send(rewards["items"][0]["item"], list_id="1")
    amounts = u.standin.messages(to=f"whatsapp:{u.phone}")[-1]["content_types"]
    items = (amounts.get("twilio/list-picker") or {}).get("items") or [
        {"id": a["id"], "item": a["title"]} for a in amounts["twilio/quick-reply"]["actions"]]
    fifty = next(i for i in items if i["item"].startswith("₹50 "))
    u.replies()
    u.send(fifty["item"], list_id=fifty["id"])
    assert _buttons(u)[0] == ("1", translate("hi", "redeem.button_same_upi"))  # ₹50 taken: which UPI ID?
    with sessions(papp)() as s:
        contact = s.scalar(select(Contact).where(Contact.phone == u.phone))
        assert contact.slots["rupees"] == 50
