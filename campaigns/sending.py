"""Campaign send jobs: paced lanes that claim recipients and send them through the outbox.

Why: a campaign of 1,00,000 members must go out at the sender's configured rate across any
number of workers, stop on pause or cancel within a moment, and survive a worker killed at any
instruction. Each lane is an RQ job that, for up to ``LANE_SECONDS``, claims a small chunk of
pending recipients (``FOR UPDATE SKIP LOCKED``: two lanes never claim one recipient) and creates
their outbound messages in the same transaction, then sends each through ``workers.jobs.send_outbox``
— the at-most-once path replies take — after the shared pacer grants a slot. A lane then enqueues
its successor. A recipient is claimed once; its message, once created, is sent by the outbox
(this lane, or the outbox sweep if the lane died), so nobody is skipped or messaged twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import format_number, format_rupees
from campaigns.pacing import DailyLimit, Pacer
from campaigns.service import CampaignError, get_campaign, send_campaign
from storage.base import utcnow
from storage.db import sessions
from storage.ledger_models import Account
from storage.members import lifetime_earned
from storage.messaging_models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from storage.models import Contact, Member, OutboundMessage
from workers.runtime import app_context

logger = logging.getLogger(__name__)

LANE_SECONDS = 20.0
"""How long one lane job sends before handing over to a fresh job (bounds job time-outs)."""
CHUNK_SECONDS = 0.5
"""A lane claims what it can send in this long, so claimed messages wait well under the outbox sweep."""
STALL_SECONDS = 60
"""A sending campaign with no lane activity for this long gets its lanes restarted by the tick."""


def kick(app: Any, campaign_id: int, lanes: int | None = None) -> int:
    """Enqueue the campaign's lanes (after the commit that made it ``sending``)."""
    from workers.queue import enqueue

    count = lanes or int(app.config["CAMPAIGN_PARALLEL"])
    for _ in range(count):
        enqueue(app, run_lane, campaign_id)
    return count


def rate_for(campaign: Campaign, config: Any) -> int:
    """Messages per second: the campaign's own rate, never above the sender's configured rate."""
    ceiling = int(config["CAMPAIGN_RATE_PER_SECOND"])
    return min(campaign.rate_per_second or ceiling, ceiling)


def run_lane(campaign_id: int) -> int:
    """Claim and send recipients at the paced rate for up to ``LANE_SECONDS``; returns how many."""
    from workers.jobs import TransientSendError, send_outbox
    from workers.queue import enqueue, get_queue

    with app_context() as app:
        factory = sessions(app)
        with factory() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or campaign.status != CampaignStatus.SENDING.value:
                return 0
            rate = rate_for(campaign, app.config)
        lanes = int(app.config["CAMPAIGN_PARALLEL"])
        chunk = max(1, min(int(app.config["CAMPAIGN_BATCH_SIZE"]), int(rate * CHUNK_SECONDS / lanes)))
        connection = get_queue(app).connection
        pacer = Pacer(connection, app.config["TWILIO_WHATSAPP_FROM"], rate)
        daily = DailyLimit(connection, app.config["TWILIO_WHATSAPP_FROM"], int(app.config["CAMPAIGN_DAILY_LIMIT"]))
        deadline = time.monotonic() + LANE_SECONDS

        def send(contact_id: int) -> None:
            try:
                send_outbox(contact_id)
            except TransientSendError as exc:  # the message stays in the outbox; its sweep resends it
                logger.warning("Campaign %s: send deferred (%s)", campaign_id, exc)

        sent = 0
        # Sending is waiting (the database's commit, Twilio's answer): a few threads keep the paced
        # slots filled; the pacer, not the threads, sets the rate.
        with ThreadPoolExecutor(max_workers=int(app.config["CAMPAIGN_THREADS"]),
                                thread_name_prefix=f"campaign-{campaign_id}") as pool:
            in_flight: list[Future[None]] = []
            while time.monotonic() < deadline:
                left = daily.remaining()
                if left == 0:
                    logger.warning("Campaign %s: the sender's daily messaging limit is reached; resuming later",
                                   campaign_id)
                    return sent
                contacts = claim(factory, campaign_id, chunk if left is None else min(chunk, left), app.config)
                if contacts is None:
                    return sent  # paused or cancelled (the pool finishes what it holds)
                if not contacts:
                    wait(in_flight)
                    finish_if_done(factory, campaign_id)
                    return sent
                daily.use(len(contacts))
                for contact_id in contacts:
                    pacer.wait()
                    in_flight.append(pool.submit(send, contact_id))
                    sent += 1
                in_flight = [f for f in in_flight if not f.done()]
        enqueue(app, run_lane, campaign_id)
        return sent


