"""Global commands, in all three languages, at any point: menu, help, language, stop/start, cancel.

Why: a member must always be able to get out of a flow, change language or opt out, whatever
state the conversation is in; opt-out is stored on the contact and honoured by every sender.
"""

from __future__ import annotations

from bot.i18n import translate
from flows import match
from flows.engine import Flow, Turn, enter, finish, flow_named, on, show_menu


def _command(name: str) -> match.Matcher:
    def matcher(turn: Turn) -> bool | None:
        if turn.media:
            return None
        return True if match.intent_of(turn.text) == name else None

    return matcher


def _opted_out(turn: Turn) -> bool | None:
    return True if turn.contact.opted_out else None


def still_opted_out(turn: Turn) -> None:
    turn.say("stop.still_stopped")
    turn.bypass_opt_out = True


def stop(turn: Turn) -> None:
    finish(turn)
    # Confirm in the language and script the member just wrote in ("बंद करो" from a new number gets Hindi).
    written = match.detect_language(turn.text)
    if turn.contact.lang is None and written:
        turn.contact.lang = written
    reply_lang = written if written in ("hi", "ur") else turn.lang
    turn.contact.opted_out = True
    turn.say_text("stop.done", translate(reply_lang, "stop.done"))
    turn.bypass_opt_out = True


def start(turn: Turn) -> None:
    was_out = turn.contact.opted_out
    turn.contact.opted_out = False
    if was_out:
        turn.say("start.done")
    _restart(turn)


def _restart(turn: Turn) -> None:
    """Back to the beginning: the menu for members, the enrollment for guests."""
    finish(turn)
    if turn.member is not None:
        show_menu(turn)
        return
    enrollment = flow_named("enrollment")
    if enrollment is not None and enrollment.start is not None:
        enter(turn, enrollment, enrollment.start)


def menu(turn: Turn) -> None:
    _restart(turn)


def cancel(turn: Turn) -> None:
    if turn.contact.flow:
        turn.say("cancel.done")
    _restart(turn)


def help_(turn: Turn) -> None:
    turn.say("help.text", program=turn.program.name_for(turn.lang), support=turn.program.support_phone)
    if turn.member is None and turn.contact.flow is None:
        _restart(turn)


def language(turn: Turn) -> None:
    flow = flow_named("language")
    assert flow is not None and flow.start is not None
    enter(turn, flow, flow.start)


FLOW = Flow(
    name="commands",
    entry=[
        on(_command("start"), start),
        on(_opted_out, still_opted_out),
        on(_command("stop"), stop),
        on(_command("menu"), menu),
        on(_command("cancel"), cancel),
        on(_command("help"), help_),
        on(_command("language"), language),
    ],
    is_global=True,
    for_guests=True,
    priority=0,
)
