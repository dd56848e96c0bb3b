"""Handoff operations: open, inbox list, one conversation in full, agent reply, close, time-out.

Why: while a handoff is open the bot stays silent for that contact and an agent answers; the agent
sees the history, the member's profile and recent claims (with the disputed claim attached), replies
only inside WhatsApp's 24-hour window, and the bot tells the member when it takes over again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.i18n import format_number
from bot.logs import mask_phone
from content.window import in_window, window_ends
from storage import ledger
from storage.base import utcnow
from storage.claim_models import CouponRedemption, InvoiceClaim
from storage.messaging_models import Handoff, HandoffStatus
from storage.models import Contact, InboundMessage, Member, OutboundMessage
from storage.outbox import queue_reply, queue_template

logger = logging.getLogger(__name__)

HISTORY = 30
"""Messages (both directions) shown with a handoff."""


class HandoffError(ValueError):
    """Raised when an operation does not fit the handoff (unknown, closed, outside the window).

    ``code`` says which (``not_found``, ``closed``, ``empty``, ``window_closed``, ``window_open``), so
    the API can answer 404/409/422 without parsing the sentence.
    """

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def active_handoff(session: Session, contact_id: int) -> Handoff | None:
    return session.scalar(
        select(Handoff).where(Handoff.contact_id == contact_id, Handoff.status == HandoffStatus.OPEN.value)
        .order_by(Handoff.id.desc()).limit(1)
    )


def open_handoff(session: Session, contact: Contact, *, reason: str = "asked", claim_ref: str | None = None,
                 note: str | None = None) -> Handoff:
    """Hand ``contact``'s conversation to a person (the open one is returned if there is one)."""
    current = active_handoff(session, contact.id)
    if current is not None:
        return current
    now = utcnow()
    handoff = Handoff(contact_id=contact.id, member_id=contact.member_id, status=HandoffStatus.OPEN.value,
                      reason=reason, claim_ref=claim_ref, note=(note or "")[:2000] or None, opened_at=now,
                      last_activity_at=now)
    session.add(handoff)
    session.flush()
    logger.info("Handoff %s opened for %s (%s%s)", handoff.id, mask_phone(contact.phone), reason,
                f", claim {claim_ref}" if claim_ref else "")
    return handoff


def latest_claim_ref(session: Session, member_id: int) -> str | None:
    """The member's most recent coupon or invoice claim, as the review reference (C12 / I7)."""
    coupon = session.execute(select(CouponRedemption.id, CouponRedemption.created_at)
                             .where(CouponRedemption.member_id == member_id)
                             .order_by(CouponRedemption.id.desc()).limit(1)).first()
    invoice = session.execute(select(InvoiceClaim.id, InvoiceClaim.created_at)
                              .where(InvoiceClaim.member_id == member_id)
                              .order_by(InvoiceClaim.id.desc()).limit(1)).first()
    candidates = [(c.created_at, f"C{c.id}") for c in [coupon] if c]
    candidates += [(i.created_at, f"I{i.id}") for i in [invoice] if i]
    return max(candidates)[1] if candidates else None


def _get(session: Session, handoff_id: int, *, lock: bool = False) -> Handoff:
    query = select(Handoff).where(Handoff.id == handoff_id)
    if lock:  # the locked row's state, even if the session loaded the handoff before the lock
        query = query.with_for_update().execution_options(populate_existing=True)
    handoff = session.scalar(query)
    if handoff is None:
        raise HandoffError(f"no handoff {handoff_id}", "not_found")
    return handoff


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def inbox_query(status: str | None = HandoffStatus.OPEN.value) -> Select[Any]:
    """SELECT (Handoff, Contact, Member) of the inbox: open ones oldest first (who waited longest),
    others newest first."""
    query = select(Handoff, Contact, Member).join(Contact, Contact.id == Handoff.contact_id).outerjoin(
        Member, Member.id == Handoff.member_id)
    if status:
        query = query.where(Handoff.status == status)
    return query.order_by(Handoff.id if status == HandoffStatus.OPEN.value else Handoff.id.desc())


