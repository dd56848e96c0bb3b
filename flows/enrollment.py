"""Enrollment: language, name, role (firms: GSTIN and firm name), PIN code, optional UPI ID, consent.

Started by any first message from an unknown number, or by a field rep's link
``https://wa.me/<number>?text=JOIN%20<REPCODE>`` which attributes the member to the rep.
"""

from __future__ import annotations

import re

from bot.i18n import format_number, format_rupees
from claims.gstin import is_valid
from content.interactive import offer
from flows import match
from flows.engine import END, Flow, Turn, on, show_menu
from flows.language import choose_language
from storage import ledger
from storage.members import Enrollment, enroll, rep_by_code
from storage.models import Role

ASK_LANGUAGE, ASK_NAME, ASK_ROLE, ASK_PIN, ASK_UPI, ASK_CONSENT = (
    "ask_language", "ask_name", "ask_role", "ask_pin", "ask_upi", "ask_consent",
)
ASK_GSTIN, ASK_FIRM = "ask_gstin", "ask_firm"

ROLE_WORDS: dict[str, list[str]] = {
    Role.CONTRACTOR.value: ["contractor", "thekedar", "thekedaar", "thekadar", "theka", "builder", "ठेकेदार",
                            "ठेका", "बिल्डर", "कॉन्ट्रैक्टर", "ٹھیکیدار", "ٹھیکے دار", "ٹھیکہ", "کنٹریکٹر", "بلڈر"],
    Role.MASON.value: ["mason", "mistri", "mistry", "raj mistri", "rajmistri", "karigar", "मिस्त्री", "राजमिस्त्री",
                       "राज मिस्त्री", "कारीगर", "मेसन", "مستری", "راج مستری", "کاریگر", "میسن"],
    Role.ELECTRICIAN.value: ["electrician", "electrition", "bijli mistri", "bijli wala", "wireman", "bijli ka kaam",
                             "इलेक्ट्रीशियन", "बिजली मिस्त्री", "बिजली वाला", "वायरमैन", "बिजली का काम", "الیکٹریشن",
                             "بجلی مستری", "بجلی والا", "وائرمین", "بجلی کا کام"],
    Role.PLUMBER.value: ["plumber", "plumbing", "nal wala", "pipe fitter", "प्लंबर", "प्लम्बर", "नल वाला", "پلمبر",
                         "نل والا"],
    Role.PAINTER.value: ["painter", "rangai", "putai", "paint ka kaam", "पेंटर", "रंगाई", "पुताई", "پینٹر",
                         "رنگائی", "پتائی"],
    Role.RETAILER.value: ["retailer", "dealer", "dukandar", "dukaandar", "shopkeeper", "shop", "dukan", "दुकानदार",
                          "डीलर", "दुकान", "रिटेलर", "ڈیلر", "دکاندار", "دکان", "ریٹیلر"],
    Role.DISTRIBUTOR.value: ["distributor", "wholesaler", "wholesale", "stockist", "डिस्ट्रीब्यूटर", "वितरक",
                             "होलसेलर", "स्टॉकिस्ट", "ڈسٹری بیوٹر", "ڈسٹریبیوٹر", "ہول سیلر", "اسٹاکسٹ"],
}
"""Answers accepted for each role besides its number."""

choose_role = match.choice(ROLE_WORDS, labels="role.")


def _begin(turn: Turn, rep_code: str | None) -> str:
    detected = match.detect_language(turn.text)
    if turn.contact.lang is None and detected:
        turn.contact.lang = detected
    if rep_code:
        rep = rep_by_code(turn.session, rep_code)
        if rep is not None:
            turn.slots["rep_code"] = rep.code
    turn.say("enroll.welcome", program=turn.program.name_for(turn.lang))
    turn.say("language.ask")
    offer(turn, "language.ask")
    return ASK_LANGUAGE


def start(turn: Turn) -> str:
    join = match.keyword("join")(turn)
    return _begin(turn, join or None)


def rejoin(turn: Turn) -> str | None:
    """A rep's JOIN link opened mid-enrollment: keep the progress, record the rep."""
    rep = rep_by_code(turn.session, turn.value)
    if rep is not None:
        turn.slots["rep_code"] = rep.code
    turn.say("enroll.continue")
    return None


def got_language(turn: Turn) -> str:
    turn.contact.lang = turn.value
    turn.say("enroll.ask_name")
    return ASK_NAME


def got_name(turn: Turn) -> str:
    turn.slots["name"] = turn.value
    _ask_role(turn)
    return ASK_ROLE


def _ask_role(turn: Turn) -> None:
    turn.say_text("enroll.ask_role", _role_prompt(turn))
    offer(turn, "enroll.ask_role", prompt=turn.t("enroll.role_prompt", name=turn.slots.get("name", "")),
          button=turn.t("role.button"))


