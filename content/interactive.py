"""Quick-reply buttons and list pickers for in-session replies, with numbered text as the fallback.

Why: members tap instead of typing "1". A flow offers its choices with ``offer``: the numbered text
it already says stays the message body (what is sent when the interactive content cannot be, and
what older phones show), and the sender turns the offer into a ``twilio/quick-reply`` (up to 3
buttons) or ``twilio/list-picker`` (up to 10 items) content. Each option's ``id`` is the text the
member would have typed ("1", "2"…), so a tapped ``ButtonPayload`` or ``ListId`` is handled
exactly like the typed choice.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.engine import Turn

MAX_BUTTONS = 3
"""In-session quick replies without approval."""
MAX_ITEMS = 10
BUTTON_TITLE_MAX = 20
ITEM_TITLE_MAX = 24
ITEM_DESCRIPTION_MAX = 72
LIST_BUTTON_MAX = 20
BODY_MAX = 1024


NUMBERED_LINE = re.compile(r"^\s*[0-9०-९۰-۹٠-٩]{1,2}[.)]\s+.*$")


def offer(turn: Turn, replaces: str, options: list[tuple[str, str]] | None = None, *, prompt: str | None = None,
          button: str | None = None) -> None:
    """Make this turn's numbered reply ``replaces`` tappable.

    Args:
        replaces: msgid of the reply (already said) whose numbered lines the choices stand for.
        options: ``(id, title)`` pairs; ``id`` is what the member would type ("1", "2"…); default:
            the reply's own numbered lines ("1. English" -> ("1", "English")).
        prompt: the question above the choices (default: that reply without its numbered lines).
        button: the list picker's button label (default: the catalog's "Choose").

    Three short options become quick-reply buttons, up to ten a list picker; more stay text.
    """
    text = next((t for m, t in reversed(turn.replies) if m == replaces), "")
    if options is None:
        options = [_split_numbered(line) for line in text.splitlines() if NUMBERED_LINE.match(line)]
    if prompt is None:
        prompt = "\n".join(line for line in text.splitlines() if not NUMBERED_LINE.match(line)).strip()
    if not options:
        return
    buttons = len(options) <= MAX_BUTTONS and all(len(t) <= BUTTON_TITLE_MAX for _, t in options)
    turn.interactive = {
        "type": "buttons" if buttons else "list",
        "items": [{"id": i, "title": t} for i, t in options],
        "prompt": prompt,
        "replaces": replaces,
        "button": None if buttons else (button or turn.t("menu.button")),
    }


def offer_yes_no(turn: Turn, replaces: str, *, yes: str, no: str, prompt: str | None = None) -> None:
    """Two quick-reply buttons for a yes/no step: ids "1" and "2", read by ``flows.match.yes_no``
    exactly as the typed 1 / 2 (or YES / NO, हाँ / नहीं, ہاں / نہیں) are.

    Args:
        yes, no: msgids of the buttons' titles (at most 20 characters in every language).
    """
    offer(turn, replaces, [("1", turn.t(yes)), ("2", turn.t(no))], prompt=prompt)


def _split_numbered(line: str) -> tuple[str, str]:
    from flows.match import to_ascii_digits

    number, _, title = line.strip().partition(" ")
    return to_ascii_digits(number.rstrip(".)")), title.strip()


def attach(spec: dict[str, Any] | None, texts: list[tuple[str, str]]) -> dict[str, Any] | None:
    """The stored spec for a message made of ``texts``: the prompt stands in for the numbered reply."""
    if not spec or not any(msgid == spec.get("replaces") for msgid, _ in texts):
        return None
    parts = [spec["prompt"] if msgid == spec["replaces"] else text for msgid, text in texts]
    return {k: v for k, v in spec.items() if k not in ("prompt", "replaces")} | {"body": "\n\n".join(parts)}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def content_types(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The Content API ``types`` for a spec (body as variable ``{{1}}``), or None if it cannot be shown."""
    items = spec.get("items") or []
    body = spec.get("body") or ""
    if not items or not body.strip() or len(body) > BODY_MAX:
        return None
    if spec.get("type") == "buttons":
        if len(items) > MAX_BUTTONS or any(len(i["title"]) > BUTTON_TITLE_MAX for i in items):
            return None
        actions = [{"type": "QUICK_REPLY", "title": i["title"], "id": i["id"]} for i in items]
        return {"twilio/quick-reply": {"body": "{{1}}", "actions": actions}}
    if spec.get("type") == "list":
        button = spec.get("button") or ""
        if len(items) > MAX_ITEMS or not button or len(button) > LIST_BUTTON_MAX:
            return None
        rows = []
        for i in items:
            row = {"id": i["id"], "item": _short(i["title"], ITEM_TITLE_MAX)}
            if len(i["title"]) > ITEM_TITLE_MAX:
                row["description"] = _short(i["title"], ITEM_DESCRIPTION_MAX)
            rows.append(row)
        return {"twilio/list-picker": {"body": "{{1}}", "button": button, "items": rows}}
    return None
