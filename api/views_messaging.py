"""``/api/v1`` campaigns and handoffs: what the console's Campaigns pages and Handoff inbox do, as JSON.

Why: a CRM or a support tool creates, previews, sends, pauses, resumes and cancels campaigns,
reads their delivery report, and answers members who asked for a person. Every operation goes
through ``campaigns.service`` / ``campaigns.report`` / ``campaigns.sending.kick`` and
``handoff.service`` — the code behind the console and the CLI — and every write needs the write
scope and an ``Idempotency-Key``, and is audited as ``api:<client>``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin import audit
from admin.web import send_soon
from api.campaign_input import create_args, invalid, schedule_time
from api.errors import ApiError
from api.idempotency import replay_or_none, store_response
from api.serialize import page_args, page_json
from api.views import _actor, _body, _id, _idempotency_key, bp, db
from campaigns.report import campaign_report, export_csv
from campaigns.service import (
    CampaignError,
    campaign_dict,
    cancel_campaign,
    create_campaign,
    pause_campaign,
    preview_campaign,
    resume_campaign,
    send_campaign,
)
from handoff.service import HandoffError, close, inbox_query, inbox_row, invite, reply, show_handoff
from storage.base import utcnow
from storage.messaging_models import Campaign, CampaignStatus, Handoff, HandoffStatus

logger = logging.getLogger(__name__)

MAX_REPLY = 1500
"""As the console's reply box."""


def _idempotent(work: Callable[[Session], tuple[int, dict[str, Any], Callable[[], None] | None]]
                ) -> tuple[Response, int]:
    """A write: replay a stored answer, or run ``work`` (status, body, after-commit step), store, commit."""
    key = _idempotency_key()
    session = db()
    replay = replay_or_none(session, g.api_client.id, key)
    if replay is not None:
        return replay
    status, body, then = work(session)
    result = store_response(session, g.api_client.id, key, status, body)
    if then is not None and result[0].headers.get("Idempotent-Replayed") != "true":
        then()
    return result


def _optional_body() -> dict[str, Any]:
    return _body() if request.get_data() else {}


# ------------------------------------------------------------------------------------ campaigns


def _campaign(campaign_id: int) -> Campaign:
    found = db().get(Campaign, _id(campaign_id))
    if found is None:
        raise ApiError(404, "not_found", f"no campaign {campaign_id}")
    return found


def _kick(campaign_id: int) -> Callable[[], None]:
    def start() -> None:
        """Start the send jobs; if the queue is down, the campaigns tick restarts the stalled lanes."""
        from campaigns.sending import kick

        try:
            kick(current_app, campaign_id)
        except Exception as exc:  # the campaign is 'sending'; the tick picks it up within a minute
            logger.warning("Queue unavailable (%s); campaign %s left to the tick", exc.__class__.__name__,
                           campaign_id)

    return start


@bp.get("/campaigns")
def campaigns() -> Response:
    status = request.args.get("status")
    if status is not None and status not in {s.value for s in CampaignStatus}:
        raise ApiError(400, "bad_request", f"status is one of {', '.join(s.value for s in CampaignStatus)}")
    page, per_page = page_args(request.args)
    stmt = select(Campaign).order_by(Campaign.id.desc())
    if status:
        stmt = stmt.where(Campaign.status == status)
    return jsonify(page_json(db(), stmt, page, per_page, campaign_dict))


@bp.post("/campaigns")
def campaign_create() -> tuple[Response, int]:
    """A draft campaign from audience filters and content (``create_campaign``, as the console and CLI)."""

    def work(session: Session) -> tuple[int, dict[str, Any], None]:
        args = create_args(_body())
        try:
            made = create_campaign(session, program=current_app.config["PROGRAM"],
                                   templates=current_app.config["TEMPLATES"], created_by=_actor()[:80], **args)
        except CampaignError as exc:
            raise invalid(str(exc)) from None
        body = campaign_dict(made)
        audit.record(session, actor=_actor(), actor_kind="api", action="campaign.create", target_type="campaign",
                     target_id=made.id, after={k: v for k, v in body.items() if not k.endswith("_at")},
                     ip=request.remote_addr)
        return 201, body, None

    return _idempotent(work)


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int) -> Response:
    return jsonify(campaign_dict(_campaign(campaign_id)))


