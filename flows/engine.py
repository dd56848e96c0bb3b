"""The dialog engine: an explicit state machine per contact, persisted in the contact row.

Flows are declared like python-telegram-bot's ConversationHandler (entry points, states mapped
to handlers, fallbacks), but the state lives in the ``contacts`` row that the worker holds
locked for the turn, so any process can continue any conversation and the turn's state change,
ledger postings and replies commit together.

A handler returns the next state, ``None`` to stay, or ``END``; an unknown state raises.
Flows are discovered from the ``flows`` package (any module with a ``FLOW``): adding a flow
touches no engine code.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.i18n import DEFAULT_LANGUAGE, translate
from flows import match
from storage.base import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.program import Program
    from storage.models import Contact, InboundMessage, Media, Member

logger = logging.getLogger(__name__)

END = "__end__"
"""Returned by a handler to finish its flow."""

Callback = Callable[["Turn"], "str | None"]


class FlowError(Exception):
    """Raised when a flow is declared wrongly or a handler returns an unknown state."""


@dataclass(frozen=True)
class Handler:
    matcher: match.Matcher
    callback: Callback
    invalid: str | None = None


def on(matcher: match.Matcher, callback: Callback, *, invalid: str | None = None) -> Handler:
    """Bind a matcher to a callback; ``invalid`` is the msgid said when nothing in the state matches."""
    return Handler(matcher, callback, invalid)


@dataclass(frozen=True)
class Flow:
    """A declared conversation.

    Args:
        name: stored in the contact row while the flow is active.
        entry: handlers tried when no flow is active (members only, unless ``for_guests``).
        states: state name -> handlers tried in order while in that state.
        fallbacks: tried in any state of this flow when no state handler matched.
        menu_label: msgid of its main-menu line; ``start`` runs when the member picks it.
        menu_order: position in the menu.
        is_global: entry handlers are tried first at any point (e.g. photos, commands).
        for_guests: entry handlers also apply before enrollment.
        priority: order among entry handlers (lower first).
    """

    name: str
    entry: list[Handler]
    states: dict[str, list[Handler]] = field(default_factory=dict)
    fallbacks: list[Handler] = field(default_factory=list)
    menu_label: str | None = None
    menu_order: int = 100
    start: Callback | None = None
    is_global: bool = False
    for_guests: bool = False
    priority: int = 100


@dataclass
class Context:
    """What a turn may need beyond the message: rules, settings and services."""

    program: Program
    settings: dict[str, Any]
    now: dt.datetime = field(default_factory=utcnow)


@dataclass
class Turn:
    """One inbound message being handled: the handlers' whole world."""

    session: Session
    contact: Contact
    inbound: InboundMessage | None
    text: str
    media: list[Media]
    ctx: Context
    is_first_message: bool = False
    bypass_opt_out: bool = False
    value: Any = None
    understanding: Any = None
    """What the text asks for (``flows.intents.Understanding``), computed once by ``match.understood``."""
    replies: list[tuple[str, str]] = field(default_factory=list)
    interactive: dict[str, Any] | None = None
    """Tappable choices for the reply (``content.interactive.offer``)."""

    @property
    def lang(self) -> str:
        return self.contact.lang or DEFAULT_LANGUAGE

    @property
    def member(self) -> Member | None:
        return self.contact.member

    @property
    def slots(self) -> dict[str, Any]:
        return self.contact.slots

    @property
    def program(self) -> Program:
        return self.ctx.program

    def t(self, msgid: str, **params: object) -> str:
        """The sentence for ``msgid`` in the member's language."""
        return translate(self.lang, msgid, **params)

    def say(self, msgid: str, **params: object) -> None:
        """Queue a reply sentence (sent after the turn commits)."""
        self.replies.append((msgid, self.t(msgid, **params)))

    def say_text(self, msgid: str, text: str) -> None:
        """Queue an already composed reply (built from catalog sentences)."""
        self.replies.append((msgid, text))


@cache
def registered_flows() -> tuple[Flow, ...]:
    """Every ``FLOW`` (or list ``FLOWS``) found in the modules of the ``flows`` package."""
    import flows as package

    found: list[Flow] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"flows.{info.name}")
        declared = [getattr(module, "FLOW", None), *getattr(module, "FLOWS", [])]
        found.extend(flow for flow in declared if isinstance(flow, Flow))
    names = [f.name for f in found]
    if len(set(names)) != len(names):
        raise FlowError(f"duplicate flow names: {names}")
    return tuple(sorted(found, key=lambda f: (f.priority, f.name)))


def flow_named(name: str) -> Flow | None:
    return next((f for f in registered_flows() if f.name == name), None)


def menu_flows() -> list[Flow]:
    return sorted((f for f in registered_flows() if f.menu_label and f.start), key=lambda f: f.menu_order)


