"""Contacts and inbound messages: the webhook's writes, safe under concurrent deliveries.

Why: two messages from a new number can arrive at the same instant on two web processes, and
Twilio may deliver the same MessageSid twice; both cases are settled by unique constraints with
INSERT … ON CONFLICT, in as few round trips as possible (the webhook must answer fast).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import Contact, InboundMessage, Media


class DuplicateMessage(Exception):
    """Raised when a MessageSid was already stored (a redelivery)."""


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def upsert_contact(session: Session, phone: str, profile_name: str | None = None) -> int:
    """The id of the contact for ``phone`` (E.164), created if new; one statement, race-free."""
    stmt = _insert(session)(Contact).values(phone=phone, profile_name=profile_name, slots={}, opted_out=False,
                                            created_at=utcnow())
    stmt = stmt.on_conflict_do_update(
        index_elements=["phone"],
        set_={"profile_name": func.coalesce(stmt.excluded.profile_name, Contact.__table__.c.profile_name)},
    ).returning(Contact.id)
    return int(session.execute(stmt).scalar_one())


def get_or_create_contact(session: Session, phone: str, profile_name: str | None = None) -> Contact:
    """The contact row for ``phone`` (created if new)."""
    contact = session.get(Contact, upsert_contact(session, phone, profile_name))
    assert contact is not None
    return contact


def store_inbound(session: Session, contact_id: int | None, params: dict[str, Any], *, sid: str | None = None,
                  raw_form: str | None = None, notes: dict[str, Any] | None = None, status: str = "received",
                  error: str | None = None) -> int:
    """Store a webhook's parameters as an inbound message with its media rows; returns its id.

    ``params`` are the cleaned fields (see ``bot.inbound_form``); ``raw_form`` the form as posted.
    A message stored with another ``status`` than ``received`` (an invalid sender) is kept, not run.

    Raises:
        DuplicateMessage: the MessageSid is already stored.
    """
    sid = sid or params["MessageSid"]
    num_media = _num_media(params.get("NumMedia"))
    stmt = (
        _insert(session)(InboundMessage)
        .values(message_sid=sid, contact_id=contact_id, body=params.get("Body", "") or "",
                button_payload=(params.get("ButtonPayload") or params.get("ListId") or None)[:256]
                if (params.get("ButtonPayload") or params.get("ListId")) else None,
                num_media=num_media, params=params,
                raw_form=raw_form, normalized=notes or None, status=status, error=error, attempts=0,
                received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["message_sid"])
        .returning(InboundMessage.id)
    )
    inbound_id = session.execute(stmt).scalar_one_or_none()
    if inbound_id is None:
        raise DuplicateMessage(sid)
    media = [
        {"inbound_id": inbound_id, "idx": idx, "url": params[f"MediaUrl{idx}"],
         "declared_type": params.get(f"MediaContentType{idx}", ""), "status": "pending", "attempts": 0,
         "created_at": utcnow()}
        for idx in range(num_media)
        if params.get(f"MediaUrl{idx}")
    ]
    if media and status == "received":
        session.execute(Media.__table__.insert(), media)
    return int(inbound_id)


def _num_media(value: str | None) -> int:
    try:
        return max(0, min(int((value or "0").strip() or 0), 10))
    except ValueError:
        return 0
