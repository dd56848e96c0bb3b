"""The intent table and the classifier: what a free-text message asks for, and how sure we are.

Why: members write commands as short sentences in four ways ("bhasha badlo", "भाषा बदलो",
"زبان تبدیل کریں", "change language please"), with typos ("balence"), with negations ("mujhe paise
nahi chahiye" is not a redemption) and with words that only look like commands ("dukaan band hai").
Each flow declares its intent's words and phrases in its own module with ``define``; this module
scores a message against all of them and says which intent it is, or that two compete, or that
the signal is too weak to act on (the dialog then asks a two-choice question instead of guessing).

Scoring, per intent: each token of the folded message (``flows.normalize.fold``) is explained by a
phrase of the intent (strongest), one of its words (exact, or within one or two edits for longer
words: rapidfuzz's OSA distance), one of its cue words (verbs and objects that only count beside a
word: "badlo", "dikhao", "messages") or a filler shared by all ("please", "mujhe", "hai", "जी").
Coverage is the share of tokens explained; a command needs nearly all of the message, a topic may
sit inside a longer sentence. A negation next to the intent's words cancels it unless the intent's
own phrase holds it ("message mat bhejo" is an opt-out).
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from flows.normalize import fold

EXACT, FUZZY, WEAK, CUE = 1.0, 0.75, 0.6, 0.35
"""Token weights: an exact word or phrase token, a word within the edit budget, a weak word, a cue word."""

SYMBOLS = {"👍": "ok", "👌": "ok", "🙏": "dhanyavad", "🙂": "ok", "😊": "ok", "✅": "ok", "❤️": "thanks",
           "❤": "thanks", "🤝": "thanks", "💐": "thanks"}
"""Symbols and emoji that say something on their own; they become words before folding."""


@dataclass
class Intent:
    """One thing a member can ask for, in every script.

    Args:
        name: what matchers ask for (``match.intent(name)``).
        words: single words (or fixed multi-word terms) that alone say it: "balance", "बैलेंस".
        weak: words that say it alone but yield to a more specific intent ("points": balance, unless
            "redeem points").
        phrases: multi-word expressions, scored above words and allowed to contain negations.
        cues: words that strengthen the intent beside a word but never say it alone.
        command: a global command: the message must be (nearly) nothing else.
        needs_cue: a bare word inside a longer sentence is not enough ("bijli ka bill" is not a claim).
        label: msgid offered when the bot asks which of two things the member meant.
        fuzzy: typos are forgiven (off for words that are dangerous when guessed).
        social: small talk (greetings, thanks): it yields to any other intent in the same message.
        refused: words whose refusal says the intent: "no more messages", "message mat bhejo",
            "पैग़ाम नहीं चाहिए" are opt-outs (the negation then holds the intent instead of cancelling it).
    """

    name: str
    words: set[str] = field(default_factory=set)
    weak: set[str] = field(default_factory=set)
    phrases: set[str] = field(default_factory=set)
    cues: set[str] = field(default_factory=set)
    command: bool = False
    needs_cue: bool = False
    label: str | None = None
    fuzzy: bool = True
    social: bool = False
    refused: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Understanding:
    """The classifier's answer: ``intent`` when sure; ``choices`` (two) when it should ask."""

    intent: str | None
    confidence: float = 0.0
    choices: tuple[str, ...] = ()
    negated: bool = False


NOTHING = Understanding(None)
OPEN = "open:"
"""Prefix of the intents made from menu labels: ``open:balance`` is "My points balance" typed back."""

_TABLE: dict[str, Intent] = {}
_FILLERS: set[str] = set()
_NEGATIONS: set[str] = set()
_lock = threading.Lock()
_loaded = False
_index: dict[str, object] | None = None


def define(name: str, *, words: Iterable[str] = (), weak: Iterable[str] = (), phrases: Iterable[str] = (),
           cues: Iterable[str] = (), command: bool | None = None, needs_cue: bool | None = None,
           label: str | None = None, fuzzy: bool | None = None, social: bool | None = None,
           refused: Iterable[str] = ()) -> Intent:
    """Declare (or extend) intent ``name``; flows call this at import time from their own module."""
    global _index
    with _lock:
        intent = _TABLE.setdefault(name, Intent(name))
        intent.words |= {fold(w) for w in words if fold(w)}
        intent.weak |= {fold(w) for w in weak if fold(w)}
        intent.phrases |= {fold(p) for p in phrases if fold(p)}
        intent.cues |= {fold(c) for c in cues if fold(c)}
        intent.refused |= {fold(r) for r in refused if fold(r)}
        if command is not None:
            intent.command = command
        if needs_cue is not None:
            intent.needs_cue = needs_cue
        if label is not None:
            intent.label = label
        if fuzzy is not None:
            intent.fuzzy = fuzzy
        if social is not None:
            intent.social = social
        _index = None
        return intent


