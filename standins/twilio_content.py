"""The Content API side of the Twilio stand-in: content resources and WhatsApp approvals.

Why: templates and interactive messages are created at ``content.twilio.com/v1/Content`` and
approved per content; the bot's real twilio client calls these endpoints, so the stand-in
answers them in Twilio's wire format, validating request bodies against Twilio's own OpenAPI
description (``standins/oai/twilio_content_v1.json``). Approval is decided like WhatsApp would
on the shape of the body (a variable at the start or end, or two adjacent, is rejected), after
``approval_delay`` seconds.
"""

from __future__ import annotations

import json
import re
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator
from werkzeug.wrappers import Request, Response

from bot.twilio_signing import new_sid
from standins.twilio_wire import error_response

SPEC_FILE = Path(__file__).with_name("oai") / "twilio_content_v1.json"
CATEGORIES = {"UTILITY", "MARKETING", "AUTHENTICATION"}
NOT_APPROVABLE = {"twilio/list-picker", "twilio/location"}
"""Content types WhatsApp does not accept as templates (in-session only)."""
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def schema_errors(schema_name: str, instance: Any) -> list[str]:
    """Messages of every violation of the OpenAPI schema ``schema_name`` by ``instance``."""
    spec = _spec()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    validator = OAS30Validator(schema)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
                  for e in validator.iter_errors(instance))


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _types_without_nulls(types: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in types.items() if v is not None}


def semantic_errors(types: dict[str, Any]) -> list[str]:
    """Rules Twilio documents beyond the schema (limits of quick replies and list pickers)."""
    errors = []
    if not types:
        errors.append("types: at least one content type is required")
    quick = types.get("twilio/quick-reply")
    if quick:
        actions = quick.get("actions") or []
        if not 1 <= len(actions) <= 10:
            errors.append("twilio/quick-reply: 1 to 10 actions")
        if any(len(a.get("title", "")) > 20 for a in actions):
            errors.append("twilio/quick-reply: action titles are at most 20 characters")
        if len(quick.get("body", "")) > 1024:
            errors.append("twilio/quick-reply: body is at most 1024 characters")
    picker = types.get("twilio/list-picker")
    if picker:
        items = picker.get("items") or []
        if not 1 <= len(items) <= 10:
            errors.append("twilio/list-picker: 1 to 10 items")
        if any(len(i.get("item", "")) > 24 for i in items):
            errors.append("twilio/list-picker: items are at most 24 characters")
        if any(len(i.get("description") or "") > 72 for i in items):
            errors.append("twilio/list-picker: descriptions are at most 72 characters")
        if not (picker.get("button") or "").strip():
            errors.append("twilio/list-picker: button may not be empty")
        if len({i.get("id") for i in items}) != len(items):
            errors.append("twilio/list-picker: item ids must be unique")
    text = types.get("twilio/text")
    if text and len(text.get("body", "")) > 1600:
        errors.append("twilio/text: body is at most 1600 characters")
    return errors


def template_verdict(types: dict[str, Any], variables: dict[str, str]) -> str | None:
    """Why WhatsApp would reject this content as a template, or None if it would approve it."""
    for name, body in _bodies(types):
        stripped = body.strip()
        if re.match(r"^\{\{", stripped) or re.search(r"\}\}[.!?।۔]?$", stripped):
            return f"{name}: the body starts or ends with a variable"
        if re.search(r"\}\}\s*\{\{", stripped):
            return f"{name}: two variables are adjacent"
        missing = [v for v in PLACEHOLDER_RE.findall(body) if v not in variables]
        if missing:
            return f"{name}: no sample value for variable(s) {', '.join(missing)}"
    return None


def _bodies(types: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, value["body"]) for name, value in types.items()
            if isinstance(value, dict) and isinstance(value.get("body"), str)]


