"""Every label the bot shows is understood when a member types it back, in every reply language."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from bot.i18n import LANGUAGES, translate
from flows import intents
from flows.engine import menu_flows
from flows.enrollment import ROLE_WORDS, choose_role
from flows.language import choose_language
from flows.match import understand, yes_no


def _turn(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, media=[], understanding=None)


def _numbered_lines(text: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2).strip() for m in re.finditer(r"^(\d+)\.\s*(.+)$", text, re.M)}


def _same_place(label_msgid: str) -> set[str]:
    """Intents that lead where the label does: those offering this label (``open:<flow>`` or the flow's own)."""
    return {name for name, intent in intents.table().items() if intent.label == label_msgid}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_menu_labels_open_their_flow(lang: str) -> None:
    for flow in menu_flows():
        label = translate(lang, flow.menu_label or "")
        assert understand(label).intent in _same_place(flow.menu_label or "") | {f"{intents.OPEN}{flow.name}"}, (
            lang, label)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_role_labels_pick_their_role(lang: str) -> None:
    for role in ROLE_WORDS:
        label = translate(lang, f"role.{role}")
        assert choose_role(_turn(label)) == role, (lang, label)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_menu_lines_pick_their_language(lang: str) -> None:
    lines = _numbered_lines(translate(lang, "language.ask"))
    assert len(lines) == len(LANGUAGES)
    for number, label in lines.items():
        assert choose_language(_turn(label)) == LANGUAGES[number - 1], (lang, label)
        assert choose_language(_turn(f"{number}. {label}")) in (LANGUAGES[number - 1], None)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_consent_choices_are_yes_and_no(lang: str) -> None:
    lines = _numbered_lines(translate(lang, "enroll.ask_consent", program="P", terms="T"))
    assert yes_no(_turn(lines[1])) is True, lines[1]
    assert yes_no(_turn(lines[2])) is False, lines[2]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_clarification_choices_are_their_intents(lang: str) -> None:
    for name, intent in intents.table().items():
        if intent.label is None:
            continue
        label = translate(lang, intent.label)
        got = understand(label).intent
        assert got in _same_place(intent.label), (lang, name, label, got)
