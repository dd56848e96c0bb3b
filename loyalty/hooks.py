"""What happens after a coupon or invoice credit: the tier bonus, then the tier recalculation.

Called by ``claims`` right after it posts a credit (one line there); the turn's reply picks the
results up from ``session.info`` (``credit_lines``), so the member sees base × multiplier = credited
and any promotion in the same message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.base import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from flows.engine import Turn
    from storage.models import Member


def _program() -> object | None:
    from flask import current_app, has_app_context

    return current_app.config.get("PROGRAM") if has_app_context() else None


def on_credit(session: Session, member: Member, *, base_points: int, key: str) -> int:
    """Post the tier bonus for a credit and recalculate the tier; returns the bonus points."""
    from loyalty.tiers import apply_bonus, recalculate

    program = _program()
    if program is None or not getattr(program, "tiers", ()):
        return 0
    now = utcnow()
    bonus = apply_bonus(session, program, member, base_points=base_points, key=key, now=now)  # type: ignore[arg-type]
    change = recalculate(session, program, member, now)  # type: ignore[arg-type]
    if change is not None:
        session.info.setdefault("tier_change", []).append(change)
    return bonus


def credit_lines(turn: Turn) -> list[str]:
    """Sentences about this turn's tier bonuses and tier change (cleared once read)."""
    from bot.i18n import format_number
    from loyalty.names import tier_name

    lines = []
    bonuses = turn.session.info.pop("tier_bonus", [])
    if bonuses:
        base = sum(b[0] for b in bonuses)
        bonus = sum(b[1] for b in bonuses)
        _, _, name, percent = bonuses[-1]
        lines.append(turn.t("tier.bonus_line", tier=tier_name(turn, name), base=format_number(base),
                            multiplier=f"{percent / 100:g}", total=format_number(base + bonus)))
    for change in turn.session.info.pop("tier_change", []):
        lines.append(turn.t("tier.promoted" if change.promoted else "tier.demoted", tier=tier_name(turn, change.new)))
    return lines
