"""Phone numbers: E.164 normalization for numbers typed by admins and reps.

Why: WhatsApp addresses are E.164 (+919812345678); admins type '98123 45678' or '09812345678'.
"""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalize_phone(text: str, default_country: str = "91") -> str:
    """'98123 45678' / '09812345678' / '+91 98123-45678' -> '+919812345678'.

    Raises:
        ValueError: not a phone number.
    """
    raw = text.strip()
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.startswith("whatsapp:"):
        digits = digits[len("whatsapp:") :]
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        digits = digits.lstrip("0")
        local = len(digits) == 10 and digits[0] in "6789"
        digits = f"+{default_country}{digits}" if local else "+" + digits
    if not _E164.match(digits):
        raise ValueError(f"not a phone number: {text!r}")
    if digits.startswith("+91") and (len(digits) != 13 or digits[3] not in "6789"):
        raise ValueError(f"not an Indian mobile number: {text!r}")
    return digits
