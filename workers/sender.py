"""Send a contact's outbound rows through Twilio at most once, in order, surviving crashes.

Why: a message handed to Twilio cannot be taken back, so the row is marked ``sending`` (with
the attempt's start time) in its own commit *before* the HTTP call, and the SID is recorded in
the next commit. If the process dies or the database fails in between, the row stays
``sending``; once that attempt is older than any live call could be (``SEND_STALE_SECONDS``),
the row is reconciled first: Twilio's Message list (filtered by To, From and DateSent>) is asked
whether it already has that body since the attempt began, and only what Twilio does not have is
sent again.

The steps are separate functions so that later capabilities can change one without the others:
``claim_next`` (which row, in order), ``create_params`` (what to send: body today, templates
later), ``call_twilio`` (the one HTTP call), ``record_result`` and ``reconcile``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioRestException

from storage.base import utcnow
from storage.models import Contact, EarlyStatus, OutboundMessage, OutboundStatus
from storage.outbox import STATUS_RANK, advance_status

logger = logging.getLogger(__name__)

DEFINITELY_NOT_TAKEN = {429, 503}
"""Twilio answers that mean the message was not created (throttled, service unavailable)."""

DEFAULT_STALE_SECONDS = 20.0
"""An attempt older than this has no live HTTP call behind it (the client times out at 10 s)."""

CLOCK_SKEW = dt.timedelta(seconds=5)
"""Allowed difference between our clock and Twilio's when matching a reconciled message."""

ERASED_MSGID = "privacy.erase.done"
"""The erasure confirmation: once sent, its row keeps no phone number (``storage.privacy``)."""

SENDING = OutboundStatus.SENDING.value
PENDING = OutboundStatus.PENDING.value


class TransientSendError(Exception):
    """Twilio could not take a message now (429/503, connection refused); the job is retried."""


@dataclass(frozen=True)
class Attempt:
    """One claimed row: what to send, and the start time committed with its ``sending`` mark."""

    out_id: int
    to: str
    body: str
    started_at: dt.datetime
    args: dict[str, Any] = field(default_factory=dict)
    """What to send besides From/To: ``body``, or a template's ``content_sid`` + ``content_variables``."""
    previous_start: dt.datetime | None = None
    """Set when the row was found ``sending`` from an attempt that died: reconcile first."""
    reconcile_since: dt.datetime | None = None
    """Lower bound of the Twilio lookup: the row's creation (any earlier attempt started after it)."""
    interactive: bool = False
    """Sent as an in-session content (buttons, list): its numbered ``body`` is the fallback."""
    msgid: str | None = None


class Busy(Exception):
    """Another sender holds a live attempt for this contact; it will send the rest in order."""


def stale_after(config: Any) -> dt.timedelta:
    return dt.timedelta(seconds=float(config.get("SEND_STALE_SECONDS", DEFAULT_STALE_SECONDS)))


def claim_next(factory: sessionmaker[Session], contact_id: int, config: Any, client: Any = None) -> Attempt | None:
    """Mark the contact's oldest unsent row ``sending`` and commit; None when nothing is left.

    A row already ``sending`` from a recent attempt means another sender is at work (Busy); one
    from a stale attempt is taken over (conditional update on its old start time, so only one
    process takes it) and returned with ``previous_start`` set.

    Raises:
        Busy: the oldest unsent row belongs to a live attempt.
    """
    while True:
        now = utcnow()
        with factory.begin() as session:
            row = session.scalar(
                select(OutboundMessage)
                .where(OutboundMessage.contact_id == contact_id, OutboundMessage.status.in_([PENDING, SENDING]))
                .order_by(OutboundMessage.id)
                .limit(1)
            )
            if row is None:
                return None
            previous = (row.send_started_at or row.created_at) if row.status == SENDING else None
            if row.status == SENDING and previous is not None and now - previous < stale_after(config):
                raise Busy(f"outbound {row.id} is being sent")
            if row.status == PENDING and _opted_out(session, row):
                row.status = OutboundStatus.SKIPPED.value
                row.updated_at = now
                continue
            plan = _plan(session, row, config, client, now)
            if plan.skip:
                row.status, row.note, row.updated_at = OutboundStatus.SKIPPED.value, plan.skip, now
                continue
            claimed = session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == row.id, OutboundMessage.status == row.status,
                       _same_start(row.send_started_at))
                .values(status=SENDING, send_started_at=now, attempts=OutboundMessage.attempts + 1, updated_at=now,
                        content_sid=plan.args.get("content_sid"))
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                continue  # another process took it between our read and our update
            return Attempt(row.id, row.to, row.body, now, args=dict(plan.args), previous_start=previous,
                           reconcile_since=row.created_at if previous is not None else None,
                           interactive=bool(row.interactive) and not row.template and "content_sid" in plan.args,
                           msgid=row.msgid)


