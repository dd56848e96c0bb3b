"""Conversation, membership and messaging tables.

Design overview:

* ``Contact`` is one WhatsApp number. Its row holds the dialog state (flow, state, slots) and is
  the lock that serializes that contact's messages: a worker takes it ``FOR UPDATE`` before it
  runs a turn, so any process can continue any conversation and two never run one at once.
* ``InboundMessage`` is written by the webhook before anything else can fail (unique on Twilio's
  ``MessageSid``, so a redelivery is a no-op). Its ``status`` is the transactional outbox: the
  sweeper re-enqueues every stored message that is not ``done``.
* ``Media`` holds the fetched bytes (in the database, so any machine can read them) with a
  SHA-256 and the sniffed type, before any processing.
* ``OutboundMessage`` rows are created inside the turn's transaction and sent afterwards by a job;
  Twilio's SID and status callbacks update them.
* ``Member`` is an enrolled contact with a ledger account; ``Rep`` is a field rep whose code
  attributes enrollments.

The ledger tables live in ``storage.ledger_models``; importing this module registers them too.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage import ledger_models  # noqa: F401  (registers the ledger tables on Base)
from storage.base import Base, created_at, intpk, utcnow
from storage.crypto import EncryptedString


class InboundStatus(str, Enum):
    RECEIVED = "received"
    DONE = "done"
    FAILED = "failed"


class OutboundStatus(str, Enum):
    PENDING = "pending"
    SENDING = "sending"
    QUEUED = "queued"
    ACCEPTED = "accepted"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SKIPPED = "skipped"


class MediaStatus(str, Enum):
    PENDING = "pending"
    STORED = "stored"
    REFUSED = "refused"
    FAILED = "failed"


class Role(str, Enum):
    CONTRACTOR = "contractor"
    MASON = "mason"
    ELECTRICIAN = "electrician"
    PLUMBER = "plumber"
    PAINTER = "painter"
    RETAILER = "retailer"
    DISTRIBUTOR = "distributor"


class Rep(Base):
    """A field rep who onboards members with an enrollment link."""

    __tablename__ = "reps"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[created_at]


class Member(Base):
    """An enrolled participant with a points account."""

    __tablename__ = "members"

    id: Mapped[intpk]
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    pin_code: Mapped[str] = mapped_column(String(6))
    upi_id: Mapped[str | None] = mapped_column(EncryptedString(255))  # Fernet-encrypted at rest
    lang: Mapped[str] = mapped_column(String(16))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    consent_at: Mapped[dt.datetime]
    blocked_at: Mapped[dt.datetime | None]
    block_reason: Mapped[str | None] = mapped_column(String(255))
    erased_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    gstin: Mapped[str | None] = mapped_column(String(15), index=True)  # firms that claim invoices (the buyer)
    firm_name: Mapped[str | None] = mapped_column(String(120))
    gstin_shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # another member has it

    rep: Mapped[Rep | None] = relationship()


class Contact(Base):
    """One WhatsApp number: language, opt-out and the persisted dialog state."""

    __tablename__ = "contacts"

    id: Mapped[intpk]
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    profile_name: Mapped[str | None] = mapped_column(String(120))
    lang: Mapped[str | None] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), unique=True)
    flow: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str | None] = mapped_column(String(40))
    slots: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(JSON), default=dict)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inbound_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    member: Mapped[Member | None] = relationship()


class InboundMessage(Base):
    """A message as Twilio delivered it, stored before any processing."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_contact_status", "contact_id", "status", "id"),)

    id: Mapped[intpk]
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    button_payload: Mapped[str | None] = mapped_column(String(256))
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    raw_form: Mapped[str | None] = mapped_column(Text)
    """Every (name, value) pair exactly as Twilio posted it, as JSON (NULs and all): lossless."""
    normalized: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What normalisation changed: fields cut to their column, NULs stripped, an invalid sender."""
    not_before: Mapped[dt.datetime | None]
    """Set while a media download waits for its next attempt; later messages go ahead meanwhile."""
    status: Mapped[str] = mapped_column(String(12), default=InboundStatus.RECEIVED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact | None] = relationship()
    media: Mapped[list[Media]] = relationship(order_by="Media.idx", back_populates="inbound")


class Media(Base):
    """One inbound media item: where Twilio has it, then its bytes and checksum once fetched."""

    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("inbound_id", "idx", name="uq_media_inbound_idx"),)

    id: Mapped[intpk]
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    idx: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    declared_type: Mapped[str] = mapped_column(String(120), default="")
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(12), default=MediaStatus.PENDING.value)
    error: Mapped[str | None] = mapped_column(Text)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[dt.datetime | None]
    fetched_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    inbound: Mapped[InboundMessage] = relationship(back_populates="media")


class OutboundMessage(Base):
    """A reply or notification; created in the turn's transaction, sent by a job."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_contact_status", "contact_id", "status", "id"),)

    id: Mapped[intpk]
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    to: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    msgid: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default=OutboundStatus.PENDING.value)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    bypass_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]
    send_started_at: Mapped[dt.datetime | None]
    """When the current attempt began; committed (status ``sending``) before the HTTP call."""
    sent_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime | None]
    # Content API (storage.outbox.queue_template / interactive replies, bot.content):
    template: Mapped[str | None] = mapped_column(String(64))
    variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    interactive: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_sid: Mapped[str | None] = mapped_column(String(34))
    note: Mapped[str | None] = mapped_column(String(80))
    agent: Mapped[str | None] = mapped_column(String(80))

    contact: Mapped[Contact] = relationship()


class EarlyStatus(Base):
    """A signed status callback for a SID not yet recorded on any outbound row.

    Why: Twilio may call back (``queued``, ``sent``, even ``failed``) before the sender's commit that
    records the SID its 201 carried; the callback is kept here and applied by that commit.
    """

    __tablename__ = "early_statuses"

    id: Mapped[intpk]
    twilio_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(12))
    error_code: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[created_at]


from storage import admin_models, claim_models  # noqa: E402, F401, I001  (registers the claim and admin tables)
import storage.messaging_models  # noqa: E402, F401  (templates, campaigns, handoffs)
from payouts import models as _payout_models  # noqa: E402, F401  (registers the redemption tables)
