"""Message catalogs (gettext .po via Babel) and locale-aware formatting.

Why: every sentence a member sees is a msgid looked up in the catalogs of
``locales/<lang>/LC_MESSAGES/`` (en, hi, ur, and hi_Latn: Hindi in Latin letters, as most members in
Uttar Pradesh type it on WhatsApp): ``messages.po`` for the conversation core, and one
``<capability>.po`` per capability (payouts, campaigns, admin…), merged into one catalog per language.
Catalogs are compiled in memory at first use, so a fresh checkout needs no build step; numbers use
Indian grouping (1,23,456) and dates are shown in IST.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import threading
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("en", "hi", "ur", "hi_Latn")
"""Supported reply languages, in menu order (``hi_Latn``: Hindi written in Latin letters)."""

DEFAULT_LANGUAGE = "en"
WHATSAPP_LANGUAGE = {"hi_Latn": "hi"}
"""The language a template is registered under with WhatsApp, where ours has no code of its own."""
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
IST = ZoneInfo("Asia/Kolkata")
_BABEL_LOCALE = {"en": "en_IN", "hi": "hi_IN", "ur": "ur_IN", "hi_Latn": "hi_Latn"}
_DAY_PATTERN = {"hi": "d MMMM yyyy", "ur": "d MMMM yyyy"}
"""Hindi and Urdu show full month names ('2 दिसंबर 2026'): the abbreviation sign ('2 दिस॰') reads badly."""
_lock = threading.Lock()


class MissingMessage(KeyError):
    """Raised when a msgid is not in the English catalog (a programming error)."""


def catalog_files(lang: str) -> list[Path]:
    """The .po files of ``lang``: ``messages.po`` first, then each capability's file by name."""
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    return sorted(folder.glob("*.po"), key=lambda p: (p.name != "messages.po", p.name))


def read_catalog(lang: str) -> Catalog:
    """All of ``lang``'s .po files merged into one catalog.

    Raises:
        ValueError: when two files define the same msgid (each sentence has one home).
    """
    merged = Catalog(locale=lang)
    for path in catalog_files(lang):
        with path.open("rb") as fh:
            part = read_po(fh, locale=lang)
        for message in part:
            if not message.id:
                continue
            if message.id in merged:
                raise ValueError(f"msgid {message.id!r} is defined twice in the {lang} catalogs ({path.name})")
            merged[message.id] = message
    return merged


@cache
def catalog(lang: str) -> gettext.GNUTranslations:
    """The compiled catalog for ``lang`` (compiled from the .po file once per process)."""
    with _lock:
        po = read_catalog(lang)
    buf = io.BytesIO()
    write_mo(buf, po)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def translate(lang: str, msgid: str, **params: object) -> str:
    """The sentence for ``msgid`` in ``lang`` with named placeholders filled in.

    Raises:
        MissingMessage: when the msgid is unknown even in English.
    """
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    text = catalog(lang).gettext(msgid)
    if text == msgid:
        text = catalog(DEFAULT_LANGUAGE).gettext(msgid)
        if text == msgid:
            raise MissingMessage(msgid)
    return text.format(**params) if params else text


def whatsapp_language(lang: str) -> str:
    """WhatsApp's language code for reply language ``lang`` (Roman Hindi templates are Hindi)."""
    return WHATSAPP_LANGUAGE.get(lang, lang)


def format_number(n: int) -> str:
    """Indian digit grouping: 123456 -> '1,23,456'."""
    return format_decimal(n, locale="en_IN", group_separator=True)


def format_rupees(paise: int) -> str:
    """Rupees from paise with Indian grouping: 12345650 -> '₹1,23,456.50' ('₹1,23,456' when whole)."""
    sign = "-" if paise < 0 else ""
    rupees, rem = divmod(abs(paise), 100)
    text = f"₹{format_number(rupees)}"
    return sign + (text + f".{rem:02d}" if rem else text)


def to_ist(when: dt.datetime) -> dt.datetime:
    return when.astimezone(IST)


def format_day(lang: str, when: dt.datetime | dt.date) -> str:
    """A date as members read it, in IST: '23 Nov 2026' / '23 नवंबर 2026' / '23 نومبر 2026'."""
    day = to_ist(when).date() if isinstance(when, dt.datetime) else when
    return format_date(day, _DAY_PATTERN.get(lang, "d MMM yyyy"), locale=_BABEL_LOCALE.get(lang, "en_IN"))


def format_moment(lang: str, when: dt.datetime) -> str:
    """Date and time in IST: '23 Nov 2026, 6:05 pm'."""
    pattern = _DAY_PATTERN.get(lang, "d MMM yyyy") + ", h:mm a"
    return format_datetime(to_ist(when), pattern, tzinfo=IST, locale=_BABEL_LOCALE.get(lang, "en_IN"))
