"""``inaam bench language``: how well members' own words reach the right place, per intent and script.

Why: the understanding of free text is only as good as its worst script. Each utterance of
``bench/data/utterances.tsv`` is sent as a turn through the real dialog engine (``workers.dialog.
run_turn``: globals, active flow, entries, clarification) for an enrolled member on a scratch SQLite
database, and the outcome is read from what the bot did: the reply's msgids and the contact's state.
The file keeps a ``held`` part that is never tuned on; report that part.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

DATA = Path(__file__).resolve().parent / "data" / "utterances.tsv"
SCRIPTS = ("en", "deva", "urdu", "roman", "mixed")
NOT_TRIGGERED = {"none", "clarify"}
"""Outcomes that are not an intent: the bot said it didn't understand, or asked which of two was meant."""

_REPLY_OUTCOME = [
    ("stop.done", "stop"), ("start.done", "start"), ("cancel.done", "cancel"), ("clarify.ask", "clarify"),
    ("help.text", "help"), ("redeem.", "redeem"), ("claims.scan_help", "claim_coupon"),
    ("claims.invoice_help", "claim_invoice"), ("statement.", "statement"), ("balance.text", "balance"),
    ("language.", "language"), ("smalltalk.thanks", "thanks"), ("smalltalk.ok", "ack"), ("smalltalk.", "greeting"),
    ("common.not_understood", "none"), ("menu", "menu"),
]
"""First reply msgid (prefix) -> outcome, in priority order."""


@dataclass(frozen=True)
class Utterance:
    split: str
    intent: str
    script: str
    kind: str
    text: str