@bp.get("/campaigns/<int:campaign_id>/preview")
def campaign_preview(campaign_id: int) -> Response:
    """How many members the campaign reaches now, by language, and a sample (phones masked)."""
    try:
        sample = int(request.args.get("sample", "5"))
    except ValueError:
        raise ApiError(400, "bad_request", "sample is an integer 0-100") from None
    if not 0 <= sample <= 100:
        raise ApiError(400, "bad_request", "sample is an integer 0-100")
    found = _campaign(campaign_id)
    data = preview_campaign(db(), found.id, current_app.config["PROGRAM"], sample=sample)
    return jsonify({"campaign_id": found.id, **data})


@bp.post("/campaigns/<int:campaign_id>/send")
def campaign_send(campaign_id: int) -> tuple[Response, int]:
    """Build the audience and send now, or schedule with ``{"scheduled_at": ISO time}``."""

    def work(session: Session) -> tuple[int, dict[str, Any], Callable[[], None] | None]:
        found = _campaign(campaign_id)
        now = utcnow()
        at = schedule_time(_optional_body().get("scheduled_at"), now)
        before = found.status
        try:
            sent = send_campaign(session, found.id, current_app.config["PROGRAM"], at=at, now=now)
        except CampaignError as exc:
            raise ApiError(409, "wrong_state", str(exc)) from None
        audit.record(session, actor=_actor(), actor_kind="api",
                     action="campaign.schedule" if at else "campaign.send", target_type="campaign",
                     target_id=sent.id, before={"status": before},
                     after={"status": sent.status, "audience": sent.audience_count,
                            "scheduled_at": sent.scheduled_at.isoformat() if sent.scheduled_at else None},
                     ip=request.remote_addr)
        then = _kick(sent.id) if sent.status == CampaignStatus.SENDING.value else None
        return 200, campaign_dict(sent), then

    return _idempotent(work)


def _state(campaign_id: int, name: str, operation: Callable[[Session, int], Campaign]) -> tuple[Response, int]:
    def work(session: Session) -> tuple[int, dict[str, Any], Callable[[], None] | None]:
        found = _campaign(campaign_id)
        before = found.status
        _optional_body()
        try:
            changed = operation(session, found.id)
        except CampaignError as exc:
            raise ApiError(409, "wrong_state", str(exc)) from None
        audit.record(session, actor=_actor(), actor_kind="api", action=f"campaign.{name}", target_type="campaign",
                     target_id=changed.id, before={"status": before}, after={"status": changed.status},
                     ip=request.remote_addr)
        return 200, campaign_dict(changed), _kick(changed.id) if name == "resume" else None

    return _idempotent(work)


@bp.post("/campaigns/<int:campaign_id>/pause")
def campaign_pause(campaign_id: int) -> tuple[Response, int]:
    """Stop claiming recipients; messages already handed to Twilio go on."""
    return _state(campaign_id, "pause", pause_campaign)


@bp.post("/campaigns/<int:campaign_id>/resume")
def campaign_resume(campaign_id: int) -> tuple[Response, int]:
    return _state(campaign_id, "resume", resume_campaign)


@bp.post("/campaigns/<int:campaign_id>/cancel")
def campaign_cancel(campaign_id: int) -> tuple[Response, int]:
    return _state(campaign_id, "cancel", cancel_campaign)


def _days() -> int:
    try:
        days = int(request.args.get("days", "7"))
    except ValueError:
        raise ApiError(400, "bad_request", "days is an integer 1-90") from None
    if not 1 <= days <= 90:
        raise ApiError(400, "bad_request", "days is an integer 1-90")
    return days


@bp.get("/campaigns/<int:campaign_id>/report")
def campaign_report_json(campaign_id: int) -> Response:
    """The funnel, message statuses, Twilio error codes, skip reasons, replies, actions and bonuses."""
    days = _days()
    return jsonify(campaign_report(db(), _campaign(campaign_id).id, days=days))


@bp.get("/campaigns/<int:campaign_id>/report.csv")
def campaign_report_csv(campaign_id: int) -> Response:
    """One line per recipient (names and phones: the export is audited, as the console's)."""
    days = _days()
    session = db()
    data = export_csv(session, _campaign(campaign_id).id, days=days)
    audit.record(session, actor=_actor(), actor_kind="api", action="export.csv", target_type="campaign",
                 target_id=campaign_id, note="campaign report (one line per recipient)", ip=request.remote_addr)
    session.commit()
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'})


# ------------------------------------------------------------------------------------ handoffs

_HANDOFF_STATUS = {"open": HandoffStatus.OPEN.value, "closed": HandoffStatus.CLOSED.value, "all": None}


