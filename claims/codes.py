"""Single-use coupon codes that verify without a database hit.

Design: a code is 16 Crockford base32 characters (80 bits), printed as ``XXXX-XXXX-XXXX-XXXX``:

* 15 body characters = 75 bits: a 37-bit HMAC-SHA256 tag over (batch, serial), then the 38-bit
  id (18-bit batch, 20-bit serial) XOR-ed with a keystream derived from the tag, so neighbouring
  serials do not look alike and nobody can read the batch size off a label;
* 1 check character from a Damm-style quasigroup over GF(32) (``x∘y = 2·x ⊕ y``), which catches
  every single mistyped character and every adjacent transposition before the MAC is consulted, so
  a typo gets a "check the code" reply instead of a fraud flag.

Forging a code means guessing a 37-bit tag: one in 137 billion per try, and the bot rate-limits
tries.  Capacity: 262,144 batches of 1,048,576 serials.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32: no I, L, O or U."""

CODE_LENGTH = 16
"""Characters in a canonical code, check character included."""

BATCH_BITS = 18
"""Bits for the batch number (262,144 batches)."""

SERIAL_BITS = 20
"""Bits for the serial inside a batch (1,048,576 codes per batch)."""

TAG_BITS = 37
"""Bits of the truncated HMAC-SHA256 tag."""

_ID_BITS = BATCH_BITS + SERIAL_BITS
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-_.·–—]+")
_WORD = re.compile(r"[0-9A-Za-z]+(?:[-_.][0-9A-Za-z]+)*")
_BREAK = re.compile(r"[,;|\n\r]+")


class CodeError(ValueError):
    """A typed or scanned coupon code is not valid.

    ``reason`` is ``"format"`` (wrong length or characters), ``"check"`` (the check character
    fails: almost surely a typo) or ``"signature"`` (well formed but not issued by us: forged).
    """

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class CouponCode:
    """A verified coupon code: its batch, its serial and the canonical text (no dashes)."""

    batch: int
    serial: int
    text: str


def make_code(secret: bytes, batch: int, serial: int) -> CouponCode:
    """Issue the code for ``serial`` in ``batch``.

    Raises:
        ValueError: when batch or serial is out of range.
    """
    if not 0 <= batch < 1 << BATCH_BITS:
        raise ValueError(f"batch must be in 0..{(1 << BATCH_BITS) - 1}")
    if not 0 <= serial < 1 << SERIAL_BITS:
        raise ValueError(f"serial must be in 0..{(1 << SERIAL_BITS) - 1}")
    ident = batch << SERIAL_BITS | serial
    tag = _tag(secret, ident)
    body = tag << _ID_BITS | (ident ^ _mask(secret, tag))
    text = _encode(body, CODE_LENGTH - 1)
    return CouponCode(batch, serial, text + check_character(text))


def parse_code(secret: bytes, typed: str) -> CouponCode:
    """Verify a typed or scanned code and return its batch and serial.

    Forgives case, spaces, dashes and Crockford lookalikes (O→0, I/L→1).

    Raises:
        CodeError: ``format``, ``check`` or ``signature``, see :class:`CodeError`.
    """
    text = normalize(typed)
    if len(text) != CODE_LENGTH or any(ch not in _VALUE for ch in text):
        raise CodeError("format", f"a code has {CODE_LENGTH} characters from {ALPHABET}")
    if not is_well_formed(text):
        raise CodeError("check", "check character does not match; probably a typo")
    body = _decode(text[:-1])
    tag = body >> _ID_BITS
    ident = (body & ((1 << _ID_BITS) - 1)) ^ _mask(secret, tag)
    if not hmac.compare_digest(_tag(secret, ident).to_bytes(5, "big"), tag.to_bytes(5, "big")):
        raise CodeError("signature", "code was not issued by this program")
    return CouponCode(ident >> SERIAL_BITS, ident & ((1 << SERIAL_BITS) - 1), text)


def printed(code: str) -> str:
    """Canonical code in groups of 4 joined by dashes, for labels and replies."""
    text = normalize(code)
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalize(typed: str) -> str:
    """Upper-case, drop spaces and dashes, map Crockford lookalikes; no validation."""
    return _SEPARATORS.sub("", typed).upper().translate(_LOOKALIKES)


