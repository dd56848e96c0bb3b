"""Campaign delivery report: statuses from Twilio's callbacks, errors, replies and actions, as data, CSV and SVG.

Why: an admin follows a campaign message by message (queued, sent, delivered, read, failed with
Twilio's error code) and then asks what it achieved: who replied and who claimed points in the
days after. Everything is computed from the stored rows, so the report is the same from any
process and at any time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from html import escape
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from bot.i18n import format_number
from campaigns.audience import claims_since
from campaigns.service import campaign_dict, get_campaign
from storage.messaging_models import CampaignRecipient
from storage.models import Contact, InboundMessage, Member, OutboundMessage

FOLLOW_DAYS = 7
"""Replies and actions count when they come within this many days of the member's message."""

DELIVERED = ("delivered", "read")
ACCEPTED = ("queued", "accepted", "sending", "sent", "delivered", "read", "undelivered")


def _follow_up(campaign: Any, days: int) -> tuple[Any, Any]:
    """Replied / acted after the member's message and before ``days`` after the campaign started."""
    sent = OutboundMessage.sent_at
    until = (campaign.started_at or campaign.created_at) + dt.timedelta(days=days)
    replied = exists().where(InboundMessage.contact_id == CampaignRecipient.contact_id,
                             InboundMessage.received_at > sent, InboundMessage.received_at < until)
    acted = claims_since(CampaignRecipient.member_id, sent, until)
    return and_(sent.is_not(None), replied), and_(sent.is_not(None), acted)


def _redeemed(campaign: Any, days: int) -> Any:
    """Asked for a payout or voucher after the member's message, within the follow-up days."""
    from payouts.models import Redemption

    sent = OutboundMessage.sent_at
    until = (campaign.started_at or campaign.created_at) + dt.timedelta(days=days)
    return and_(sent.is_not(None), exists().where(Redemption.member_id == CampaignRecipient.member_id,
                                                  Redemption.created_at > sent, Redemption.created_at < until))


def campaign_report(session: Session, campaign_id: int, *, days: int = FOLLOW_DAYS) -> dict[str, Any]:
    """Counts per recipient state, per message status, per error code and skip reason; the funnel."""
    campaign = get_campaign(session, campaign_id)
    base = (select(CampaignRecipient.id).where(CampaignRecipient.campaign_id == campaign_id))
    recipients = dict(session.execute(
        select(CampaignRecipient.status, func.count()).where(CampaignRecipient.campaign_id == campaign_id)
        .group_by(CampaignRecipient.status)).all())
    joined = (CampaignRecipient.__table__.join(OutboundMessage.__table__,
                                               OutboundMessage.id == CampaignRecipient.outbound_id))
    where = CampaignRecipient.campaign_id == campaign_id
    statuses = dict(session.execute(
        select(OutboundMessage.status, func.count()).select_from(joined).where(where)
        .group_by(OutboundMessage.status)).all())
    errors = {str(code): n for code, n in session.execute(
        select(OutboundMessage.error_code, func.count()).select_from(joined)
        .where(where, OutboundMessage.error_code.is_not(None)).group_by(OutboundMessage.error_code)).all()}
    skipped = {note or "-": n for note, n in session.execute(
        select(OutboundMessage.note, func.count()).select_from(joined)
        .where(where, OutboundMessage.status == "skipped").group_by(OutboundMessage.note)).all()}
    replied_expr, acted_expr = _follow_up(campaign, days)
    replied, acted, redeemed, bonus = session.execute(
        select(func.sum(case((replied_expr, 1), else_=0)), func.sum(case((acted_expr, 1), else_=0)),
               func.sum(case((_redeemed(campaign, days), 1), else_=0)),
               func.sum(case((CampaignRecipient.bonus_transfer_id.is_not(None), 1), else_=0)))
        .select_from(joined).where(where)).one()
    audience = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    accepted = sum(n for s, n in statuses.items() if s in ACCEPTED)
    delivered = sum(n for s, n in statuses.items() if s in DELIVERED)
    funnel = [
        ("audience", audience),
        ("sent", accepted),
        ("delivered", delivered),
        ("read", int(statuses.get("read", 0))),
        ("replied", int(replied or 0)),
        ("acted", int(acted or 0)),
    ]
    return {
        "campaign": campaign_dict(campaign),
        "recipients": {k: int(v) for k, v in recipients.items()},
        "statuses": {k: int(v) for k, v in statuses.items()},
        "errors": errors,
        "skipped": skipped,
        "bonus": {"members": int(bonus or 0), "points": int(bonus or 0) * campaign.bonus_points},
        "redeemed": int(redeemed or 0),
        "follow_up_days": days,
        "funnel": [{"stage": stage, "count": count} for stage, count in funnel],
    }