def _handoff_error(exc: HandoffError) -> ApiError:
    if exc.code == "not_found":
        return ApiError(404, "not_found", str(exc))
    if exc.code == "empty":
        return invalid(str(exc))
    return ApiError(409, exc.code, str(exc))


@bp.get("/handoffs")
def handoffs() -> Response:
    status = request.args.get("status", "open")
    if status not in _HANDOFF_STATUS:
        raise ApiError(400, "bad_request", "status is open, closed or all")
    page, per_page = page_args(request.args)
    now = utcnow()
    return jsonify(page_json(db(), inbox_query(_HANDOFF_STATUS[status]), page, per_page,
                             lambda row: inbox_row(row, now), scalars=False))


@bp.get("/handoffs/<int:handoff_id>")
def handoff(handoff_id: int) -> Response:
    """The conversation (history both ways), the member's summary and recent claims, the window."""
    try:
        return jsonify(show_handoff(db(), _id(handoff_id)))
    except HandoffError as exc:
        raise _handoff_error(exc) from None


def _agent() -> str:
    return _actor()[:80]


@bp.post("/handoffs/<int:handoff_id>/reply")
def handoff_reply(handoff_id: int) -> tuple[Response, int]:
    """The agent's text to the member, through the outbox — only inside the member's 24-hour window."""

    def work(session: Session) -> tuple[int, dict[str, Any], Callable[[], None]]:
        message = _body().get("text")
        if not isinstance(message, str) or not message.strip():
            raise invalid("text is required")
        if len(message) > MAX_REPLY or "\x00" in message:
            raise invalid(f"text is at most {MAX_REPLY} characters")
        try:
            message.encode("utf-8")
            row = reply(session, _id(handoff_id), message, agent=_agent())
        except UnicodeEncodeError:
            raise invalid("text is not valid Unicode text") from None
        except HandoffError as exc:
            error = _handoff_error(exc)
            if exc.code == "window_closed":
                error.message += (f". POST /api/v1/handoffs/{handoff_id}/invite sends the approved "
                                  "handoff_reply template asking the member to write back")
            raise error from None
        # The text stays in the conversation (where erasure reaches it), not in the audit log or the
        # stored idempotent answer.
        audit.record(session, actor=_actor(), actor_kind="api", action="handoff.reply", target_type="handoff",
                     target_id=handoff_id, after={"outbound": row.id, "characters": len(message.strip())},
                     ip=request.remote_addr)
        contact_id = row.contact_id
        body = {"handoff_id": handoff_id, "outbound_id": row.id, "kind": "text", "template": None,
                "agent": _agent(), "characters": len(message.strip())}
        return 201, body, lambda: send_soon(contact_id)

    return _idempotent(work)


@bp.post("/handoffs/<int:handoff_id>/invite")
def handoff_invite(handoff_id: int) -> tuple[Response, int]:
    """Outside the window: the approved ``handoff_reply`` template asking the member to write back."""

    def work(session: Session) -> tuple[int, dict[str, Any], Callable[[], None]]:
        _optional_body()
        try:
            row = invite(session, _id(handoff_id), agent=_agent())
        except HandoffError as exc:
            raise _handoff_error(exc) from None
        audit.record(session, actor=_actor(), actor_kind="api", action="handoff.invite", target_type="handoff",
                     target_id=handoff_id, after={"outbound": row.id, "template": row.template},
                     ip=request.remote_addr)
        contact_id = row.contact_id
        body = {"handoff_id": handoff_id, "outbound_id": row.id, "kind": "template", "template": row.template,
                "agent": _agent(), "characters": None}
        return 201, body, lambda: send_soon(contact_id)

    return _idempotent(work)


@bp.post("/handoffs/<int:handoff_id>/close")
def handoff_close(handoff_id: int) -> tuple[Response, int]:
    """Give the conversation back to the bot; the member is told."""

    def work(session: Session) -> tuple[int, dict[str, Any], Callable[[], None]]:
        _optional_body()
        try:
            closed: Handoff = close(session, _id(handoff_id), by=_agent())
        except HandoffError as exc:
            raise _handoff_error(exc) from None
        audit.record(session, actor=_actor(), actor_kind="api", action="handoff.close", target_type="handoff",
                     target_id=handoff_id, after={"status": closed.status}, ip=request.remote_addr)
        contact_id = closed.contact_id
        body = {"id": closed.id, "status": closed.status,
                "closed_at": (closed.closed_at or utcnow()).isoformat(), "closed_by": closed.closed_by}
        return 200, body, lambda: send_soon(contact_id)

    return _idempotent(work)
