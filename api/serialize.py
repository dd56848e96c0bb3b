"""JSON shapes of the API's objects and its paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from admin.web import mask_upi
from api.errors import ApiError
from claims.codes import printed
from storage import ledger
from storage.claim_models import ClaimStatus, CouponBatch, CouponRedemption, InvoiceClaim
from storage.models import Member

MAX_PER_PAGE = 200
MAX_PAGE = 100_000


def text_field(args: Mapping[str, str], name: str, limit: int, *, required: bool = True) -> str | None:
    value = args.get(name)
    if value is None:
        if required:
            raise ApiError(400, "bad_request", f"{name} is required")
        return None
    if len(value) > limit or "\x00" in value:
        raise ApiError(400, "bad_request", f"{name} is at most {limit} characters")
    return value


def page_args(args: Mapping[str, str]) -> tuple[int, int]:
    try:
        page = int(args.get("page", "1"))
        per_page = int(args.get("per_page", "50"))
    except ValueError:
        raise ApiError(400, "bad_request", "page and per_page are integers") from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise ApiError(400, "bad_request", f"page is 1-{MAX_PAGE} and per_page is 1-{MAX_PER_PAGE}")
    return page, per_page


def page_json(db: Session, stmt: Select[Any], page: int, per_page: int, to_json: Callable[[Any], dict[str, Any]],
              *, scalars: bool = True) -> dict[str, Any]:
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    stmt = stmt.limit(per_page).offset((page - 1) * per_page)
    rows = db.scalars(stmt).all() if scalars else db.execute(stmt).all()
    return {"items": [to_json(r) for r in rows], "page": page, "per_page": per_page, "total": int(total)}


def parse_ref(ref: str) -> tuple[str, int]:
    kind, number = ref[:1].upper(), ref[1:]
    if kind not in ("I", "C") or not number.isdigit() or not number.isascii() or len(number) > 15:
        raise ApiError(404, "not_found", "a claim reference is I<number> or C<number>")
    return kind, int(number)


def member_json(db: Session, m: Member) -> dict[str, Any]:
    erased = m.erased_at is not None
    return {
        "id": m.id, "name": None if erased else m.name, "phone": None if erased else m.phone, "role": m.role,
        "pin_code": m.pin_code or None, "lang": m.lang, "rep_code": m.rep.code if m.rep else None,
        "upi_id_masked": None if not m.upi_id else mask_upi(m.upi_id),
        "status": "erased" if erased else "blocked" if m.blocked_at else "active",
        "balance": ledger.balance(db, m.account_id) if m.account_id else 0,
        "created_at": m.created_at.isoformat(),
    }


def block_json(m: Member) -> dict[str, Any]:
    """A member's standing after block/unblock (no personal data: it is kept as an idempotent answer)."""
    return {"member_id": m.id, "status": "erased" if m.erased_at else "blocked" if m.blocked_at else "active",
            "blocked_at": m.blocked_at.isoformat() if m.blocked_at else None, "block_reason": m.block_reason}


def claim_json(c: InvoiceClaim | CouponRedemption) -> dict[str, Any]:
    common = {"status": c.status, "member_id": c.member_id, "points": c.points,
              "created_at": c.created_at.isoformat(), "decided_by": c.decided_by,
              "decided_at": c.decided_at.isoformat() if c.decided_at else None}
    if isinstance(c, InvoiceClaim):
        return {"ref": f"I{c.id}", "kind": "invoice", **common, "reasons": [str(r) for r in c.reasons or []],
                "supplier_gstin": c.supplier_gstin, "invoice_number": c.invoice_number,
                "invoice_date": c.invoice_date.isoformat() if c.invoice_date else None, "total_paise": c.total_paise}
    return {"ref": f"C{c.id}", "kind": "coupon", **common, "reasons": [c.review_reason] if c.review_reason else [],
            "code": printed(c.code), "batch_id": c.batch_id}


def batch_json(db: Session, b: CouponBatch) -> dict[str, Any]:
    credited = db.scalar(select(func.count()).select_from(CouponRedemption).where(
        CouponRedemption.batch_id == b.id, CouponRedemption.status == ClaimStatus.CREDITED.value)) or 0
    return {"id": b.id, "name": b.name, "sku": b.sku, "points": b.points, "count": b.count,
            "regions": list(b.regions or []), "scanned": int(credited),
            "voided_at": b.voided_at.isoformat() if b.voided_at else None, "void_reason": b.void_reason,
            "created_at": b.created_at.isoformat()}