def load(path: Path = DATA) -> list[Utterance]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [Utterance(**row) for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


@contextmanager
def scratch_member() -> Iterator[tuple[sessionmaker[Session], int]]:
    """A migrated scratch SQLite database with one enrolled member; yields (sessions, contact id)."""
    from storage.db import make_engine
    from storage.members import Enrollment, enroll
    from storage.migrate import upgrade
    from storage.models import Contact

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench-language.db"
        upgrade(url)
        engine = make_engine(url)
        factory = sessionmaker(engine, expire_on_commit=False)
        with factory() as session, session.begin():
            contact = Contact(phone="+919800000001", lang="en")
            session.add(contact)
            session.flush()
            enroll(session, contact, Enrollment(name="Bench Member", role="mason", pin_code="226001", upi_id=None,
                                                lang="en", rep_code=None), welcome_bonus=100)
            contact.last_inbound_at = None
            contact_id = contact.id
        try:
            yield factory, contact_id
        finally:
            engine.dispose()


def outcome_of(replies: list[tuple[str, str]], opted_out: bool, flow: str | None) -> str:
    """Where the bot went, from its replies and the contact's state after the turn."""
    if opted_out and any(m == "stop.done" for m, _ in replies):
        return "stop"
    if flow == "language":
        return "language"
    if flow == "clarify":
        return "clarify"
    for msgid, _ in replies:
        if msgid == "common.timed_out":
            continue
        for prefix, outcome in _REPLY_OUTCOME:
            if msgid == prefix or (prefix.endswith(".") and msgid.startswith(prefix)):
                return outcome
        return f"other:{msgid}"
    return "silent"


def run(utterances: list[Utterance]) -> list[tuple[Utterance, str]]:
    """Each utterance through the real engine; returns (utterance, outcome)."""
    from bot.program import load_program
    from flows import engine
    from handoff.service import active_handoff
    from storage.base import utcnow
    from storage.models import Contact
    from workers.dialog import run_turn

    program = load_program()
    settings = {"COUPON_SECRET": b"bench-language-secret-0123456789", "MEDIA_MAX_BYTES": 16 * 1024 * 1024}
    results = []
    with scratch_member() as (factory, contact_id):
        for utt in utterances:
            with factory() as session:
                contact = session.scalar(select(Contact).where(Contact.id == contact_id))
                assert contact is not None
                ctx = engine.Context(program=program, settings=settings, now=utcnow())
                contact.last_inbound_at = ctx.now
                if utt.intent == "start":
                    contact.opted_out = True  # one says "start" after having stopped
                if utt.intent == "cancel":
                    contact.flow, contact.state = "language", "choose"  # one cancels something under way
                    contact.slots = {}
                turn = run_turn(session, contact, None, ctx, text=utt.text)
                handoff = active_handoff(session, contact_id)
                if utt.intent == "start":
                    outcome = "start" if not contact.opted_out else "none"
                elif handoff is not None:  # handed to a person: asked for one, or disputing a claim
                    outcome = "dispute" if handoff.reason == "dispute" else "handoff"
                else:
                    outcome = outcome_of(turn.replies, contact.opted_out, contact.flow)
                results.append((utt, outcome))
                session.rollback()
    return results


def correct(utt: Utterance, outcome: str) -> bool:
    if utt.intent == "none":
        return outcome in NOT_TRIGGERED
    return outcome == utt.intent


def summary(results: list[tuple[Utterance, str]]) -> dict[str, object]:
    """Accuracy per script and per intent, near-miss trigger rate, opt-out rate, confusion pairs."""
    per_script: dict[str, list[bool]] = defaultdict(list)
    per_intent: dict[str, list[bool]] = defaultdict(list)
    confusion: Counter[tuple[str, str]] = Counter()
    for utt, outcome in results:
        ok = correct(utt, outcome)
        per_script[utt.script].append(ok)
        per_intent[utt.intent].append(ok)
        if not ok:
            confusion[(utt.intent, outcome)] += 1
    positives = [ok for utt, outcome in results if utt.intent != "none" for ok in [correct(utt, outcome)]]
    near = [outcome for utt, outcome in results if utt.intent == "none"]
    stops = [outcome == "stop" for utt, outcome in results if utt.intent == "stop"]
    return {
        "messages": len(results),
        "accuracy": _rate([correct(u, o) for u, o in results]),
        "intent_accuracy": _rate(positives),
        "per_script": {s: (_rate(per_script[s]), len(per_script[s])) for s in SCRIPTS if per_script[s]},
        "per_intent": {i: (_rate(v), len(v)) for i, v in sorted(per_intent.items())},
        "near_miss_triggered": (_rate([o not in NOT_TRIGGERED for o in near]), len(near)),
        "opt_out": (_rate(stops), len(stops)),
        "confusion": confusion.most_common(),
    }


def _rate(values: list[bool]) -> float:
    return round(100.0 * sum(values) / len(values), 1) if values else 0.0


def print_report(results: list[tuple[Utterance, str]], *, title: str, errors: bool, echo=print) -> dict[str, object]:
    figures = summary(results)
    echo(f"\n{title}: {figures['messages']} messages, {figures['accuracy']} % reach the right place "
         f"(intents only: {figures['intent_accuracy']} %)")
    echo("  per script: " + ", ".join(f"{s} {r} % of {n}" for s, (r, n) in figures["per_script"].items()))
    echo("  per intent: " + ", ".join(f"{i} {r} % of {n}" for i, (r, n) in figures["per_intent"].items()))
    rate, count = figures["near_miss_triggered"]
    echo(f"  near-misses and negations that triggered an intent: {rate} % of {count}")
    rate, count = figures["opt_out"]
    echo(f"  opt-out forms that opted out: {rate} % of {count}")
    if figures["confusion"]:
        echo("  confusion (expected -> got: count): " + ", ".join(
            f"{exp} -> {got}: {n}" for (exp, got), n in figures["confusion"]))
    if errors:
        for utt, outcome in results:
            if not correct(utt, outcome):
                echo(f"    [{utt.script}/{utt.kind}] {utt.text!r}: expected {utt.intent}, got {outcome}")
    return figures
