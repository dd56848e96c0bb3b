"""Talking to a person: the phrases and menu item that hand the chat to an agent, and the bot's silence.

"talk to a person" / "किसी से बात करनी है" / "کسی سے بات کرنی ہے" / "agent" (and their romanized
forms) open a handoff; "this claim is wrong" opens one with the member's latest claim attached.
While a handoff is open the bot answers nothing (STOP and START still work); the agent closes it,
or the tick does after the configured time-out, and the member is told the bot is back.
"""

from __future__ import annotations

from flows import match
from flows.engine import Flow, Turn, on
from flows.intents import OPEN, define
from handoff.service import active_handoff, latest_claim_ref, open_handoff

# "Talk to a person", through the same folding, typo and negation handling as every other intent:
# "kisi se baat karni hai", "किसी से बात करनी है", "کسی سے بات کرنی ہے", "agent please", "talk to a persn",
# but never "kisi se baat nahi karni".
define("handoff", label="menu.agent",
       words=["agent", "agents", "human", "insaan", "insan", "एजेंट", "इंसान", "ایجنٹ", "انسان"],
       phrases=["talk to a person", "talk to person", "talk to someone", "talk to somebody", "talk to a human",
                "speak to a person", "speak to someone", "speak to a human", "real person", "live person",
                "customer care", "customer service", "customer support", "call me", "call me back", "call back",
                "kisi se baat", "kisi insaan se baat", "insaan se baat", "kisi aadmi se baat", "aadmi se baat",
                "kisi bande se baat", "team se baat", "staff se baat", "manager se baat", "officer se baat",
                "sahab se baat", "mujhe call karo", "phone karo", "call karo", "call kijiye", "baat karwao",
                "baat karao", "kisi se milwao",
                "किसी से बात", "किसी इंसान से बात", "इंसान से बात", "किसी आदमी से बात", "आदमी से बात",
                "टीम से बात", "मैनेजर से बात", "कस्टमर केयर", "कॉल करो", "कॉल कीजिए", "फ़ोन करो", "फ़ोन कीजिए",
                "बात करवाओ", "बात कराओ",
                "کسی سے بات", "کسی انسان سے بات", "انسان سے بات", "کسی آدمی سے بات", "آدمی سے بات",
                "ٹیم سے بات", "مینیجر سے بات", "کسٹمر کیئر", "کال کرو", "کال کیجیے", "فون کرو", "فون کیجیے",
                "بات کرواؤ", "بات کراؤ"],
       cues=["baat", "karni", "karna", "karao", "karwao", "karwaiye", "karaiye", "chahiye", "talk", "speak",
             "connect", "transfer", "someone", "person", "real", "live", "urgent", "please", "koi", "kisi",
             "बात", "करनी", "करना", "कराओ", "करवाइए", "कोई", "किसी", "ज़रूरी",
             "بات", "کرنی", "کرنا", "کراؤ", "کروائیے", "کوئی", "کسی", "ضروری"])

# "This claim is wrong": a claim word beside a word that says it went wrong (or points that did not
# come), in any script. A claim word or "galat" alone is no dispute ("galat" answers a yes/no question).
_CLAIM_NOUNS = ["claim", "claims", "coupon", "coupons", "points", "point", "invoice", "bill", "credit", "entry",
                "क्लेम", "कूपन", "पॉइंट", "पॉइंट्स", "बिल", "इनवॉइस", "एंट्री",
                "کلیم", "کوپن", "پوائنٹ", "پوائنٹس", "بل", "انوائس", "انٹری"]
_WRONG = ["wrong", "galat", "ghalat", "incorrect", "mistake", "गलत", "ग़लत", "غلط"]
_LESS = ["kam", "less", "short", "missing", "कम", "کم"]
_NOT_COME = ["nahi mile", "nahi mila", "nahin mile", "nahi aaye", "nahi aaya", "nahi jude", "nahi jude hain",
             "not credited", "not received", "not added", "did not get", "not come", "were not credited",
             "was not credited", "were not added", "have not come", "has not come", "नहीं मिले", "नहीं मिला",
             "नहीं आए", "नहीं आये", "नहीं जुड़े", "نہیں ملے", "نہیں ملا", "نہیں آئے", "نہیں جڑے"]
define("dispute",
       phrases=[f"{noun} {word}" for noun in _CLAIM_NOUNS for word in _WRONG + _LESS + _NOT_COME]
       + [f"{word} {noun}" for noun in _CLAIM_NOUNS for word in _WRONG + _LESS]
       + ["did not get points", "did not get my points", "points did not come", "claim rejected wrongly",
          "galat reject", "galat kaata", "गलत रिजेक्ट", "غلط ریجیکٹ"],
       cues=["got", "mila", "mile", "aaye", "aaya", "aya", "hua", "hue", "kyun", "kyon", "why", "check", "dekho",
             "dekhiye", "mera", "mere", "meri", "my", "this", "is", "hai", "hain", "diye", "de", "only", "sirf",
             "मिले", "मिला", "आए", "हुए", "क्यों", "देखिए", "सिर्फ़", "ملے", "ملا", "آئے", "ہوئے", "کیوں", "دیکھیے", "صرف"])


def _understood_as(turn: Turn, name: str) -> bool | None:
    if turn.media:
        return None
    found = match.understood(turn).intent
    return True if found in (name, f"{OPEN}{name}") else None


def _in_handoff(turn: Turn) -> bool | None:
    if not turn.media and match.understood(turn).intent in ("stop", "start"):
        return None  # opting out is honoured whoever is answering
    return True if active_handoff(turn.session, turn.contact.id) is not None else None


def _asks_for_person(turn: Turn) -> bool | None:
    return _understood_as(turn, "handoff")


def _disputes_claim(turn: Turn) -> bool | None:
    if turn.member is None:
        return None
    return _understood_as(turn, "dispute")


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