def _plan(session: Session, row: OutboundMessage, config: Any, client: Any, now: dt.datetime) -> Any:
    """Free text inside WhatsApp's 24-hour window, the approved template outside it (``content.window``)."""
    from content.window import SendPlan, plan_send

    contact = session.get(Contact, row.contact_id)
    if contact is None:
        return SendPlan(skip="no_contact")
    return plan_send(session, row, contact, config, client, now)


def _same_start(value: dt.datetime | None) -> Any:
    column = OutboundMessage.send_started_at
    return column.is_(None) if value is None else column == value


def _opted_out(session: Session, row: OutboundMessage) -> bool:
    contact = session.get(Contact, row.contact_id)
    return bool(contact is not None and contact.opted_out and not row.bypass_opt_out)


def create_params(attempt: Attempt, config: Any) -> dict[str, Any]:
    """The keyword arguments of ``client.messages.create`` for ``attempt``."""
    from bot.twilio_client import status_callback_url

    args = attempt.args or {"body": attempt.body}
    return {"from_": config["TWILIO_WHATSAPP_FROM"], "to": attempt.to, "status_callback": status_callback_url(config),
            **args}


@dataclass(frozen=True)
class Result:
    """What became of an attempt: a SID and status, a refusal code, or "try again later"."""

    sid: str | None = None
    status: str | None = None
    error_code: int | None = None
    retry: bool = False
    reason: str = ""


def call_twilio(client: Any, attempt: Attempt, config: Any) -> Result | None:
    """Create the message at Twilio. None means the outcome is unknown (the row stays ``sending``)."""
    try:
        message = client.messages.create(**create_params(attempt, config))
    except TwilioRestException as exc:
        if exc.status in DEFINITELY_NOT_TAKEN:
            return Result(retry=True, reason=f"HTTP {exc.status}")
        if exc.status >= 500:
            return None  # 500/502/504: Twilio may have created it; reconciliation decides
        return Result(status=OutboundStatus.FAILED.value, error_code=int(exc.code) if exc.code else exc.status)
    except requests.exceptions.ConnectionError as exc:
        if isinstance(exc, requests.exceptions.ConnectTimeout) or _refused(exc):
            return Result(retry=True, reason=exc.__class__.__name__)
        return None
    except requests.exceptions.Timeout:
        return None  # the request may have reached Twilio
    return Result(sid=message.sid, status=(message.status or OutboundStatus.QUEUED.value).lower())


GONE_CONTENT = {21655, 21656}
"""Twilio refused the ContentSid (deleted in the console) or its variables: nothing was sent."""


def _as_plain_text(factory: sessionmaker[Session], attempt: Attempt) -> Attempt:
    """Buttons that Twilio no longer knows: forget that content (it is made afresh next time) and
    send this message as its numbered text, as when the Content API is down."""
    from dataclasses import replace

    from content.registry import forget_session_content

    sid = str(attempt.args.get("content_sid") or "")
    with factory.begin() as session:
        forget_session_content(session, sid)
        session.execute(update(OutboundMessage).where(OutboundMessage.id == attempt.out_id)
                        .values(content_sid=None).execution_options(synchronize_session=False))
    logger.warning("Outbound %s: interactive content %s refused; sent as numbered text", attempt.out_id, sid)
    return replace(attempt, args={"body": attempt.body}, interactive=False)


def _refused(exc: Exception) -> bool:
    text = repr(exc)
    return "Connection refused" in text or "NewConnectionError" in text or "Name or service not known" in text


def record_result(factory: sessionmaker[Session], attempt: Attempt, result: Result) -> None:
    """Commit the attempt's outcome onto its row (only if the row is still this attempt's)."""
    now = utcnow()
    values: dict[str, Any] = {"updated_at": now}
    if result.retry:
        values.update(status=PENDING, send_started_at=None)
    elif result.sid:
        values.update(status=result.status, twilio_sid=result.sid, sent_at=now)
    else:
        values.update(status=result.status or OutboundStatus.FAILED.value, error_code=result.error_code)
    with factory.begin() as session:
        done = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == attempt.out_id, OutboundMessage.status == SENDING,
                   OutboundMessage.send_started_at == attempt.started_at)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done and result.sid:
            apply_early_statuses(session, attempt.out_id, result.sid)
            if attempt.msgid == ERASED_MSGID:  # DPDP erasure: the last message forgets its address
                from storage.privacy import scrub_after_send

                row = session.get(OutboundMessage, attempt.out_id)
                if row is not None:
                    scrub_after_send(row)
    if result.error_code is not None:
        logger.warning("Outbound %s: refused by Twilio, code %s", attempt.out_id, result.error_code)


