"""The 24-hour customer-service window and how each outbound message goes out.

Why: WhatsApp delivers free-form messages (text, media, quick replies, list pickers) only within
24 hours of the member's last message; after that only an approved template may be sent, as
``ContentSid`` + ``ContentVariables``. The sender asks ``plan_send`` once per message and never
attempts a free-form message outside the window (Twilio would fail it with 63016).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twilio.base.exceptions import TwilioException

from content import interactive, registry
from content.templates import TemplateError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from twilio.rest import Client

    from storage.models import Contact, OutboundMessage

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(hours=24)
SAFETY_MARGIN = dt.timedelta(minutes=2)
"""Our clock starts when the turn ran, Twilio's when the message arrived: stop a little early."""


def window_ends(contact: Contact) -> dt.datetime | None:
    """When the contact's customer-service window closes (None: never opened)."""
    last = contact.last_inbound_at
    return None if last is None else last + WINDOW - SAFETY_MARGIN


def in_window(contact: Contact, now: dt.datetime) -> bool:
    """True while a free-form message may be sent to ``contact``."""
    ends = window_ends(contact)
    return ends is not None and now < ends


@dataclass
class SendPlan:
    """What to pass to ``messages.create`` (besides from/to/callback), or why nothing is sent."""

    args: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None


def plan_send(session: Session, row: OutboundMessage, contact: Contact, config: Any, client: Client,
              now: dt.datetime) -> SendPlan:
    """Free text inside the window, the approved template outside it, interactive where possible.

    Skip reasons (stored in ``outbound_messages.note``): ``outside_window`` (free-form only),
    ``no_template:<name>`` (no approved template for the language), ``bad_variables:<name>``.
    """
    inside = in_window(contact, now)
    if row.template and not inside:
        return _template_plan(session, row, config)
    if not inside:
        return SendPlan(skip="outside_window")
    if row.interactive:
        plan = _interactive_plan(session, row, contact, client)
        if plan is not None:
            return plan
    return SendPlan(args={"body": row.body})


def _template_plan(session: Session, row: OutboundMessage, config: Any) -> SendPlan:
    assert row.template is not None
    content = registry.approved_template(session, row.template, row.contact.lang if row.contact else None)
    if content is None or content.content_sid is None:
        logger.warning("Outbound %s: no approved template %r; not sent outside the window", row.id, row.template)
        return SendPlan(skip=f"no_template:{row.template}"[:80])
    values = dict(row.variables or {})
    names = list(content.variables or [])
    numbered: dict[str, str] = {}
    for index, name in enumerate(names, start=1):
        value = values.get(name, values.get(str(index)))
        if value is None or str(value).strip() == "":
            logger.warning("Outbound %s: template %r lacks variable %r", row.id, row.template, name)
            return SendPlan(skip=f"bad_variables:{row.template}"[:80])
        numbered[str(index)] = str(value)[:1000]
    return SendPlan(args={"content_sid": content.content_sid,
                          "content_variables": json.dumps(numbered, ensure_ascii=False)})


_content_down_until = 0.0
"""While the Content API is failing, replies go as numbered text without retrying it each time."""
CONTENT_RETRY_SECONDS = 60.0


def _interactive_plan(session: Session, row: OutboundMessage, contact: Contact, client: Client) -> SendPlan | None:
    global _content_down_until
    spec = row.interactive or {}
    types = interactive.content_types(spec)
    if types is None or time.monotonic() < _content_down_until:
        return None
    try:
        sid = registry.session_content_sid(session, client, contact.lang or "en", types)
    except (TwilioException, TemplateError, OSError) as exc:
        _content_down_until = time.monotonic() + CONTENT_RETRY_SECONDS
        logger.warning("Outbound %s: interactive content unavailable (%s); numbered text for %.0f s",
                       row.id, exc.__class__.__name__, CONTENT_RETRY_SECONDS)
        return None
    return SendPlan(args={"content_sid": sid,
                          "content_variables": json.dumps({"1": spec["body"]}, ensure_ascii=False)})