def inbox_row(row: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """One inbox line (phone masked) from a row of ``inbox_query``."""
    h, c, m = row
    return {
        "id": h.id, "status": h.status, "reason": h.reason, "claim": h.claim_ref,
        "name": m.name if m else c.profile_name, "phone": mask_phone(c.phone), "lang": c.lang,
        "opened_at": _iso(h.opened_at), "in_window": in_window(c, now or utcnow()), "agent": h.agent,
    }


def list_handoffs(session: Session, *, status: str | None = HandoffStatus.OPEN.value, limit: int = 50
                  ) -> list[dict[str, Any]]:
    """The inbox: handoffs (open ones by default), with who and why."""
    now = utcnow()
    return [inbox_row(row, now) for row in session.execute(inbox_query(status).limit(limit)).all()]


def show_handoff(session: Session, handoff_id: int, *, history: int = HISTORY) -> dict[str, Any]:
    """One conversation for an agent: history, the member's profile, recent claims, the window."""
    handoff = _get(session, handoff_id)
    contact = session.get(Contact, handoff.contact_id)
    assert contact is not None
    member = session.get(Member, contact.member_id) if contact.member_id else None
    inbound = session.execute(select(InboundMessage.received_at, InboundMessage.body, InboundMessage.num_media)
                              .where(InboundMessage.contact_id == contact.id)
                              .order_by(InboundMessage.id.desc()).limit(history)).all()
    outbound = session.execute(select(OutboundMessage.created_at, OutboundMessage.body, OutboundMessage.agent,
                                      OutboundMessage.status)
                               .where(OutboundMessage.contact_id == contact.id)
                               .order_by(OutboundMessage.id.desc()).limit(history)).all()
    messages = [{"at": _iso(r.received_at), "from": "member",
                 "text": r.body + (f" [{r.num_media} attachment(s)]" if r.num_media else "")} for r in inbound]
    messages += [{"at": _iso(r.created_at), "from": f"agent {r.agent}" if r.agent else "bot", "text": r.body,
                  "status": r.status} for r in outbound]
    messages.sort(key=lambda m: m["at"] or "")
    profile = None
    claims: list[dict[str, Any]] = []
    if member is not None:
        balance = ledger.balance(session, member.account_id) if member.account_id else 0
        profile = {"member_id": member.id, "name": member.name, "phone": member.phone, "role": member.role,
                   "pin_code": member.pin_code, "lang": member.lang, "balance": format_number(balance),
                   "points": balance,
                   "enrolled": _iso(member.created_at)}
        for row in session.scalars(select(CouponRedemption).where(CouponRedemption.member_id == member.id)
                                   .order_by(CouponRedemption.id.desc()).limit(10)):
            claims.append({"ref": f"C{row.id}", "kind": "coupon", "status": row.status, "points": row.points,
                           "reason": row.review_reason, "at": _iso(row.created_at)})
        for row in session.scalars(select(InvoiceClaim).where(InvoiceClaim.member_id == member.id)
                                   .order_by(InvoiceClaim.id.desc()).limit(10)):
            claims.append({"ref": f"I{row.id}", "kind": "invoice", "status": row.status, "points": row.points,
                           "reason": ", ".join(row.reasons or []), "invoice": row.invoice_number,
                           "at": _iso(row.created_at)})
        claims.sort(key=lambda c: c["at"] or "", reverse=True)
    ends = window_ends(contact)
    return {
        "id": handoff.id, "status": handoff.status, "reason": handoff.reason, "claim": handoff.claim_ref,
        "note": handoff.note, "agent": handoff.agent, "opened_at": _iso(handoff.opened_at),
        "closed_at": _iso(handoff.closed_at), "closed_by": handoff.closed_by,
        "contact": {"phone": contact.phone, "profile_name": contact.profile_name, "lang": contact.lang,
                    "window_open": in_window(contact, utcnow()), "window_ends": _iso(ends)},
        "member": profile, "claims": claims[:10], "messages": messages[-history:],
    }


def reply(session: Session, handoff_id: int, text: str, *, agent: str) -> OutboundMessage:
    """Queue the agent's message to the member (only inside the member's 24-hour window).

    Raises:
        HandoffError: unknown or closed handoff, empty text, or the window is closed (WhatsApp would
            refuse free text; the member has to write first).
    """
    text = text.strip()
    if not text:
        raise HandoffError("the reply is empty", "empty")
    handoff = _get(session, handoff_id, lock=True)
    if handoff.status != HandoffStatus.OPEN.value:
        raise HandoffError(f"handoff {handoff_id} is closed", "closed")
    contact = session.get(Contact, handoff.contact_id)
    assert contact is not None
    if not in_window(contact, utcnow()):
        raise HandoffError("the member's 24-hour window is closed: WhatsApp only delivers templates now; "
                           "close the handoff or wait for the member to write", "window_closed")
    rows = queue_reply(session, contact, [("handoff.agent", text)], agent=agent[:80])
    handoff.agent = agent[:80]
    handoff.last_activity_at = utcnow()
    return rows[0]


def _first_name(member: Member | None, contact: Contact) -> str:
    full = (member.name if member else None) or contact.profile_name or ""
    return full.split()[0] if full.split() else "ji"


CLOSED_TEMPLATE = "handoff_closed"
"""The approved template that tells a member outside the window that the bot answers again."""

INVITE_TEMPLATE = "handoff_reply"
"""The approved template that asks a member outside the window to write back (then the agent can reply)."""


def invite(session: Session, handoff_id: int, *, agent: str) -> OutboundMessage:
    """Outside the member's window: queue the approved ``handoff_reply`` template asking them to write.

    WhatsApp delivers only approved templates outside the 24-hour window; once the member answers,
    the window is open and the agent's reply goes as text.

    Raises:
        HandoffError: unknown or closed handoff, or the window is open (reply with text instead).
    """
    handoff = _get(session, handoff_id, lock=True)
    if handoff.status != HandoffStatus.OPEN.value:
        raise HandoffError(f"handoff {handoff_id} is closed", "closed")
    contact = session.get(Contact, handoff.contact_id)
    assert contact is not None
    if in_window(contact, utcnow()):
        raise HandoffError("the member's window is open: write your reply instead", "window_open")
    member = session.get(Member, handoff.member_id) if handoff.member_id else None
    name = _first_name(member, contact)
    row = queue_template(session, contact, INVITE_TEMPLATE, {"name": name},
                         fallback_msgid=f"template.{INVITE_TEMPLATE}", name=name)[0]
    row.agent = agent[:80]
    handoff.agent = agent[:80]
    handoff.last_activity_at = utcnow()
    return row


def close(session: Session, handoff_id: int, *, by: str, timed_out: bool = False) -> Handoff:
    """Give the conversation back to the bot and tell the member."""
    handoff = _get(session, handoff_id, lock=True)
    if handoff.status != HandoffStatus.OPEN.value:
        raise HandoffError(f"handoff {handoff_id} is already closed", "closed")
    handoff.status, handoff.closed_at, handoff.closed_by = HandoffStatus.CLOSED.value, utcnow(), by[:80]
    contact = session.get(Contact, handoff.contact_id)
    assert contact is not None
    msgid = "handoff.timed_out" if timed_out else "handoff.closed"
    member = session.get(Member, handoff.member_id) if handoff.member_id else None
    # Agents close (or the timeout closes) long after the member's last message: a template then.
    queue_template(session, contact, CLOSED_TEMPLATE, {"name": _first_name(member, contact)}, fallback_msgid=msgid)
    logger.info("Handoff %s closed by %s", handoff.id, by)
    return handoff


def close_idle(app: Any, now: dt.datetime) -> int:
    """Close every open handoff without agent activity for the configured time-out; returns how many."""
    from storage.db import sessions
    from workers.jobs import schedule_send

    factory = sessions(app)
    cutoff = now - dt.timedelta(minutes=int(app.config["HANDOFF_TIMEOUT_MINUTES"]))
    with factory() as session:
        idle = session.execute(select(Handoff.id, Handoff.contact_id).where(
            Handoff.status == HandoffStatus.OPEN.value, Handoff.last_activity_at < cutoff)).all()
    closed = 0
    for handoff_id, contact_id in idle:
        try:
            with factory.begin() as session:
                close(session, handoff_id, by="timeout", timed_out=True)
        except HandoffError:
            continue
        schedule_send(app, contact_id)
        closed += 1
    return closed