def add_fillers(words: Iterable[str]) -> None:
    """Words that carry no intent of their own (politeness, pronouns, auxiliaries) in any script."""
    global _index
    _FILLERS.update(fold(w) for w in words)
    _index = None


def add_negations(words: Iterable[str]) -> None:
    global _index
    _NEGATIONS.update(fold(w) for w in words)
    _index = None


def table() -> dict[str, Intent]:
    """Every declared intent (importing all flow modules first, so each has declared its own)."""
    _load_flows()
    return _TABLE


_load_lock = threading.RLock()


def _load_flows() -> None:
    global _loaded
    if _loaded:
        return
    import flows as package

    with _load_lock:
        if _loaded:
            return
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"flows.{info.name}")
        _define_menu_labels()
        _loaded = True


def _define_menu_labels() -> None:
    """Each menu line, in every reply language, typed back opens its flow (intent ``open:<flow>``)."""
    import re

    from bot.i18n import LANGUAGES, translate
    from flows.engine import menu_flows

    def phrases(msgid: str) -> list[str]:
        labels = [translate(lang, msgid) for lang in LANGUAGES]
        return labels + [p for label in labels for p in re.split(r"[/()]", label) if len(fold(p).split()) >= 2]

    for flow in menu_flows():
        assert flow.menu_label is not None
        define(f"{OPEN}{flow.name}", phrases=phrases(flow.menu_label), label=flow.menu_label)
    for intent in list(_TABLE.values()):
        if intent.label is not None and not intent.name.startswith(OPEN):
            define(intent.name, phrases=phrases(intent.label))  # a clarifying choice typed back


def _vocabulary() -> set[str]:
    """Every exact word any intent, filler or negation knows: such tokens are never typos of another."""
    global _index
    index = _index
    if index is not None:
        return index["vocab"]  # type: ignore[return-value]
    vocab = set(_FILLERS) | _NEGATIONS
    for intent in _TABLE.values():
        vocab |= intent.words | intent.weak | intent.cues | intent.refused
        for phrase in intent.phrases:
            vocab.update(phrase.split())
    _index = {"vocab": vocab}
    return vocab


def _edit_budget(token: str) -> int:
    """Edits forgiven for a token of this length (short words must be exact: "band" is not "bank")."""
    latin = token.isascii()
    if len(token) >= (9 if latin else 8):
        return 2
    if len(token) >= 5:
        return 1
    return 0


def fillers() -> set[str]:
    """The folded filler words shared by all intents."""
    _load_flows()
    return _FILLERS


def negations() -> set[str]:
    """The folded negation words ("nahi", "नहीं", "نہیں", "not"…)."""
    _load_flows()
    return _NEGATIONS


def close(token: str, word: str) -> bool:
    """``token`` is ``word`` with a typo: within the edit budget of both lengths, same first letter."""
    return _close(token, word)


def _close(token: str, word: str) -> bool:
    if token[0] != word[0] or abs(len(token) - len(word)) > 2:
        return False
    budget = min(_edit_budget(token), _edit_budget(word))
    if budget == 0 and token.isascii() and word.isascii() and min(len(token), len(word)) >= 4:
        # A four-letter word forgives a swap or a letter too many/few ("hlep", "menue"), never a wrong
        # letter: "band" is not "bank", "stop" is not "shop".
        if len(token) == len(word):
            return sorted(token) == sorted(word) and OSA.distance(token, word) == 1
        return abs(len(token) - len(word)) == 1 and OSA.distance(token, word) == 1
    return budget > 0 and OSA.distance(token, word, score_cutoff=budget) <= budget


@dataclass
class _Score:
    name: str
    covered: dict[int, float] = field(default_factory=dict)
    phrase_tokens: set[int] = field(default_factory=set)
    cue_tokens: set[int] = field(default_factory=set)

    @property
    def strength(self) -> float:
        return sum(self.covered.values())

    @property
    def core(self) -> set[int]:
        return set(self.covered) - self.cue_tokens


