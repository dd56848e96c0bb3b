"""Program rules: the TOML file that says what earns points and how much.

Why: the brand changes bonuses, caps and partner lists without a code change, and a typo in
that file must stop start-up with one clear line instead of paying wrong amounts later.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payouts.rules import SECTIONS as REDEMPTION_SECTIONS
from payouts.rules import RedemptionRules, RulesError, parse_rules

DEFAULT_PROGRAM_FILE = Path(__file__).with_name("program.toml")
"""Shipped default rules, used when INAAM_PROGRAM_FILE is unset."""

GSTIN_SHAPE = re.compile(r"^[0-9]{2}[A-Z0-9]{13}$")


class ProgramError(ValueError):
    """Raised when the program file is missing, not TOML, or holds an invalid rule."""


@dataclass(frozen=True)
class Tier:
    name: str
    min_points: int
    multiplier_percent: int = 100
    """Earning multiplier of the tier (110 = 1.1x coupon and invoice credits)."""


@dataclass(frozen=True)
class QrRules:
    max_per_minute: int = 20
    max_per_day: int = 300
    batch_max_per_minute: int = 600


@dataclass(frozen=True)
class InvoiceRules:
    points_per_100_rupees: int = 1
    max_points_per_claim: int = 5000
    max_points_per_day: int = 20000
    max_age_days: int = 90
    max_per_minute: int = 3
    max_per_day: int = 20
    supplier_gstins: frozenset[str] = frozenset()
    einvoice_public_key: bytes | None = None
    claimant_roles: frozenset[str] = frozenset({"retailer", "distributor"})
    """Roles that may claim invoices; they register their firm's GSTIN, and an invoice pays only its buyer."""

    def points_for(self, total_paise: int) -> int:
        """Points earned for an invoice total, before caps (whole points, rounded down)."""
        return total_paise * self.points_per_100_rupees // 10_000


@dataclass(frozen=True)
class Program:
    name: str
    welcome_bonus: int
    point_value_paise: int
    inactivity_timeout_minutes: int
    support_phone: str = ""
    terms_url: str = ""
    tiers: tuple[Tier, ...] = ()
    qr: QrRules = field(default_factory=QrRules)
    invoice: InvoiceRules = field(default_factory=InvoiceRules)
    redemption: RedemptionRules = field(default_factory=RedemptionRules)
    source: str = ""
    names: dict[str, str] = field(default_factory=dict, compare=False)
    """The programme's name per reply language (``[program.names]``); ``name`` where one is missing."""

    def name_for(self, lang: str) -> str:
        """The programme's name as members of ``lang`` know it ("इनाम रिवॉर्ड्स", "انعام ریوارڈز")."""
        return self.names.get(lang) or self.name

    def tier_for(self, lifetime_points: int) -> Tier | None:
        """The highest tier whose threshold the member's lifetime earnings reach."""
        reached = [t for t in self.tiers if lifetime_points >= t.min_points]
        return max(reached, key=lambda t: t.min_points) if reached else None

    def paise_for(self, points: int) -> int:
        return points * self.point_value_paise


def _int(table: dict[str, Any], key: str, where: str, *, minimum: int = 0, default: int | None = None) -> int:
    if key not in table:
        if default is None:
            raise ProgramError(f"{where}.{key} is required")
        return default
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ProgramError(f"{where}.{key} must be a whole number >= {minimum}, got {value!r}")
    return value


