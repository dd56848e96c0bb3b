"""Main menu choices by number (any digit script), greetings, and the redemption question.

Why: the menu is how most members navigate ("1" for balance); a typed number that is not a menu
item, or a rep link opened by someone already enrolled, still gets a useful answer.
"""

from __future__ import annotations

from flows import match
from flows.engine import Flow, Turn, menu_flows, on, show_menu, start_from_menu
from flows.intents import OPEN


def _menu_number(turn: Turn) -> int | None:
    norm = match.normalize(turn.text)
    return int(norm) if norm.isdigit() and len(norm) <= 2 else None


def _typed_label(turn: Turn) -> int | None:
    """A menu line typed back in any language ("Change language", "भाषा बदलें"): its position."""
    intent = match.understood(turn).intent
    if intent is None or not intent.startswith(OPEN):
        return None
    names = [flow.name for flow in menu_flows()]
    name = intent[len(OPEN):]
    return names.index(name) + 1 if name in names else None


def pick(turn: Turn) -> None:
    if not start_from_menu(turn, turn.value):
        turn.say("menu.bad_choice", count=len(menu_flows()))
        show_menu(turn)


def already_member(turn: Turn) -> None:
    turn.say("enroll.already", name=turn.member.name if turn.member else "")
    show_menu(turn)


FLOW = Flow(
    name="menu",
    entry=[
        on(_menu_number, pick),
        on(_typed_label, pick),
        on(match.keyword("join"), already_member),
    ],
    priority=50,
)
