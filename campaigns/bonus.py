"""Campaign rewards: bonus points to members who act (a credited claim) within the campaign's window.

Why: "claim within 7 days and get 50 extra points" must pay each member once, whichever worker
looks first and however often it looks: the ledger transfer's idempotency key is
``campaign:<id>:member:<id>``, and the recipient row records the transfer.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import format_number
from campaigns.audience import claims_since
from storage import ledger
from storage.messaging_models import Campaign, CampaignRecipient, CampaignStatus
from storage.models import Contact, Member, OutboundMessage
from storage.outbox import queue_template

logger = logging.getLogger(__name__)

BATCH = 500


def bonus_key(campaign_id: int, member_id: int) -> str:
    return f"campaign:{campaign_id}:member:{member_id}"


def award_bonuses(session: Session, campaign: Campaign, now: dt.datetime) -> list[int]:
    """Credit the bonus to every recipient who acted after their message; returns their contact ids."""
    if campaign.bonus_points <= 0:
        return []
    assert campaign.started_at is not None
    until = campaign.started_at + dt.timedelta(days=campaign.bonus_days)
    sent_at = OutboundMessage.sent_at
    rows = session.execute(
        select(CampaignRecipient, Member, Contact)
        .join(OutboundMessage, OutboundMessage.id == CampaignRecipient.outbound_id)
        .join(Member, Member.id == CampaignRecipient.member_id)
        .join(Contact, Contact.id == CampaignRecipient.contact_id)
        .where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.bonus_transfer_id.is_(None),
               OutboundMessage.twilio_sid.is_not(None), sent_at.is_not(None),
               claims_since(CampaignRecipient.member_id, sent_at, until))
        .order_by(CampaignRecipient.id).limit(BATCH)
    ).all()
    contacts = []
    for recipient, member, contact in rows:
        assert member.account_id is not None
        transfer = ledger.transfer(session, source=ledger.ISSUANCE, dest=member.account_id,
                                   points=campaign.bonus_points, reason="campaign_bonus",
                                   idempotency_key=bonus_key(campaign.id, member.id),
                                   reference=f"campaign:{campaign.id}")
        recipient.bonus_transfer_id = transfer.id
        balance = ledger.balance(session, member.account_id)
        params = {"points": format_number(campaign.bonus_points), "balance": format_number(balance)}
        # Bonuses are paid days after the message: outside the window the approved template goes.
        queue_template(session, contact, BONUS_TEMPLATE, {"name": member.name, **params},
                       fallback_msgid="campaign.bonus", **params)
        contacts.append(contact.id)
    return contacts


BONUS_TEMPLATE = "bonus_credited"
"""The approved template for a campaign bonus reaching a member outside the window."""


def award_due_bonuses(app: Any, now: dt.datetime) -> int:
    """Run ``award_bonuses`` for every campaign still inside its bonus window; returns how many were paid."""
    from storage.db import sessions
    from workers.jobs import schedule_send

    factory = sessions(app)
    with factory() as session:
        ids = session.scalars(select(Campaign.id).where(
            Campaign.bonus_points > 0,
            Campaign.status.in_([CampaignStatus.SENDING.value, CampaignStatus.PAUSED.value, CampaignStatus.DONE.value,
                                 CampaignStatus.CANCELLED.value]),
            Campaign.started_at.is_not(None),
        )).all()
    paid = 0
    for campaign_id in ids:
        with factory.begin() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or campaign.started_at is None:
                continue
            if now - campaign.started_at > dt.timedelta(days=campaign.bonus_days + 1):
                continue
            contacts = award_bonuses(session, campaign, now)
        for contact_id in contacts:
            schedule_send(app, contact_id)
        paid += len(contacts)
    return paid
