"""Outbound message rows: created in the turn's transaction, sent after it commits.

Why: a reply is part of the turn's outcome, so it is written with the state change and ledger
postings (transactional outbox); sending happens later and can be retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import Contact, OutboundMessage, OutboundStatus

logger = logging.getLogger(__name__)

MAX_BODY = 1600
"""Twilio's WhatsApp body limit in characters."""

MAX_PARTS_PER_TURN = 3
"""A turn's reply is split under MAX_BODY, but never into more messages than this (the rest is cut)."""

STATUS_RANK = {
    OutboundStatus.PENDING.value: 0,
    OutboundStatus.SENDING.value: 1,
    OutboundStatus.ACCEPTED.value: 2,
    OutboundStatus.QUEUED.value: 3,
    OutboundStatus.SENT.value: 4,
    OutboundStatus.DELIVERED.value: 5,
    OutboundStatus.READ.value: 6,
    OutboundStatus.UNDELIVERED.value: 5,
    OutboundStatus.FAILED.value: 5,
    OutboundStatus.SKIPPED.value: 9,
}
"""Order of delivery states; callbacks arrive out of order and never move a status back."""


def split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    """Split a long reply at paragraph, then line, then word boundaries, each part <= ``limit``."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 3:
            cut = window.rfind("\n")
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def queue_reply(
    session: Session,
    contact: Contact,
    texts: Iterable[tuple[str, str]],
    *,
    inbound_id: int | None = None,
    bypass_opt_out: bool = False,
    interactive: dict[str, Any] | None = None,
    agent: str | None = None,
) -> list[OutboundMessage]:
    """Join a turn's sentences into one message (split if too long) and store it as pending.

    ``interactive`` (from ``content.interactive.offer``) makes the message tappable when it fits in
    one part; the numbered text stays its body and fallback.
    """
    from content.interactive import attach

    texts = list(texts)
    if not texts:
        return []
    body = "\n\n".join(t for _, t in texts)
    rows = []
    parts = split_body(body)
    if len(parts) > MAX_PARTS_PER_TURN:
        logger.warning("Reply of %s characters cut to %s messages", len(body), MAX_PARTS_PER_TURN)
        parts = parts[:MAX_PARTS_PER_TURN]
        parts[-1] = parts[-1][: MAX_BODY - 2].rstrip() + " …"
    spec = attach(interactive, texts) if len(parts) == 1 else None
    for part in parts:
        row = OutboundMessage(
            contact_id=contact.id,
            inbound_id=inbound_id,
            to=f"whatsapp:{contact.phone}",
            body=part,
            msgid=texts[0][0][:80],
            bypass_opt_out=bypass_opt_out,
            interactive=spec,
            agent=agent,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def template_value(value: object) -> str:
    """A template variable as WhatsApp takes it: one line, no tabs, no runs of spaces."""
    return " ".join(str(value).split())


def queue_template(
    session: Session,
    contact: Contact,
    template: str,
    variables: dict[str, str],
    *,
    fallback_msgid: str,
    **params: object,
) -> list[OutboundMessage]:
    """Queue a business-initiated message (a reminder, a campaign, a notification).

    The sender sends the free text ``fallback_msgid`` (rendered now with ``params`` in the
    contact's language) while the contact's 24-hour window is open, and the approved Content
    template ``template`` for the contact's language (``ContentSid`` + ``ContentVariables`` from
    ``variables``, keyed by the template's variable names) outside it; never free text outside it.
    """
    from bot.i18n import translate

    text = translate(contact.lang or "en", fallback_msgid, **params)
    parts = split_body(text) or [text]
    rows = []
    for index, part in enumerate(parts):
        row = OutboundMessage(
            contact_id=contact.id,
            to=f"whatsapp:{contact.phone}",
            body=part,
            msgid=fallback_msgid[:80],
            template=template if index == 0 else None,
            variables={str(k): template_value(v) for k, v in variables.items()} if index == 0 else None,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def advance_status(row: OutboundMessage, status: str, error_code: int | None = None) -> bool:
    """Move ``row`` to ``status`` unless that would go backwards; True when it changed."""
    if STATUS_RANK.get(status, 0) <= STATUS_RANK.get(row.status, 0) and status != row.status:
        return False
    row.status = status
    if error_code is not None:
        row.error_code = error_code
    row.updated_at = utcnow()
    return True