def _str(table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ProgramError(f"{where}.{key} must be a non-empty string")
    return value


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ProgramError(f"{where}: unknown setting(s) {', '.join(unknown)}")


def _qr_rules(table: dict[str, Any]) -> QrRules:
    where = "claims.qr"
    _check_keys(table, {"max_per_minute", "max_per_day", "batch_max_per_minute"}, where)
    d = QrRules()
    return QrRules(
        max_per_minute=_int(table, "max_per_minute", where, minimum=1, default=d.max_per_minute),
        max_per_day=_int(table, "max_per_day", where, minimum=1, default=d.max_per_day),
        batch_max_per_minute=_int(table, "batch_max_per_minute", where, minimum=1, default=d.batch_max_per_minute),
    )


def _invoice_rules(table: dict[str, Any], base_dir: Path) -> InvoiceRules:
    where = "claims.invoice"
    allowed = {f for f in InvoiceRules.__dataclass_fields__}
    _check_keys(table, allowed, where)
    d = InvoiceRules()
    gstins = table.get("supplier_gstins", [])
    if not isinstance(gstins, list) or not all(isinstance(g, str) and GSTIN_SHAPE.match(g) for g in gstins):
        raise ProgramError(f"{where}.supplier_gstins must be a list of 15-character GSTINs")
    key: bytes | None = None
    key_path = table.get("einvoice_public_key", "")
    if not isinstance(key_path, str):
        raise ProgramError(f"{where}.einvoice_public_key must be a file path")
    if key_path:
        path = Path(key_path)
        if not path.is_absolute():
            path = base_dir / path
        try:
            key = path.read_bytes()
        except OSError as exc:
            raise ProgramError(f"{where}.einvoice_public_key: cannot read {path}: {exc.strerror}") from None
        if b"BEGIN PUBLIC KEY" not in key:
            raise ProgramError(f"{where}.einvoice_public_key: {path} is not a PEM public key")
    return InvoiceRules(
        points_per_100_rupees=_int(table, "points_per_100_rupees", where, default=d.points_per_100_rupees),
        max_points_per_claim=_int(table, "max_points_per_claim", where, minimum=1, default=d.max_points_per_claim),
        max_points_per_day=_int(table, "max_points_per_day", where, minimum=1, default=d.max_points_per_day),
        max_age_days=_int(table, "max_age_days", where, minimum=1, default=d.max_age_days),
        max_per_minute=_int(table, "max_per_minute", where, minimum=1, default=d.max_per_minute),
        max_per_day=_int(table, "max_per_day", where, minimum=1, default=d.max_per_day),
        supplier_gstins=frozenset(gstins),
        einvoice_public_key=key,
        claimant_roles=_roles(table, where, d.claimant_roles),
    )


def _roles(table: dict[str, Any], where: str, default: frozenset[str]) -> frozenset[str]:
    from storage.models import Role

    roles = table.get("claimant_roles", sorted(default))
    known = {r.value for r in Role}
    if not isinstance(roles, list) or not all(isinstance(r, str) and r in known for r in roles):
        raise ProgramError(f"{where}.claimant_roles must be a list of roles from {sorted(known)}")
    return frozenset(roles)


def parse_program(data: dict[str, Any], *, source: str = "", base_dir: Path | None = None) -> Program:
    """Validate a decoded TOML document and build the rules from it.

    Raises:
        ProgramError: naming the first invalid setting.
    """
    _check_keys(data, {"program", "tiers", "claims"} | REDEMPTION_SECTIONS, "program file")
    prog = data.get("program")
    if not isinstance(prog, dict):
        raise ProgramError("[program] section is required")
    where = "program"
    _check_keys(
        prog,
        {"name", "names", "welcome_bonus", "point_value_paise", "inactivity_timeout_minutes", "support_phone",
         "terms_url"},
        where,
    )
    tiers_raw = data.get("tiers", [])
    if not isinstance(tiers_raw, list):
        raise ProgramError("[[tiers]] must be an array of tables")
    tiers = []
    for i, t in enumerate(tiers_raw):
        _check_keys(t, {"name", "min_points", "multiplier_percent"}, f"tiers[{i}]")
        tiers.append(Tier(name=_str(t, "name", f"tiers[{i}]"), min_points=_int(t, "min_points", f"tiers[{i}]"),
                          multiplier_percent=_int(t, "multiplier_percent", f"tiers[{i}]", minimum=1, default=100)))
    claims = data.get("claims", {})
    _check_keys(claims, {"qr", "invoice"}, "claims")
    try:
        redemption = parse_rules(data)
    except RulesError as exc:
        raise ProgramError(str(exc)) from None
    return Program(
        name=_str(prog, "name", where),
        welcome_bonus=_int(prog, "welcome_bonus", where),
        point_value_paise=_int(prog, "point_value_paise", where, minimum=1),
        inactivity_timeout_minutes=_int(prog, "inactivity_timeout_minutes", where, minimum=1),
        support_phone=_str(prog, "support_phone", where, default=""),
        terms_url=_str(prog, "terms_url", where, default=""),
        tiers=tuple(tiers),
        qr=_qr_rules(claims.get("qr", {})),
        invoice=_invoice_rules(claims.get("invoice", {}), base_dir or Path.cwd()),
        redemption=redemption,
        source=source,
        names=_names(prog, where),
    )


def _names(table: dict[str, Any], where: str) -> dict[str, str]:
    """A ``names = { hi = "…", ur = "…" }`` table: a non-empty name per known reply language."""
    from bot.i18n import LANGUAGES

    raw = table.get("names", {})
    if not isinstance(raw, dict):
        raise ProgramError(f"{where}.names must be a table of language = name")
    for lang, value in raw.items():
        if lang not in LANGUAGES:
            raise ProgramError(f"{where}.names.{lang}: unknown language (use one of {', '.join(LANGUAGES)})")
        if not isinstance(value, str) or not value.strip():
            raise ProgramError(f"{where}.names.{lang} must be a non-empty string")
    return {lang: value.strip() for lang, value in raw.items()}


def load_program(path: str | Path | None = None) -> Program:
    """Read and validate the program file (the shipped default when ``path`` is None)."""
    file = Path(path) if path else DEFAULT_PROGRAM_FILE
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ProgramError(f"cannot read program file {file}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProgramError(f"program file {file} is not valid TOML: {exc}") from None
    return parse_program(data, source=str(file), base_dir=file.parent)