def render(types: dict[str, Any], variables: dict[str, str]) -> str:
    """The text a recipient sees for a content and its variables (the Message resource's body)."""
    for name in ("twilio/text", "twilio/quick-reply", "twilio/list-picker", "twilio/card"):
        value = types.get(name)
        if isinstance(value, dict) and isinstance(value.get("body"), str):
            return PLACEHOLDER_RE.sub(lambda m: variables.get(m.group(1), m.group(0)), value["body"])
    return ""


def choices(types: dict[str, Any] | None) -> tuple[str, list[tuple[str, str]]]:
    """What a phone shows to tap for a content: ``(kind, [(id, title)…])``, kind ``buttons``/``list``/``""``."""
    types = types or {}
    quick = types.get("twilio/quick-reply")
    if isinstance(quick, dict):
        return "buttons", [(a.get("id") or a["title"], a["title"]) for a in quick.get("actions") or []]
    picker = types.get("twilio/list-picker")
    if isinstance(picker, dict):
        return "list", [(i["id"], i.get("description") or i["item"]) for i in picker.get("items") or []]
    return "", []


def as_text(message: dict[str, Any]) -> str:
    """A message as a test reads it: the body, then each tappable choice as ``id. title``."""
    _, options = choices(message.get("content_types"))
    return "\n".join([message.get("body") or "", *(f"{i}. {t}" for i, t in options)]).strip()


