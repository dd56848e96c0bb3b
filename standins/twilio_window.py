"""WhatsApp's 24-hour customer-service window, as the Twilio stand-in enforces it.

Why: outside 24 hours after the member's last message, WhatsApp accepts only approved templates;
Twilio takes the request (201) and then fails a free-form message with error 63016. The stand-in
does the same, so a sender that ignores the window is caught in tests. It learns of inbound
messages the way Twilio does, by being told of them (`record_inbound`, ``POST /_standin/inbound``),
and validates ``ContentSid``/``ContentVariables`` against its Content API store.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from standins.twilio_content import ContentStore, render
from standins.twilio_wire import bare

WINDOW_SECONDS = 24 * 3600


class WindowRules:
    """Last inbound time per number plus the Content API store the messages refer to."""

    def __init__(self, account_sid: str, base_url: Callable[[], str], enforce: bool, approval_delay: float) -> None:
        self.enforce = enforce
        self.content = ContentStore(account_sid, base_url, approval_delay)
        self._lock = threading.Lock()
        self._last_inbound: dict[str, float] = {}

    def record_inbound(self, address: str, at: float | None = None) -> None:
        with self._lock:
            self._last_inbound[bare(address)] = time.time() if at is None else at

    def in_window(self, address: str) -> bool:
        with self._lock:
            last = self._last_inbound.get(bare(address))
        return last is not None and time.time() - last < WINDOW_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._last_inbound.clear()
        self.content.reset()

    def check_content(self, form: Any) -> tuple[int, str] | None:
        """(code, message) when ContentSid/ContentVariables are not acceptable, else None."""
        sid = form.get("ContentSid")
        if not sid:
            return None
        if self.content.get(sid) is None:
            return 21655, "The ContentSid is Invalid."
        raw = form.get("ContentVariables")
        if raw:
            try:
                variables = json.loads(raw)
            except ValueError:
                return 21656, "The ContentVariables Parameter is invalid."
            if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
                return 21656, "The ContentVariables Parameter is invalid."
        return None

    def refusal(self, form: Any) -> int | None:
        """63016 for a message WhatsApp would not deliver outside the window, else None."""
        if not self.enforce or self.in_window(form.get("To", "")):
            return None
        sid = form.get("ContentSid")
        if sid and self.content.approval_status(sid) == "approved":
            return None
        return 63016

    def content_types(self, form: Any) -> dict[str, Any] | None:
        """The ``types`` of the message's content (what the phone shows: buttons, list), if any."""
        sid = form.get("ContentSid")
        item = self.content.get(sid) if sid else None
        return item["types"] if item else None

    def rendered_body(self, form: Any) -> str:
        item = self.content.get(form["ContentSid"]) or {}
        try:
            variables = json.loads(form.get("ContentVariables") or "{}")
        except ValueError:
            variables = {}
        merged = {**(item.get("variables") or {}), **variables}
        return render(item.get("types") or {}, merged)
