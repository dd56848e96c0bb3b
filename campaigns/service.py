"""Campaign operations as plain functions: create, preview, send (now or later), pause, resume, cancel.

Why: the CLI, the admin console and the JSON API do the same things; each function takes a
session and returns plain data or the campaign row, raising ``CampaignError`` with a sentence an
admin can act on. Enqueuing the send jobs happens after the caller commits (``campaigns.sending``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session

from bot.program import Program
from campaigns.audience import FilterError, Filters, audience_select, preview
from content.templates import Template
from storage.base import utcnow
from storage.messaging_models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from storage.models import OutboundMessage, OutboundStatus

MEMBER_VARIABLES = ("name", "points", "balance", "rupees", "tier")
"""Template variables filled per member; any other variable takes the campaign's value (``--var``)."""


class CampaignError(ValueError):
    """Raised when an operation does not fit the campaign (unknown, wrong state, bad content)."""


def get_campaign(session: Session, campaign_id: int, *, lock: bool = False) -> Campaign:
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock:  # the locked row's state, even if the session loaded the campaign before the lock
        query = query.with_for_update().execution_options(populate_existing=True)
    campaign = session.scalar(query)
    if campaign is None:
        raise CampaignError(f"no campaign {campaign_id}")
    return campaign


def create_campaign(
    session: Session,
    *,
    name: str,
    filters: Filters,
    program: Program,
    templates: dict[str, Template],
    template: str | None = None,
    text: str | None = None,
    outside_window: str = "template",
    variables: dict[str, str] | None = None,
    bonus_points: int = 0,
    bonus_days: int = 7,
    rate_per_second: int | None = None,
    created_by: str | None = None,
) -> Campaign:
    """A draft campaign, its content checked against the templates and its filters against the program.

    Content: ``template`` (sent as the template outside the window, as its text inside it), or
    ``text`` — free text, only inside each member's window; outside it the ``template`` (if given,
    ``outside_window="template"``) or nothing (``outside_window="skip"``).
    """
    variables = {str(k): str(v) for k, v in (variables or {}).items()}
    if not name.strip():
        raise CampaignError("a campaign needs a name")
    if not template and not (text and text.strip()):
        raise CampaignError("give a template (--template NAME) or a text (--text TEXT)")
    if outside_window not in ("template", "skip"):
        raise CampaignError("outside_window must be 'template' or 'skip'")
    if text and len(text) > 1600:
        raise CampaignError("the text is longer than WhatsApp's 1600 characters")
    if text and outside_window == "template" and not template:
        raise CampaignError("free text reaches only members inside their 24-hour window: name a template for "
                            "the others (--template NAME) or skip them (--outside-window skip)")
    if template:
        spec = templates.get(template)
        if spec is None:
            raise CampaignError(f"no template {template!r}; templates: {', '.join(sorted(templates))}")
        missing = [v for v in spec.variables if v not in MEMBER_VARIABLES and v not in variables]
        if missing:
            raise CampaignError(f"template {template} needs a value for {', '.join(missing)} (--var NAME=VALUE)")
    if bonus_points < 0 or bonus_days < 1:
        raise CampaignError("bonus points may not be negative and the bonus window is at least one day")
    if rate_per_second is not None and rate_per_second < 1:
        raise CampaignError("the rate is at least 1 message per second")
    try:
        filters.check(program)
    except FilterError as exc:
        raise CampaignError(str(exc)) from None
    campaign = Campaign(
        name=name.strip()[:120], status=CampaignStatus.DRAFT.value, filters=filters.to_dict(), template=template,
        text=text, outside_window=outside_window if text else "template", variables=variables,
        bonus_points=bonus_points, bonus_days=bonus_days, rate_per_second=rate_per_second,
        created_by=created_by, audience_count=0,
    )
    session.add(campaign)
    session.flush()
    return campaign


def preview_campaign(session: Session, campaign_id: int, program: Program, *, now: dt.datetime | None = None,
                     sample: int = 5) -> dict[str, Any]:
    """Count and sample of the campaign's audience as it would be built now."""
    campaign = get_campaign(session, campaign_id)
    return preview(session, Filters.from_dict(campaign.filters), program, now or utcnow(), sample=sample)