def _role_prompt(turn: Turn) -> str:
    lines = [turn.t("enroll.ask_role", name=turn.slots.get("name", ""))]
    lines += [f"{i}. {turn.t('role.' + role)}" for i, role in enumerate(ROLE_WORDS, start=1)]
    return "\n".join(lines)


def bad_role(turn: Turn) -> None:
    turn.say("enroll.bad_role")
    _ask_role(turn)


def got_role(turn: Turn) -> str:
    turn.slots["role"] = turn.value
    if turn.value in turn.program.invoice.claimant_roles:
        turn.say("enroll.ask_gstin")
        return ASK_GSTIN
    turn.say("enroll.ask_pin")
    return ASK_PIN


def gstin_answer(turn: Turn) -> str | None:
    """A GSTIN with a valid check character (spaces, dashes and case forgiven)."""
    text = re.sub(r"[\s\-.]", "", turn.text).upper()
    return text if len(text) == 15 and is_valid(text) else None


def got_gstin(turn: Turn) -> str:
    turn.slots["gstin"] = turn.value
    turn.say("enroll.ask_firm")
    return ASK_FIRM


def bad_gstin(turn: Turn) -> None:
    turn.say("enroll.bad_gstin")


def firm_answer(turn: Turn) -> str | None:
    name = " ".join(turn.text.split())
    return name[:120] if len(name) >= 2 and any(ch.isalpha() for ch in name) else None


def got_firm(turn: Turn) -> str:
    turn.slots["firm_name"] = turn.value
    turn.say("enroll.ask_pin")
    return ASK_PIN


def got_pin(turn: Turn) -> str:
    turn.slots["pin_code"] = turn.value
    turn.say("enroll.ask_upi")
    return ASK_UPI


def got_upi(turn: Turn) -> str:
    from flows.upi_steps import seal_inbound

    seal_inbound(turn)  # the raw message held a UPI ID: keep it encrypted only
    turn.slots["upi_id"] = turn.value
    return _ask_consent(turn)


def skipped_upi(turn: Turn) -> str:
    turn.slots["upi_id"] = None
    return _ask_consent(turn)


def _ask_consent(turn: Turn) -> str:
    turn.say("enroll.ask_consent", program=turn.program.name_for(turn.lang), terms=turn.program.terms_url)
    offer(turn, "enroll.ask_consent")
    return ASK_CONSENT


def got_consent(turn: Turn) -> str:
    if not turn.value:
        turn.say("enroll.declined")
        return END
    slots = turn.slots
    member = enroll(
        turn.session,
        turn.contact,
        Enrollment(
            name=slots["name"],
            role=slots["role"],
            pin_code=slots["pin_code"],
            upi_id=slots.get("upi_id"),
            lang=turn.lang,
            rep_code=slots.get("rep_code"),
            gstin=slots.get("gstin"),
            firm_name=slots.get("firm_name"),
        ),
        welcome_bonus=turn.program.welcome_bonus,
    )
    assert member.account_id is not None
    points = ledger.balance(turn.session, member.account_id)
    turn.say(
        "enroll.done",
        name=member.name,
        bonus=format_number(turn.program.welcome_bonus),
        points=format_number(points),
        rupees=format_rupees(turn.program.paise_for(points)),
    )
    from flows.claims import claim_waiting_coupons  # the claims flow owns coupon replies

    claim_waiting_coupons(turn)
    show_menu(turn)
    return END


def _guest_anything(turn: Turn) -> bool | None:
    return True if turn.member is None else None


FLOW = Flow(
    name="enrollment",
    entry=[on(_guest_anything, start)],
    states={
        ASK_LANGUAGE: [on(choose_language, got_language, invalid="language.invalid")],
        ASK_NAME: [on(match.name, got_name, invalid="enroll.bad_name")],
        ASK_ROLE: [on(choose_role, got_role), on(match.any_text, bad_role)],
        ASK_GSTIN: [on(gstin_answer, got_gstin), on(match.any_text, bad_gstin)],
        ASK_FIRM: [on(firm_answer, got_firm, invalid="enroll.bad_firm")],
        ASK_PIN: [on(match.pin_code, got_pin, invalid="enroll.bad_pin")],
        ASK_UPI: [on(match.upi_id, got_upi), on(match.skip, skipped_upi, invalid="enroll.bad_upi")],
        ASK_CONSENT: [on(match.yes_no, got_consent, invalid="enroll.bad_consent")],
    },
    fallbacks=[on(match.keyword("join"), rejoin)],
    for_guests=True,
    start=start,
    priority=90,
)
