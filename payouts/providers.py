"""The configured payout provider (``INAAM_PAYOUT_PROVIDER``: razorpayx or manual)."""

from __future__ import annotations

from typing import Any

from payouts.manual import ManualProvider
from payouts.provider import PayoutProvider
from payouts.razorpayx import RazorpayX


def provider_for(config: Any) -> PayoutProvider:
    if config.get("PAYOUT_PROVIDER") == "manual":
        return ManualProvider()
    return RazorpayX.from_config(config)