def build_recipients(session: Session, campaign: Campaign, program: Program, now: dt.datetime) -> int:
    """One recipient row per member in the audience (INSERT … SELECT); returns how many."""
    audience = audience_select(Filters.from_dict(campaign.filters), program, now).subquery()
    session.execute(
        insert(CampaignRecipient).from_select(
            ["campaign_id", "member_id", "contact_id", "lang", "status"],
            select(literal(campaign.id), audience.c.member_id, audience.c.contact_id, audience.c.lang,
                   literal(RecipientStatus.PENDING.value)),
        )
    )
    count = int(session.scalar(
        select(func.count()).select_from(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    ) or 0)
    campaign.audience_count = count
    return count


def send_campaign(session: Session, campaign_id: int, program: Program, *, at: dt.datetime | None = None,
                  now: dt.datetime | None = None) -> Campaign:
    """Send now (audience built, status ``sending``) or schedule for ``at`` (built when it comes).

    The caller commits, then calls ``campaigns.sending.kick`` for a campaign that is ``sending``.
    """
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id, lock=True)
    if campaign.status not in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value):
        raise CampaignError(f"campaign {campaign_id} is {campaign.status}; only a draft or scheduled one is sent")
    if at is not None and at > now:
        campaign.status, campaign.scheduled_at = CampaignStatus.SCHEDULED.value, at
        return campaign
    build_recipients(session, campaign, program, now)
    campaign.status, campaign.started_at, campaign.heartbeat_at = CampaignStatus.SENDING.value, now, now
    return campaign


def pause_campaign(session: Session, campaign_id: int) -> Campaign:
    """Stop claiming recipients; messages already handed to Twilio go on."""
    campaign = get_campaign(session, campaign_id, lock=True)
    if campaign.status != CampaignStatus.SENDING.value:
        raise CampaignError(f"campaign {campaign_id} is {campaign.status}; only a sending one can be paused")
    campaign.status = CampaignStatus.PAUSED.value
    return campaign


def resume_campaign(session: Session, campaign_id: int) -> Campaign:
    """Continue a paused campaign where it stopped (the caller then kicks the send jobs)."""
    campaign = get_campaign(session, campaign_id, lock=True)
    if campaign.status != CampaignStatus.PAUSED.value:
        raise CampaignError(f"campaign {campaign_id} is {campaign.status}; only a paused one can be resumed")
    campaign.status, campaign.heartbeat_at = CampaignStatus.SENDING.value, utcnow()
    return campaign


def cancel_campaign(session: Session, campaign_id: int) -> Campaign:
    """Nobody else gets it: pending recipients are cancelled, and claimed messages not yet sent are skipped."""
    campaign = get_campaign(session, campaign_id, lock=True)
    if campaign.status in (CampaignStatus.DONE.value, CampaignStatus.CANCELLED.value):
        raise CampaignError(f"campaign {campaign_id} is already {campaign.status}")
    campaign.status, campaign.finished_at = CampaignStatus.CANCELLED.value, utcnow()
    session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == RecipientStatus.PENDING.value)
        .values(status=RecipientStatus.CANCELLED.value)
    )
    claimed = select(CampaignRecipient.outbound_id).where(
        CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.outbound_id.is_not(None)
    )
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(claimed), OutboundMessage.status == OutboundStatus.PENDING.value)
        .values(status=OutboundStatus.SKIPPED.value, note="campaign_cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return campaign


def list_campaigns(session: Session, limit: int = 50) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit)))


def campaign_dict(campaign: Campaign) -> dict[str, Any]:
    """The campaign as JSON-ready data (CLI ``--json``, the admin API)."""
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": campaign.id, "name": campaign.name, "status": campaign.status, "filters": campaign.filters,
        "template": campaign.template, "text": campaign.text, "outside_window": campaign.outside_window,
        "variables": campaign.variables, "bonus_points": campaign.bonus_points, "bonus_days": campaign.bonus_days,
        "rate_per_second": campaign.rate_per_second, "audience_count": campaign.audience_count,
        "created_by": campaign.created_by, "scheduled_at": iso(campaign.scheduled_at),
        "started_at": iso(campaign.started_at), "finished_at": iso(campaign.finished_at),
        "created_at": iso(campaign.created_at),
    }