class ContentStore:
    """Content resources of one stand-in account, with their WhatsApp approval requests."""

    def __init__(self, account_sid: str, base_url: Any, approval_delay: float = 0.0) -> None:
        self.account_sid = account_sid
        self.base_url = base_url
        self.approval_delay = approval_delay
        self._lock = threading.RLock()
        self._contents: dict[str, dict[str, Any]] = {}
        self._approvals: dict[str, dict[str, Any]] = {}

    # -- queries used by the Messages side -------------------------------------------------

    def get(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._contents.get(sid)
            return json.loads(json.dumps(item)) if item else None

    def approval_status(self, sid: str) -> str:
        with self._lock:
            self._settle(sid)
            approval = self._approvals.get(sid)
            return approval["status"] if approval else "unsubmitted"

    def set_approval(self, sid: str, status: str, reason: str = "") -> None:
        """Force an approval state (tests: a template paused or rejected by WhatsApp)."""
        with self._lock:
            approval = self._approvals.setdefault(
                sid, {"name": sid.lower(), "category": "UTILITY", "submitted": time.time()}
            )
            approval.update(status=status, rejection_reason=reason, final=True)

    def reset(self) -> None:
        with self._lock:
            self._contents.clear()
            self._approvals.clear()

    # -- HTTP handlers ---------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return error_response(400, 20001, "The request body must be a JSON object")
        errors = schema_errors("ContentCreateRequest", payload)
        types = _types_without_nulls(payload.get("types") or {}) if isinstance(payload.get("types"), dict) else {}
        errors += semantic_errors(types) if not errors else []
        if errors:
            return error_response(400, 20001, "Invalid content: " + "; ".join(errors[:5]))
        sid = new_sid("HX")
        now = time.time()
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "friendly_name": payload.get("friendly_name") or "",
            "language": payload["language"],
            "variables": payload.get("variables") or {},
            "types": types,
            "url": f"{self.base_url()}/v1/Content/{sid}",
            "date_created": _iso(now),
            "date_updated": _iso(now),
            "links": {
                "approval_create": f"{self.base_url()}/v1/Content/{sid}/ApprovalRequests/whatsapp",
                "approval_fetch": f"{self.base_url()}/v1/Content/{sid}/ApprovalRequests",
            },
        }
        with self._lock:
            self._contents[sid] = resource
        return Response(json.dumps(resource), status=201, mimetype="application/json")

    def fetch(self, request: Request, sid: str) -> Response:
        item = self.get(sid)
        if item is None:
            return error_response(404, 20404, f"The requested resource /v1/Content/{sid} was not found")
        return Response(json.dumps(item), mimetype="application/json")

    def delete(self, request: Request, sid: str) -> Response:
        with self._lock:
            found = self._contents.pop(sid, None)
            self._approvals.pop(sid, None)
        if found is None:
            return error_response(404, 20404, f"The requested resource /v1/Content/{sid} was not found")
        return Response(status=204)

    def list(self, request: Request) -> Response:
        try:
            size = max(1, min(int(request.args.get("PageSize", "50")), 1000))
        except ValueError:
            return error_response(400, 20001, "PageSize must be an integer")
        with self._lock:
            items = list(self._contents.values())[:size]
        url = f"{self.base_url()}/v1/Content?PageSize={size}&Page=0"
        meta = {"page": 0, "page_size": size, "first_page_url": url, "previous_page_url": None,
                "url": url, "next_page_url": None, "key": "contents"}
        return Response(json.dumps({"contents": items, "meta": meta}), mimetype="application/json")

    def request_approval(self, request: Request, sid: str) -> Response:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return error_response(400, 20001, "The request body must be a JSON object")
        errors = schema_errors("ContentApprovalRequest", payload)
        if errors:
            return error_response(400, 20001, "Invalid approval request: " + "; ".join(errors[:5]))
        item = self.get(sid)
        if item is None:
            return error_response(404, 20404, f"The requested resource /v1/Content/{sid} was not found")
        category = str(payload["category"]).upper()
        if category not in CATEGORIES or not TEMPLATE_NAME_RE.match(payload["name"]):
            return error_response(400, 20001, "name must be lowercase letters, digits and _; category one of "
                                  + ", ".join(sorted(CATEGORIES)))
        kinds = set(item["types"])
        if kinds & NOT_APPROVABLE:
            return error_response(400, 20001, f"{', '.join(sorted(kinds & NOT_APPROVABLE))} cannot be a template")
        with self._lock:
            if sid in self._approvals:
                return error_response(409, 20409, "An approval request for this content already exists")
            verdict = template_verdict(item["types"], item["variables"])
            self._approvals[sid] = {
                "name": payload["name"], "category": category, "status": "received", "rejection_reason": "",
                "submitted": time.time(), "verdict": verdict, "final": False,
            }
            body = self._approval_body(sid)
        return Response(json.dumps(body), status=201, mimetype="application/json")

    def fetch_approval(self, request: Request, sid: str) -> Response:
        item = self.get(sid)
        if item is None:
            path = f"/v1/Content/{sid}/ApprovalRequests"
            return error_response(404, 20404, f"The requested resource {path} was not found")
        with self._lock:
            self._settle(sid)
            whatsapp = self._approval_body(sid) if sid in self._approvals else {
                "type": "whatsapp", "name": "", "category": "", "content_type": next(iter(item["types"]), ""),
                "status": "unsubmitted", "rejection_reason": "", "allow_category_change": True,
            }
        whatsapp = {"type": "whatsapp", **whatsapp}
        body = {"sid": sid, "account_sid": self.account_sid, "whatsapp": whatsapp,
                "url": f"{self.base_url()}/v1/Content/{sid}/ApprovalRequests"}
        return Response(json.dumps(body), mimetype="application/json")

    # -- internals ---------------------------------------------------------------------------

    def _settle(self, sid: str) -> None:
        approval = self._approvals.get(sid)
        if approval and not approval["final"] and time.time() - approval["submitted"] >= self.approval_delay:
            verdict = approval.get("verdict")
            approval.update(status="rejected" if verdict else "approved", rejection_reason=verdict or "", final=True)

    def _approval_body(self, sid: str) -> dict[str, Any]:
        approval = self._approvals[sid]
        kinds = list(self._contents[sid]["types"])
        return {"name": approval["name"], "category": approval["category"],
                "content_type": kinds[0] if kinds else "", "status": approval["status"],
                "rejection_reason": approval["rejection_reason"], "allow_category_change": True}
