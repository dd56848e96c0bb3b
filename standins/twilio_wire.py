"""Twilio's Messages wire format as the stand-in speaks it: request checks, error JSON, resource JSON.

Pure functions with no server state, so ``standins.twilio`` keeps only routing, storage,
delivery and fault injection. Shapes follow api.twilio.com's 2010 API: the legacy error body
(``code``, ``message``, ``more_info``, ``status``), the Message and Media resources, the Media
list page, and the form fields of a WhatsApp status callback.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from bot.twilio_signing import WHATSAPP_PREFIX

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

API_VERSION = "2010-04-01"
MAX_BODY_CHARS = 1600
"""Twilio's Body limit (error 21617 above it)."""
MAX_MEDIA_URLS = 10
"""Twilio's MediaUrl limit per message (error 21623 above it)."""

ADDRESS_RE = re.compile(r"^(whatsapp:)?\+[1-9][0-9]{6,14}$")

ERROR_MESSAGES = {
    400: "Bad Request",
    401: "Authenticate",
    403: "Forbidden",
    404: "The requested resource was not found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


ERROR_TEXT = {
    63016: "Failed to send freeform message because you are outside the allowed window. "
           "If you are using WhatsApp, please use a Message Template.",
    63014: "Message could not be delivered because the user has blocked the sender",
}
"""Twilio's error titles for the asynchronous failures the stand-in reproduces."""


def rfc2822(moment: datetime) -> str:
    """Format like Twilio: ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    return format_datetime(moment.replace(microsecond=0), usegmt=False)


def now() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


def bare(address: str) -> str:
    """The phone number without its ``whatsapp:`` prefix."""
    return address.removeprefix(WHATSAPP_PREFIX).strip()


# ------------------------------------------------------------------------------------- requests


def basic_auth(request: Request) -> tuple[str, str] | None:
    """The ``(user, password)`` of a Basic ``Authorization`` header, or None if absent or malformed."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def validate(form: Any) -> tuple[int, str] | None:
    """Return (code, message) for the first rule Twilio would reject the create with, else None."""
    to = form.get("To", "")
    sender = form.get("From", "")
    body = form.get("Body", "")
    media = form.getlist("MediaUrl")
    if not to:
        return 21604, "A 'To' phone number is required."
    if not ADDRESS_RE.match(to):
        return 21211, f"The 'To' number {to} is not a valid phone number."
    if not sender and not form.get("MessagingServiceSid"):
        return 21603, "A 'From' phone number is required."
    if sender and not ADDRESS_RE.match(sender):
        return (
            21212,
            f"The 'From' number {sender} is not a valid phone number, shortcode, or alphanumeric sender ID.",
        )
    if form.get("ContentVariables") and not form.get("ContentSid"):
        return 21654, "ContentSid Required"
    if not body and not media and not form.get("ContentSid"):
        return 21619, "A text message body or media urls must be specified."
    if len(body) > MAX_BODY_CHARS:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    if len(media) > MAX_MEDIA_URLS:
        return 21623, "Number of media files exceeds allowed limit."
    return None


# --------------------------------------------------------------------------------------- errors


def error_response(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Build Twilio's legacy (2010 API) error body: code, message, more_info, status."""
    payload = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(json.dumps(payload), status=status, mimetype="application/json", headers=headers)


def not_found(path: str) -> Response:
    """Twilio's 404 (error 20404) for ``path``."""
    return error_response(404, 20404, f"The requested resource {path} was not found")


def unauthorized() -> Response:
    """Twilio's 401 (error 20003) with the Basic-auth challenge."""
    return error_response(401, 20003, "Authenticate", headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})


# ------------------------------------------------------------------------------------ resources


def account_uri(account_sid: str) -> str:
    """The API path of an account: ``/2010-04-01/Accounts/<sid>``."""
    return f"/{API_VERSION}/Accounts/{account_sid}"


def message_resource(account_sid: str, sid: str, form: Any, stamp: str) -> dict[str, Any]:
    """The Message resource JSON of a just-created (``queued``) outbound message."""
    media_urls = form.getlist("MediaUrl")
    uri = f"{account_uri(account_sid)}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": form.get("Body", ""),
        "date_created": stamp,
        "date_sent": None,
        "date_updated": stamp,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From") or None,
        "messaging_service_sid": form.get("MessagingServiceSid") or None,
        "num_media": str(len(media_urls)),
        "num_segments": "1" if form.get("From") else "0",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": form["To"],
        "uri": f"{uri}.json",
    }


def media_resource(account_sid: str, parent: str, media_sid: str, content_type: str, stamp: str) -> dict[str, Any]:
    """The Media resource JSON of an attachment of message ``parent``."""
    return {
        "account_sid": account_sid,
        "content_type": content_type,
        "date_created": stamp,
        "date_updated": stamp,
        "parent_sid": parent,
        "sid": media_sid,
        "uri": f"{account_uri(account_sid)}/Messages/{parent}/Media/{media_sid}.json",
    }


def media_page(account_sid: str, parent: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The Media list JSON of message ``parent``: one page holding every item."""
    uri = f"{account_uri(account_sid)}/Messages/{parent}/Media.json?PageSize=50&Page=0"
    return {
        "media_list": items,
        "end": max(len(items) - 1, 0),
        "first_page_uri": uri,
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": uri,
    }


def callback_params(resource: dict[str, Any], channel_install_sid: str) -> dict[str, str]:
    """The form fields Twilio posts to a StatusCallback for ``resource``'s current status."""
    params = {
        "MessageSid": resource["sid"],
        "SmsSid": resource["sid"],
        "MessageStatus": resource["status"],
        "SmsStatus": resource["status"],
        "AccountSid": resource["account_sid"],
        "To": resource["to"],
        "ApiVersion": API_VERSION,
    }
    if resource["from"]:
        params["From"] = resource["from"]
    if resource["to"].startswith(WHATSAPP_PREFIX):
        params.update(
            ChannelPrefix="whatsapp",
            ChannelInstallSid=channel_install_sid,
            ChannelToAddress=bare(resource["to"]),
            StructuredMessage="false",
        )
    if resource["status"] == "read":
        params["EventType"] = "READ"
    if resource["error_code"]:
        params["ErrorCode"] = str(resource["error_code"])
        params["ChannelStatusMessage"] = resource["error_message"]
    return params
