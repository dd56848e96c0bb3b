"""Normalise a signed Twilio webhook form for typed columns, keeping the original losslessly.

Why: Twilio signs whatever it forwards, and a member's phone can put anything in a message — NUL
characters, a 100-character profile name, a 300-character button payload. PostgreSQL refuses NUL
in text and over-long values in sized columns, so the raw form is kept as JSON (every pair, in
order, escapes and all) and the typed columns get a cleaned copy: NULs stripped, values cut to
their column with a note, the sender's address validated.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")

LIMITS = {"MessageSid": 64, "ProfileName": 120, "ButtonPayload": 256}
"""Column sizes of the typed copies (storage.models); ``MediaContentTypeN`` is 120."""

MEDIA_TYPE_LIMIT = 120
PHONE_LIMIT = 20
MAX_MEDIA = 10
"""WhatsApp carries at most 10 media items per message (Twilio's NumMedia)."""


@dataclass
class InboundForm:
    """The cleaned fields, the raw form as JSON and what normalisation changed."""

    params: dict[str, str]
    raw_json: str
    sid: str
    phone: str | None
    notes: dict[str, Any] = field(default_factory=dict)


def clean(value: str) -> str:
    return value.replace("\x00", "")


def raw_pairs_json(pairs: list[tuple[str, str]]) -> str:
    """Every (name, value) pair as ASCII JSON (``\\u0000`` escapes survive any text column)."""
    return json.dumps([[k, v] for k, v in pairs], ensure_ascii=True)


def normalize(pairs: list[tuple[str, str]]) -> InboundForm:
    """Clean a webhook form (a list of pairs, as posted) for storage."""
    raw = raw_pairs_json(pairs)
    params: dict[str, str] = {}
    nul: list[str] = []
    for key, value in pairs:
        name = clean(key)
        if name in params:
            continue  # the first value wins for typed use; the raw form keeps them all
        if "\x00" in key or "\x00" in value:
            nul.append(name)
        params[name] = clean(value)
    notes: dict[str, Any] = {}
    if nul:
        notes["nul_stripped"] = sorted(set(nul))[:20]
    cut: list[str] = []
    for name, limit in LIMITS.items():
        if name != "MessageSid" and len(params.get(name, "")) > limit:
            params[name] = params[name][:limit]
            cut.append(name)
    for idx in range(MAX_MEDIA):
        name = f"MediaContentType{idx}"
        if len(params.get(name, "")) > MEDIA_TYPE_LIMIT:
            params[name] = params[name][:MEDIA_TYPE_LIMIT]
            cut.append(name)
    sid = params.get("MessageSid", "")
    if not sid:
        sid = "missing-" + hashlib.sha256(raw.encode()).hexdigest()[:48]
        notes["sid_missing"] = True
    elif len(sid) > LIMITS["MessageSid"]:
        sid = sid[:40] + "~" + hashlib.sha256(sid.encode()).hexdigest()[:23]
        cut.append("MessageSid")
    if cut:
        notes["cut"] = cut
    phone = params.get("From", "").split(":", 1)[-1].strip()
    if not E164.match(phone) or len(phone) > PHONE_LIMIT:
        notes["invalid_from"] = True
        phone_or_none = None
    else:
        phone_or_none = phone
    return InboundForm(params=params, raw_json=raw, sid=sid, phone=phone_or_none, notes=notes)


def error_code(value: str | None) -> int | None:
    """A status callback's ErrorCode as an int, or None if it is not plain ASCII digits."""
    if value and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None
