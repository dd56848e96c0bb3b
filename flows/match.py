"""Matchers: small functions that read a turn and return a value, or None for "not mine".

Why: members write naturally — English, Hindi in Devanagari, Urdu in Arabic script, and
romanized Hindi/Urdu ("balance kitna hai", "paise nikalne hain") — with digits in any of three
scripts. Normalizing once here keeps every flow's handlers plain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.engine import Turn

Matcher = Callable[["Turn"], Any]
"""Returns a non-None value (becomes ``turn.value``) when the turn matches."""

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")

# Words that are only ever typed by someone writing romanized Hindi/Urdu.
_ROMAN_HINDUSTANI = {
    "kitna", "kitne", "kitni", "hai", "hain", "mera", "mere", "meri", "kya", "kaise", "nikalne",
    "nikalna", "paise", "paisa", "batao", "bataiye", "chahiye", "karo", "karna", "naam", "haan",
    "nahi", "nahin", "ji", "bhai", "aap", "hum", "mujhe", "kab", "kahan", "shukriya", "dhanyavad",
    "madad", "hisab", "hisaab", "wapas", "bhasha", "zaban", "zubaan", "namaste", "salaam", "assalam",
}
_URDU_ROMAN_HINTS = {"shukriya", "zaban", "zubaan", "salaam", "assalam", "janab", "khuda", "hafiz"}

INTENT_WORDS: dict[str, set[str]] = {
    "menu": {"menu", "main menu", "hi", "hello", "helo", "hey", "namaste", "namaskar", "salaam", "assalam",
             "मेनू", "मेन्यू", "नमस्ते", "नमस्कार", "مینو", "سلام", "آداب"},
    "help": {"help", "madad", "sahayata", "मदद", "सहायता", "مدد", "?"},
    "language": {"language", "lang", "bhasha", "zaban", "zubaan", "भाषा", "زبان"},
    "stop": {"stop", "unsubscribe", "band karo", "band", "बंद", "बंद करो", "रोकें", "بند", "بند کرو"},
    "start": {"start", "subscribe", "shuru", "resume", "शुरू", "شروع"},
    "cancel": {"cancel", "back", "wapas", "radd", "exit", "रद्द", "वापस", "منسوخ", "واپس"},
    "balance": {"balance", "bal", "points", "point", "kitna", "kitne", "बैलेंस", "पॉइंट", "पॉइंट्स", "अंक",
                "शेष", "कितने", "بیلنس", "پوائنٹ", "پوائنٹس", "کتنے"},
    "statement": {"statement", "history", "passbook", "transactions", "hisab", "hisaab", "details",
                  "स्टेटमेंट", "हिसाब", "लेनदेन", "पासबुक", "حساب", "اسٹیٹمنٹ", "تفصیل"},
    "redeem": {"redeem", "withdraw", "cash", "nikalne", "nikalna", "nikal", "paise", "paisa", "payout",
               "पैसे", "निकालना", "निकालने", "भुगतान", "پیسے", "نکالنے", "نکالنا", "ادائیگی"},
}
"""Words and phrases per intent, in English, romanized Hindi/Urdu, Devanagari and Urdu script."""

COMMAND_INTENTS = ("menu", "help", "language", "stop", "start", "cancel")
"""Global commands: they must be (nearly) the whole message, so a sentence never triggers them."""


def to_ascii_digits(text: str) -> str:
    """'१२३' / '١٢٣' / '۱۲۳' -> '123' (any Unicode decimal digit)."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def normalize(text: str) -> str:
    """Lower-case, NFKC, ASCII digits, punctuation removed, spaces collapsed."""
    text = to_ascii_digits(unicodedata.normalize("NFKC", text)).casefold()
    text = "".join(" " if _is_punctuation(ch) else ch for ch in text)
    return " ".join(text.split())


def _is_punctuation(ch: str) -> bool:
    """Punctuation and symbols (not combining marks, which Devanagari and Urdu words need)."""
    if ch in "@.-_":
        return False
    return unicodedata.category(ch)[0] in "PS"


def detect_language(text: str) -> str | None:
    """Guess the writer's language from script and words: 'hi', 'ur', 'en', 'hi_Latn' or None (no letters).

    Hindi or Urdu typed in Latin letters ("balance kitna hai", "shukriya") gets Roman Hindi replies.
    """
    if _DEVANAGARI.search(text):
        return "hi"
    if _ARABIC.search(text):
        return "ur"
    words = set(normalize(text).split())
    if not any(w.isalpha() for w in words):
        return None
    if words & (_ROMAN_HINDUSTANI | _URDU_ROMAN_HINTS):
        return "hi_Latn"
    return "en"


