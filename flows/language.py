"""Choosing the reply language (English, हिंदी, اردو, Roman Hindi); also the first step of enrollment."""

from __future__ import annotations

from content.interactive import offer
from flows import match
from flows.engine import END, Flow, Turn, on, show_menu
from flows.intents import define
from flows.normalize import fold

CHOOSE = "choose"

LANGUAGE_WORDS = {
    "en": ["english", "eng", "angrezi", "अंग्रेज़ी", "अंग्रेजी", "انگریزی", "انگلش"],
    "hi": ["hindi", "हिंदी", "हिन्दी", "ہندی"],
    "ur": ["urdu", "उर्दू", "اردو"],
    "hi_Latn": ["roman", "roman hindi", "hindi roman", "hinglish", "hindi in english", "hindi english",
                "english mein hindi", "hindi english letters", "hindi in english letters", "रोमन", "रोमन हिंदी",
                "हिंग्लिश", "رومن", "رومن ہندی"],
}
"""Accepted answers besides 1/2/3, in every script."""

choose_language = match.choice(LANGUAGE_WORDS, labels=match.numbered_labels("language.ask", LANGUAGE_WORDS))

define("language", weak=[w for words in LANGUAGE_WORDS.values() for w in words if " " not in w])


def named_language(text: str) -> str | None:
    """The one language a message names ("change language to hindi", "اردو میں"), else None."""
    tokens = fold(text).split()
    joined = " ".join(tokens)
    found = set()
    for code, words in LANGUAGE_WORDS.items():
        for word in words:
            key = fold(word)
            if (" " in key and key in joined) or key in tokens:
                found.add(code)
    if "hi_Latn" in found:  # "roman hindi", "hindi in english letters"
        return "hi_Latn"
    return found.pop() if len(found) == 1 else None


def ask(turn: Turn) -> str:
    turn.say("language.ask")
    offer(turn, "language.ask")
    return CHOOSE


def chosen(turn: Turn) -> str:
    turn.contact.lang = turn.value
    if turn.member is not None:
        turn.member.lang = turn.value
    turn.say("language.set")
    show_menu(turn)
    return END


FLOW = Flow(
    name="language",
    entry=[],
    states={CHOOSE: [on(choose_language, chosen, invalid="language.invalid")]},
    menu_label="menu.language",
    menu_order=80,
    start=ask,
)
