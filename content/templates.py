"""Template definitions: one WhatsApp template per name and language, from config and catalogs.

Why: outside the 24-hour window WhatsApp only delivers approved templates, sent as ``ContentSid``
+ ``ContentVariables`` (numbered). The program names its templates in a TOML file (the shipped
``bot/templates.toml`` or ``INAAM_TEMPLATES_FILE``); the text of each language comes from the
catalogs (a ``msgid`` with named placeholders) or from the file itself, and may name a Content
SID already approved in Twilio's console. Named variables become ``{{1}}``, ``{{2}}``… in the order
the template declares them, and WhatsApp's shape rules are checked at start-up.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.i18n import LANGUAGES, MissingMessage, translate

DEFAULT_TEMPLATES_FILE = Path(__file__).resolve().parent.parent / "bot" / "templates.toml"
CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
SID_RE = re.compile(r"^HX[0-9a-fA-F]{32}$")
PLACEHOLDER_RE = re.compile(r"\{\{(\d+)\}\}")


class TemplateError(ValueError):
    """Raised when the templates file or a template is malformed; the message is one line."""


@dataclass(frozen=True)
class Template:
    """A template's definition: name, category, variable names and per-language bodies."""

    name: str
    category: str
    variables: tuple[str, ...]
    bodies: dict[str, str]
    """lang -> body with numbered placeholders ``{{1}}``…"""
    sids: dict[str, str] = field(default_factory=dict)
    """lang -> Content SID already registered (and approved) in Twilio."""

    def numbered(self, values: dict[str, str]) -> dict[str, str]:
        """``ContentVariables`` for ``values`` keyed by variable name (or already by number).

        Raises:
            TemplateError: a declared variable has no value.
        """
        out: dict[str, str] = {}
        for index, name in enumerate(self.variables, start=1):
            value = values.get(name, values.get(str(index)))
            if value is None or str(value).strip() == "":
                raise TemplateError(f"template {self.name}: no value for variable {name!r}")
            out[str(index)] = str(value)
        return out

    def render(self, lang: str, values: dict[str, str]) -> str:
        """The body as the member would read it (for previews and reports)."""
        numbered = self.numbered(values)
        body = self.bodies.get(lang) or self.bodies[next(iter(self.bodies))]
        return PLACEHOLDER_RE.sub(lambda m: numbered.get(m.group(1), m.group(0)), body)


def check_shape(name: str, body: str, count: int) -> None:
    """WhatsApp's template rules: numbered 1..n in order, not at the start or end, never adjacent.

    Raises:
        TemplateError: the body breaks a rule.
    """
    found = [int(n) for n in PLACEHOLDER_RE.findall(body)]
    if sorted(set(found)) != list(range(1, count + 1)):
        raise TemplateError(f"template {name}: placeholders {found} do not match its {count} variables")
    stripped = body.strip()
    if PLACEHOLDER_RE.match(stripped) or re.search(r"\{\{\d+\}\}[.!?।]?$", stripped):
        raise TemplateError(f"template {name}: the body may not start or end with a variable")
    if re.search(r"\}\}\s*\{\{", stripped):
        raise TemplateError(f"template {name}: two variables may not be adjacent")
    if len(stripped) > 1024:
        raise TemplateError(f"template {name}: body longer than 1024 characters")


def _numbered_body(name: str, text: str, variables: tuple[str, ...]) -> str:
    mapping = {var: f"{{{{{i}}}}}" for i, var in enumerate(variables, start=1)}
    try:
        return text.format(**mapping)
    except (KeyError, IndexError, ValueError) as exc:
        raise TemplateError(f"template {name}: placeholder {exc} is not one of its variables") from None


def _parse(name: str, raw: dict[str, Any]) -> Template:
    if not NAME_RE.match(name):
        raise TemplateError(f"template name {name!r}: use lowercase letters, digits and _")
    category = str(raw.get("category", "UTILITY")).upper()
    if category not in CATEGORIES:
        raise TemplateError(f"template {name}: category must be one of {', '.join(CATEGORIES)}")
    variables = tuple(str(v) for v in raw.get("variables", []))
    bodies: dict[str, str] = {}
    msgid = raw.get("msgid")
    given = raw.get("body", {})
    if not isinstance(given, dict):
        raise TemplateError(f"template {name}: body must be a table of language = text")
    for lang in LANGUAGES:
        text = given.get(lang)
        if text is None and msgid:
            try:
                text = translate(lang, str(msgid))
            except MissingMessage:
                raise TemplateError(f"template {name}: msgid {msgid!r} is not in the catalogs") from None
        if text:
            bodies[lang] = _numbered_body(name, str(text), variables)
    if not bodies:
        raise TemplateError(f"template {name}: give a msgid or a body per language")
    for lang, body in bodies.items():
        check_shape(f"{name}/{lang}", body, len(variables))
    sids = {str(k): str(v) for k, v in raw.get("content_sid", {}).items()}
    for lang, sid in sids.items():
        if not SID_RE.match(sid):
            raise TemplateError(f"template {name}: content_sid.{lang} must look like HX + 32 hex characters")
    return Template(name=name, category=category, variables=variables, bodies=bodies, sids=sids)


def load_templates(path: str | Path | None = None) -> dict[str, Template]:
    """Every template of the file, by name.

    Raises:
        TemplateError: the file is missing, not TOML, or a template breaks a rule.
    """
    file = Path(path) if path else DEFAULT_TEMPLATES_FILE
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError(f"cannot read {file}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{file}: {exc}") from None
    table = data.get("templates", {})
    if not isinstance(table, dict):
        raise TemplateError(f"{file}: [templates.NAME] tables expected")
    return {name: _parse(name, raw) for name, raw in table.items()}
