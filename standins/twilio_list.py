"""Twilio's Message list (``GET /2010-04-01/Accounts/{AccountSid}/Messages.json``) as the stand-in serves it.

Pure functions, following the OpenAPI in ``shared/reference/twilio-oai/twilio_api_v2010.json``:
filters ``To``, ``From``, ``DateSent``, ``DateSent<`` and ``DateSent>`` (GMT dates ``YYYY-MM-DD``
or date-times in the formats the spec's examples show); newest first; paging with ``PageSize``
(default 50, at most 1000), ``Page`` and ``PageToken`` and the ``ListMessageResponse`` envelope
(``messages``, ``page``, ``page_size``, ``start``, ``end``, ``uri``, ``first_page_uri``,
``next_page_uri``, ``previous_page_uri``). A message not sent yet has no ``date_sent`` and so
matches no ``DateSent`` filter, as on Twilio.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
)


class ListError(ValueError):
    """A query parameter Twilio would refuse (400, code 20001)."""


def parse_when(value: str) -> dt.date | dt.datetime:
    """A ``DateSent`` filter value: a date for ``YYYY-MM-DD``, else an aware UTC datetime.

    Raises:
        ListError: the value is in none of the accepted formats.
    """
    text = value.strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _parse_datetime(text)
    except ValueError:
        raise ListError(f"Invalid date: {value!r}") from None


def _parse_datetime(text: str) -> dt.datetime:
    if "," in text:
        return parsedate_to_datetime(text).astimezone(dt.UTC)
    parts = text.rsplit(" ", 1)
    if len(parts) == 2 and parts[1].isalpha() and "/" in parts[0]:
        text = parts[0]  # "06/11/2019 22:05:25 MST": the zone name is dropped, as a GMT reading
    for fmt in _DATETIME_FORMATS:
        try:
            moment = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    raise ValueError(text)


def _matches_date(sent: dt.datetime, op: str, when: dt.date | dt.datetime) -> bool:
    if isinstance(when, dt.datetime):
        left: Any = sent
    else:
        left = sent.date()
    if op == "=":
        return (sent.date() == when.date()) if isinstance(when, dt.datetime) else left == when
    return left >= when if op == ">" else left <= when


def _bare(address: str | None) -> str:
    return (address or "").removeprefix("whatsapp:").strip()


def select(resources: list[dict[str, Any]], args: Mapping[str, str]) -> list[dict[str, Any]]:
    """The resources matching the query's filters, newest first (``resources`` is oldest first).

    ``To``/``From`` match the exact address, or its bare number when the filter has no channel prefix.
    """
    to, sender = args.get("To"), args.get("From")
    dates = [(op, parse_when(args[key])) for key, op in (("DateSent", "="), ("DateSent<", "<"), ("DateSent>", ">"))
             if args.get(key)]
    found = []
    for res in reversed(resources):
        if to and not _same_address(to, res.get("to")):
            continue
        if sender and not _same_address(sender, res.get("from")):
            continue
        if dates:
            if not res.get("date_sent"):
                continue
            sent = parsedate_to_datetime(res["date_sent"]).astimezone(dt.UTC)
            if not all(_matches_date(sent, op, when) for op, when in dates):
                continue
        found.append(res)
    return found


def _same_address(wanted: str, actual: str | None) -> bool:
    if wanted.startswith("whatsapp:"):
        return wanted == (actual or "")
    return _bare(wanted) == _bare(actual)


def page(path: str, matches: list[dict[str, Any]], args: Mapping[str, str]) -> dict[str, Any]:
    """One page of ``matches`` in Twilio's ListMessageResponse envelope.

    ``PageToken`` is ``PA`` + the SID of the previous page's last message, so a page stays stable
    while new messages arrive; ``Page`` is the page number the client reports back.

    Raises:
        ListError: PageSize or Page is not a number in range, or the PageToken is unknown.
    """
    try:
        size = int(args.get("PageSize") or DEFAULT_PAGE_SIZE)
        number = int(args.get("Page") or 0)
    except ValueError:
        raise ListError("PageSize and Page must be integers") from None
    if not 1 <= size <= MAX_PAGE_SIZE or number < 0:
        raise ListError(f"PageSize must be between 1 and {MAX_PAGE_SIZE}, Page at least 0")
    start = 0
    token = args.get("PageToken")
    if token:
        sids = [res["sid"] for res in matches]
        after = token.removeprefix("PA")
        if after not in sids:
            raise ListError("Invalid PageToken")
        start = sids.index(after) + 1
    elif number:
        start = number * size
    items = matches[start : start + size]
    filters = {key: args[key] for key in ("To", "From", "DateSent", "DateSent<", "DateSent>") if args.get(key)}

    def uri(page_number: int, page_token: str | None = None) -> str:
        query = {**filters, "PageSize": size, "Page": page_number}
        if page_token:
            query["PageToken"] = page_token
        return f"{path}?{urlencode(query)}"

    has_next = start + size < len(matches)
    return {
        "messages": items,
        "page": number,
        "page_size": size,
        "start": start,
        "end": start + max(len(items) - 1, 0),
        "uri": uri(number, token),
        "first_page_uri": uri(0),
        "next_page_uri": uri(number + 1, "PA" + items[-1]["sid"]) if has_next and items else None,
        "previous_page_uri": uri(number - 1) if number > 0 else None,
    }
