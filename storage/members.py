"""Enrollment and member look-ups: the data side of the enrollment flow.

Why: creating a member, opening its points account and crediting the welcome bonus must happen
in one transaction with an idempotency key, so a retried turn never pays the bonus twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import ledger
from storage.base import utcnow
from storage.ledger_models import Account, Transfer
from storage.models import Contact, Member, Rep


@dataclass(frozen=True)
class Enrollment:
    name: str
    role: str
    pin_code: str
    upi_id: str | None
    lang: str
    rep_code: str | None = None
    gstin: str | None = None
    firm_name: str | None = None


def rep_by_code(session: Session, code: str | None) -> Rep | None:
    if not code:
        return None
    return session.scalar(select(Rep).where(Rep.code == code.strip().upper()))


def enroll(session: Session, contact: Contact, data: Enrollment, *, welcome_bonus: int) -> Member:
    """Create the member for ``contact``, open its account and credit the welcome bonus once."""
    if contact.member is not None:
        return contact.member
    rep = rep_by_code(session, data.rep_code)
    member = Member(
        phone=contact.phone,
        name=data.name,
        role=data.role,
        pin_code=data.pin_code,
        upi_id=data.upi_id,
        lang=data.lang,
        rep_id=rep.id if rep else None,
        consent_at=utcnow(),
        gstin=data.gstin,
        firm_name=data.firm_name,
        # a GSTIN another member registered first: their invoices go to review until an admin decides
        gstin_shared=bool(data.gstin)
        and session.scalar(select(Member.id).where(Member.gstin == data.gstin).limit(1)) is not None,
    )
    session.add(member)
    session.flush()
    account = ledger.open_member_account(session, member.id)
    member.account_id = account.id
    contact.member = member
    session.flush()
    if welcome_bonus > 0:
        ledger.transfer(
            session,
            source=ledger.ISSUANCE,
            dest=account.id,
            points=welcome_bonus,
            reason="welcome_bonus",
            idempotency_key=f"welcome:{member.id}",
        )
    return member


def lifetime_earned(session: Session, member: Member) -> int:
    """Points ever issued to the member (the basis of tiers), net of reversed issuances."""
    issuance = session.scalar(select(Account.id).where(Account.code == ledger.ISSUANCE))
    earned = session.scalar(
        select(func.coalesce(func.sum(Transfer.points), 0)).where(
            Transfer.source_account_id == issuance, Transfer.dest_account_id == member.account_id
        )
    )
    clawed = session.scalar(
        select(func.coalesce(func.sum(Transfer.points), 0)).where(
            Transfer.source_account_id == member.account_id,
            Transfer.dest_account_id == issuance,
        )
    )
    return int(earned or 0) - int(clawed or 0)


def today_ist_start(now: dt.datetime) -> dt.datetime:
    """Midnight IST of ``now``'s day, as UTC (daily caps follow the member's calendar)."""
    from bot.i18n import IST

    local = now.astimezone(IST)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
