"""Who a campaign reaches: members chosen by filters, never opted-out or blocked contacts.

Why: an admin writes "contractors in Lucknow who wrote in Hindi and have been quiet for 30 days";
that becomes one SQL query (members ⋈ contacts ⋈ accounts with EXISTS clauses), so a preview
counts 1,00,000 members in one round trip and the recipient rows are built by INSERT … SELECT.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from bot.i18n import LANGUAGES
from bot.logs import mask_phone
from bot.program import Program
from campaigns.cities import prefixes_for_city
from storage.claim_models import CouponBatch, CouponRedemption, InvoiceClaim
from storage.ledger_core import ISSUANCE
from storage.ledger_models import Account, Transfer
from storage.models import Contact, Member, OutboundMessage, Rep, Role

BLOCKED_ERROR = 63014
"""Twilio: the member blocked the business; they are not messaged again until they write."""


class FilterError(ValueError):
    """Raised for a filter that cannot be applied (unknown role, tier, language or city)."""


@dataclass
class Filters:
    """Audience filters; every one that is set must hold (empty = every reachable member)."""

    roles: list[str] = field(default_factory=list)
    tier: str | None = None
    langs: list[str] = field(default_factory=list)
    pin_prefixes: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    rep: str | None = None
    active_days: int | None = None
    inactive_days: int | None = None
    balance_above: int | None = None
    balance_below: int | None = None
    claimed_sku: str | None = None
    not_claimed_sku: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [])}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Filters:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise FilterError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def check(self, program: Program) -> None:
        """Raises FilterError for values that name nothing."""
        roles = {r.value for r in Role}
        for role in self.roles:
            if role not in roles:
                raise FilterError(f"unknown role {role!r}; roles: {', '.join(sorted(roles))}")
        for lang in self.langs:
            if lang not in LANGUAGES:
                raise FilterError(f"unknown language {lang!r}; languages: {', '.join(LANGUAGES)}")
        if self.tier and not any(t.name.casefold() == self.tier.casefold() for t in program.tiers):
            raise FilterError(f"unknown tier {self.tier!r}; tiers: {', '.join(t.name for t in program.tiers)}")
        for prefix in self.pin_prefixes:
            if not (prefix.isdigit() and 1 <= len(prefix) <= 6):
                raise FilterError(f"PIN prefix {prefix!r} must be 1 to 6 digits")
        for city in self.cities:
            try:
                prefixes_for_city(city)
            except KeyError as exc:
                raise FilterError(str(exc.args[0])) from None
        for name in ("active_days", "inactive_days", "balance_above", "balance_below"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise FilterError(f"{name} may not be negative")


def _lifetime_earned() -> Any:
    issuance = select(Account.id).where(Account.code == ISSUANCE).scalar_subquery()
    earned = (
        select(func.coalesce(func.sum(Transfer.points), 0))
        .where(Transfer.source_account_id == issuance, Transfer.dest_account_id == Member.account_id)
        .scalar_subquery()
    )
    clawed = (
        select(func.coalesce(func.sum(Transfer.points), 0))
        .where(Transfer.source_account_id == Member.account_id, Transfer.dest_account_id == issuance)
        .scalar_subquery()
    )
    return earned - clawed


def _claimed(sku: str) -> Any:
    return exists().where(
        CouponRedemption.member_id == Member.id,
        CouponRedemption.status == "credited",
        CouponRedemption.batch_id == CouponBatch.id,
        CouponBatch.sku == sku,
    )


def audience_select(filters: Filters, program: Program, now: dt.datetime) -> Select[Any]:
    """SELECT member_id, contact_id, lang of everyone the filters reach (ordered by member id)."""
    blocked = exists().where(
        OutboundMessage.contact_id == Contact.id,
        OutboundMessage.error_code == BLOCKED_ERROR,
        or_(Contact.last_inbound_at.is_(None), OutboundMessage.created_at > Contact.last_inbound_at),
    )
    query = (
        select(Member.id.label("member_id"), Contact.id.label("contact_id"),
               func.coalesce(Contact.lang, Member.lang).label("lang"))
        .join(Contact, Contact.member_id == Member.id)
        .join(Account, Account.id == Member.account_id)
        .where(Contact.opted_out.is_(False), not_(blocked))
    )
    conditions = []
    if filters.roles:
        conditions.append(Member.role.in_(filters.roles))
    if filters.langs:
        conditions.append(func.coalesce(Contact.lang, Member.lang).in_(filters.langs))
    prefixes = list(filters.pin_prefixes)
    for city in filters.cities:
        prefixes += prefixes_for_city(city)
    if prefixes:
        conditions.append(or_(*(Member.pin_code.startswith(p, autoescape=True) for p in prefixes)))
    if filters.rep:
        query = query.join(Rep, Rep.id == Member.rep_id)
        conditions.append(Rep.code == filters.rep.upper())
    if filters.active_days is not None:
        conditions.append(Contact.last_inbound_at >= now - dt.timedelta(days=filters.active_days))
    if filters.inactive_days is not None:
        since = now - dt.timedelta(days=filters.inactive_days)
        conditions.append(or_(Contact.last_inbound_at.is_(None), Contact.last_inbound_at < since))
    if filters.balance_above is not None:
        conditions.append(Account.balance > filters.balance_above)
    if filters.balance_below is not None:
        conditions.append(Account.balance < filters.balance_below)
    if filters.claimed_sku:
        conditions.append(_claimed(filters.claimed_sku))
    if filters.not_claimed_sku:
        conditions.append(not_(_claimed(filters.not_claimed_sku)))
    if filters.tier:
        tiers = sorted(program.tiers, key=lambda t: t.min_points)
        index = next(i for i, t in enumerate(tiers) if t.name.casefold() == filters.tier.casefold())
        lifetime = _lifetime_earned()
        conditions.append(lifetime >= tiers[index].min_points)
        if index + 1 < len(tiers):
            conditions.append(lifetime < tiers[index + 1].min_points)
    if conditions:
        query = query.where(and_(*conditions))
    return query.order_by(Member.id)


def preview(session: Session, filters: Filters, program: Program, now: dt.datetime, *,
            sample: int = 5) -> dict[str, Any]:
    """The audience's size, its split by language, and a few members (phones masked)."""
    base = audience_select(filters, program, now).subquery()
    count = int(session.scalar(select(func.count()).select_from(base)) or 0)
    by_lang = {lang: int(n) for lang, n in session.execute(
        select(base.c.lang, func.count()).group_by(base.c.lang).order_by(base.c.lang))}
    ids = [row.member_id for row in session.execute(select(base.c.member_id).limit(sample))]
    members = []
    if ids:
        rows = session.execute(
            select(Member, Account.balance).join(Account, Account.id == Member.account_id).where(Member.id.in_(ids))
            .order_by(Member.id)
        ).all()
        members = [{"member_id": m.id, "name": m.name, "phone": mask_phone(m.phone), "role": m.role,
                    "lang": m.lang, "pin_code": m.pin_code, "balance": int(balance)} for m, balance in rows]
    return {"count": count, "by_lang": by_lang, "sample": members}


def claims_since(member_id: Any, since: Any, until: Any) -> Any:
    """EXISTS: the member had a credited coupon or invoice claim in [since, until)."""
    coupon = exists().where(CouponRedemption.member_id == member_id, CouponRedemption.status == "credited",
                            CouponRedemption.created_at >= since, CouponRedemption.created_at < until)
    invoice = exists().where(InvoiceClaim.member_id == member_id, InvoiceClaim.status == "credited",
                             InvoiceClaim.created_at >= since, InvoiceClaim.created_at < until)
    return or_(coupon, invoice)
