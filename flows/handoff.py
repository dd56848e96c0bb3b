"""Talking to a person: the phrases and menu item that hand the chat to an agent, and the bot's silence.

"talk to a person" / "किसी से बात करनी है" / "کسی سے بات کرنی ہے" / "agent" (and their romanized
forms) open a handoff; "this claim is wrong" opens one with the member's latest claim attached.
While a handoff is open the bot answers nothing (STOP and START still work); the agent closes it,
or the tick does after the configured time-out, and the member is told the bot is back.
"""

from __future__ import annotations

from flows import match
from flows.engine import Flow, Turn, on
from handoff.service import active_handoff, latest_claim_ref, open_handoff

PERSON_PHRASES = (
    "talk to a person", "talk to person", "talk to a human", "speak to a person", "real person", "human",
    "agent", "customer care", "customer service", "call me", "kisi se baat", "insaan se baat",
    "kisi aadmi se baat", "किसी से बात", "इंसान से बात", "एजेंट", "कस्टमर केयर", "کسی سے بات",
    "انسان سے بات", "ایجنٹ", "کسٹمر کیئر",
)
CLAIM_WORDS = ("claim", "points", "point", "coupon", "invoice", "bill", "क्लेम", "पॉइंट", "कूपन", "बिल",
               "کلیم", "پوائنٹ", "کوپن", "بل")
WRONG_WORDS = ("wrong", "galat", "incorrect", "not credited", "nahi mila", "nahin mila", "गलत", "ग़लत",
               "nahi mile", "nahin mile", "नहीं मिला", "नहीं मिले", "غلط", "نہیں ملا", "نہیں ملے")
PERSON_PHRASES, CLAIM_WORDS, WRONG_WORDS = (
    tuple(match.normalize(p) for p in group) for group in (PERSON_PHRASES, CLAIM_WORDS, WRONG_WORDS)
)


def _has(norm: str, phrases: tuple[str, ...]) -> bool:
    padded = f" {norm} "
    return any(f" {p} " in padded or (" " in p and p in norm) for p in phrases)


def _in_handoff(turn: Turn) -> bool | None:
    if match.intent_of(turn.text) in ("stop", "start"):
        return None  # opting out is honoured whoever is answering
    return True if active_handoff(turn.session, turn.contact.id) is not None else None


def _asks_for_person(turn: Turn) -> bool | None:
    if turn.media:
        return None
    return True if _has(match.normalize(turn.text), PERSON_PHRASES) else None


def _disputes_claim(turn: Turn) -> bool | None:
    if turn.media or turn.member is None:
        return None
    norm = match.normalize(turn.text)
    return True if _has(norm, CLAIM_WORDS) and _has(norm, WRONG_WORDS) else None


def stay_silent(turn: Turn) -> None:
    """An agent has this conversation: the message is stored for them and the bot says nothing."""


def ask_for_person(turn: Turn) -> None:
    open_handoff(turn.session, turn.contact, reason="asked", note=turn.text)
    turn.say("handoff.opened")


def dispute(turn: Turn) -> None:
    assert turn.member is not None
    ref = latest_claim_ref(turn.session, turn.member.id)
    open_handoff(turn.session, turn.contact, reason="dispute", claim_ref=ref, note=turn.text)
    if ref:
        turn.say("handoff.dispute_opened", ref=ref)
    else:
        turn.say("handoff.opened")


FLOW = Flow(
    name="handoff",
    entry=[on(_in_handoff, stay_silent), on(_disputes_claim, dispute), on(_asks_for_person, ask_for_person)],
    menu_label="menu.agent",
    menu_order=90,
    start=ask_for_person,
    is_global=True,
    for_guests=True,
    priority=-1,
)
