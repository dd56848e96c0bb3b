"""Understanding members' own words: normalisation, intents, negation, clarification, natural answers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bench import language as bench_language
from flows import intents
from flows.enrollment import choose_role
from flows.language import named_language
from flows.match import detect_language, understand, yes_no
from flows.normalize import fold


@pytest.mark.parametrize(("a", "b"), [
    ("بيلنس", "بیلنس"),  # Arabic yeh
    ("كوپن", "کوپن"),  # Arabic kaf
    ("شكريه", "شکریہ"),  # Arabic heh -> gol he
    ("ज़बान", "जबान"),  # nukta
    ("हाँ", "हां"),  # chandrabindu / anusvara
    ("बैलेन्स", "बैलेंस"),  # half nasal / anusvara
    ("कूपन", "कुपन"),  # long / short vowel
    ("पॉइंट", "पोइंट"),
    ("लेन-देन", "लेनदेन"),  # hyphen
    ("plzzz", "plz"),  # repeated letters
    ("balan\u200dce", "balance"),  # zero-width joiner
    ("ＳＴＯＰ", "stop"),  # NFKC
])
def test_spellings_fold_to_one_key(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_digits_of_every_script_become_ascii_and_are_never_folded() -> None:
    assert fold("१२३ ١٢٣ ۱۲۳ 226001") == "123 123 123 226001"


@pytest.mark.parametrize(("text", "intent"), [
    ("change language", "open:language"), ("भाषा बदलो", "language"), ("bhasha badlo", "language"),
    ("زبان تبدیل کریں", "language"), ("help me", "help"), ("madad chahiye", "help"), ("مدد کریں", "help"),
    ("menu dikhao", "menu"), ("how does this work", "help"), ("Claim coupon points", "open:claim_coupon"),
    ("भुनाना", "redeem"), ("लेन-देन", "statement"), ("بيلنس", "balance"), ("balence", "balance"),
    ("statment", "statement"), ("बैलन्स", "balance"), ("coupon scan karna hai", "claim_coupon"),
    ("bill bhejna hai", "claim_invoice"), ("السلام علیکم", "greeting"), ("राम राम", "greeting"),
    ("shukriya", "thanks"), ("👍", "ack"), ("🙏", "thanks"), ("?", "help"),
])
def test_phrases_in_every_script(text: str, intent: str) -> None:
    got = understand(text).intent
    table = intents.table()
    # A menu label may be read as the label ("open:language") or as its flow's own intent: same place.
    assert got == intent or (got is not None and table[got].label is not None
                             and table[got].label == table[intent].label), got


@pytest.mark.parametrize("text", [
    "kitne din lagenge delivery mein", "mujhe paise nahi chahiye", "balance mat dikhao", "no need for the statement",
    "भाषा मत बदलो", "زبان مت بدلو", "I did not get the message", "coupon ka message nahi aaya", "bank details",
    "cement block ka rate", "step by step", "the shop is closed today",
])
def test_near_misses_and_negations_trigger_nothing(text: str) -> None:
    assert understand(text).intent is None


def test_weak_or_competing_signals_ask_a_two_choice_question() -> None:
    assert understand("dukaan band hai").choices == ("stop", "menu")  # an opt-out is never guessed
    assert set(understand("balance aur statement dono").choices) == {"balance", "statement"}


OPT_OUTS = [u for u in bench_language.load() if u.intent == "stop" and u.split == "dev"]


def test_every_opt_out_form_in_every_script_is_understood() -> None:
    scripts = {u.script for u in OPT_OUTS}
    assert scripts == set(bench_language.SCRIPTS) and len(OPT_OUTS) >= 50
    missed = [u.text for u in OPT_OUTS if understand(u.text).intent != "stop"]
    assert not missed


def _turn(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, media=[], understanding=None)


@pytest.mark.parametrize(("text", "role"), [
    ("ठेकेदार हूँ", "contractor"), ("I am an electrician", "electrician"), ("main raj mistri hoon", "mason"),
    ("پلمبر ہوں", "plumber"), ("Dukaandar / dealer", "retailer"), ("painter ka kaam karta hu", "painter"),
    ("३", "electrician"), ("electrition", "electrician"),
])
def test_roles_in_natural_answers(text: str, role: str) -> None:
    assert choose_role(_turn(text)) == role


def test_a_negated_or_double_role_is_not_guessed() -> None:
    assert choose_role(_turn("main thekedar nahi hoon")) is None
    assert choose_role(_turn("plumber aur painter")) is None


@pytest.mark.parametrize(("text", "answer"), [
    ("haan ji", True), ("جی ہاں", True), ("ji haan bilkul", True), ("I agree", True), ("हाँ जी मंज़ूर है", True),
    ("1. Yes, I agree", True), ("nahi ji", False), ("I don't agree", False), ("نہیں", False), ("2", False),
    ("kal bataunga", None),
])
def test_yes_and_no_with_fillers(text: str, answer: bool | None) -> None:
    assert yes_no(_turn(text)) is answer


def test_a_language_named_in_the_message_is_chosen_directly() -> None:
    assert named_language("hindi mein baat karo") == "hi"
    assert named_language("اردو میں بات کریں") == "ur"
    assert named_language("roman hindi please") == "hi_Latn"
    assert named_language("change language") is None


def test_romanized_hindi_and_urdu_are_detected_as_roman_hindi() -> None:
    assert detect_language("balance kitna hai") == "hi_Latn"
    assert detect_language("shukriya bhai") == "hi_Latn"
    assert detect_language("what is my balance") == "en"
    assert detect_language("बैलेंस") == "hi" and detect_language("بیلنس") == "ur"


def test_a_flow_adds_its_phrases_without_touching_the_matcher() -> None:
    try:
        intents.define("test_only_gstin", words=["gstin"], phrases=["gst number"], cues=["update"])
        assert understand("GSTIN update karna hai").intent == "test_only_gstin"
    finally:
        intents._TABLE.pop("test_only_gstin", None)


def test_the_dev_utterances_reach_the_right_place_through_the_engine() -> None:
    """The short version of ``inaam bench language --split dev`` (the held part is for the report)."""
    results = bench_language.run([u for u in bench_language.load() if u.split == "dev"])
    figures = bench_language.summary(results)
    assert all(rate >= 95.0 for rate, _ in figures["per_script"].values()), figures["per_script"]
    assert figures["near_miss_triggered"][0] == 0.0
    assert figures["opt_out"][0] == 100.0


def test_any_text_is_understood_or_not_without_failing() -> None:
    """Malformed input: random characters from every script, emoji, controls and very long text."""
    import random

    rng = random.Random(12)
    alphabet = ("abcxyz ABC 0123 ।॥ ؟،۔ \u200d\u200c\u00ad\ufeff\u0640 👍🙏🏽 \x00\t\n"
                "बैलेंसक़ूपनहाँ بیلنسکوپنہاں ي ك ه ۱۲۳ १२३ \u0301\u093c\u0670 -‐–—")
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        understanding = understand(text)
        assert understanding.intent is None or understanding.intent in intents.table()
        yes_no(_turn(text))
        choose_role(_turn(text))
        fold(text)
    assert understand("balance " * 500).intent is None  # a wall of text is no command


def test_other_flows_phrases_are_folded_and_negation_aware() -> None:
    from flows.privacy import wants_delete
    from flows.profile import _wants

    assert wants_delete(_turn("mera ڈيٹا delete karo")) is True  # Arabic-keyboard yeh
    assert wants_delete(_turn("mera data mat hatao")) is None
    assert _wants(_turn("मेरी प्रोफाइल")) == "show"  # without the nukta
    assert _wants(_turn("upi mat badlo")) is None