def intent_of(text: str) -> str | None:
    """The intent a short free-text message expresses, or None.

    Commands need the message to be the command (up to two extra words like 'please'); other
    intents may appear inside a short sentence ('balance kitna hai', 'mera point').
    """
    norm = normalize(text)
    if not norm:
        return "help" if text.strip() == "?" else None
    for name in COMMAND_INTENTS:
        words = INTENT_WORDS[name]
        if norm in words:
            return name
        tokens = norm.split()
        if len(tokens) <= 3 and tokens[0] in words and all(t in {"please", "pls", "karo", "kijiye", "ji"}
                                                            for t in tokens[1:]):
            return name
    tokens = norm.split()
    if len(tokens) > 8:
        return None
    for name in ("redeem", "statement", "balance"):
        words = INTENT_WORDS[name]
        if any(t in words for t in tokens) or any(" " in w and w in norm for w in words):
            return name
    return None


def _text(turn: Turn) -> str:
    return turn.text.strip()


def any_text(turn: Turn) -> str | None:
    """Any non-empty text."""
    return _text(turn) or None


def first_message(turn: Turn) -> bool | None:
    """True on the first message ever received from this contact."""
    return True if turn.is_first_message else None


def has_media(turn: Turn) -> bool | None:
    return True if turn.media else None


def intent(name: str) -> Matcher:
    """Match a free-text intent (see INTENT_WORDS)."""

    def matcher(turn: Turn) -> bool | None:
        return True if not turn.media and intent_of(turn.text) == name else None

    matcher.__name__ = f"intent_{name}"
    return matcher


def keyword(word: str) -> Matcher:
    """Match a message starting with ``word`` (case-insensitive); value is the rest of the text."""
    word_n = word.casefold()

    def matcher(turn: Turn) -> str | None:
        norm = normalize(turn.text)
        if norm == word_n or norm.startswith(word_n + " "):
            return norm[len(word_n) :].strip()
        return None

    matcher.__name__ = f"keyword_{word}"
    return matcher


def number(count: int) -> Matcher:
    """Match a choice 1..count typed in any digit script; value is the int."""

    def matcher(turn: Turn) -> int | None:
        norm = normalize(turn.text)
        if norm.isdigit() and 1 <= int(norm) <= count:
            return int(norm)
        return None

    matcher.__name__ = f"number_1_{count}"
    return matcher


def choice(options: dict[Any, Iterable[str]]) -> Matcher:
    """Match a numbered option (1-based, in dict order) or one of its words; value is the key."""
    keys = list(options)
    words = {normalize(w): k for k, ws in options.items() for w in ws}

    def matcher(turn: Turn) -> Any:
        norm = normalize(turn.text)
        if norm.isdigit() and 1 <= int(norm) <= len(keys):
            return keys[int(norm) - 1]
        return words.get(norm)

    return matcher


YES_WORDS = {"yes", "y", "ok", "okay", "agree", "i agree", "haan", "han", "ha", "ji", "ji haan", "theek",
             "thik", "sahi", "हाँ", "हां", "जी", "जी हाँ", "ठीक", "सहमत", "ہاں", "جی", "جی ہاں", "ٹھیک", "منظور"}
NO_WORDS = {"no", "n", "nahi", "nahin", "na", "disagree", "नहीं", "ना", "नही", "نہیں", "نا"}
SKIP_WORDS = {"skip", "later", "baad mein", "baad me", "none", "no", "nahi", "nahin", "0", "-",
              "छोड़ें", "बाद में", "नहीं", "چھوڑیں", "بعد میں", "نہیں"}


def yes_no(turn: Turn) -> bool | None:
    """'1'/yes-words -> True, '2'/no-words -> False."""
    norm = normalize(turn.text)
    if norm == "1" or norm in YES_WORDS:
        return True
    if norm == "2" or norm in NO_WORDS:
        return False
    return None


def skip(turn: Turn) -> bool | None:
    return True if normalize(turn.text) in SKIP_WORDS else None


# India Post PIN codes: the first two digits name a postal circle; these prefixes are in use
# (11-28 north, 30-34 Rajasthan, 36-39 Gujarat, 40-53 west/centre/AP, 56-64 south, 67-85 east/NE).
_PIN_PREFIXES = set(range(11, 29)) | set(range(30, 35)) | set(range(36, 54)) | set(range(56, 65)) | set(
    range(67, 86)
)


def is_valid_pin(pin: str) -> bool:
    return len(pin) == 6 and pin.isdigit() and int(pin[:2]) in _PIN_PREFIXES


def pin_code(turn: Turn) -> str | None:
    """A 6-digit India PIN code (spaces forgiven: '110 001'), any digit script."""
    pin = to_ascii_digits(turn.text).replace(" ", "").strip()
    return pin if is_valid_pin(pin) else None


_UPI = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,255}@[a-z][a-z0-9]{1,63}$")


def upi_id(turn: Turn) -> str | None:
    """A UPI VPA 'handle@psp' (e.g. ramesh.k@okaxis), lower-cased."""
    vpa = turn.text.strip().casefold()
    return vpa if _UPI.match(vpa) else None


def name(turn: Turn) -> str | None:
    """A person's name: 2-60 characters with letters, not only digits or a command."""
    text = " ".join(turn.text.split())
    if not (2 <= len(text) <= 60) or not any(ch.isalpha() for ch in text):
        return None
    if any(ch.isdigit() for ch in text) or "@" in text:
        return None
    return text