def _match_phrase(tokens: list[str], phrase: list[str], fuzzy: bool) -> list[int] | None:
    """Token positions of ``phrase`` in ``tokens`` (contiguous; one filler may sit between words)."""
    n = len(phrase)
    for start in range(len(tokens)):
        pos, i, hits = start, 0, []
        while i < n and pos < len(tokens):
            tok = tokens[pos]
            if tok == phrase[i] or (fuzzy and _close(tok, phrase[i])):
                hits.append(pos)
                i += 1
            elif hits and tok in _FILLERS and pos - hits[-1] == 1:
                pass  # "band kar do" / "band kar hi do": one filler between the words
            else:
                break
            pos += 1
        if i == n:
            return hits
    # Written together or apart: "len den" / "lenden", "mini statement" / "ministatement".
    compact = "".join(phrase)
    for start in range(len(tokens)):
        joined = ""
        for end in range(start, min(len(tokens), start + n + 1)):
            joined += tokens[end]
            if joined == compact:
                return list(range(start, end + 1))
            if len(joined) >= len(compact):
                break
    return None


@dataclass
class _Message:
    """One message's tokens, with what the phrase pre-test needs computed once."""

    tokens: list[str]
    present: set[str] = field(default_factory=set)
    joined: str = ""
    near: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.present, self.joined = set(self.tokens), "".join(self.tokens)

    def has_close(self, word: str) -> bool:
        if word not in self.near:
            self.near[word] = any(_close(t, word) for t in self.tokens)
        return self.near[word]

    def may_match(self, words: list[str], wordset: frozenset[str], compact: str, fuzzy: bool) -> bool:
        """One word is in the message and the others are (or are typos of its words), or the phrase
        written together is."""
        if compact in self.joined:
            return True
        if self.present.isdisjoint(wordset):
            return False
        missing = wordset - self.present
        return not missing or (fuzzy and all(self.has_close(w) for w in missing))


def _phrases(intent: Intent) -> list[tuple[list[str], frozenset[str], str]]:
    """The intent's phrases as word lists, longest first (cached until the table changes)."""
    global _index
    if _index is None:
        _vocabulary()
    assert _index is not None
    key = f"phrases:{intent.name}"
    if key not in _index:
        _index[key] = [(p.split(), frozenset(p.split()), p.replace(" ", ""))
                       for p in sorted(intent.phrases, key=lambda p: -len(p))]
    return _index[key]  # type: ignore[return-value]


def _score(intent: Intent, tokens: list[str], vocab: set[str], message: _Message | None = None) -> _Score:
    score = _Score(intent.name)
    message = message or _Message(tokens)
    for words, wordset, compact in _phrases(intent):
        if not message.may_match(words, wordset, compact, intent.fuzzy):
            continue
        hits = _match_phrase(tokens, words, intent.fuzzy)
        if hits and not set(hits) & score.phrase_tokens:
            for pos in hits:
                score.covered[pos] = CUE if tokens[pos] in _FILLERS else EXACT * 1.2
            score.phrase_tokens |= set(hits)
    if intent.refused:
        _score_refusals(intent, tokens, score)
    for pos, tok in enumerate(tokens):
        if pos in score.covered:
            continue
        if tok in intent.words:
            score.covered[pos] = EXACT
        elif tok in intent.weak:
            score.covered[pos] = WEAK
        elif intent.fuzzy and tok not in vocab and any(_close(tok, w) for w in intent.words):
            score.covered[pos] = FUZZY
        elif intent.fuzzy and tok not in vocab and any(_close(tok, w) for w in intent.weak):
            score.covered[pos] = WEAK * 0.8
    if score.covered:
        for pos, tok in enumerate(tokens):
            if pos not in score.covered and tok in intent.cues:
                score.covered[pos] = CUE
                score.cue_tokens.add(pos)
    return score


PROHIBITIVE = {fold(w) for w in ("mat", "mt", "मत", "مت", "never", "more", "anymore", "aur", "और", "اور", "مزید")}
"""Words that make a negation a refusal on their own ("message mat bhejo", "no more messages")."""
REFUSING_VERBS = {fold(w) for w in (
    "send", "sending", "want", "need", "bhejo", "bhejna", "bhejiye", "bhejein", "bhejte", "chahiye", "chahie",
    "chahte", "chahta", "chahti", "भेजो", "भेजना", "भेजिए", "भेजें", "भेजते", "चाहिए", "चाहते", "चाहता", "چاہیے",
    "چاہییں", "چاہتے", "چاہتا", "بھیجو", "بھیجنا", "بھیجیں", "بھیجیے", "بھیجتے", "message", "text", "contact")}
