"""Every sentence exists in English, Hindi and Urdu, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, format_day, format_number, format_rupees, read_catalog, translate

ROOT = Path(__file__).resolve().parents[1]
SAY_CALL = re.compile(r"""\b(?:say|t|translate)\(\s*(?:[a-z_]+,\s*)?["']([a-z_]+\.[a-z_.]+)["']""")


def _catalog(lang: str) -> dict[str, str]:
    return {m.id: m.string for m in read_catalog(lang) if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def test_hindi_in_latin_letters_is_a_reply_language() -> None:
    assert "hi_Latn" in LANGUAGES
    assert (ROOT / "locales" / "hi_Latn" / "LC_MESSAGES" / "messages.po").is_file()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_msgid_has_a_translation(lang: str) -> None:
    english, other = _catalog("en"), _catalog(lang)
    missing = sorted(mid for mid in english if not other.get(mid, "").strip())
    assert not missing, f"{lang} lacks translations for: {missing}"
    # Roman Hindi shares loanwords with English ("Plumber", "Welcome bonus"): only sentences count there.
    min_words = 3 if lang == "hi_Latn" else 1
    untranslated = sorted(mid for mid in english if other.get(mid) == english[mid]
                          and re.search(r"[a-z]{4,}", english[mid].replace("{", " "))
                          and len(re.findall(r"[A-Za-z]+", re.sub(r"\{\w+\}", "", english[mid]))) >= min_words)
    assert not untranslated, f"{lang} copies English for: {untranslated}"


ROMAN_HINDI_WORDS = {"hai", "hain", "ke", "ki", "ka", "ko", "se", "mein", "par", "aap", "aapka", "aapki", "aapke",
                     "hum", "nahi", "ya", "aur", "kijiye", "bhejiye", "ji", "yeh", "lijiye", "kar", "tak", "liye",
                     "karein", "raha", "tha", "jo", "apne", "saare", "hamare", "meri", "mera", "mere", "naam", "ne"}


def test_roman_hindi_catalog_is_hindi_in_latin_letters() -> None:
    """Every hi_Latn sentence is Latin script (besides the language names) and reads as Hindi."""
    for mid, text in _catalog("hi_Latn").items():
        plain = text.replace("हिंदी", "").replace("اردو", "")
        assert not re.search(r"[\u0900-\u097F\u0600-\u06FF]", plain), f"hi_Latn {mid} is not in Latin letters"
        words = set(re.findall(r"[a-z]+", re.sub(r"\{\w+\}", "", plain).casefold()))
        if len(words) >= 6:
            hindi_endings = any(w.endswith(("iye", "ein", "enge", "ega", "egi", "aiye")) for w in words)
            assert words & ROMAN_HINDI_WORDS or hindi_endings, f"hi_Latn {mid} does not read as Hindi: {text!r}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_match_english(lang: str) -> None:
    english, other = _catalog("en"), _catalog(lang)
    wrong = sorted(mid for mid in english if _fields(english[mid]) != _fields(other.get(mid, "")))
    assert not wrong, f"{lang} placeholders differ for: {wrong}"


def test_every_msgid_used_in_code_is_in_the_catalog() -> None:
    english = _catalog("en")
    used: set[str] = set()
    skip = {".venv", ".git", "tests", "bench", "build"}
    for path in ROOT.rglob("*.py"):
        if not skip.intersection(path.relative_to(ROOT).parts):
            used |= set(SAY_CALL.findall(path.read_text()))
    used = {u for u in used if not u.endswith(".")}
    assert used, "the scan found no msgids: the pattern is broken"
    assert not sorted(used - set(english)), f"used but not in the catalog: {sorted(used - set(english))}"


def test_hindi_and_urdu_catalogs_are_in_their_scripts() -> None:
    for mid, text in _catalog("hi").items():
        if mid.startswith("role.") or mid.startswith("reason.") or len(text) > 12:
            assert re.search(r"[\u0900-\u097F]", text), f"hi {mid} has no Devanagari"
    for mid, text in _catalog("ur").items():
        if mid.startswith("role.") or mid.startswith("reason.") or len(text) > 12:
            assert re.search(r"[\u0600-\u06FF]", text), f"ur {mid} has no Urdu script"


def test_indian_number_grouping_and_ist_dates() -> None:
    import datetime as dt

    assert format_number(123456) == "1,23,456"
    assert format_number(12345678) == "1,23,45,678"
    assert format_rupees(12345650) == "₹1,23,456.50"
    late_evening_utc = dt.datetime(2026, 11, 23, 20, 0, tzinfo=dt.UTC)  # already the 24th in IST
    assert format_day("en", late_evening_utc) == "24 Nov 2026"
    assert "2026" in format_day("hi", late_evening_utc)
    december = dt.date(2026, 12, 2)
    assert format_day("hi", december) == "2 दिसंबर 2026"  # the full month, not "2 दिस॰"
    assert format_day("ur", december) == "2 دسمبر 2026"
    assert format_day("hi_Latn", december) == "2 Dec 2026"


def test_every_language_renders_every_message() -> None:
    english = _catalog("en")
    params = {name: "X" for mid in english for name in _fields(english[mid])}
    for lang in LANGUAGES:
        for mid in english:
            assert translate(lang, mid, **params)
