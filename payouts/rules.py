"""Redemption rules from the program file: rewards catalog, limits, KYC, TDS (194R) and expiry.

Parsed by ``bot.program.parse_program`` (sections ``[redemption]``, ``[[rewards]]``, ``[kyc]``,
``[tds]``, ``[expiry]``); a bad value stops start-up with one line naming it, like every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REWARD_KINDS = ("upi", "voucher")
TDS_MODES = ("deduct", "grossup")


class RulesError(ValueError):
    """One line naming the bad setting (re-raised by the program loader as ProgramError)."""


@dataclass(frozen=True)
class Reward:
    code: str
    kind: str
    """``upi`` (cash to the member's UPI ID) or ``voucher`` (a code from stock)."""
    name: str = ""
    """Shown to members for vouchers (a brand, e.g. 'IndianOil fuel'); UPI uses the catalog's words."""
    denominations_rupees: tuple[int, ...] = ()
    min_rupees: int = 0
    max_rupees: int = 0
    paise_per_point: int = 0
    """Points-to-rupees rate of a UPI reward (0: the program's point value)."""
    brand: str = ""
    value_rupees: int = 0
    points: int = 0
    """Point price of a voucher."""
    enabled: bool = True

    def allows_any_amount(self) -> bool:
        return self.kind == "upi" and self.max_rupees > 0


@dataclass(frozen=True)
class RedemptionRules:
    min_balance_points: int = 0
    max_points_per_redemption: int = 0
    """0 = no cap."""
    max_points_per_day: int = 0
    upi_cooling_off_hours: int = 0
    rewards: tuple[Reward, ...] = ()
    kyc_threshold_rupees: int = 0
    """KYC (PAN) is asked before a payout that takes the year's benefits past this (0: before the first)."""
    name_match_threshold: int = 80
    tds_threshold_rupees: int = 20_000
    tds_rate_percent: int = 10
    tds_no_pan_rate_percent: int = 20
    tds_mode: str = "deduct"
    expiry_months: int = 0
    """0 = points never expire."""
    reminder_days: tuple[int, ...] = (30, 7, 1)
    tier_window_months: int = 12
    extra: dict[str, Any] = field(default_factory=dict)

    def reward(self, code: str) -> Reward | None:
        return next((r for r in self.rewards if r.code == code and r.enabled), None)

    def enabled_rewards(self) -> list[Reward]:
        return [r for r in self.rewards if r.enabled]


def _int(t: dict[str, Any], key: str, where: str, default: int, minimum: int = 0) -> int:
    value = t.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise RulesError(f"{where}.{key} must be a whole number >= {minimum}, got {value!r}")
    return value


def _keys(t: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(t) - allowed)
    if unknown:
        raise RulesError(f"{where}: unknown setting(s) {', '.join(unknown)}")


def _reward(t: dict[str, Any], i: int) -> Reward:
    where = f"rewards[{i}]"
    if not isinstance(t, dict):
        raise RulesError(f"{where} must be a table")
    _keys(t, {"code", "kind", "name", "denominations_rupees", "min_rupees", "max_rupees", "paise_per_point",
              "brand", "value_rupees", "points", "enabled"}, where)
    code, kind = t.get("code"), t.get("kind")
    if not isinstance(code, str) or not code.strip() or len(code) > 40:
        raise RulesError(f"{where}.code must be a short non-empty string")
    if kind not in REWARD_KINDS:
        raise RulesError(f"{where}.kind must be one of {', '.join(REWARD_KINDS)}")
    denoms = t.get("denominations_rupees", [])
    if not isinstance(denoms, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1
                                                for d in denoms):
        raise RulesError(f"{where}.denominations_rupees must be a list of whole rupee amounts")
    reward = Reward(
        code=code.strip(), kind=kind, name=str(t.get("name", "")),
        denominations_rupees=tuple(sorted(denoms)),
        min_rupees=_int(t, "min_rupees", where, 0), max_rupees=_int(t, "max_rupees", where, 0),
        paise_per_point=_int(t, "paise_per_point", where, 0),
        brand=str(t.get("brand", "")), value_rupees=_int(t, "value_rupees", where, 0),
        points=_int(t, "points", where, 0), enabled=bool(t.get("enabled", True)),
    )
    if kind == "upi":
        if not reward.denominations_rupees and not reward.max_rupees:
            raise RulesError(f"{where}: a UPI reward needs denominations_rupees or min_rupees/max_rupees")
        if reward.max_rupees and reward.min_rupees > reward.max_rupees:
            raise RulesError(f"{where}.min_rupees must not exceed max_rupees")
        if reward.max_rupees > 100_000 or any(d > 100_000 for d in reward.denominations_rupees):
            raise RulesError(f"{where}: UPI payouts are limited to ₹1,00,000 each")
        if (reward.min_rupees or min(reward.denominations_rupees, default=1)) < 1:
            raise RulesError(f"{where}.min_rupees must be at least 1 (RazorpayX minimum ₹1)")
    else:
        if not reward.brand or reward.value_rupees < 1 or reward.points < 1:
            raise RulesError(f"{where}: a voucher reward needs brand, value_rupees and points")
    return reward


def parse_rules(data: dict[str, Any]) -> RedemptionRules:
    """Build the rules from the decoded program file (missing sections mean defaults)."""
    red = data.get("redemption", {})
    kyc = data.get("kyc", {})
    tds = data.get("tds", {})
    exp = data.get("expiry", {})
    for name, t in (("redemption", red), ("kyc", kyc), ("tds", tds), ("expiry", exp)):
        if not isinstance(t, dict):
            raise RulesError(f"[{name}] must be a table")
    _keys(red, {"min_balance_points", "max_points_per_redemption", "max_points_per_day",
                "upi_cooling_off_hours", "tier_window_months"}, "redemption")
    _keys(kyc, {"threshold_rupees", "name_match_threshold"}, "kyc")
    _keys(tds, {"threshold_rupees", "rate_percent", "no_pan_rate_percent", "mode"}, "tds")
    _keys(exp, {"months", "reminder_days"}, "expiry")
    rewards_raw = data.get("rewards", [])
    if not isinstance(rewards_raw, list):
        raise RulesError("[[rewards]] must be an array of tables")
    rewards = tuple(_reward(t, i) for i, t in enumerate(rewards_raw))
    codes = [r.code for r in rewards]
    if len(set(codes)) != len(codes):
        raise RulesError("rewards: codes must be unique")
    mode = tds.get("mode", "deduct")
    if mode not in TDS_MODES:
        raise RulesError(f"tds.mode must be one of {', '.join(TDS_MODES)}")
    days = exp.get("reminder_days", [30, 7, 1])
    if not isinstance(days, list) or not all(isinstance(d, int) and d >= 1 for d in days):
        raise RulesError("expiry.reminder_days must be a list of whole numbers of days")
    rate = _int(tds, "rate_percent", "tds", 10)
    no_pan = _int(tds, "no_pan_rate_percent", "tds", 20)
    if rate >= 100 or no_pan >= 100:
        raise RulesError("tds rates must be below 100 percent")
    return RedemptionRules(
        min_balance_points=_int(red, "min_balance_points", "redemption", 0),
        max_points_per_redemption=_int(red, "max_points_per_redemption", "redemption", 0),
        max_points_per_day=_int(red, "max_points_per_day", "redemption", 0),
        upi_cooling_off_hours=_int(red, "upi_cooling_off_hours", "redemption", 0),
        tier_window_months=_int(red, "tier_window_months", "redemption", 12, minimum=1),
        rewards=rewards,
        kyc_threshold_rupees=_int(kyc, "threshold_rupees", "kyc", 0),
        name_match_threshold=_int(kyc, "name_match_threshold", "kyc", 80),
        tds_threshold_rupees=_int(tds, "threshold_rupees", "tds", 20_000),
        tds_rate_percent=rate,
        tds_no_pan_rate_percent=no_pan,
        tds_mode=mode,
        expiry_months=_int(exp, "months", "expiry", 0),
        reminder_days=tuple(sorted(set(days), reverse=True)),
    )


SECTIONS = {"redemption", "rewards", "kyc", "tds", "expiry"}
"""Top-level program-file sections parsed here."""
