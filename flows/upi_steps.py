"""Shared dialog steps for a UPI ID: validate it with the payout provider, confirm the holder's name.

Used by the redemption and profile flows: a new or changed UPI ID is checked with Fund Account
Validation, the bot shows the registered name ("Paying RAMESH KUMAR at ra••••sh@okaxis — right?")
and only a confirmed ID is saved (a replaced ID starts the program's cooling-off).
"""

from __future__ import annotations

import logging

from content.interactive import offer
from flows import match
from flows.engine import Turn
from payouts.provider import Beneficiary, ProviderError
from payouts.providers import provider_for
from payouts.service import profile_of
from storage.crypto import fingerprint, mask_upi

logger = logging.getLogger(__name__)

_VPA = match.upi_id


SEALED_PREFIX = "fernet:"
"""Stored inbound bodies that held a PAN or UPI ID are kept only encrypted, behind this prefix."""


def seal_inbound(turn: Turn) -> None:
    """Encrypt the stored raw message (body and Twilio params) once it is known to hold a PAN or UPI ID."""
    from storage.crypto import encrypt

    msg = turn.inbound
    if msg is None or (msg.body or "").startswith(SEALED_PREFIX):
        return
    sealed = SEALED_PREFIX + encrypt(msg.body or "")
    msg.body = sealed
    if msg.params and "Body" in msg.params:
        msg.params = {**msg.params, "Body": sealed}


def other_intent(turn: Turn) -> str | None:
    """Another request typed mid-flow ('balance', 'hisab dikhao', 'redeem'): value is its intent."""
    if turn.media:
        return None
    found = match.intent_of(turn.text)
    return found if found in ("balance", "statement", "redeem") else None


def leave_for_other(turn: Turn) -> None:
    """Drop the current flow and handle the message afresh (the member asked for something else)."""
    from flows import engine

    engine.finish(turn)
    engine.handle(turn)


COMMAND_TOKENS = {
    "menu", "help", "balance", "statement", "redeem", "cancel", "stop", "start", "language", "profile", "upi",
    "points", "point", "please", "pls", "hai", "hain", "karo", "kijiye", "badlo", "change", "naam", "name", "mera",
    "meri", "hisab", "hisaab", "madad", "withdraw", "payout", "yes", "no", "haan", "nahi", "skip",
    "मेनू", "मदद", "बैलेंस", "नाम", "बदलो", "मेरा", "हाँ", "नहीं", "مینو", "مدد", "بیلنس", "نام", "بدلو", "میرا", "ہاں", "نہیں",
}
"""Words that make a message a request, never a person's name ('menu please', 'mera naam badlo')."""


def person_name(turn: Turn) -> str | None:
    """A name, but never a command, an intent or a sentence made of request words."""
    if match.intent_of(turn.text) is not None:
        return None
    if set(match.normalize(turn.text).split()) & COMMAND_TOKENS:
        return None
    return match.name(turn)


def upi_text(turn: Turn) -> str | None:
    """A UPI ID typed alone ('handle@psp'); value is the lower-cased VPA."""
    return _VPA(turn)


def known_holder(turn: Turn, vpa: str) -> str | None:
    """The confirmed holder name when ``vpa`` is the member's validated UPI ID."""
    assert turn.member is not None
    profile = profile_of(turn.session, turn.member.id)
    if profile.upi_validated_fp == fingerprint(vpa) and profile.upi_holder_name:
        return profile.upi_holder_name
    return None


def validate(turn: Turn, vpa: str) -> str | None:
    """Validate ``vpa``; returns 'ok' (holder name in slots), 'invalid' or 'unavailable'."""
    member = turn.member
    assert member is not None
    seal_inbound(turn)
    provider = provider_for(turn.ctx.settings)
    try:
        result = provider.validate_vpa(Beneficiary(reference=f"member-{member.id}", name=member.name,
                                                   phone=member.phone, vpa=vpa))
    except ProviderError as exc:
        logger.warning("Member %s: UPI validation unavailable (%s)", member.id, exc.reason or exc.status)
        return "unavailable"
    if not result.valid:
        return "invalid"
    turn.slots["vpa"] = vpa
    turn.slots["holder"] = result.registered_name or member.name
    turn.slots["holder_checked"] = result.registered_name is not None
    return "ok"


def ask_holder_confirmation(turn: Turn) -> None:
    """"Paying RAMESH KUMAR at ra••••sh@okaxis — right?" with Yes / No buttons (typed 1 / 2 / YES work too)."""
    msgid = "upi.confirm_holder" if turn.slots.get("holder_checked") else "upi.confirm_unchecked"
    turn.say(msgid, name=turn.slots["holder"], upi=mask_upi(turn.slots["vpa"]))
    offer(turn, msgid)  # the sentence's own "1. Yes / 2. No" lines become the buttons


def save_confirmed(turn: Turn) -> None:
    """Store the confirmed UPI ID (encrypted) and its validation; a replaced ID starts cooling-off."""
    member = turn.member
    assert member is not None
    vpa, holder = turn.slots["vpa"], turn.slots["holder"]
    profile = profile_of(turn.session, member.id)
    if member.upi_id and fingerprint(member.upi_id) != fingerprint(vpa):
        profile.upi_changed_at = turn.ctx.now
    member.upi_id = vpa
    if turn.slots.get("holder_checked"):
        profile.upi_validated_fp = fingerprint(vpa)
        profile.upi_holder_name = holder
        profile.upi_validated_at = turn.ctx.now
    turn.session.flush()
