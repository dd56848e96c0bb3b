"""Members' personal data under India's DPDP Act: what is held about a member, and erasure.

Why: a member may ask for a summary of their data or for its deletion, in chat or through an
admin. Erasure removes what identifies the person (name, phone in clear, UPI, PAN, messages and
media) but keeps the points ledger exactly as it is: ledger accounts are coded ``member:<id>``
and never held personal data, so every hash chain still verifies and the books still balance.
The member row stays as a pseudonymous shell (``erased-<id>``) that claims and transfers point to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage import ledger
from storage.base import utcnow
from storage.claim_models import CouponRedemption, InvoiceClaim
from storage.messaging_models import Handoff, HandoffStatus
from storage.models import Contact, InboundMessage, Media, Member, OutboundMessage

PERSONAL_MEMBER_FIELDS = ("name", "phone", "upi_id", "pin_code", "gstin", "firm_name")
"""Member columns erased; other capabilities add theirs (PAN, KYC) through ``EXTRA_ERASERS``."""

EXTRA_ERASERS: list[Any] = []
"""Callables ``(session, member) -> None`` that erase a capability's own personal data (payout KYC…)."""


@dataclass(frozen=True)
class DataSummary:
    name: str
    phone: str
    role: str
    pin_code: str
    upi_id: str | None
    lang: str
    rep: str | None
    joined: Any
    consent_at: Any
    balance: int
    coupon_claims: int
    invoice_claims: int
    messages: int
    media: int


def pseudonym(member_id: int) -> str:
    return f"erased-{member_id}"


def summary(session: Session, member: Member) -> DataSummary:
    """What the programme holds about ``member`` (for 'my data')."""
    contact = session.scalar(select(Contact).where(Contact.member_id == member.id))
    messages = media = 0
    if contact is not None:
        messages = int(session.scalar(select(func.count()).select_from(InboundMessage)
                                      .where(InboundMessage.contact_id == contact.id)) or 0)
        media = int(session.scalar(select(func.count()).select_from(Media).join(InboundMessage)
                                   .where(InboundMessage.contact_id == contact.id, Media.data.is_not(None))) or 0)
    return DataSummary(
        name=member.name, phone=member.phone, role=member.role, pin_code=member.pin_code, upi_id=member.upi_id,
        lang=member.lang, rep=member.rep.name if member.rep else None, joined=member.created_at,
        consent_at=member.consent_at,
        balance=ledger.balance(session, member.account_id) if member.account_id else 0,
        coupon_claims=int(session.scalar(select(func.count()).select_from(CouponRedemption)
                                         .where(CouponRedemption.member_id == member.id)) or 0),
        invoice_claims=int(session.scalar(select(func.count()).select_from(InvoiceClaim)
                                          .where(InvoiceClaim.member_id == member.id)) or 0),
        messages=messages, media=media,
    )


def erase(session: Session, member: Member, *, keep_outbound_id: int | None = None) -> dict[str, int]:
    """Remove ``member``'s personal data; the ledger is not touched.

    Args:
        keep_outbound_id: one outbound message (the erasure confirmation) keeps its address until
            it is sent; the sender scrubs it afterwards (``scrub_after_send``).

    Returns:
        Counts of what was erased, for the audit log.
    """
    contact = session.scalar(select(Contact).where(Contact.member_id == member.id).with_for_update())
    counts = {"messages": 0, "media": 0, "outbound": 0}
    tag = pseudonym(member.id)
    if contact is not None:
        inbound_ids = select(InboundMessage.id).where(InboundMessage.contact_id == contact.id)
        counts["media"] = session.execute(
            update(Media).where(Media.inbound_id.in_(inbound_ids))
            .values(data=None, url="", analysis=None, sha256=None)).rowcount or 0
        counts["messages"] = session.execute(
            update(InboundMessage).where(InboundMessage.contact_id == contact.id)
            .values(body="", params={}, button_payload=None, error=None)).rowcount or 0
        scrub = update(OutboundMessage).where(OutboundMessage.contact_id == contact.id)
        if keep_outbound_id is not None:
            scrub = scrub.where(OutboundMessage.id != keep_outbound_id)
        counts["outbound"] = session.execute(scrub.values(body="", to=tag)).rowcount or 0
        session.execute(update(Handoff).where(Handoff.contact_id == contact.id)
                        .values(note=None, status=HandoffStatus.CLOSED.value, closed_at=utcnow(), closed_by="erasure"))
        contact.phone = f"{tag}-c{contact.id}"[:20]
        contact.profile_name = None
        contact.slots = {}
        contact.flow = contact.state = None
        contact.member_id = None
        contact.opted_out = True
    session.execute(update(InvoiceClaim).where(InvoiceClaim.member_id == member.id)
                    .values(buyer_gstin=None, reading={}))
    member.name = ""
    member.phone = tag
    member.upi_id = None
    member.pin_code = ""
    member.gstin = None  # a proprietor's GSTIN embeds their PAN
    member.firm_name = None
    member.erased_at = utcnow()
    for eraser in EXTRA_ERASERS:
        eraser(session, member)
    session.flush()
    return counts


def scrub_after_send(row: OutboundMessage) -> None:
    """Called by the sender for the erasure confirmation once it has gone: forget the address."""
    digest = hashlib.sha256(row.to.encode()).hexdigest()[:12]
    row.to = f"erased:{digest}"
    row.body = ""
