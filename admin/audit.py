"""The audit log: every console and API action, who/what/when/before/after/IP, append-only.

Why: the brand must be able to see who approved a claim, adjusted a balance or erased a member.
Rows are written in the same transaction as the action, so an action without its record (or
a record without its action) cannot happen; the database refuses to change them afterwards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.admin_models import AuditEntry


def record(db: Session, *, actor: str, action: str, target_type: str | None = None, target_id: Any = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, note: str | None = None,
           ip: str | None = None, actor_kind: str = "user") -> AuditEntry:
    """Append one audit row (in the caller's transaction)."""
    entry = AuditEntry(actor=actor, actor_kind=actor_kind, action=action, target_type=target_type,
                       target_id=None if target_id is None else str(target_id), before=_plain(before),
                       after=_plain(after), note=note, ip=ip)
    db.add(entry)
    db.flush()
    return entry


def _plain(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: (v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v))
            for k, v in data.items()}
