"""Amounts in words (English and Hindi, Indian lakh/crore scales) parsed to paise.

Why: the total printed in words is independent of the figure OCR read, so when both agree
the total is confirmed; a misspelt number word must never silently change the amount.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

_ENGLISH_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_UNITS = {w: i for i, w in enumerate(_ENGLISH_UNITS)}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_SCALES = {
    "hundred": 100,
    "thousand": 1000,
    "lakh": 100000,
    "lakhs": 100000,
    "lac": 100000,
    "lacs": 100000,
    "crore": 10**7,
    "crores": 10**7,
    "million": 10**6,
}


def words_to_int(words: str) -> int | None:
    """English number words (Indian lakh/crore system too) to an integer; None if any word is unknown."""
    tokens = [t for t in re.split(r"[\s,-]+", words.lower()) if t and t != "and"]
    if not tokens:
        return None
    total = current = 0
    for tok in tokens:
        if tok in _UNITS:
            current += _UNITS[tok]
        elif tok in _TENS:
            current += _TENS[tok]
        elif tok == "hundred":
            current = (current or 1) * 100
        elif tok in _SCALES:
            total += (current or 1) * _SCALES[tok]
            current = 0
        else:
            return None
    return total + current


_WORDS_START = re.compile(r"\b(?:indian\s+rupees?|rupees?|inr|rs\.?)\s+(?=[a-z])", re.IGNORECASE)
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES) | {"and", "paise", "paisa"}
_MAX_SKIPPED_WORDS = 6
"""Words from a neighbouring column that may interrupt an amount in words before we give up."""


def _words_amount(tokens: list[str]) -> int | None:
    """Paise from number-word tokens ending at "only" ("... and Twenty Four Paise")."""
    if "paise" in tokens or "paisa" in tokens:
        cut = tokens.index("paise") if "paise" in tokens else tokens.index("paisa")
        head = tokens[:cut]
        split = len(head) - 1 - head[::-1].index("and") if "and" in head else None
        if split is None:
            return None
        rupees, paise = words_to_int(" ".join(head[:split])), words_to_int(" ".join(head[split + 1 :]))
        if rupees is None or paise is None or paise >= 100:
            return None
        return rupees * 100 + paise
    rupees = words_to_int(" ".join(tokens))
    return None if rupees is None else rupees * 100


def words_to_paise(text: str) -> int | None:
    """Parse "Rupees One Lakh Twenty Three Thousand ... and Fifty Paise Only" to paise.

    Tolerates text of a neighbouring column interleaved by the layout (digits, labels).
    Returns the amount of the first such phrase that is not about tax, or None.
    """
    flat = " ".join(text.split())
    for m in _WORDS_START.finditer(flat):
        if "tax" in flat[max(0, m.start() - 40) : m.start()].lower():
            continue
        tokens: list[str] = []
        skipped = 0
        for raw in flat[m.end() : m.end() + 400].split():
            tok = raw.strip(".,:;()").lower()
            if tok == "only":
                break
            if tok in _NUMBER_WORDS:
                tokens.append(tok)
            elif tok.isalpha():
                skipped += 1
                if skipped > _MAX_SKIPPED_WORDS or difflib.get_close_matches(tok, _NUMBER_WORDS, 1, 0.75):
                    # a misspelt number word would silently change the amount: give up instead
                    tokens = []
                    break
        else:
            continue
        if tokens:
            value = _words_amount(tokens)
            if value is not None:
                return value
    return None


_HI_UNITS = [
    "शून्य",
    "एक",
    "दो",
    "तीन",
    "चार",
    "पांच",
    "छह",
    "सात",
    "आठ",
    "नौ",
    "दस",
    "ग्यारह",
    "बारह",
    "तेरह",
    "चौदह",
    "पंद्रह",
    "सोलह",
    "सत्रह",
    "अठारह",
    "उन्नीस",
    "बीस",
    "इक्कीस",
    "बाईस",
    "तेईस",
    "चौबीस",
    "पच्चीस",
    "छब्बीस",
    "सत्ताईस",
    "अट्ठाईस",
    "उनतीस",
    "तीस",
    "इकतीस",
    "बत्तीस",
    "तैंतीस",
    "चौंतीस",
    "पैंतीस",
    "छत्तीस",
    "सैंतीस",
    "अड़तीस",
    "उनतालीस",
    "चालीस",
    "इकतालीस",
    "बयालीस",
    "तैंतालीस",
    "चवालीस",
    "पैंतालीस",
    "छियालीस",
    "सैंतालीस",
    "अड़तालीस",
    "उनचास",
    "पचास",
    "इक्यावन",
    "बावन",
    "तिरेपन",
    "चौवन",
    "पचपन",
    "छप्पन",
    "सत्तावन",
    "अट्ठावन",
    "उनसठ",
    "साठ",
    "इकसठ",
    "बासठ",
    "तिरेसठ",
    "चौंसठ",
    "पैंसठ",
    "छियासठ",
    "सड़सठ",
    "अड़सठ",
    "उनहत्तर",
    "सत्तर",
    "इकहत्तर",
    "बहत्तर",
    "तिहत्तर",
    "चौहत्तर",
    "पचहत्तर",
    "छिहत्तर",
    "सतहत्तर",
    "अठहत्तर",
    "उन्यासी",
    "अस्सी",
    "इक्यासी",
    "बयासी",
    "तिरासी",
    "चौरासी",
    "पचासी",
    "छियासी",
    "सत्तासी",
    "अट्ठासी",
    "नवासी",
    "नब्बे",
    "इक्यानवे",
    "बानवे",
    "तिरानवे",
    "चौरानवे",
    "पचानवे",
    "छियानवे",
    "सत्तानवे",
    "अट्ठानवे",
    "निन्यानवे",
]
"""Hindi number names 0-99 (each is its own word), index = value."""
_HI_WORDS = {w: i for i, w in enumerate(_HI_UNITS)}
_HI_WORDS.update(
    {
        "पाँच": 5,
        "छः": 6,
        "छह": 6,
        "पन्द्रह": 15,
        "अठ्ठाईस": 28,
        "तिरपन": 53,
        "तिरसठ": 63,
        "चौसठ": 64,
        "सढ़सठ": 67,
        "उनासी": 79,
        "उन्नासी": 79,
        "नवासी": 89,
        "इक्यानबे": 91,
        "बानबे": 92,
    }
)
_HI_SCALES = {"सौ": 100, "हज़ार": 1000, "हजार": 1000, "लाख": 100000, "करोड़": 10**7, "करोड": 10**7}
_HI_FILLERS = ("और", "रुपये", "रूपये", "रुपए", "रूपए")

_HI_MARKS = str.maketrans(
    {"\u094d": None, "\u093c": None, "\u0901": None, "\u0902": None, "\u0903": None, "ी": "ि", "ू": "ु", "ै": "े", "ौ": "ो"}
)
"""Virama, nukta and nasal marks dropped, long vowel signs made short: what OCR most often confuses."""

_HI_FUZZY_MIN_LEN = 4
"""Shorter garbled words are not guessed: short Hindi number names differ by one letter (दो/दस, तीस/तीन)."""


def _skeleton(word: str) -> str:
    return unicodedata.normalize("NFC", word).translate(_HI_MARKS)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


_HI_VOCAB: dict[str, tuple[str, int | str]] = {
    **{w: ("unit", v) for w, v in _HI_WORDS.items()},
    **{w: ("scale", v) for w, v in _HI_SCALES.items()},
    **{w: ("filler", w) for w in _HI_FILLERS},
}
"""Every word of an amount in Hindi, with its meaning (spelling variants share one)."""
_HI_SKELETONS = [(_skeleton(w), w) for w in _HI_VOCAB]
_HI_EXACT = {unicodedata.normalize("NFC", w): w for w in _HI_VOCAB}


def _hindi_word(token: str, fuzzy: bool) -> str | None:
    """The vocabulary word a token spells; with ``fuzzy``, the one word (value) it is one edit from."""
    exact = _HI_EXACT.get(unicodedata.normalize("NFC", token))
    if exact is not None or not fuzzy:
        return exact
    skel = _skeleton(token)
    if len(skel) < _HI_FUZZY_MIN_LEN:
        return None
    scored = sorted((_edit_distance(skel, s), w) for s, w in _HI_SKELETONS)
    best = scored[0][0]
    if best > 1:
        return None
    meanings = {_HI_VOCAB[w] for d, w in scored if d == best}
    return scored[0][1] if len(meanings) == 1 else None


def hindi_words_to_paise(text: str, *, fuzzy: bool = False) -> int | None:
    """Parse "रुपये तीस हज़ार नौ सौ आठ और इक्कीस पैसे मात्र" to paise; None when absent or unclear.

    Args:
        text: the invoice text.
        fuzzy: also accept a word one letter (after dropping virama/nukta/nasal marks) from exactly
            one number name. Such a reading is a guess: callers must confirm it by the figures.
    """
    flat = unicodedata.normalize("NFC", " ".join(text.split()))
    m = re.search(r"(?:रुपये|रूपये|रुपए|रूपए)\s+(?P<body>[^\d:]+?)\s+(?:मात्र|केवल)", flat)
    if not m:
        return None
    body = m.group("body")
    paise = 0
    pm = re.search(r"(?:और\s+)?(\S+)\s+पैसे$", body)
    if pm:
        word = _hindi_word(pm.group(1), fuzzy)
        if word not in _HI_WORDS:
            return None
        paise = _HI_WORDS[word]
        body = body[: pm.start()].strip()
    total = current = 0
    for tok in body.split():
        word = _hindi_word(tok, fuzzy)
        if word in _HI_WORDS:
            current += _HI_WORDS[word]
        elif word == "सौ":
            current = (current or 1) * 100
        elif word in _HI_SCALES:
            total += (current or 1) * _HI_SCALES[word]
            current = 0
        elif word in _HI_FILLERS:
            continue
        else:
            return None
    return (total + current) * 100 + paise
