"""Contacts and inbound messages: the webhook's writes, safe under concurrent deliveries.

Why: two messages from a new number can arrive at the same instant on two web processes, and
Twilio may deliver the same MessageSid twice; both cases are settled by unique constraints.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Contact, InboundMessage, Media


class DuplicateMessage(Exception):
    """Raised when a MessageSid was already stored (a redelivery)."""


def get_or_create_contact(session: Session, phone: str, profile_name: str | None = None) -> Contact:
    """The contact for ``phone`` (E.164), created if new; race-free (INSERT … ON CONFLICT DO NOTHING)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Contact).values(phone=phone, profile_name=profile_name, slots={}, opted_out=False)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["phone"]))
    contact = session.scalar(select(Contact).where(Contact.phone == phone))
    assert contact is not None
    if profile_name and contact.profile_name != profile_name:
        contact.profile_name = profile_name
    return contact


def store_inbound(session: Session, contact: Contact, params: dict[str, Any]) -> InboundMessage:
    """Store a webhook's parameters as an inbound message with its media rows.

    Raises:
        DuplicateMessage: the MessageSid is already stored.
    """
    sid = params["MessageSid"]
    try:
        num_media = max(0, min(int(params.get("NumMedia") or 0), 10))
    except ValueError:
        num_media = 0
    msg = InboundMessage(
        message_sid=sid,
        contact_id=contact.id,
        body=params.get("Body", "") or "",
        button_payload=params.get("ButtonPayload") or None,
        num_media=num_media,
        params=params,
    )
    try:
        with session.begin_nested():
            session.add(msg)
            session.flush()
    except IntegrityError:
        raise DuplicateMessage(sid) from None
    for idx in range(num_media):
        url = params.get(f"MediaUrl{idx}")
        if url:
            session.add(
                Media(inbound_id=msg.id, idx=idx, url=url, declared_type=params.get(f"MediaContentType{idx}", ""))
            )
    return msg