def enter(turn: Turn, flow: Flow, callback: Callback) -> None:
    """Run ``callback`` as the start of ``flow`` and store where it leaves the contact."""
    turn.contact.flow, turn.contact.state = flow.name, None
    turn.contact.slots = {}
    _apply(turn, flow, callback(turn))


def _apply(turn: Turn, flow: Flow, next_state: str | None) -> None:
    contact = turn.contact
    if contact.flow != flow.name:
        # The callback moved the contact into another flow (e.g. via enter()); leave it there.
        return
    if next_state is None:
        if contact.state is None:
            finish(turn)
        return
    if next_state == END:
        finish(turn)
        return
    if next_state not in flow.states:
        raise FlowError(f"flow {flow.name!r} returned unknown state {next_state!r}")
    contact.state = next_state


def resume(turn: Turn, callback: Callback) -> None:
    """Continue the contact's active flow without a message: a job's result arrived (a UPI check).

    ``callback`` runs like a state handler and returns the next state, ``None`` or ``END``.
    """
    flow = flow_named(turn.contact.flow or "")
    if flow is None:
        raise FlowError(f"contact {turn.contact.id} has no active flow to resume")
    turn.contact.slots = dict(turn.contact.slots or {})  # a fresh dict so JSON changes are persisted
    _apply(turn, flow, callback(turn))


def finish(turn: Turn) -> None:
    """Leave the current flow (state and slots cleared)."""
    turn.contact.flow = turn.contact.state = None
    turn.contact.slots = {}


def _try(turn: Turn, handlers: list[Handler]) -> Handler | None:
    for handler in handlers:
        value = handler.matcher(turn)
        if value is not None:
            turn.value = value
            return handler
    return None


def _run_entry(turn: Turn, flows: list[Flow]) -> bool:
    for flow in flows:
        handler = _try(turn, flow.entry)
        if handler is not None:
            if flow.states:
                enter(turn, flow, handler.callback)
            else:
                handler.callback(turn)
            return True
    return False


def handle(turn: Turn) -> None:
    """Run one turn: globals, then the active flow's state, then entries, then the fallback."""
    contact, flows = turn.contact, registered_flows()
    _expire_if_idle(turn)
    contact.slots = dict(contact.slots or {})  # a fresh dict so JSON changes are persisted

    if _run_entry(turn, [f for f in flows if f.is_global and (contact.member or f.for_guests)]):
        return

    active = flow_named(contact.flow) if contact.flow else None
    if active is not None and contact.state is not None:
        handlers = active.states.get(contact.state, [])
        handler = _try(turn, handlers) or _try(turn, active.fallbacks)
        if handler is not None:
            _apply(turn, active, handler.callback(turn))
            return
        invalid = next((h.invalid for h in handlers if h.invalid), None)
        if invalid:
            turn.say(invalid)
            return
    elif active is None and contact.flow:
        logger.warning("Contact %s: unknown stored flow %r reset", contact.id, contact.flow)
        finish(turn)

    _run_entries(turn)


def _run_entries(turn: Turn) -> None:
    contact = turn.contact
    entries = [f for f in registered_flows() if not f.is_global and (contact.member or f.for_guests)]
    if _run_entry(turn, entries):
        return
    turn.say("common.not_understood")
    show_menu(turn)


def redispatch(turn: Turn, understanding: Any) -> None:
    """Handle the turn again as if its text had said ``understanding`` (a clarification was answered)."""
    finish(turn)
    turn.understanding = understanding
    contact = turn.contact
    flows = registered_flows()
    if _run_entry(turn, [f for f in flows if f.is_global and (contact.member or f.for_guests)]):
        return
    _run_entries(turn)


def _expire_if_idle(turn: Turn) -> None:
    contact = turn.contact
    last = contact.last_inbound_at
    timeout = dt.timedelta(minutes=turn.program.inactivity_timeout_minutes)
    if contact.flow and last is not None and turn.ctx.now - last > timeout:
        logger.info("Contact %s: flow %s timed out", contact.id, contact.flow)
        finish(turn)
        if contact.member is not None:
            turn.say("common.timed_out")


def show_menu(turn: Turn) -> None:
    """The numbered main menu (members) or the enrollment hint (guests)."""
    if turn.member is None:
        return
    lines = [turn.t("menu.title")]
    for i, flow in enumerate(menu_flows(), start=1):
        lines.append(f"{i}. {turn.t(flow.menu_label or '')}")
    lines.append(turn.t("menu.footer"))
    turn.say_text("menu", "\n".join(lines))
    from content.interactive import offer

    offer(turn, "menu", prompt=f"{turn.t('menu.prompt')}\n{turn.t('menu.footer')}")


def start_from_menu(turn: Turn, position: int) -> bool:
    """Start the flow at menu ``position`` (1-based); False when out of range."""
    items = menu_flows()
    if not 1 <= position <= len(items):
        return False
    flow = items[position - 1]
    assert flow.start is not None
    if flow.states:
        enter(turn, flow, flow.start)
    else:
        flow.start(turn)
    return True