def is_well_formed(text: str) -> bool:
    """Whether a canonical text has the right length, alphabet and check character (no secret)."""
    if len(text) != CODE_LENGTH or any(ch not in _VALUE for ch in text):
        return False
    return _damm(text) == 0


def check_character(body: str) -> str:
    """The character that makes ``body + it`` pass the Damm check."""
    return ALPHABET[_times2(_damm(body))]


def find_codes_in_text(text: str) -> list[str]:
    """Candidate codes in a chat message, canonical (no dashes), in order of appearance.

    A message may hold one code or several, separated by spaces, newlines or commas, each typed
    whole or in dash/space-separated groups of 4.  Words are joined into 16-character windows,
    preferring windows whose check character passes (so "code abcd-..." does not swallow the word
    "code").  Windows that fail the check are still returned when they look typed as a code (one
    16-character word, or groups of 4 aligned to the end of the run) so the bot can answer "check
    that code" rather than ignore it.
    """
    found: list[tuple[int, str]] = []
    for segment in _BREAK.split(text):
        words = [normalize(w) for w in _WORD.findall(segment)]
        words = [w if all(ch in _VALUE for ch in w) else "" for w in words]
        found.extend(_codes_in_words(words))
    return [code for _, code in found]


def _codes_in_words(words: list[str]) -> list[tuple[int, str]]:
    """(word index, code) pairs: check-valid windows first, then code-shaped leftovers."""
    used = [False] * len(words)
    out: list[tuple[int, str]] = []
    for i, word in enumerate(words):
        if len(word) > CODE_LENGTH and len(word) % CODE_LENGTH == 0:
            out.extend((i, word[k : k + CODE_LENGTH]) for k in range(0, len(word), CODE_LENGTH))
            used[i] = True
    i = 0
    while i < len(words):
        end, joined = _window(words, used, i)
        if end and is_well_formed(joined):
            out.append((i, joined))
            used[i:end] = [True] * (end - i)
            i = end
        else:
            i += 1
    run: list[int] = []
    for i, word in enumerate([*words, ""]):
        if not used[i : i + 1] or used[i] or len(word) != 4:
            start = len(run) % 4
            for k in range(start, len(run) - 3, 4):
                out.append((run[k], "".join(words[j] for j in run[k : k + 4])))
            run = []
        if i < len(words) and not used[i]:
            if len(word) == CODE_LENGTH:
                out.append((i, word))
            elif len(word) == 4:
                run.append(i)
    return sorted(out, key=lambda pair: pair[0])


def _window(words: list[str], used: list[bool], start: int) -> tuple[int, str]:
    """Unused words from ``start`` joining to exactly 16 characters: (end, text) or (0, "")."""
    joined = ""
    for end in range(start, len(words)):
        if used[end] or not words[end]:
            break
        joined += words[end]
        if len(joined) == CODE_LENGTH:
            return end + 1, joined
        if len(joined) > CODE_LENGTH:
            break
    return 0, ""


def _tag(secret: bytes, ident: int) -> int:
    digest = hmac.new(secret, b"inaam-code:" + ident.to_bytes(5, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:5], "big") >> (40 - TAG_BITS)


def _mask(secret: bytes, tag: int) -> int:
    digest = hmac.new(secret, b"inaam-mask:" + tag.to_bytes(5, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:5], "big") >> (40 - _ID_BITS)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _decode(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 32 + _VALUE[ch]
    return value


def _times2(x: int) -> int:
    """Multiply by the generator 2 in GF(32) = GF(2)[x]/(x^5 + x^2 + 1)."""
    x <<= 1
    return x ^ 0b100101 if x & 0b100000 else x


def _damm(text: str) -> int:
    """Fold ``x∘y = 2·x ⊕ y``: a quasigroup that is weakly totally anti-symmetric since 2 ≠ 0, 1."""
    interim = 0
    for ch in text:
        interim = _times2(interim) ^ _VALUE[ch]
    return interim
