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

from flows import intents
from flows import normalize as normalize_mod
from flows.normalize import fold

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
_ROMAN_HINDUSTANI |= {
    "karna", "karni", "badlo", "bhejo", "bhejna", "dikhao", "nahi", "kitna", "kaise", "kaun", "kyun", "accha", "achha",
    "theek", "thik", "bilkul", "haanji", "kripya", "bataiye", "dijiye", "kijiye", "mein", "hoon", "hun", "hu", "main",
    "aapka", "apna", "dhanyawad", "mistri", "thekedar", "dukandar", "chahiye", "hisab", "lenden", "band", "kar", "do",
    "ram", "bhaiya", "sahab", "ji", "jee", "raha", "rahi", "wala", "wali", "mujhko", "hamara", "batao", "kab",
}
_ROMAN_HINDUSTANI_FOLDED = {fold(w) for w in _ROMAN_HINDUSTANI | _URDU_ROMAN_HINTS} - {"do", "main", "band"}

def to_ascii_digits(text: str) -> str:
    """'१२३' / '١٢٣' / '۱۲۳' -> '123' (any Unicode decimal digit)."""
    return normalize_mod.to_ascii_digits(text)


def normalize(text: str) -> str:
    """Lower-case, NFKC, ASCII digits, punctuation removed, spaces collapsed (spelling kept)."""
    text = normalize_mod.clean(text)
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
    words = set(fold(text).split())
    if not any(w.isalpha() for w in words):
        return None
    if words & _ROMAN_HINDUSTANI_FOLDED:
        return "hi_Latn"
    return "en"


def understand(text: str) -> intents.Understanding:
    """What a free-text message asks for (see ``flows.intents``)."""
    return intents.understand(text)


def intent_of(text: str) -> str | None:
    """The request a free-text message makes with confidence, or None (small talk is no request).

    A menu line typed back gives its flow's own intent where one offers the same label ("My points
    balance" -> ``balance``), else ``open:<flow>``.
    """
    name = intents.understand(text).intent
    table = intents.table()
    if name is None or table[name].social:
        return None
    if name.startswith(intents.OPEN):
        label = table[name].label
        return next((other for other, i in table.items()
                     if i.label == label and not other.startswith(intents.OPEN)), name)
    return name


def understood(turn: Turn) -> intents.Understanding:
    """The turn's understanding, computed once per turn (or forced by a clarification answer)."""
    if turn.understanding is None:
        turn.understanding = intents.NOTHING if turn.media else intents.understand(turn.text)
    return turn.understanding


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
    """Match a free-text intent (declared with ``flows.intents.define``) understood with confidence."""

    def matcher(turn: Turn) -> bool | None:
        return True if understood(turn).intent == name else None

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


ANSWER_FILLERS = {fold(w) for w in (
    "i", "am", "im", "an", "a", "as", "the", "my", "work", "job", "kaam", "karta", "karti", "karte", "hu", "hun",
    "hoon", "hoo", "main", "mai", "me", "mein", "ka", "ki", "ke", "hai", "hain", "by", "profession", "se", "sir",
    "ji", "jee", "bhai", "sahab", "please", "pls", "haan", "ha", "yes", "so", "mera", "meri", "mere", "apna",
    "is", "doing", "मैं", "मै", "हूँ", "हूं", "हैं", "है", "का", "की", "के", "काम", "करता", "करती", "करते",
    "मेरा", "मेरी", "जी", "भाई", "साहब", "हाँ", "हां", "पेशे", "से", "पेशा", "میں", "ہوں", "ہیں", "ہے", "کا", "کی",
    "کے", "کام", "کرتا", "کرتی", "کرتے", "میرا", "میری", "جی", "بھائی", "صاحب", "ہاں", "پیشے", "پیشہ", "سے",
)}
"""Words around an answer that don't change it: "I am an electrician", "ठेकेदार हूँ", "main mistri hoon"."""


def choice(options: dict[Any, Iterable[str]], *,
           labels: str | Callable[[], dict[Any, list[str]]] | None = None) -> Matcher:
    """Match a numbered option (1-based, in dict order) or its words inside a natural answer; value is the key.

    ``labels`` names a msgid prefix (``"role."``: the option's label in every reply language), or returns
    each option's labels: whatever the bot showed can be typed back. Answers with a negation match nothing.
    """
    keys = list(options)
    extra_cache: dict[str, dict[str, Any]] = {}

    def vocabulary() -> dict[str, Any]:
        if "v" not in extra_cache:
            words: dict[str, Any] = {}
            for key, ws in options.items():
                for w in ws:
                    words.setdefault(fold(w), key)
            if labels is not None:
                for key, texts in _labels(labels, keys).items():
                    for label in texts:
                        words.setdefault(fold(label), key)
                        for part in re.split(r"[/(),:]", label):
                            if fold(part):
                                words.setdefault(fold(part), key)
            extra_cache["v"] = words
        return extra_cache["v"]

    def matcher(turn: Turn) -> Any:
        norm = normalize(turn.text)
        if norm.isdigit() and 1 <= int(norm) <= len(keys):
            return keys[int(norm) - 1]
        return pick_option(turn.text, vocabulary(), count=len(keys), keys=keys)

    return matcher


def _labels(labels: str | Callable[[], dict[Any, list[str]]], keys: list[Any]) -> dict[Any, list[str]]:
    if callable(labels):
        return labels()
    from bot.i18n import LANGUAGES, translate

    return {key: [translate(lang, f"{labels}{key}") for lang in LANGUAGES] for key in keys}


