"""The audit log: every console and API action, filterable, paged, exportable (admins only)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from sqlalchemy import select

from admin.auth import requires
from admin.web import Column, bp, db, render, table
from storage.admin_models import AuditEntry

COLUMNS = [Column("created_at", "When", "time"), Column("actor", "Who"), Column("action", "Action", "code"),
           Column("target", "On"), Column("before", "Before"), Column("after", "After"), Column("note", "Note"),
           Column("ip", "From IP")]


def _json(data: dict[str, Any] | None) -> str:
    if not data:
        return ""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def _row(r: Any) -> dict[str, Any]:
    e: AuditEntry = r[0]
    target = f"{e.target_type} {e.target_id}" if e.target_type else ""
    return {"created_at": e.created_at, "actor": e.actor, "action": e.action, "target": target,
            "before": _json(e.before), "after": _json(e.after), "note": e.note or "", "ip": e.ip or ""}


@bp.route("/audit")
@requires("audit")
def audit() -> Response | str:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    who, action, target = (request.args.get(k, "").strip() for k in ("who", "action", "target"))
    if who:
        stmt = stmt.where(AuditEntry.actor.ilike(f"%{who}%"))
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if target:
        kind, _, ident = target.partition(" ")
        stmt = stmt.where(AuditEntry.target_type == kind)
        if ident:
            stmt = stmt.where(AuditEntry.target_id == ident)
    result = table(db(), stmt, _row, COLUMNS, "audit-log.csv")
    if isinstance(result, Response):
        return result
    return render("admin/audit.html", title="Audit log", active="audit", page=result, columns=COLUMNS, who=who,
                  action=action, target=target)
