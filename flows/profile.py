"""My profile: see and change the UPI ID, name and PIN code ("profile", "UPI change karna hai",
"mera naam badlo"). A changed UPI ID is validated (holder name confirmed) before it is saved, and
a name is a name: command words ("balance", "menu") are never taken as one.
"""

from __future__ import annotations

from bot.i18n import format_day
from content.interactive import offer
from flows import match, upi_steps
from flows.engine import END, Flow, Turn, on
from flows.intents import negations
from flows.normalize import fold
from payouts.service import profile_of
from storage.crypto import mask_pan, mask_upi

MENU, ASK_NAME, ASK_PIN = "menu", "ask_name", "ask_pin"
ASK_UPI, CHECKING_UPI, CONFIRM_HOLDER = upi_steps.ASK_UPI, upi_steps.CHECKING, upi_steps.CONFIRM_HOLDER

_CHANGE = {"change", "badlo", "badalna", "badalni", "badal", "update", "edit", "बदलो", "बदलना", "बदलनी", "बदलें",
           "बदल", "بدلو", "بدلنا", "بدلنی", "بدلیں", "بدل"}
_UPI = {"upi", "यूपीआई", "یوپیآئی"}
_NAME = {"name", "naam", "नाम", "نام"}
_PIN = {"pin", "pincode", "पिन", "پن"}
_PROFILE_WORDS = {"profile", "प्रोफ़ाइल", "प्रोफाइल", "پروفائل"}
_PROFILE = {"profile", "my profile", "meri profile", "mera profile", "प्रोफ़ाइल", "प्रोफाइल", "मेरी प्रोफ़ाइल",
            "پروفائل", "میری پروفائل"}
_CHANGE, _UPI, _NAME, _PIN, _PROFILE_WORDS, _PROFILE = (
    {fold(w) for w in words} for words in (_CHANGE, _UPI, _NAME, _PIN, _PROFILE_WORDS, _PROFILE))


def _wants(turn: Turn) -> str | None:
    """'upi' / 'name' / 'pin' for a change request, 'show' for 'profile', else None."""
    if turn.media:
        return None
    norm = fold(turn.text)  # one spelling per word (issue 12): nukta, Arabic keyboards, stretched letters
    if norm in _PROFILE:
        return "show"
    tokens = set(norm.split())
    if len(tokens) > 8 or tokens & negations():
        return None  # "upi mat badlo" asks for nothing
    if not tokens & _CHANGE:
        return "show" if tokens & _PROFILE_WORDS else None
    if tokens & _UPI:
        return "upi"
    if tokens & _NAME:
        return "name"
    if tokens & _PIN or "pin code" in norm:
        return "pin"
    return None


def profile_text(turn: Turn) -> str:
    member = turn.member
    assert member is not None
    profile = profile_of(turn.session, member.id)
    lines = [turn.t("profile.title"), turn.t("profile.name", name=member.name),
             turn.t("profile.pin", pin=member.pin_code)]
    if member.upi_id:
        checked = profile.upi_holder_name and profile.upi_validated_fp
        key = "profile.upi_checked" if checked else "profile.upi_unchecked"
        lines.append(turn.t(key, upi=mask_upi(member.upi_id), holder=profile.upi_holder_name or ""))
    else:
        lines.append(turn.t("profile.no_upi"))
    if profile.pan:
        lines.append(turn.t("profile.pan", pan=mask_pan(profile.pan), since=format_day(turn.lang, profile.kyc_at)
                            if profile.kyc_at else ""))
    lines += ["", turn.t("profile.options")]
    return "\n".join(lines)


def start(turn: Turn) -> str | None:
    wanted = _wants(turn) if turn.text else "show"
    if wanted == "upi":
        turn.say("upi.ask")
        return ASK_UPI
    if wanted == "name":
        turn.say("profile.ask_name")
        return ASK_NAME
    if wanted == "pin":
        turn.say("profile.ask_pin")
        return ASK_PIN
    return _show(turn)


def _show(turn: Turn) -> str:
    """The profile with its choices; "1. UPI ID / 2. Name / 3. PIN code" become three buttons."""
    turn.say_text("profile.title", profile_text(turn))
    offer(turn, "profile.title")
    return MENU


def show_from_menu(turn: Turn) -> str:
    return _show(turn)


_choose = match.choice({"upi": ["upi"], "name": ["name", "naam", "नाम", "نام"], "pin": ["pin", "pin code", "पिन"]})


def picked(turn: Turn) -> str:
    if turn.value == "upi":
        turn.say("upi.ask")
        return ASK_UPI
    if turn.value == "name":
        turn.say("profile.ask_name")
        return ASK_NAME
    turn.say("profile.ask_pin")
    return ASK_PIN


def got_upi(turn: Turn) -> str:
    return upi_steps.begin_check(turn, turn.value)  # a job checks it with the bank and answers


def holder_answer(turn: Turn) -> str | None:
    if not turn.value:
        turn.say("upi.ask_again")
        return ASK_UPI
    upi_steps.save_confirmed(turn)
    turn.say("profile.upi_saved", upi=mask_upi(upi_steps.secret(turn, "vpa")))
    return END


def _person_name(turn: Turn) -> str | None:
    """A name, but never a command or intent word ('balance', 'menu', 'redeem')."""
    if _wants(turn) is not None:
        return None
    return upi_steps.person_name(turn)


def got_name(turn: Turn) -> str:
    member = turn.member
    assert member is not None
    member.name = turn.value
    turn.say("profile.name_saved", name=member.name)
    return END


def got_pin(turn: Turn) -> str:
    member = turn.member
    assert member is not None
    member.pin_code = turn.value
    turn.say("profile.pin_saved", pin=member.pin_code)
    return END


FLOW = Flow(
    name="profile",
    entry=[on(_wants, start)],
    states={
        MENU: [on(_choose, picked), on(_wants, start, invalid="profile.bad_choice")],
        ASK_UPI: [on(upi_steps.upi_text, got_upi, invalid="upi.bad_format")],
        CHECKING_UPI: [on(upi_steps.upi_text, got_upi), on(upi_steps.waiting, upi_steps.meanwhile)],
        CONFIRM_HOLDER: [on(match.yes_no, holder_answer, invalid="upi.bad_holder_answer")],
        ASK_NAME: [on(_person_name, got_name, invalid="profile.bad_name")],
        ASK_PIN: [on(match.pin_code, got_pin, invalid="enroll.bad_pin")],
    },
    fallbacks=[on(upi_steps.other_intent, upi_steps.leave_for_other)],
    menu_label="menu.profile",
    menu_order=60,
    start=show_from_menu,
    priority=15,
)
