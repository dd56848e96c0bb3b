"""Tiers by points *earned* over a rolling window (not the balance), with an earning multiplier.

A credit from a coupon or an invoice gets a separate ``tier_bonus`` transfer of
base × (multiplier − 100 %) under a key derived from the credit, so the ledger shows base and bonus
and a retried credit never doubles the bonus. The tier is recalculated at each credit and by the
nightly job; a promotion or demotion is stored (``member_tiers``) and messaged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.program import Program, Tier
from payouts.models import TierState
from storage import ledger
from storage.ledger_models import Account, Transfer
from storage.models import Member

logger = logging.getLogger(__name__)

EARNING_REASONS = ("qr_claim", "invoice_claim", "tier_bonus", "welcome_bonus")
"""Issuance reasons that count as points earned for tiers."""


def window_start(program: Program, now: dt.datetime) -> dt.datetime:
    months = program.redemption.tier_window_months
    return now - dt.timedelta(days=round(months * 365.25 / 12))


def earned_in_window(session: Session, program: Program, member: Member, now: dt.datetime) -> int:
    issuance = session.scalar(select(Account.id).where(Account.code == ledger.ISSUANCE))
    value = session.scalar(select(func.coalesce(func.sum(Transfer.points), 0)).where(
        Transfer.source_account_id == issuance, Transfer.dest_account_id == member.account_id,
        Transfer.reason.in_(EARNING_REASONS), Transfer.created_at >= window_start(program, now)))
    return int(value or 0)


def tier_of(session: Session, program: Program, member: Member, now: dt.datetime) -> Tier | None:
    return program.tier_for(earned_in_window(session, program, member, now))


def stored_tier(session: Session, member_id: int) -> str | None:
    state = session.get(TierState, member_id)
    return state.tier if state else None


@dataclass(frozen=True)
class TierChange:
    member_id: int
    old: str | None
    new: str
    promoted: bool


def recalculate(session: Session, program: Program, member: Member, now: dt.datetime) -> TierChange | None:
    """Store the member's tier; returns the change when it moved (a member starts in the entry tier)."""
    tier = tier_of(session, program, member, now)
    if tier is None:
        return None
    state = session.get(TierState, member.id)
    if state is None:
        entry = program.tier_for(0)
        state = TierState(member_id=member.id, tier=entry.name if entry else tier.name, since=now)
        session.add(state)
        session.flush()
    if state.tier == tier.name:
        return None
    ranks = {t.name: t.min_points for t in program.tiers}
    change = TierChange(member.id, state.tier, tier.name, ranks.get(tier.name, 0) > ranks.get(state.tier, -1))
    state.tier, state.since = tier.name, now
    logger.info("Member %s: tier %s -> %s", member.id, change.old, change.new)
    return change


def multiplier_for(session: Session, program: Program, member: Member, now: dt.datetime,
                   base_points: int = 0) -> Tier | None:
    """The tier whose multiplier applies to a credit: the member's tier *before* it (stored, else computed
    from the window's earnings without this credit)."""
    name = stored_tier(session, member.id)
    tier = next((t for t in program.tiers if t.name == name), None) if name else None
    return tier or program.tier_for(earned_in_window(session, program, member, now) - base_points)


def apply_bonus(session: Session, program: Program, member: Member, *, base_points: int, key: str,
                now: dt.datetime) -> int:
    """Post the tier bonus for a credit of ``base_points`` (idempotent on ``key``); returns the bonus."""
    tier = multiplier_for(session, program, member, now, base_points)
    if tier is None or tier.multiplier_percent <= 100 or base_points <= 0 or member.account_id is None:
        return 0
    bonus = base_points * (tier.multiplier_percent - 100) // 100
    if bonus <= 0:
        return 0
    ledger.transfer(session, source=ledger.ISSUANCE, dest=member.account_id, points=bonus, reason="tier_bonus",
                    idempotency_key=f"tier_bonus:{key}", reference=key, memo=f"{tier.name} x{tier.multiplier_percent}%")
    credits = session.info.setdefault("tier_bonus", [])
    credits.append((base_points, bonus, tier.name, tier.multiplier_percent))
    return bonus


def members_due(session: Session) -> list[int]:
    """Members to recalculate nightly: everyone with a stored tier or any earning (ids)."""
    return list(session.scalars(select(Member.id).where(and_(Member.account_id.is_not(None))).order_by(Member.id)))