def claim(factory: sessionmaker[Session], campaign_id: int, size: int, config: Any) -> list[int] | None:
    """Claim up to ``size`` pending recipients and create their messages; their contact ids, in order.

    None when the campaign is no longer sending.
    """
    now = utcnow()
    with factory.begin() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.status != CampaignStatus.SENDING.value:
            return None
        recipients = list(session.scalars(
            select(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign_id,
                   CampaignRecipient.status == RecipientStatus.PENDING.value)
            .order_by(CampaignRecipient.id).limit(size).with_for_update(skip_locked=True)
        ))
        if not recipients:
            return []
        members = {m.id: (m, phone, int(balance)) for m, phone, balance in session.execute(
            select(Member, Contact.phone, Account.balance)
            .join(Contact, Contact.member_id == Member.id).join(Account, Account.id == Member.account_id)
            .where(Member.id.in_([r.member_id for r in recipients]))
        )}
        for recipient in recipients:
            member, phone, balance = members[recipient.member_id]
            row = _message(session, campaign, recipient, member, phone, balance, config)
            session.add(row)
            session.flush()
            recipient.status, recipient.outbound_id, recipient.claimed_at = RecipientStatus.QUEUED.value, row.id, now
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(heartbeat_at=now))
        return [r.contact_id for r in recipients]


def member_values(session: Session, campaign: Campaign, member: Member, balance: int, config: Any,
                  needed: tuple[str, ...]) -> dict[str, str]:
    """The template variables for one member: campaign values plus name, points, rupees, tier."""
    program = config["PROGRAM"]
    values = dict(campaign.variables or {})
    values.update(name=member.name.split()[0] if member.name else member.name, points=format_number(balance),
                  balance=format_number(balance), rupees=format_rupees(program.paise_for(balance)))
    if "tier" in needed:
        tier = program.tier_for(lifetime_earned(session, member))
        values["tier"] = tier.name if tier else "-"
    return values


def _message(session: Session, campaign: Campaign, recipient: CampaignRecipient, member: Member, phone: str,
             balance: int, config: Any) -> OutboundMessage:
    template = config["TEMPLATES"].get(campaign.template) if campaign.template else None
    needed = template.variables if template else ()
    values = member_values(session, campaign, member, balance, config, needed)
    if campaign.text:
        body = _fill(campaign.text, values)
        fallback = campaign.template if campaign.outside_window == "template" else None
    else:
        assert template is not None
        body, fallback = template.render(recipient.lang, values), template.name
    variables = {k: values[k] for k in needed} if template and fallback else None
    return OutboundMessage(contact_id=recipient.contact_id, to=f"whatsapp:{phone}", body=body[:1600],
                           msgid=f"campaign.{campaign.id}", template=fallback, variables=variables)


def _fill(text: str, values: dict[str, str]) -> str:
    """``{name}``-style placeholders in an admin's free text; unknown ones stay as typed."""
    class Keep(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return text.format_map(Keep(values))
    except (ValueError, IndexError):
        return text


def finish_if_done(factory: sessionmaker[Session], campaign_id: int) -> bool:
    """Mark a sending campaign done once no recipient is pending."""
    with factory.begin() as session:
        pending = session.scalar(
            select(func.count()).select_from(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign_id,
                   CampaignRecipient.status == RecipientStatus.PENDING.value)
        )
        if pending:
            return False
        done = session.execute(
            update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SENDING.value)
            .values(status=CampaignStatus.DONE.value, finished_at=utcnow())
        )
        return bool(done.rowcount)


def tick() -> dict[str, int]:
    """Periodic: start due scheduled campaigns, restart stalled lanes, award bonuses, end idle handoffs."""
    from campaigns.bonus import award_due_bonuses
    from handoff.service import close_idle

    with app_context() as app:
        factory = sessions(app)
        now = utcnow()
        started = restarted = 0
        with factory() as session:
            due = session.scalars(select(Campaign.id).where(
                Campaign.status == CampaignStatus.SCHEDULED.value, Campaign.scheduled_at <= now)).all()
            stalled = session.scalars(select(Campaign.id).where(
                Campaign.status == CampaignStatus.SENDING.value,
                Campaign.heartbeat_at < now - dt.timedelta(seconds=STALL_SECONDS))).all()
        for campaign_id in due:
            try:
                with factory.begin() as session:
                    send_campaign(session, campaign_id, app.config["PROGRAM"], now=now)
            except CampaignError as exc:
                logger.info("Campaign %s: not started (%s)", campaign_id, exc)
                continue
            kick(app, campaign_id)
            started += 1
        for campaign_id in stalled:
            with factory.begin() as session:
                campaign = get_campaign(session, campaign_id, lock=True)
                if campaign.status != CampaignStatus.SENDING.value:
                    continue
                campaign.heartbeat_at = now
            if not finish_if_done(factory, campaign_id):
                logger.warning("Campaign %s: no lane active for %s s; restarting lanes", campaign_id, STALL_SECONDS)
                kick(app, campaign_id)
                restarted += 1
        bonuses = award_due_bonuses(app, now)
        closed = close_idle(app, now)
        return {"started": started, "restarted": restarted, "bonuses": bonuses, "handoffs_closed": closed}
