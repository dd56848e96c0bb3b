"""Handoff inbox: conversations handed to a person — the list, one conversation with the member's
profile and recent claims, a reply inside WhatsApp's 24-hour window, and close (the bot resumes).

Every operation goes through ``handoff.service`` (the code behind `inaam handoff …`); messages
go out through the outbox like every bot reply.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import Response, abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from admin import audit
from admin.auth import requires
from admin.views_claims import explain
from admin.web import Column, actor, bp, db, ip, mask_phone, render, send_soon, table
from content.window import in_window, window_ends
from handoff.service import HandoffError, close, inbox_query, invite, reply, show_handoff
from storage.admin_models import AuditEntry
from storage.base import utcnow
from storage.messaging_models import Handoff, HandoffStatus

COLUMNS = [Column("id", "Handoff", "num"), Column("name", "Member"), Column("phone", "Phone"),
           Column("reason", "Reason"), Column("claim", "Claim"), Column("opened_at", "Since", "time"),
           Column("waiting", "Waiting"), Column("window", "24-hour window"), Column("agent", "Agent"),
           Column("status", "Status", "badge")]
REASONS = {"asked": "asked for a person", "dispute": "disputes a claim"}
LANGUAGE_NAMES = {"en": "English", "hi": "Hindi", "ur": "Urdu", "hi_Latn": "Roman Hindi"}
MAX_REPLY = 1500


def _agent() -> str:
    user = g.admin_user
    return (user.name or user.email)[:80]


def _waiting(since: dt.datetime | None, now: dt.datetime) -> str:
    if since is None:
        return "—"
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} days"


def _row(r: Any) -> dict[str, Any]:
    h, c, m = r
    now = utcnow()
    ends = window_ends(c)
    window = "closed"
    if in_window(c, now) and ends is not None:
        left = int((ends - now).total_seconds() // 60)
        window = f"open, {left // 60} h {left % 60} min left"
    return {"id": h.id, "name": (m.name if m else None) or c.profile_name or "—",
            "phone": c.phone if g.admin_user.role == "admin" else mask_phone(c.phone),
            "reason": REASONS.get(h.reason, h.reason), "claim": h.claim_ref or "—", "opened_at": h.opened_at,
            "waiting": _waiting(h.opened_at, now) if h.status == HandoffStatus.OPEN.value else "—",
            "window": window if h.status == HandoffStatus.OPEN.value else "—", "agent": h.agent or "—",
            "status": h.status, "_href": url_for("admin.handoff", handoff_id=h.id)}


@bp.route("/handoffs")
@requires("handoffs")
def handoffs() -> Response | str:
    status = request.args.get("status", HandoffStatus.OPEN.value)
    stmt = inbox_query(status if status in {s.value for s in HandoffStatus} else None)
    result = table(db(), stmt, _row, COLUMNS, "handoffs.csv")
    if isinstance(result, Response):
        return result
    return render("admin/handoffs.html", title="Handoff inbox", active="handoffs", page=result, columns=COLUMNS,
                  status=status)


def _parse_at(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    when = dt.datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@bp.route("/handoffs/<int:handoff_id>")
@requires("handoffs")
def handoff(handoff_id: int) -> str:
    try:
        data = show_handoff(db(), handoff_id)
    except HandoffError:
        abort(404)
    for message in data["messages"]:
        message["when"] = _parse_at(message["at"])
    for claim in data["claims"]:
        claim["when"] = _parse_at(claim["at"])
        claim["why"] = "; ".join(explain(r) for r in (claim.get("reason") or "").split(", ") if r)
    contact = data["contact"]
    contact["ends"] = _parse_at(contact["window_ends"])
    member = data["member"]
    if member and g.admin_user.role != "admin":
        member["phone"] = mask_phone(member["phone"])
    phone = contact["phone"] if g.admin_user.role == "admin" else mask_phone(contact["phone"])
    return render("admin/handoff.html", title=f"Handoff {handoff_id}", active="handoffs", h=data, phone=phone,
                  reasons=REASONS, language_names=LANGUAGE_NAMES, opened=_parse_at(data["opened_at"]),
                  closed=_parse_at(data["closed_at"]), max_reply=MAX_REPLY, nonce=uuid.uuid4().hex)


def _act(handoff_id: int, action: str, work: Any, ok: str) -> Response:
    """Run ``work(session)`` (returns the contact id to send to and the audit 'after'), audit, commit, send."""
    session = db()
    back = redirect(url_for("admin.handoff", handoff_id=handoff_id))
    try:
        contact_id, after = work(session)
    except HandoffError as exc:
        session.rollback()
        flash(f"Not sent: {exc}.", "error")
        return back
    if not after:  # the same form a second time: already done
        session.rollback()
        flash("Already sent (the form was submitted twice).", "ok")
        return back
    audit.record(session, actor=actor(), action=f"handoff.{action}", target_type="handoff", target_id=handoff_id,
                 after=after, ip=ip())
    session.commit()
    send_soon(contact_id)
    flash(ok, "ok")
    return back


@bp.route("/handoffs/<int:handoff_id>/reply", methods=["POST"])
@requires("handoffs", write=True)
def handoff_reply(handoff_id: int) -> Response:
    text = (request.form.get("text") or "").strip()
    if len(text) > MAX_REPLY:
        flash(f"Not sent: keep a reply under {MAX_REPLY:,} characters.", "error")
        return redirect(url_for("admin.handoff", handoff_id=handoff_id))

    nonce = (request.form.get("nonce") or "").strip()[:64]

    def work(session: Any) -> tuple[int, dict[str, Any]]:
        # The handoff row is locked first, so a double-clicked form (same nonce) is seen by its twin.
        handoff = session.scalar(select(Handoff).where(Handoff.id == handoff_id).with_for_update())
        if nonce and handoff is not None and _already_sent(session, handoff_id, nonce):
            return handoff.contact_id, {}
        row = reply(session, handoff_id, text, agent=_agent())
        # The text itself stays in the conversation (where erasure reaches it), not in the audit log.
        return row.contact_id, {"outbound": row.id, "characters": len(text), "nonce": nonce or None}

    return _act(handoff_id, "reply", work, "Reply sent to the member.")


def _already_sent(session: Any, handoff_id: int, nonce: str) -> bool:
    """True when this reply form was already sent (its nonce is in an audited reply)."""
    rows = session.scalars(select(AuditEntry.after).where(
        AuditEntry.action == "handoff.reply", AuditEntry.target_type == "handoff",
        AuditEntry.target_id == str(handoff_id)).order_by(AuditEntry.id.desc()).limit(50)).all()
    return any((after or {}).get("nonce") == nonce for after in rows)


@bp.route("/handoffs/<int:handoff_id>/invite", methods=["POST"])
@requires("handoffs", write=True)
def handoff_invite(handoff_id: int) -> Response:
    def work(session: Any) -> tuple[int, dict[str, Any]]:
        row = invite(session, handoff_id, agent=_agent())
        return row.contact_id, {"outbound": row.id, "template": row.template}

    return _act(handoff_id, "invite", work,
                "The approved template asking the member to write back is on its way. When they answer, "
                "the window opens and you can reply here.")


@bp.route("/handoffs/<int:handoff_id>/close", methods=["POST"])
@requires("handoffs", write=True)
def handoff_close(handoff_id: int) -> Response:
    def work(session: Any) -> tuple[int, dict[str, Any]]:
        closed = close(session, handoff_id, by=_agent())
        return closed.contact_id, {"status": closed.status}

    return _act(handoff_id, "close", work, "Closed: the bot answers the member again and has told them so.")
