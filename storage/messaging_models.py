"""Messaging tables beyond plain replies: Content templates, campaigns and handoffs to a person.

Design overview:

* ``ContentTemplate`` is one Twilio Content resource (``HX…``) for one name and language: the
  WhatsApp templates used outside the 24-hour window (their approval state is tracked here) and
  the in-session interactive contents (quick replies, list pickers) the sender creates on demand.
* ``Campaign`` is a broadcast: audience filters, content, optional bonus and pacing. Each member
  in its audience is one ``CampaignRecipient`` row, claimed by exactly one batch job, which creates
  that member's ``OutboundMessage`` in the same transaction: a recipient is sent once or not at all.
* ``Handoff`` is a conversation handed to a person: while it is open the bot stays silent for that
  contact; an agent replies inside the window; it closes by the agent or by time-out.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk


class ApprovalStatus(str, Enum):
    UNSUBMITTED = "unsubmitted"
    RECEIVED = "received"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAUSED = "paused"
    DISABLED = "disabled"


class ContentTemplate(Base):
    """One Content API resource for (name, lang): a WhatsApp template or an in-session content."""

    __tablename__ = "content_templates"
    __table_args__ = (UniqueConstraint("name", "lang", name="uq_content_templates_name_lang"),)

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12), default="template")
    category: Mapped[str | None] = mapped_column(String(20))
    content_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    variables: Mapped[list[Any]] = mapped_column(JSON, default=list)
    types: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    approval_status: Mapped[str] = mapped_column(String(16), default=ApprovalStatus.UNSUBMITTED.value)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime | None]


class CampaignStatus(str, Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class Campaign(Base):
    """A broadcast to an audience chosen by filters."""

    __tablename__ = "campaigns"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default=CampaignStatus.DRAFT.value)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outside_window: Mapped[str] = mapped_column(String(10), default="template")
    bonus_points: Mapped[int] = mapped_column(Integer, default=0)
    bonus_days: Mapped[int] = mapped_column(Integer, default=7)
    rate_per_second: Mapped[int | None] = mapped_column(Integer)
    audience_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(80))
    scheduled_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]


class RecipientStatus(str, Enum):
    PENDING = "pending"
    QUEUED = "queued"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class CampaignRecipient(Base):
    """One member of a campaign's audience; ``outbound_id`` is set when a batch claims it."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id", name="uq_campaign_recipients_member"),
        Index("ix_campaign_recipients_status", "campaign_id", "status", "id"),
    )

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    lang: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default=RecipientStatus.PENDING.value)
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"), unique=True)
    skip_reason: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[dt.datetime | None]
    bonus_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))


class HandoffStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"


class Handoff(Base):
    """A conversation handed to a person; the bot stays silent for the contact while it is open."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_contact_status", "contact_id", "status"),)

    id: Mapped[intpk]
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(8), default=HandoffStatus.OPEN.value)
    reason: Mapped[str] = mapped_column(String(20), default="asked")
    claim_ref: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    agent: Mapped[str | None] = mapped_column(String(80))
    opened_at: Mapped[created_at]
    last_activity_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(80))
