"""Tier names in the member's language (catalog ``tier.name.<lower-case name>``, else as configured)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import MissingMessage, translate

if TYPE_CHECKING:
    from flows.engine import Turn


def tier_name_in(lang: str, name: str) -> str:
    try:
        return translate(lang, "tier.name." + name.casefold())
    except MissingMessage:
        return name


def tier_name(turn: Turn, name: str) -> str:
    return tier_name_in(turn.lang, name)