"""Verbs of sending and wanting: "I don't want messages" refuses, "I did not get the message" doesn't."""


def _score_refusals(intent: Intent, tokens: list[str], score: _Score) -> None:
    """A refused word near a negation that refuses (a prohibitive, or a verb of sending or wanting)."""
    content = [pos for pos, tok in enumerate(tokens) if tok not in _FILLERS or tok in _NEGATIONS
               or tok in REFUSING_VERBS or tok in PROHIBITIVE]
    for i, pos in enumerate(content):
        if tokens[pos] not in intent.refused:
            continue
        window = content[max(0, i - 3):i + 4]
        near = [p for p in window if tokens[p] in _NEGATIONS]
        refusing = any(tokens[p] in PROHIBITIVE or (tokens[p] in REFUSING_VERBS and p != pos) for p in window)
        refusing = refusing or (pos > 0 and tokens[pos - 1] in _NEGATIONS)  # "don't message me"
        if near and refusing:
            for p in [pos, *near]:
                score.covered[p] = EXACT * 1.2
            score.phrase_tokens |= {pos, *near}


def _negated(score: _Score, tokens: list[str]) -> bool:
    """A negation within two content words of the intent's words (fillers don't count), not in its own phrase.

    "no need to show the statement", "balance mat dikhao" are negated; "nahi" in "points nahi mile
    to statement bhejo" sits too far from "statement".
    """
    content = [pos for pos, tok in enumerate(tokens)
               if tok not in _FILLERS or tok in _NEGATIONS or pos in score.covered]
    rank = {pos: i for i, pos in enumerate(content)}
    core = [rank[c] for c in score.core if c in rank]
    return any(tok in _NEGATIONS and pos not in score.phrase_tokens and any(abs(rank[pos] - c) <= 2 for c in core)
               for pos, tok in enumerate(tokens) if pos in rank)


def understand(text: str) -> Understanding:
    """Classify one message. Pure: no database, no state."""
    _load_flows()
    if text.strip() and set(text.strip()) <= set("?؟ "):
        text = "help"  # a bare "?" asks what this is
    for symbol, word in SYMBOLS.items():
        text = text.replace(symbol, f" {word} ")
    tokens = fold(text).split()
    if not tokens or len(tokens) > 30:
        return NOTHING
    vocab = _vocabulary()
    message = _Message(tokens)
    scores = [s for s in (_score(i, tokens, vocab, message) for i in _TABLE.values()) if s.core]
    if not scores:
        return NOTHING
    live = [s for s in scores if not _negated(s, tokens)]
    if not live:
        return Understanding(None, negated=True)
    social = {p for s in live if _TABLE[s.name].social for p in s.core}
    if all(_TABLE[s.name].social for s in live):
        # Only courtesy: the first declared kind (greeting before thanks before ok), if that is all it says.
        fillers = {pos for pos, tok in enumerate(tokens) if tok in _FILLERS}
        if len(social | fillers) / len(tokens) >= 0.75:
            return Understanding(live[0].name, 1.0)
        return Understanding(None)
    live = [s for s in live if not _TABLE[s.name].social]
    live.sort(key=lambda s: (-s.strength, -len(s.phrase_tokens)))
    best = live[0]
    intent = _TABLE[best.name]
    fillers = {pos for pos, tok in enumerate(tokens) if tok in _FILLERS or tok in _NEGATIONS}
    explained = set(best.covered) | fillers | social
    coverage = len(explained) / len(tokens)
    exactness = max(best.covered[p] for p in best.core) / (EXACT * 1.2)
    confidence = round(min(1.0, coverage * (0.6 + 0.4 * exactness) + (0.1 if best.phrase_tokens else 0.0)), 3)

    rival = next((s for s in live[1:] if not set(s.core) <= set(best.core)), None)
    if rival is not None and rival.strength >= 0.8 * best.strength:
        return Understanding(None, confidence, (best.name, rival.name))

    sure, ask = (0.8, 0.45) if intent.command else (0.5, 0.3)
    if intent.needs_cue and not best.cue_tokens and not best.phrase_tokens and coverage < 1.0:
        sure = 1.01
    if confidence >= sure:
        return Understanding(best.name, confidence)
    if confidence >= ask:
        second = rival.name if rival is not None else "menu"
        return Understanding(None, confidence, (best.name, second) if second != best.name else (best.name,))
    return Understanding(None, confidence)