def numbered_labels(msgid: str, keys: Iterable[Any]) -> Callable[[], dict[Any, list[str]]]:
    """Labels read from the numbered lines ("1. English") of ``msgid`` in every language, for ``choice``."""
    ordered = list(keys)

    def read() -> dict[Any, list[str]]:
        from bot.i18n import LANGUAGES, translate

        found: dict[Any, list[str]] = {key: [] for key in ordered}
        for lang in LANGUAGES:
            for m in re.finditer(r"^(\d+)\.\s*(.+)$", translate(lang, msgid), re.M):
                if 1 <= int(m.group(1)) <= len(ordered):
                    found[ordered[int(m.group(1)) - 1]].append(m.group(2).strip())
        return found

    return read


def pick_option(text: str, words: dict[str, Any], *, count: int = 0, keys: list[Any] | None = None) -> Any:
    """The one option a natural answer names (exactly, inside fillers, or with a typo), else None."""
    key = fold(text)
    if not key:
        return None
    if key in words:
        return words[key]
    tokens = key.split()
    if any(t in intents.negations() for t in tokens):
        return None
    if keys and count:
        numbers = [t for t in tokens if t.isdigit()]
        rest = [t for t in tokens if not t.isdigit() and t not in ANSWER_FILLERS]
        if len(numbers) == 1 and not rest and 1 <= int(numbers[0]) <= count:
            return keys[int(numbers[0]) - 1]
    found: set[Any] = set()
    used: set[int] = set()
    for phrase, value in sorted(words.items(), key=lambda kv: -len(kv[0])):
        span = phrase.split()
        for start in range(len(tokens) - len(span) + 1):
            window = tokens[start:start + len(span)]
            if set(range(start, start + len(span))) & used:
                continue
            if window == span or (len(span) == 1 and intents.close(window[0], span[0])):
                found.add(value)
                used |= set(range(start, start + len(span)))
    rest = [t for i, t in enumerate(tokens) if i not in used and t not in ANSWER_FILLERS]
    if len(found) == 1 and len(rest) <= 1:
        return found.pop()
    return None


YES_WORDS = {"yes", "y", "ya", "yeah", "yep", "yup", "ok", "okay", "k", "agree", "agreed", "accept", "sure", "done",
             "haan", "han", "ha", "haa", "haanji", "ji", "jee", "theek", "thik", "sahi", "bilkul", "zaroor", "jarur",
             "zarur", "manzoor", "manjoor", "sahmat", "chalega", "kabool", "qubool", "hanji",
             "हाँ", "हां", "हा", "जी", "ठीक", "सहमत", "मंज़ूर", "मंजूर", "बिल्कुल", "ज़रूर", "जरूर", "सही", "ओके",
             "स्वीकार",
             "ہاں", "جی", "ٹھیک", "منظور", "بالکل", "ضرور", "درست", "قبول", "اوکے", "متفق"}
NO_WORDS = {"no", "n", "nope", "nahi", "nahin", "nai", "nhi", "na", "disagree", "refuse", "nako", "mat",
            "नहीं", "ना", "नही", "न", "मत", "نہیں", "نا", "نہ", "مت", "نہی",
            "galat", "ghalat", "wrong", "incorrect", "गलत", "ग़लत", "غلط"}  # "… — right?" "galat" is a no
SKIP_WORDS = {"skip", "later", "baad mein", "baad me", "none", "no", "nahi", "nahin", "0", "-", "abhi nahi",
              "not now", "baad", "no upi", "upi nahi hai", "nahi hai",
              "छोड़ें", "बाद में", "नहीं", "अभी नहीं", "छोड़ो", "چھوڑیں", "بعد میں", "نہیں", "ابھی نہیں", "چھوڑو"}
_YES = {fold(w) for w in YES_WORDS}
_NO = {fold(w) for w in NO_WORDS}
_SKIP = {fold(w) for w in SKIP_WORDS}
_YES_FILLERS = ANSWER_FILLERS | {fold(w) for w in (
    "i", "do", "am", "we", "it", "is", "hai", "hain", "ji", "jee", "sir", "please", "thanks", "thank", "you", "of",
    "course", "all", "good", "fine", "absolutely", "definitely", "totally", "bhai", "sahab", "mujhe", "hamein", "hume",
    "are", "main", "mai", "agree", "terms", "conditions", "manzoor", "manjoor")}


def yes_no(turn: Turn) -> bool | None:
    """'1'/yes in a natural answer ("haan ji", "جی ہاں", "I agree") -> True; '2'/no/negations -> False."""
    norm = normalize(turn.text)
    if norm == "1":
        return True
    if norm == "2":
        return False
    tokens = fold(turn.text).split()
    if not tokens:
        return None
    if tokens[0] == "1" and all(t in _YES or t in _YES_FILLERS for t in tokens[1:]):
        return True
    if tokens[0] == "2" and all(t in _NO or t in _YES_FILLERS or t in _YES for t in tokens[1:]):
        return False
    if any(t in _NO or t in intents.negations() for t in tokens):
        return False if all(t in _NO or t in _YES or t in _YES_FILLERS or t in intents.negations()
                            for t in tokens) else None
    if any(t in _YES for t in tokens) and all(t in _YES or t in _YES_FILLERS for t in tokens):
        return True
    return None


def skip(turn: Turn) -> bool | None:
    key = fold(turn.text)
    return True if key in _SKIP or normalize(turn.text) in SKIP_WORDS else None


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
