"""Shared dialog steps for a UPI ID: validate it with the payout provider, confirm the holder's name.

Used by the redemption and profile flows: a new or changed UPI ID is checked with Fund Account
Validation, the bot shows the registered name ("Paying RAMESH KUMAR at ra••••sh@okaxis — right?")
and only a confirmed ID is saved (a replaced ID starts the program's cooling-off).

The check runs in a job (``workers.upi_check``), never inside a turn: the flow waits in
``CHECKING`` and answers messages in between (``meanwhile``) until the job continues it
(``check_done``). UPI IDs and PANs the dialog holds in its slots are encrypted (``keep_secret``).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from content.interactive import offer
from flows import match
from flows.engine import END, Turn
from payouts.provider import Beneficiary, ProviderError
from payouts.providers import provider_for
from payouts.service import profile_of
from storage.crypto import DecryptionError, decrypt, encrypt, fingerprint, mask_upi

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


def keep_secret(turn: Turn, key: str, value: str) -> None:
    """Keep a UPI ID or PAN in the dialog's slots encrypted (the contact row is stored, and logged nowhere)."""
    turn.slots[key] = encrypt(value)


def secret(turn: Turn, key: str) -> str:
    """A value kept with ``keep_secret`` (a conversation begun before slots were sealed still reads)."""
    value = str(turn.slots[key])
    try:
        return decrypt(value)
    except DecryptionError:
        return value


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


CHECKING = "checking_upi"
"""The state a flow waits in while a job checks the UPI ID with the provider (both UPI flows have it)."""
ASK_UPI, CONFIRM_HOLDER = "ask_upi", "confirm_holder"
"""States both UPI flows (redeem, profile) name the same way: where a check's outcome leads."""

RECHECK_AFTER = dt.timedelta(seconds=60)
"""A check with no answer for this long is taken as lost (worker killed): the sweep runs it again."""
GIVE_UP_AFTER = dt.timedelta(minutes=3)
"""After this long the member is told to try again later instead of waiting any more."""


def begin_check(turn: Turn, vpa: str) -> str:
    """Hand the UPI ID to a validation job and wait in CHECKING.

    Why: Fund Account Validation can take seconds (or time out); run inside the turn it would hold
    the contact's row lock and a worker across the HTTP call. The job calls the provider with no
    lock held, then continues the flow (``check_done``) and answers the member itself.
    """
    seal_inbound(turn)
    check_id = secrets.token_hex(8)
    turn.slots["upi_check"] = {"id": check_id, "vpa": encrypt(vpa), "since": turn.ctx.now.isoformat()}
    turn.say("upi.checking", upi=mask_upi(vpa))
    _enqueue_after_commit(turn, check_id)
    return CHECKING


def _enqueue_after_commit(turn: Turn, check_id: str) -> None:
    from flask import current_app
    from sqlalchemy import event

    from workers.upi_check import enqueue_check

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    contact_id = turn.contact.id

    def send(_session: object) -> None:
        enqueue_check(app, contact_id, check_id)

    event.listen(turn.session, "after_commit", send, once=True)


def pending_check(slots: dict[str, Any]) -> dict[str, Any] | None:
    check = slots.get("upi_check")
    return check if isinstance(check, dict) and check.get("id") else None


def check_age(slots: dict[str, Any], now: dt.datetime) -> dt.timedelta:
    check = pending_check(slots)
    if check is None:
        return dt.timedelta(0)
    since = dt.datetime.fromisoformat(check["since"])
    return now - (since if since.tzinfo else since.replace(tzinfo=dt.UTC))


def validate(settings: Any, beneficiary: Beneficiary) -> tuple[str, dict[str, Any]]:
    """Validate the beneficiary's VPA with the provider (an HTTP call: hold no lock around it).

    Returns ('ok', {vpa, holder, holder_checked}), ('invalid', {}) or ('unavailable', {}).
    """
    try:
        result = provider_for(settings).validate_vpa(beneficiary)
    except ProviderError as exc:
        logger.warning("%s: UPI validation unavailable (%s)", beneficiary.reference, exc.reason or exc.status)
        return "unavailable", {}
    if not result.valid:
        return "invalid", {}
    return "ok", {"vpa": beneficiary.vpa, "holder": result.registered_name or beneficiary.name,
                  "holder_checked": result.registered_name is not None}


def check_done(turn: Turn, outcome: str, found: dict[str, Any]) -> str:
    """Continue the waiting flow with the check's ``outcome`` (run by the job, contact locked).

    ``found`` holds the slots the validation set (vpa, holder, holder_checked) when it was 'ok'.
    """
    check = pending_check(turn.slots)
    vpa = decrypt(check["vpa"]) if check else ""
    turn.slots.pop("upi_check", None)
    if outcome == "invalid":
        turn.say("upi.invalid", upi=mask_upi(vpa))
        return ASK_UPI
    if outcome != "ok":
        turn.say("upi.unavailable")
        return END
    turn.slots.update({k: v for k, v in found.items() if k != "vpa"})
    keep_secret(turn, "vpa", found["vpa"])
    ask_holder_confirmation(turn)
    return CONFIRM_HOLDER


def waiting(turn: Turn) -> bool | None:
    """Anything but a new UPI ID while the check runs (photos and commands are handled before)."""
    return True if turn.text.strip() or turn.media else None


def meanwhile(turn: Turn) -> str | None:
    """A message while the UPI ID is being checked: answer what can be answered, and keep waiting.

    "balance" or "statement" is answered and the check goes on; anything else gets a polite "still
    checking". A check that never came back (its job was lost) ends with "try again later".
    """
    if check_age(turn.slots, turn.ctx.now) > GIVE_UP_AFTER:
        turn.slots.pop("upi_check", None)
        turn.say("upi.unavailable")
        return END
    if other_intent(turn) in ("balance", "statement"):
        from flows import engine

        contact = turn.contact
        saved = (contact.flow, contact.state, dict(contact.slots or {}))
        engine.finish(turn)
        engine.handle(turn)
        if contact.flow is not None:
            return None  # the answer started something else: the check's result will be dropped
        contact.flow, contact.state, contact.slots = saved
    check = pending_check(turn.slots)
    turn.say("upi.still_checking", upi=mask_upi(decrypt(check["vpa"])) if check else "")
    return None


def ask_holder_confirmation(turn: Turn) -> None:
    """"Paying RAMESH KUMAR at ra••••sh@okaxis — right?" with Yes / No buttons (typed 1 / 2 / YES work too)."""
    msgid = "upi.confirm_holder" if turn.slots.get("holder_checked") else "upi.confirm_unchecked"
    turn.say(msgid, name=turn.slots["holder"], upi=mask_upi(secret(turn, "vpa")))
    offer(turn, msgid)  # the sentence's own "1. Yes / 2. No" lines become the buttons


def save_confirmed(turn: Turn) -> None:
    """Store the confirmed UPI ID (encrypted) and its validation; a replaced ID starts cooling-off."""
    member = turn.member
    assert member is not None
    vpa, holder = secret(turn, "vpa"), turn.slots["holder"]
    profile = profile_of(turn.session, member.id)
    if member.upi_id and fingerprint(member.upi_id) != fingerprint(vpa):
        profile.upi_changed_at = turn.ctx.now
    member.upi_id = vpa
    if turn.slots.get("holder_checked"):
        profile.upi_validated_fp = fingerprint(vpa)
        profile.upi_holder_name = holder
        profile.upi_validated_at = turn.ctx.now
    turn.session.flush()
