"""Coupon codes as members type them: O for 0, spaces, lower case, fillers, or a character short.

Why: the code module forgives look-alikes, but a chat message is more than a code ("code hai
abcd efgh ..."); this decides whether a message is (almost) nothing but codes, comparing in
canonical form so "O" typed for "0" is not counted as extra text, and recovers a code typed
one character short when exactly one completion carries the program's signature.
"""

from __future__ import annotations

import re

from claims.codes import ALPHABET, CODE_LENGTH, CodeError, find_codes_in_text, normalize, parse_code

FILLERS = {
    "coupons", "coupon", "codes", "code", "no", "number", "is", "hai", "he", "ye", "yeh", "mera", "my", "please",
    "pls", "plz", "and", "aur", "कूपन", "कोड", "नंबर", "है", "यह", "मेरा", "और", "کوپن", "کوڈ", "نمبر", "ہے", "یہ",
    "میرا", "اور",
}
"""Words people put around a typed code; they do not make the message something else."""

MAX_LEFTOVER = 4
"""Characters besides codes and fillers a message may hold and still count as typed codes."""

_WORDS = re.compile(r"[\s,;:.\-_/|]+")


def _leftover(text: str) -> str:
    words = [w for w in _WORDS.split(text.casefold()) if w and w not in FILLERS]
    return normalize("".join(words))


def typed_codes(text: str) -> tuple[list[str], list[str]] | None:
    """(codes, short) when a message is nothing but coupon codes; ``short`` holds texts one character short.

    Returns None when the message is something else (a question, a name, a menu choice).
    """
    found = find_codes_in_text(text)
    rest = _leftover(text)
    for code in found:
        rest = rest.replace(code, "", 1)
    if found:
        return (found, []) if len(rest) <= MAX_LEFTOVER else None
    typed = "".join(w for w in _WORDS.split(text.casefold()) if w and w not in FILLERS)
    # A real digit as typed (not an O or I read as 0/1): "mistri kab aayega" is 15 letters, not a code.
    if len(rest) == CODE_LENGTH - 1 and all(ch in ALPHABET for ch in rest) and re.search(r"\d", typed):
        return [], [rest]
    return None


def complete_missing(secret: bytes, short: str) -> str | None:
    """The one signed code that ``short`` (15 characters) is, with one character missing; None if not unique.

    Every insertion (16 places x 32 characters) is checked against the check character and the
    37-bit signature, so a wrong completion passing by chance is about 1 in 10^8.
    """
    hits = set()
    for at in range(CODE_LENGTH):
        for ch in ALPHABET:
            candidate = short[:at] + ch + short[at:]
            try:
                hits.add(parse_code(secret, candidate).text)
            except CodeError:
                continue
    return hits.pop() if len(hits) == 1 else None
