"""Folding text the way members write it into one comparable form, before anything is matched.

Why: the same word arrives in many spellings. Arabic keyboards type ي ك ه where Urdu has ی ک ہ;
Hindi is written with or without nukta (ज़/ज) and with chandrabindu, anusvara or a half nasal
(हाँ/हां, बैलेंस/बैलेन्स); phones insert zero-width joiners; people stretch letters ("plzzz",
"haaan") and join words with hyphens ("लेन-देन"). ``fold`` maps all of these to one key, so word
lists stay short and the fuzzy matcher only has to deal with real typos.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u0640"), None)
"""Zero-width space/joiners, direction marks, word joiner, BOM, soft hyphen, Arabic tatweel."""

_ARABIC_TO_URDU = str.maketrans({
    "ي": "ی", "ى": "ی", "ئ": "ی", "ۓ": "ی", "ے": "ی",  # yeh forms (and bari ye, for matching only)
    "ك": "ک", "ڪ": "ک",
    "ه": "ہ", "ھ": "ہ", "ۃ": "ہ", "ة": "ہ", "ۂ": "ہ",  # heh forms: Urdu keys fold to gol he
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ؤ": "و",
    "ں": "ن",  # noon ghunna: the nasal is often typed as a plain noon
})
"""Arabic-keyboard letters and Urdu letter variants folded to one Urdu letter each."""

_ARABIC_MARKS = re.compile(r"[\u064B-\u065F\u0670\u06D6-\u06ED]")
"""Harakat (zer, zabar, pesh, tashdid, sukun…) and Quranic marks: optional in everyday Urdu."""

_NUKTA = "\u093c"
_NASALS = "\u0901\u0902"  # chandrabindu, anusvara
_HALF_NASAL = re.compile(r"[\u0919\u091e\u0923\u0928\u092e]\u094d(?=[\u0915-\u0939])")
"""ङ्/ञ्/ण्/न्/म् before a consonant: the same sound as an anusvara (बैलेन्स = बैलेंस)."""

_DEVANAGARI_FOLD = str.maketrans({
    "\u0901": "\u0902",  # chandrabindu -> anusvara
    "\u0911": "\u0913", "\u0949": "\u094b",  # ऑ -> ओ, ॉ -> ो (पॉइंट / पोइंट)
    "\u0940": "\u093f", "\u0942": "\u0941", "\u0908": "\u0907", "\u090a": "\u0909",  # long i/u as short: कूपन/कुपन
    "\u0972": "\u0905",
    "\u0964": " ", "\u0965": " ",  # danda
})

_HYPHENS = re.compile(r"(?<=\S)[-\u2010\u2011\u2012\u2013\u2212](?=\S)")
_NOT = re.compile(r"n['’]t\b")
""""don't" / "doesn’t" -> "do not": the negation stays a word of its own."""
_REPEATS = re.compile(r"([^\W\d_]|[\u0900-\u097f\u0600-\u06ff])\1+")
"""A letter or mark typed twice or more ("plzzz", "haaan", "हाााँ"); digits are never folded."""


def to_ascii_digits(text: str) -> str:
    """'१२३' / '١٢٣' / '۱۲۳' -> '123' (any Unicode decimal digit)."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def clean(text: str) -> str:
    """NFKC, invisible characters removed, ASCII digits, case folded; spelling otherwise kept."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return to_ascii_digits(text).casefold()


def fold(text: str) -> str:
    """The matching key of ``text``: one spelling per word, punctuation gone, single spaces.

    >>> fold("बैलेन्स") == fold("बैलेंस"), fold("بيلنس") == fold("بیلنس"), fold("plzzz"), fold("लेन-देन")
    (True, True, 'plz', 'लेनदेन')
    """
    text = unicodedata.normalize("NFD", clean(text))  # splits क़ into क + nukta
    text = text.replace(_NUKTA, "")
    text = _HALF_NASAL.sub("\u0902", text).translate(_DEVANAGARI_FOLD)
    text = unicodedata.normalize("NFC", text)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_TO_URDU)
    text = _HYPHENS.sub("", _NOT.sub(" not", text))
    text = "".join(" " if _is_separator(ch) else ch for ch in text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


def _is_separator(ch: str) -> bool:
    """Punctuation and symbols become spaces (combining marks, which Indic words need, stay)."""
    return unicodedata.category(ch)[0] in "PSZ" and ch not in "@"


def script_of(text: str) -> str | None:
    """The script of the letters in ``text``: 'deva', 'arab', 'latn', 'mixed' or None (no letters)."""
    seen: set[str] = set()
    for ch in text:
        if not ch.isalpha():
            continue
        if "\u0900" <= ch <= "\u097f":
            seen.add("deva")
        elif "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff":
            seen.add("arab")
        elif ch.isascii():
            seen.add("latn")
    if not seen:
        return None
    return seen.pop() if len(seen) == 1 else "mixed"
