"""A campaign described as JSON (``POST /api/v1/campaigns``) checked into ``create_campaign``'s arguments.

Why: the service checks meaning (known roles, tiers, templates, the window rule); this module
checks shape first — types, lengths, number ranges, no NUL or unencodable text — so that nothing
a client sends reaches the database as a value it cannot store (a 422 with the field named, never
a 500).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.errors import ApiError
from campaigns.audience import Filters

MAX_DAYS = 36_500
MAX_POINTS = 1_000_000_000
MAX_BONUS = 1_000_000
MAX_RATE = 1_000
MAX_TEXT = 1600
MAX_SCHEDULE_DAYS = 366

_LISTS = {"roles": (20, 40), "langs": (10, 10), "pin_prefixes": (50, 6), "cities": (50, 60)}
_STRINGS = {"tier": 40, "rep": 20, "claimed_sku": 40, "not_claimed_sku": 40}
_INTS = {"active_days": MAX_DAYS, "inactive_days": MAX_DAYS, "balance_above": MAX_POINTS,
         "balance_below": MAX_POINTS}
ALIASES = {"role": "roles", "lang": "langs", "pin_prefix": "pin_prefixes", "city": "cities"}
"""The CLI's option names (``--role``, ``--lang``…) accepted for the list filters."""
FIELDS = ("name", "filters", "template", "text", "outside_window", "variables", "bonus_points", "bonus_days",
          "rate_per_second")


def invalid(message: str) -> ApiError:
    return ApiError(422, "invalid", message)


def text(value: Any, name: str, limit: int) -> str:
    """``value`` as text of at most ``limit`` characters that the database can store."""
    if not isinstance(value, str):
        raise invalid(f"{name} must be text")
    if len(value) > limit:
        raise invalid(f"{name} is at most {limit} characters")
    if "\x00" in value:
        raise invalid(f"{name} may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(f"{name} is not valid Unicode text") from None
    return value


def integer(value: Any, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(f"{name} must be a whole number")
    if not low <= value <= high:
        raise invalid(f"{name} must be between {low} and {high}")
    return value


def filters_from(data: Any) -> Filters:
    """Audience filters from JSON (the keys of ``Filters``; null or absent = not set)."""
    if data is None:
        return Filters()
    if not isinstance(data, dict):
        raise invalid("filters must be an object")
    data = dict(data)
    for alias, key in ALIASES.items():
        if alias in data:
            if data.get(key) is not None:
                raise invalid(f"give filters.{key} or filters.{alias}, not both")
            data[key] = data.pop(alias)
    unknown = sorted(set(data) - set(_LISTS) - set(_STRINGS) - set(_INTS))
    if unknown:
        raise invalid(f"unknown filter(s): {', '.join(unknown)}; filters: "
                      f"{', '.join([*_LISTS, *_STRINGS, *_INTS])}")
    values: dict[str, Any] = {}
    for key, (most, limit) in _LISTS.items():
        items = data.get(key)
        if items is None:
            continue
        if isinstance(items, str):  # one value given without the list
            items = [items]
        if not isinstance(items, list) or len(items) > most:
            raise invalid(f"filters.{key} is a list of at most {most} values")
        cleaned = [text(v, f"filters.{key}", limit).strip() for v in items]
        values[key] = [v for v in cleaned if v]
    for key, limit in _STRINGS.items():
        if data.get(key) is not None:
            values[key] = text(data[key], f"filters.{key}", limit).strip() or None
    for key, high in _INTS.items():
        if data.get(key) is not None:
            values[key] = integer(data[key], f"filters.{key}", 0, high)
    return Filters(**values)


def create_args(data: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``campaigns.service.create_campaign`` (name, filters, content, bonus, rate)."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise invalid(f"unknown field(s): {', '.join(unknown)}; fields: {', '.join(FIELDS)}")
    name = text(data.get("name"), "name", 120) if "name" in data else ""
    if not name.strip():
        raise invalid("name is required (1-120 characters)")
    template = data.get("template")
    template = (text(template, "template", 64).strip() or None) if template is not None else None
    body = data.get("text")
    body = (text(body, "text", MAX_TEXT).strip() or None) if body is not None else None
    outside = data.get("outside_window", "template")
    if outside not in ("template", "skip"):
        raise invalid("outside_window is 'template' (members outside their window get the template) or 'skip'")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict) or len(variables) > 20:
        raise invalid("variables is an object of at most 20 NAME: VALUE pairs")
    checked = {text(k, "variable name", 40): text(v, f"variables.{k}", 500) for k, v in variables.items()}
    rate = data.get("rate_per_second")
    return {
        "name": name, "filters": filters_from(data.get("filters")), "template": template, "text": body,
        "outside_window": outside, "variables": checked,
        "bonus_points": integer(data.get("bonus_points", 0), "bonus_points", 0, MAX_BONUS),
        "bonus_days": integer(data.get("bonus_days", 7), "bonus_days", 1, 365),
        "rate_per_second": None if rate is None else integer(rate, "rate_per_second", 1, MAX_RATE),
    }


def schedule_time(value: Any, now: dt.datetime) -> dt.datetime | None:
    """``scheduled_at`` (ISO 8601 with a time zone) as UTC; None sends now."""
    if value is None:
        return None
    raw = text(value, "scheduled_at", 40)
    try:
        when = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid("scheduled_at is an ISO time such as 2026-12-03T10:00:00+05:30") from None
    if when.tzinfo is None:
        raise invalid("scheduled_at needs a time zone, e.g. +05:30")
    try:
        when = when.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise invalid("scheduled_at is out of range") from None
    if when <= now:
        raise invalid("scheduled_at has passed: choose a later time, or leave it out to send now")
    if when > now + dt.timedelta(days=MAX_SCHEDULE_DAYS):
        raise invalid(f"scheduled_at is at most {MAX_SCHEDULE_DAYS} days ahead")
    return when
