"""Member operations for the console and the API: search, manual adjustment, block, erase.

Why: the console and the JSON API do the same things to members; both call these functions,
which move points only through ledger transfers (an adjustment is a transfer with a reason,
never an edit) and leave the audit record to the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from storage import ledger
from storage.base import utcnow
from storage.ledger_models import Transfer
from storage.models import Member, Rep
from storage.privacy import erase

MAX_ADJUSTMENT = 10_000_000


class MemberActionError(ValueError):
    """The action cannot be done as asked (message shown to the admin / API client)."""


def search(q: str = "", rep: str = "", include_erased: bool = False) -> Select[Any]:
    """Members matching ``q`` (phone digits, name, PIN prefix or member id) and rep code, newest first."""
    stmt = select(Member).outerjoin(Rep, Rep.id == Member.rep_id)
    q = q.strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        terms = [Member.name.ilike(f"%{q}%")]
        if digits and len(digits) == len(q.replace("+", "").replace(" ", "")):
            terms.append(Member.phone.contains(digits))
            if len(digits) <= 6:
                terms.append(Member.pin_code.startswith(digits))
            if q.startswith("#") or len(digits) <= 7:
                terms.append(Member.id == int(digits))
        stmt = stmt.where(or_(*terms))
    if rep.strip():
        stmt = stmt.where(Rep.code == rep.strip().upper())
    if not include_erased:
        stmt = stmt.where(Member.erased_at.is_(None))
    return stmt.order_by(Member.id.desc())


def adjust(db: Session, member: Member, points: int, *, reason: str, actor: str, idempotency_key: str) -> Transfer:
    """Credit (points > 0) or debit (points < 0) a member through the ``adjustment`` account.

    Raises:
        MemberActionError: zero/oversized amount, missing reason, erased member.
        InsufficientPoints: a debit larger than the balance.
        IdempotencyConflict: the key was used for another movement.
    """
    reason = reason.strip()
    if not reason:
        raise MemberActionError("a reason is required for every adjustment")
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        raise MemberActionError(f"points must be non-zero and at most {MAX_ADJUSTMENT:,} either way")
    if member.account_id is None or member.erased_at is not None:
        raise MemberActionError("this member's account cannot be adjusted")
    source, dest = (ledger.ADJUSTMENT, member.account_id) if points > 0 else (member.account_id, ledger.ADJUSTMENT)
    return ledger.transfer(db, source=source, dest=dest, points=abs(points), reason="adjustment",
                           idempotency_key=idempotency_key[:128], reference=f"by:{actor}"[:128], memo=reason[:255])


def set_blocked(member: Member, blocked: bool, reason: str = "") -> dict[str, Any]:
    """Block (claims and redemptions refused in chat) or unblock; returns the previous state."""
    before = {"blocked": member.blocked_at is not None, "reason": member.block_reason}
    if blocked:
        if not reason.strip():
            raise MemberActionError("say why the member is blocked")
        member.blocked_at, member.block_reason = member.blocked_at or utcnow(), reason.strip()[:255]
    else:
        member.blocked_at, member.block_reason = None, None
    return before


def erase_member(db: Session, member: Member) -> dict[str, int]:
    if member.erased_at is not None:
        raise MemberActionError("this member's personal data was already erased")
    return erase(db, member)
