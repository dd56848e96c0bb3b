"""The campaigns and handoffs part of the OpenAPI 3.1 document (merged by ``api.openapi.document``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.campaign_input import ALIASES, MAX_BONUS, MAX_DAYS, MAX_POINTS, MAX_RATE, MAX_TEXT
from storage.messaging_models import CampaignStatus

_NULL_STR = {"type": ["string", "null"]}
_NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_STATUSES = [s.value for s in CampaignStatus]


def _strings(most: int, limit: int) -> dict[str, Any]:
    return {"type": ["array", "null"], "maxItems": most, "items": {"type": "string", "maxLength": limit}}


FILTERS: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "description": "Audience filters; every one that is set must hold. Opted-out and blocked members are never "
                   "included.",
    "properties": {
        "roles": {**_strings(20, 40), "description": "contractor, mason, plumber, electrician, retailer…"},
        "tier": {"type": ["string", "null"], "maxLength": 40, "description": "a tier of the programme (Silver…)"},
        "langs": {**_strings(10, 10), "description": "en, hi, ur, hi_Latn"},
        "pin_prefixes": {**_strings(50, 6), "items": {"type": "string", "pattern": "^[0-9]{1,6}$"}},
        "cities": {**_strings(50, 60), "description": "cities whose PIN prefixes are known (Lucknow…)"},
        "rep": {"type": ["string", "null"], "maxLength": 20, "description": "enrolled by this rep code"},
        "active_days": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_DAYS,
                        "description": "wrote to us in the last N days"},
        "inactive_days": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_DAYS,
                          "description": "silent for N days or more"},
        "balance_above": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_POINTS},
        "balance_below": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_POINTS},
        "claimed_sku": {"type": ["string", "null"], "maxLength": 40},
        "not_claimed_sku": {"type": ["string", "null"], "maxLength": 40},
    },
}
FILTERS["properties"].update({
    alias: {**FILTERS["properties"][key], "description": f"the same as {key} (the CLI's --{alias.replace('_', '-')})"}
    for alias, key in ALIASES.items()})

SCHEMAS: dict[str, Any] = {
    "CampaignFilters": FILTERS,
    "Campaign": {"type": "object", "required": ["id", "name", "status", "filters", "outside_window", "variables",
                                                "bonus_points", "bonus_days", "audience_count", "created_at"],
                 "properties": {
                     "id": {"type": "integer"}, "name": {"type": "string"}, "status": {"enum": _STATUSES},
                     "filters": {"type": "object"}, "template": _NULL_STR, "text": _NULL_STR,
                     "outside_window": {"enum": ["template", "skip"]},
                     "variables": {"type": "object", "additionalProperties": {"type": "string"}},
                     "bonus_points": {"type": "integer"}, "bonus_days": {"type": "integer"},
                     "rate_per_second": {"type": ["integer", "null"]}, "audience_count": {"type": "integer"},
                     "created_by": _NULL_STR, "scheduled_at": _NULL_TIME, "started_at": _NULL_TIME,
                     "finished_at": _NULL_TIME, "created_at": _NULL_TIME}},
    "CampaignPreview": {"type": "object", "required": ["campaign_id", "count", "by_lang", "sample"], "properties": {
        "campaign_id": {"type": "integer"}, "count": {"type": "integer"}, "by_lang": _COUNTS,
        "sample": {"type": "array", "items": {"type": "object", "required": ["member_id", "phone"], "properties": {
            "member_id": {"type": "integer"}, "name": _NULL_STR,
            "phone": {"type": ["string", "null"], "description": "masked"}, "role": _NULL_STR, "lang": _NULL_STR,
            "pin_code": _NULL_STR, "balance": {"type": "integer"}}}}}},
    "CampaignReport": {"type": "object", "required": ["campaign", "recipients", "statuses", "errors", "skipped",
                                                      "bonus", "redeemed", "follow_up_days", "funnel"],
                       "properties": {
                           "campaign": {"$ref": "#/components/schemas/Campaign"},
                           "recipients": {**_COUNTS, "description": "recipient rows by state (pending, queued…)"},
                           "statuses": {**_COUNTS, "description": "messages by Twilio status (sent, delivered, "
                                                                  "read, failed, undelivered…)"},
                           "errors": {**_COUNTS, "description": "failed messages by Twilio error code"},
                           "skipped": {**_COUNTS, "description": "messages not sent, by reason"},
                           "bonus": {"type": "object", "required": ["members", "points"], "properties": {
                               "members": {"type": "integer"}, "points": {"type": "integer"}}},
                           "redeemed": {"type": "integer", "description": "members who asked for a payout or "
                                                                          "voucher after the message"},
                           "follow_up_days": {"type": "integer"},
                           "funnel": {"type": "array", "items": {"type": "object", "required": ["stage", "count"],
                                                                 "properties": {
                                                                     "stage": {"enum": ["audience", "sent",
                                                                                        "delivered", "read",
                                                                                        "replied", "acted"]},
                                                                     "count": {"type": "integer"}}}}}},
    "HandoffLine": {"type": "object", "required": ["id", "status", "reason", "phone", "in_window"], "properties": {
        "id": {"type": "integer"}, "status": {"enum": ["open", "closed"]}, "reason": {"type": "string"},
        "claim": _NULL_STR, "name": _NULL_STR, "phone": {"type": "string", "description": "masked"},
        "lang": _NULL_STR, "opened_at": _NULL_TIME, "in_window": {"type": "boolean"}, "agent": _NULL_STR}},
    "Handoff": {"type": "object", "required": ["id", "status", "reason", "contact", "member", "claims", "messages"],
                "properties": {
                    "id": {"type": "integer"}, "status": {"enum": ["open", "closed"]}, "reason": {"type": "string"},
                    "claim": _NULL_STR, "note": _NULL_STR, "agent": _NULL_STR, "opened_at": _NULL_TIME,
                    "closed_at": _NULL_TIME, "closed_by": _NULL_STR,
                    "contact": {"type": "object", "required": ["phone", "window_open", "window_ends"], "properties": {
                        "phone": {"type": "string"}, "profile_name": _NULL_STR, "lang": _NULL_STR,
                        "window_open": {"type": "boolean"}, "window_ends": _NULL_TIME}},
                    "member": {"type": ["object", "null"], "properties": {
                        "member_id": {"type": "integer"}, "name": _NULL_STR, "phone": _NULL_STR, "role": _NULL_STR,
                        "pin_code": _NULL_STR, "lang": _NULL_STR, "balance": {"type": "string",
                                                                              "description": "1,23,456 grouping"},
                        "points": {"type": "integer"}, "enrolled": _NULL_TIME}},
                    "claims": {"type": "array", "items": {"type": "object", "required": ["ref", "kind", "status"],
                                                          "properties": {
                                                              "ref": {"type": "string"},
                                                              "kind": {"enum": ["coupon", "invoice"]},
                                                              "status": {"type": "string"},
                                                              "points": {"type": "integer"}, "reason": _NULL_STR,
                                                              "invoice": _NULL_STR, "at": _NULL_TIME}}},
                    "messages": {"type": "array", "items": {"type": "object", "required": ["from", "text"],
                                                            "properties": {
                                                                "at": _NULL_TIME,
                                                                "from": {"type": "string",
                                                                         "description": "member, bot or agent NAME"},
                                                                "text": {"type": ["string", "null"]},
                                                                "status": _NULL_STR}}}}},
    "HandoffMessage": {"type": "object", "required": ["handoff_id", "outbound_id", "kind", "agent"], "properties": {
        "handoff_id": {"type": "integer"}, "outbound_id": {"type": "integer"},
        "kind": {"enum": ["text", "template"]}, "template": _NULL_STR, "agent": {"type": "string"},
        "characters": {"type": ["integer", "null"]}}},
    "HandoffClosed": {"type": "object", "required": ["id", "status", "closed_at", "closed_by"], "properties": {
        "id": {"type": "integer"}, "status": {"const": "closed"}, "closed_at": {"type": "string",
                                                                                  "format": "date-time"},
        "closed_by": {"type": "string"}}},
}

_CREATE = {
    "type": "object", "required": ["name"], "additionalProperties": False,
    "description": "Content: a template (sent as the template outside the member's 24-hour window, as its text "
                   "inside it), or free text ({name}, {points}, {balance}, {rupees}, {tier} filled per member) "
                   "with what members outside their window get: the template (outside_window 'template', name it) "
                   "or nothing ('skip').",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "\\S"},
        "filters": {"$ref": "#/components/schemas/CampaignFilters"},
        "template": {"type": ["string", "null"], "maxLength": 64},
        "text": {"type": ["string", "null"], "maxLength": MAX_TEXT},
        "outside_window": {"enum": ["template", "skip"]},
        "variables": {"type": "object", "maxProperties": 20,
                      "additionalProperties": {"type": "string", "maxLength": 500},
                      "description": "campaign-wide template variables (e.g. offer); name, points, balance, "
                                     "rupees and tier are filled per member"},
        "bonus_points": {"type": "integer", "minimum": 0, "maximum": MAX_BONUS,
                         "description": "to members who claim within bonus_days of the message"},
        "bonus_days": {"type": "integer", "minimum": 1, "maximum": 365},
        "rate_per_second": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_RATE,
                            "description": "at most the sender's configured rate"},
    },
}


def paths(op: Callable[..., dict[str, Any]], json: Callable[..., dict[str, Any]], ref: Callable[[str], Any],
          page_of: Callable[[str], Any], paging: list[dict[str, Any]], idempotency: dict[str, Any]
          ) -> dict[str, Any]:
    """The campaign and handoff paths, built with ``api.openapi``'s helpers."""
    campaign_id = {"name": "campaign_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    handoff_id = {"name": "handoff_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    days = {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 90},
            "description": "replies and claims within this many days of the message count (default 7)"}
    write = {"scope": "write", "errors": ("401", "404", "409", "422")}

    def state(summary: str) -> dict[str, Any]:
        return {"post": no_body(op(summary, {"200": json(ref("Campaign"))}, params=[campaign_id, idempotency],
                                   **write))}

    def no_body(operation: dict[str, Any]) -> dict[str, Any]:
        return {**operation, "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "maxProperties": 0}}}}}

    return {
        "/campaigns": {
            "get": op("Campaigns, newest first", {"200": json(page_of("Campaign"))}, params=[
                {"name": "status", "in": "query", "schema": {"enum": _STATUSES}}, *paging]),
            "post": op("Create a draft campaign from audience filters and content (preview it, then send it)",
                       {"201": json(ref("Campaign"))}, params=[idempotency], body=_CREATE, **write)},
        "/campaigns/{campaign_id}": {"get": op("A campaign", {"200": json(ref("Campaign"))}, params=[campaign_id])},
        "/campaigns/{campaign_id}/preview": {"get": op(
            "How many members the campaign reaches now, by language, with a sample (phones masked)",
            {"200": json(ref("CampaignPreview"))}, params=[campaign_id, {
                "name": "sample", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100}}])},
        "/campaigns/{campaign_id}/send": {"post": {**op(
            "Build the audience and send now (paced RQ jobs), or schedule it with scheduled_at",
            {"200": json(ref("Campaign"))}, params=[campaign_id, idempotency], **write),
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False, "properties": {
                    "scheduled_at": {"type": ["string", "null"], "format": "date-time",
                                     "description": "ISO time with a zone, in the future (at most 366 days); "
                                                    "absent or null sends now"}}}}}}}},
        "/campaigns/{campaign_id}/pause": state("Pause a sending campaign (messages already handed to Twilio go on)"),
        "/campaigns/{campaign_id}/resume": state("Resume a paused campaign where it stopped"),
        "/campaigns/{campaign_id}/cancel": state(
            "Cancel: nobody else gets it (pending recipients cancelled, unsent messages skipped)"),
        "/campaigns/{campaign_id}/report": {"get": op(
            "Delivery report: funnel, Twilio statuses and error codes, skips, replies, claims, bonuses",
            {"200": json(ref("CampaignReport"))}, params=[campaign_id, days])},
        "/campaigns/{campaign_id}/report.csv": {"get": op(
            "The report as CSV, one line per recipient (names and phones; the export is audited)",
            {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}},
            params=[campaign_id, days])},
        "/handoffs": {"get": op("Conversations handed to a person (open ones oldest first)",
                                {"200": json(page_of("HandoffLine"))}, params=[
                                    {"name": "status", "in": "query", "schema": {"enum": ["open", "closed", "all"]}},
                                    *paging])},
        "/handoffs/{handoff_id}": {"get": op(
            "One conversation: history, the member's summary, recent claims and the 24-hour window",
            {"200": json(ref("Handoff"))}, params=[handoff_id])},
        "/handoffs/{handoff_id}/reply": {"post": op(
            "Reply to the member as text, inside their 24-hour window only (outside it: 409 window_closed; "
            "send the invite instead)", {"201": json(ref("HandoffMessage"))}, params=[handoff_id, idempotency],
            body={"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
                "text": {"type": "string", "minLength": 1, "maxLength": 1500, "pattern": "\\S"}}}, **write)},
        "/handoffs/{handoff_id}/invite": {"post": no_body(op(
            "Outside the window: send the approved handoff_reply template asking the member to write back "
            "(409 window_open inside it)", {"201": json(ref("HandoffMessage"))}, params=[handoff_id, idempotency],
            **write))},
        "/handoffs/{handoff_id}/close": {"post": no_body(op(
            "Close: the bot answers the member again and tells them so", {"200": json(ref("HandoffClosed"))},
            params=[handoff_id, idempotency], **write))},
    }
