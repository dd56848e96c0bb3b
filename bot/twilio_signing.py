"""Play Twilio's inbound side: build a WhatsApp webhook's parameters and sign them.

Why: tests, `inaam chat` and the benchmark must send the app exactly what Twilio sends (same
parameter names, same signature), so the webhook code under test is the production path.
The signature comes from twilio-python's own `RequestValidator`, never a re-implementation.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence

from twilio.request_validator import RequestValidator

WHATSAPP_PREFIX = "whatsapp:"
"""Channel prefix Twilio puts before E.164 numbers on WhatsApp."""

E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")


def new_sid(prefix: str) -> str:
    """Return a Twilio-shaped SID: two-letter prefix + 32 lowercase hex characters."""
    return prefix + secrets.token_hex(16)


def whatsapp_address(phone: str) -> str:
    """Return ``whatsapp:+E164`` for ``+E164`` or an already prefixed address.

    Raises:
        ValueError: the number is not E.164.
    """
    bare = phone.removeprefix(WHATSAPP_PREFIX).strip()
    if not E164_RE.match(bare):
        raise ValueError(f"not an E.164 phone number: {phone!r}")
    return WHATSAPP_PREFIX + bare


def _message_type(media: Sequence[tuple[str, str]], button_payload: str | None, list_id: str | None) -> str:
    if list_id is not None:
        return "interactive"
    if button_payload is not None:
        return "button"
    if not media:
        return "text"
    major = media[0][1].split("/", 1)[0]
    return {"image": "image", "audio": "audio", "video": "video"}.get(major, "document")


def inbound_params(
    *,
    from_phone: str,
    to: str,
    body: str = "",
    account_sid: str,
    media: Sequence[tuple[str, str]] = (),
    button_payload: str | None = None,
    profile_name: str | None = None,
    message_sid: str | None = None,
    list_id: str | None = None,
) -> dict[str, str]:
    """Return the form parameters of a real WhatsApp inbound-message webhook.

    Args:
        from_phone: the member's number, ``+91…`` or ``whatsapp:+91…``.
        to: our sender, ``whatsapp:+1415…`` (prefix added when missing).
        body: message text (for a button tap: the button title; defaults to the payload).
        account_sid: the ``AC…`` account the webhook belongs to.
        media: ``(MediaUrl, MediaContentType)`` pairs, in order.
        button_payload: set for a quick-reply tap (adds ``ButtonText``/``ButtonPayload``).
        profile_name: the sender's WhatsApp profile name, if any.
        message_sid: fixed SID (default: a fresh ``SM…``, or ``MM…`` when media is attached).
        list_id: set for a list-picker selection (adds ``ListId``/``ListTitle``; ``body`` is the item).

    Returns:
        The parameter mapping (all values strings), ready to sign and POST form-encoded.
    """
    sender = whatsapp_address(from_phone)
    sid = message_sid or new_sid("MM" if media else "SM")
    if button_payload is not None and not body:
        body = button_payload
    if list_id is not None and not body:
        body = list_id
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "To": to if to.startswith(WHATSAPP_PREFIX) else whatsapp_address(to),
        "Body": body,
        "NumMedia": str(len(media)),
        "NumSegments": "1",
        "WaId": sender.removeprefix(WHATSAPP_PREFIX + "+"),
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "MessageType": _message_type(media, button_payload, list_id),
        "ReferralNumMedia": "0",
    }
    if profile_name is not None:
        params["ProfileName"] = profile_name
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    if button_payload is not None:
        params["ButtonText"] = body
        params["ButtonPayload"] = button_payload
    if list_id is not None:
        params["ListId"] = list_id
        params["ListTitle"] = body
    return params


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Return the ``X-Twilio-Signature`` Twilio would send for ``params`` POSTed to ``url``."""
    return RequestValidator(auth_token).compute_signature(url, dict(params))