def export_csv(session: Session, campaign_id: int, *, days: int = FOLLOW_DAYS) -> str:
    """One line per recipient: who, message status, error, reply, action, bonus."""
    campaign = get_campaign(session, campaign_id)
    replied_expr, acted_expr = _follow_up(campaign, days)
    rows = session.execute(
        select(CampaignRecipient.member_id, Member.name, Contact.phone, CampaignRecipient.lang,
               CampaignRecipient.status, OutboundMessage.status, OutboundMessage.error_code, OutboundMessage.note,
               OutboundMessage.content_sid, OutboundMessage.twilio_sid, OutboundMessage.sent_at,
               case((replied_expr, 1), else_=0), case((acted_expr, 1), else_=0),
               CampaignRecipient.bonus_transfer_id, case((_redeemed(campaign, days), 1), else_=0))
        .join(Member, Member.id == CampaignRecipient.member_id)
        .join(Contact, Contact.id == CampaignRecipient.contact_id)
        .outerjoin(OutboundMessage, OutboundMessage.id == CampaignRecipient.outbound_id)
        .where(CampaignRecipient.campaign_id == campaign_id).order_by(CampaignRecipient.id)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member_id", "name", "phone", "lang", "recipient", "message_status", "error_code", "skip_reason",
                     "template_sid", "message_sid", "sent_at", "replied", "acted", "bonus", "redeemed"])
    for row in rows:
        values = list(row)
        values[10] = values[10].isoformat() if values[10] else ""
        values[13] = "yes" if values[13] else ""
        values[11], values[12] = ("yes" if values[11] else ""), ("yes" if values[12] else "")
        values[14] = "yes" if values[14] else ""
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue()


def funnel_svg(report: dict[str, Any], *, width: int = 640) -> str:
    """The funnel as a horizontal bar chart (SVG, no dependencies)."""
    stages = report["funnel"]
    top = max(stages[0]["count"], 1)
    bar_h, gap, label_w, pad = 28, 10, 110, 16
    height = pad * 2 + 30 + len(stages) * (bar_h + gap)
    title = escape(f"Campaign {report['campaign']['id']}: {report['campaign']['name']}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{pad}" y="{pad + 14}" font-size="15" font-weight="bold">{title}</text>',
    ]
    span = width - label_w - pad * 2 - 110
    for index, stage in enumerate(stages):
        y = pad + 30 + index * (bar_h + gap)
        count = stage["count"]
        w = max(2, round(span * count / top)) if count else 0
        share = f"{100 * count / top:.1f}%" if stages[0]["count"] else "-"
        shade = ["#1f4e79", "#2e75b6", "#4a90d9", "#6fa8dc", "#93c47d", "#38761d"][index % 6]
        parts += [
            f'<text x="{pad}" y="{y + bar_h * 0.68:.0f}">{escape(stage["stage"])}</text>',
            f'<rect x="{pad + label_w}" y="{y}" width="{w}" height="{bar_h}" rx="3" fill="{shade}"/>',
            f'<text x="{pad + label_w + w + 8}" y="{y + bar_h * 0.68:.0f}">{format_number(count)} ({share})</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)
