"""Voucher stock: loading codes from CSV, counting stock, handing out one code per redemption.

``load_csv`` refuses duplicates (within the file and against stock, by brand + code);
``redeem_voucher`` takes one unexpired code with ``FOR UPDATE SKIP LOCKED`` and posts the points
in the same transaction, so a code is never handed out twice and points never move without one.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from payouts.models import Redemption, RedemptionStatus, Voucher
from payouts.rules import Reward
from storage import ledger
from storage.base import utcnow
from storage.locks import lock_accounts
from storage.models import Member

if TYPE_CHECKING:
    from payouts.service import TaxCheck

REQUIRED_COLUMNS = ("brand", "value", "code", "pin", "expiry")


class VoucherFileError(ValueError):
    """The file cannot be loaded; nothing was loaded."""


@dataclass(frozen=True)
class LoadResult:
    loaded: int
    duplicates: list[str]


def _rupees_to_paise(text: str) -> int:
    text = text.strip().replace(",", "").replace("₹", "")
    rupees, _, paise = text.partition(".")
    if not rupees.isdigit() or (paise and not paise.isdigit()):
        raise ValueError(text)
    return int(rupees) * 100 + int((paise + "00")[:2] or 0)


def load_csv(session: Session, handle: IO[str], *, source: str = "") -> LoadResult:
    """Load codes; duplicates (in the file or already in stock) are refused and reported.

    Raises:
        VoucherFileError: a missing column or a malformed row (line number given); nothing loaded.
    """
    reader = csv.DictReader(handle)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise VoucherFileError(f"missing column(s): {', '.join(missing)}")
    rows: list[Voucher] = []
    seen: set[tuple[str, str]] = set()
    duplicates: list[str] = []
    for line, raw in enumerate(reader, start=2):
        rec = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            value = _rupees_to_paise(rec["value"])
            expires = dt.date.fromisoformat(rec["expiry"])
        except ValueError:
            raise VoucherFileError(f"line {line}: value must be rupees and expiry YYYY-MM-DD") from None
        if not rec["brand"] or not rec["code"] or value <= 0:
            raise VoucherFileError(f"line {line}: brand, code and a positive value are required")
        key = (rec["brand"], rec["code"])
        if key in seen:
            duplicates.append(f"{rec['brand']}:{rec['code'][-4:]}")
            continue
        seen.add(key)
        rows.append(Voucher(brand=rec["brand"], value_paise=value, code=rec["code"], pin=rec["pin"] or None,
                            expires_on=expires, source=source))
    existing = set(session.execute(select(Voucher.brand, Voucher.code).where(
        Voucher.code.in_([v.code for v in rows]))).all()) if rows else set()
    fresh = []
    for v in rows:
        if (v.brand, v.code) in existing:
            duplicates.append(f"{v.brand}:{v.code[-4:]}")
        else:
            fresh.append(v)
    session.add_all(fresh)
    session.flush()
    return LoadResult(loaded=len(fresh), duplicates=duplicates)


def stock(session: Session, today: dt.date | None = None) -> list[tuple[str, int, int, int]]:
    """(brand, value in paise, codes left, codes given) per brand and value."""
    today = today or utcnow().date()
    left = func.sum(case((and_(Voucher.redemption_id.is_(None), Voucher.expires_on >= today), 1), else_=0))
    rows = session.execute(
        select(Voucher.brand, Voucher.value_paise, left, func.count(Voucher.redemption_id))
        .group_by(Voucher.brand, Voucher.value_paise).order_by(Voucher.brand, Voucher.value_paise)).all()
    return [(b, int(v), int(n or 0), int(g or 0)) for b, v, n, g in rows]


def available(session: Session, reward: Reward, today: dt.date) -> int:
    return int(session.scalar(select(func.count(Voucher.id)).where(
        Voucher.brand == reward.brand, Voucher.value_paise == reward.value_rupees * 100,
        Voucher.redemption_id.is_(None), Voucher.expires_on >= today)) or 0)


def redeem_voucher(session: Session, member: Member, reward: Reward, *, fy: str, now: dt.datetime,
                   tax_check: TaxCheck | None = None,
                   quoted: tuple[int, int] | None = None) -> tuple[Redemption, Voucher] | None:
    """Hand out one code and post the points, in the caller's transaction; None when out of stock.

    With ``tax_check`` the voucher's 194R TDS (borne by the brand: a voucher cannot be cut) is
    assessed under the member's lock, catch-up included; ``quoted`` (TDS, net) is what the member
    was shown, and a different figure refuses the redemption (``redeem.tds_changed``).
    """
    from payouts.service import RedemptionRefused, open_redemption, reassess_tds, tds_row_fields

    assert member.account_id is not None
    lock_accounts(session, [member.account_id])
    if open_redemption(session, member.id) is not None:
        raise RedemptionRefused("redeem.in_flight")
    gross = reward.value_rupees * 100
    taxed: dict[str, object] = {"tds_paise": 0, "net_paise": gross, "tds_mode": "none"}
    if tax_check is not None:
        fresh = reassess_tds(session, member, check=tax_check, fy=fy, gross_paise=gross, cash=False,
                             quoted=quoted)
        taxed = tds_row_fields(fresh)
    voucher = session.scalar(
        select(Voucher).where(Voucher.brand == reward.brand, Voucher.value_paise == gross,
                              Voucher.redemption_id.is_(None), Voucher.expires_on >= now.date())
        .order_by(Voucher.expires_on, Voucher.id).limit(1).with_for_update(skip_locked=True))
    if voucher is None:
        return None
    row = Redemption(member_id=member.id, kind="voucher", reward_code=reward.code, points=reward.points,
                     gross_paise=gross, fy=fy, status=RedemptionStatus.PROCESSED.value, provider="voucher",
                     attempts=1, updated_at=now, settled_at=now, **taxed)
    session.add(row)
    session.flush()
    ledger.transfer(session, source=member.account_id, dest=ledger.REDEMPTION, points=reward.points,
                    reason="redemption", idempotency_key=f"voucher:{row.id}", reference=f"rdm-{row.id}")
    voucher.redemption_id = row.id
    session.flush()
    return row, voucher
