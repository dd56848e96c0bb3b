"""When a message could mean two things, or says something only faintly, ask instead of guessing.

Why: acting on a wrong guess costs more than one short question: "mujhe points ka bill chahiye" could
be the statement or an invoice claim; "dukaan band hai" is probably not an opt-out. The question
offers the two likeliest choices; a number, yes/no, or the choice's words answer it, and anything
else is handled as a new message.
"""

from __future__ import annotations

from flows import intents, match
from flows.engine import END, Flow, Turn, finish, on, redispatch

CHOOSE = "choose"
FALLBACK_LABEL = "intent.menu"


def _label(name: str) -> str:
    intent = intents.table().get(name)
    return (intent.label if intent is not None and intent.label else None) or FALLBACK_LABEL


def _ambiguous(turn: Turn) -> tuple[str, ...] | None:
    if turn.member is None or turn.media:
        return None
    choices = match.understood(turn).choices
    return choices or None


def ask(turn: Turn) -> str:
    choices = list(turn.value)
    if len(choices) == 1 or choices[1] == choices[0]:
        choices = [choices[0], "menu"]
    turn.slots["choices"] = choices[:2]
    turn.say("clarify.ask", first=turn.t(_label(choices[0])), second=turn.t(_label(choices[1])))
    return CHOOSE


def _answer(turn: Turn) -> str | None:
    """The chosen intent: 1/2, yes (the first), no (neither: the menu), or a choice's own words."""
    choices: list[str] = turn.slots.get("choices") or []
    if len(choices) != 2:
        return None
    number = match.number(2)(turn)
    if number is not None:
        return choices[number - 1]
    said = match.yes_no(turn)
    if said is not None:
        return choices[0] if said else "menu"
    understood = match.understood(turn)
    if understood.intent in choices:
        return understood.intent
    return None


def chosen(turn: Turn) -> str:
    name = turn.value
    redispatch(turn, intents.Understanding(name, 1.0))
    return END


def moved_on(turn: Turn) -> str:
    """Not an answer: the member asked something else; handle it as a new message."""
    finish(turn)
    redispatch(turn, match.understood(turn))
    return END


FLOW = Flow(
    name="clarify",
    entry=[on(_ambiguous, ask)],
    states={CHOOSE: [on(_answer, chosen), on(match.any_text, moved_on)]},
    priority=95,
)
