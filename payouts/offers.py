"""What a member may redeem right now: amounts, points, limits, TDS and whether KYC is needed.

The dialog (``flows.redeem``) asks; this module decides, with the program's rules, so the same
checks hold for a chat turn, a CLI or a test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.program import Program
from payouts import service, tax
from payouts.models import PayoutProfile
from payouts.rules import Reward
from storage import ledger
from storage.members import today_ist_start
from storage.models import Member


def paise_per_point(program: Program, reward: Reward) -> int:
    return reward.paise_per_point or program.point_value_paise


def points_for_rupees(program: Program, reward: Reward, rupees: int) -> int:
    """Points a cash-out of ``rupees`` costs (rounded up: the member never gets more than earned)."""
    rate = paise_per_point(program, reward)
    return -(-rupees * 100 // rate)


def max_affordable_rupees(program: Program, reward: Reward, points: int) -> int:
    return points * paise_per_point(program, reward) // 100


@dataclass(frozen=True)
class Quote:
    reward_code: str
    kind: str
    points: int
    gross_paise: int
    tds: tax.Tds
    fy: str
    prior_benefits_paise: int
    needs_kyc: bool
    has_pan: bool
    """The rate without a PAN does not apply (a PAN is stored, or will be asked before the payout)."""


def limit_problem(session: Session, program: Program, member: Member, points: int,
                  now: dt.datetime) -> tuple[str, dict[str, object]] | None:
    """(msgid, params) naming the first limit ``points`` would break, or None."""
    from bot.i18n import format_number

    rules = program.redemption
    assert member.account_id is not None
    balance = ledger.balance(session, member.account_id)
    if points > balance:
        return "redeem.too_many_points", {"points": format_number(points), "balance": format_number(balance)}
    if rules.max_points_per_redemption and points > rules.max_points_per_redemption:
        return "redeem.over_cap", {"cap": format_number(rules.max_points_per_redemption)}
    if rules.max_points_per_day:
        used = service.points_redeemed_since(session, member.id, today_ist_start(now))
        if used + points > rules.max_points_per_day:
            left = max(0, rules.max_points_per_day - used)
            return "redeem.over_daily_cap", {"cap": format_number(rules.max_points_per_day),
                                             "left": format_number(left)}
    return None


def quote(session: Session, program: Program, member: Member, reward: Reward, *, points: int, gross_paise: int,
          now: dt.datetime) -> Quote:
    rules = program.redemption
    fy = tax.financial_year(now)
    prior = tax.year_benefits(session, member.id, fy)
    profile = session.get(PayoutProfile, member.id)
    has_pan = bool(profile and profile.pan)
    kyc_done = bool(profile and profile.kyc_status == "verified")
    needs_kyc = (not kyc_done and reward.kind == "upi"
                 and prior + gross_paise > rules.kyc_threshold_rupees * 100)
    if needs_kyc:
        has_pan = True  # the PAN is asked before the payout, so the PAN rate applies
    tds = tax.assess(session, rules, member.id, fy=fy, gross_paise=gross_paise, has_pan=has_pan,
                     cash=reward.kind == "upi")
    return Quote(reward.code, reward.kind, points, gross_paise, tds, fy, prior, needs_kyc, has_pan)


def cooling_off_until(program: Program, profile: PayoutProfile | None) -> dt.datetime | None:
    """When payouts to a changed UPI ID may start (None: no cooling-off now)."""
    hours = program.redemption.upi_cooling_off_hours
    if not hours or profile is None or profile.upi_changed_at is None:
        return None
    return profile.upi_changed_at + dt.timedelta(hours=hours)