def apply_early_statuses(session: Session, out_id: int, sid: str) -> int:
    """Apply status callbacks that arrived before ``sid`` was recorded on row ``out_id``; returns how many."""
    early = list(session.scalars(select(EarlyStatus).where(EarlyStatus.twilio_sid == sid).order_by(EarlyStatus.id)))
    if not early:
        return 0
    row = session.get(OutboundMessage, out_id)
    for item in sorted(early, key=lambda e: STATUS_RANK.get(e.status, 0)):
        if row is not None:
            advance_status(row, item.status, item.error_code)
        session.delete(item)
    return len(early)


def prune_early_statuses(session: Session, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Forget callbacks for SIDs never recorded (another account's messages, or a long-dead attempt)."""
    return session.execute(
        delete(EarlyStatus).where(EarlyStatus.received_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    ).rowcount


def reconcile(client: Any, attempt: Attempt, config: Any, claimed_sids: set[str]) -> Result | None:
    """Twilio's record of an earlier attempt of this row, if it has one (matched on body and time).

    Asks the Message list filtered by To, From and DateSent> (the row's creation: every earlier
    attempt, including an earlier takeover that died too, started after it); a message
    accepted but not yet sent has no date_sent, so the newest page without the date filter is
    also checked. ``claimed_sids`` are SIDs already recorded on other rows: never matched twice.
    """
    assert attempt.reconcile_since is not None
    since = attempt.reconcile_since - CLOCK_SKEW
    params = {"to": attempt.to, "from_": config["TWILIO_WHATSAPP_FROM"]}
    candidates = list(client.messages.stream(date_sent_after=since, page_size=50, limit=500, **params))
    candidates += list(client.messages.stream(page_size=50, limit=50, **params))
    fresh = [m for m in sorted(candidates, key=lambda m: m.date_created or since)
             if m.sid not in claimed_sids and not (m.date_created is not None
                                                   and m.date_created < since.replace(microsecond=0))]
    match = next((m for m in fresh if (m.body or "") == attempt.body), None)
    if match is None and attempt.args.get("content_sid"):
        # A template's body at Twilio is its rendered text, not ours: the oldest unclaimed message
        # since the row was written is taken as this one (never sending twice wins over certainty).
        match = fresh[0] if fresh else None
    if match is None:
        return None
    return Result(sid=match.sid, status=(match.status or OutboundStatus.QUEUED.value).lower())


def _recorded_sids(factory: sessionmaker[Session], contact_id: int, since: dt.datetime) -> set[str]:
    with factory() as session:
        return set(session.scalars(
            select(OutboundMessage.twilio_sid).where(
                OutboundMessage.contact_id == contact_id, OutboundMessage.twilio_sid.is_not(None),
                OutboundMessage.sent_at >= since - CLOCK_SKEW)
        ))


def send_pending(factory: sessionmaker[Session], contact_id: int, config: Any) -> int:
    """Send the contact's unsent rows in order; returns how many reached Twilio.

    Raises:
        TransientSendError: Twilio could not take a message now; the rest wait for the retry.
    """
    from content.api import content_client

    client = content_client(config)
    sent = 0
    while True:
        try:
            attempt = claim_next(factory, contact_id, config, client)
        except Busy:
            return sent
        if attempt is None:
            return sent
        result = None
        logger.debug("Outbound %s: attempt at %s (earlier attempt %s)", attempt.out_id, attempt.started_at,
                     attempt.previous_start)
        if attempt.previous_start is not None:
            assert attempt.reconcile_since is not None
            result = reconcile(client, attempt, config,
                               _recorded_sids(factory, contact_id, attempt.reconcile_since))
            if result is not None:
                logger.info("Outbound %s: Twilio already had it (%s); not sent again", attempt.out_id, result.sid)
            else:
                logger.info("Outbound %s: Twilio does not have it; sending", attempt.out_id)
        if result is None:
            result = call_twilio(client, attempt, config)
            if result is not None and result.error_code in GONE_CONTENT and attempt.interactive:
                attempt = _as_plain_text(factory, attempt)
                result = call_twilio(client, attempt, config)
        if result is None:
            logger.warning("Outbound %s: outcome unknown; reconciled with Twilio before any resend", attempt.out_id)
            return sent
        record_result(factory, attempt, result)
        if result.retry:
            raise TransientSendError(f"outbound {attempt.out_id}: {result.reason}")
        sent += 1 if result.sid else 0
