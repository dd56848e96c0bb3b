"""``/api/v1``: members, balances, statements, claims, coupon batches, adjustments, block/unblock
and DPDP erasure as JSON.

Why: a brand's ERP or a distributor portal does what the console does, with a per-client token;
each write is audited under the client's name, and every write that moves points or changes a
member's standing needs an ``Idempotency-Key`` so a retried request never acts twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin import audit
from admin.members import MemberActionError, adjust, erase_member, search, set_blocked
from api.errors import ApiError, register_errors
from api.idempotency import replay_or_none, store_response
from api.openapi import document
from api.serialize import (
    batch_json,
    block_json,
    claim_json,
    member_json,
    page_args,
    page_json,
    parse_ref,
    text_field,
)
from api.tokens import authenticate
from claims.coupons import create_batch, parse_regions, void_batch
from claims.exceptions import ClaimAlreadyDecided, UnknownClaim
from claims.review import REJECTION_REASONS, decide
from storage import ledger
from storage.base import utcnow
from storage.claim_models import ClaimStatus, CouponBatch, CouponRedemption, InvoiceClaim
from storage.db import sessions
from storage.ledger_models import Entry, Transfer
from storage.models import Member

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_errors(bp)
MAX_ID = 2**53


@bp.before_request
def _auth() -> None:
    g.api_db = sessions()()
    if request.endpoint == "api.openapi":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    client = authenticate(g.api_db, token.strip()) if scheme.lower() == "bearer" else None
    if client is None:
        raise ApiError(401, "unauthorized", "send a valid API token as 'Authorization: Bearer <token>'")
    if request.method != "GET" and "write" not in client.scopes.split(","):
        raise ApiError(403, "forbidden", "this token has no write scope")
    now = utcnow()
    if client.last_used_at is None or now - client.last_used_at > dt.timedelta(minutes=1):
        client.last_used_at = now
        g.api_db.commit()
    g.api_client = client


@bp.teardown_request
def _close(_exc: BaseException | None) -> None:
    session = g.pop("api_db", None)
    if session is not None:
        session.close()


def db() -> Session:
    return g.api_db


def _actor() -> str:
    return f"api:{g.api_client.name}"


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return data


def _id(value: int) -> int:
    if not 0 < value < MAX_ID:
        raise ApiError(404, "not_found", "no such object")
    return value


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document(request.host_url.rstrip("/")))


@bp.get("/members")
def members() -> Response:
    q = text_field(request.args, "q", 100, required=False) or ""
    rep = text_field(request.args, "rep", 16, required=False) or ""
    page, per_page = page_args(request.args)
    stmt = search(q, rep)
    return jsonify(page_json(db(), stmt, page, per_page, lambda m: member_json(db(), m)))


def _member(member_id: int) -> Member:
    member = db().get(Member, _id(member_id))
    if member is None:
        raise ApiError(404, "not_found", f"no member {member_id}")
    return member


@bp.get("/members/<int:member_id>")
def member(member_id: int) -> Response:
    return jsonify(member_json(db(), _member(member_id)))


@bp.get("/members/<int:member_id>/balance")
def balance(member_id: int) -> Response:
    m = _member(member_id)
    points = ledger.balance(db(), m.account_id) if m.account_id else 0
    return jsonify({"member_id": m.id, "points": points,
                    "value_paise": current_app.config["PROGRAM"].paise_for(points)})


@bp.get("/members/<int:member_id>/statement")
def statement(member_id: int) -> Response:
    m = _member(member_id)
    page, per_page = page_args(request.args)
    stmt = (select(Entry, Transfer).join(Transfer, Transfer.id == Entry.transfer_id)
            .where(Entry.account_id == (m.account_id or 0)).order_by(Entry.seq.desc()))

    def line(row: Any) -> dict[str, Any]:
        entry, transfer = row
        return {"transfer_id": transfer.id, "at": entry.created_at.isoformat(), "points": int(entry.amount),
                "balance_after": int(entry.balance_after), "reason": transfer.reason, "reference": transfer.reference,
                "memo": transfer.memo}

    return jsonify(page_json(db(), stmt, page, per_page, line, scalars=False))


@bp.post("/members/<int:member_id>/adjustments")
def adjustment(member_id: int) -> tuple[Response, int]:
    key = _idempotency_key()
    replay = replay_or_none(db(), g.api_client.id, key)
    if replay is not None:
        return replay
    m = _member(member_id)
    data = _body()
    points = data.get("points")
    if not isinstance(points, int) or isinstance(points, bool):
        raise ApiError(422, "invalid", "points must be an integer (negative to debit)")
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 255 or "\x00" in reason:
        raise ApiError(422, "invalid", "reason is required (1-255 characters)")
    session = db()
    before = ledger.balance(session, m.account_id) if m.account_id else 0
    try:
        transfer = adjust(session, m, points, reason=reason, actor=_actor(),
                          idempotency_key=f"api:{g.api_client.id}:{key}")
    except MemberActionError as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    except ledger.InsufficientPoints:
        raise ApiError(409, "insufficient_points", "the member does not have that many points") from None
    except ledger.IdempotencyConflict:
        raise ApiError(409, "idempotency_conflict", "this Idempotency-Key was used for another request") from None
    after = ledger.balance(session, m.account_id or 0)
    body = {"transfer_id": transfer.id, "member_id": m.id, "points": points, "balance": after}
    audit.record(session, actor=_actor(), actor_kind="api", action="member.adjust", target_type="member",
                 target_id=m.id, before={"balance": before}, after={"balance": after, "points": points,
                                                                     "transfer": transfer.id},
                 note=reason.strip(), ip=request.remote_addr)
    return store_response(session, g.api_client.id, key, 201, body)


def _set_blocked(member_id: int, blocked: bool) -> tuple[Response, int]:
    key = _idempotency_key()
    replay = replay_or_none(db(), g.api_client.id, key)
    if replay is not None:
        return replay
    m = _member(member_id)
    if m.erased_at is not None:
        raise ApiError(409, "erased", f"member {member_id}'s personal data was erased")
    data = _body() if blocked or request.get_data() else {}
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 255 or "\x00" in reason:
        raise ApiError(422, "invalid", "reason is text of at most 255 characters")
    session = db()
    try:
        before = set_blocked(m, blocked, reason)
    except MemberActionError as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    audit.record(session, actor=_actor(), actor_kind="api", action="member.block" if blocked else "member.unblock",
                 target_type="member", target_id=m.id, before=before,
                 after={"blocked": blocked, "reason": m.block_reason}, ip=request.remote_addr)
    return store_response(session, g.api_client.id, key, 200, block_json(m))


@bp.post("/members/<int:member_id>/block")
def member_block(member_id: int) -> tuple[Response, int]:
    """Block: the member's claims and redemptions are refused in chat (as the console's Block)."""
    return _set_blocked(member_id, True)


@bp.post("/members/<int:member_id>/unblock")
def member_unblock(member_id: int) -> tuple[Response, int]:
    return _set_blocked(member_id, False)


@bp.post("/members/<int:member_id>/erase")
def member_erase(member_id: int) -> tuple[Response, int]:
    """DPDP erasure through the console's code: personal data removed, the ledger kept."""
    key = _idempotency_key()
    replay = replay_or_none(db(), g.api_client.id, key)
    if replay is not None:
        return replay
    m = _member(member_id)
    data = _body()
    if data.get("confirm") != "ERASE":
        raise ApiError(422, "invalid", "send {\"confirm\": \"ERASE\"}: erasure cannot be undone")
    session = db()
    try:
        counts = erase_member(session, m)
    except MemberActionError as exc:
        raise ApiError(409, "already_erased", str(exc)) from None
    audit.record(session, actor=_actor(), actor_kind="api", action="member.erase", target_type="member",
                 target_id=m.id, before={"erased": False}, after={"erased": True, **counts}, ip=request.remote_addr,
                 note="DPDP erasure through the API; ledger kept under the pseudonymous account")
    body = {"member_id": m.id, "status": "erased",
            "erased_at": m.erased_at.isoformat() if m.erased_at else utcnow().isoformat(),
            "removed": {k: int(v) for k, v in counts.items()}}
    return store_response(session, g.api_client.id, key, 200, body)


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100 or not key.isprintable() or not key.isascii():
        raise ApiError(400, "idempotency_key_required",
                       "writes that move points or change a member need an Idempotency-Key header "
                       "(1-100 printable ASCII characters)")
    return key


@bp.get("/claims")
def claims() -> Response:
    status = request.args.get("status", ClaimStatus.REVIEW.value)
    kind = request.args.get("kind", "invoice")
    if status not in {s.value for s in ClaimStatus} or kind not in ("invoice", "coupon"):
        raise ApiError(400, "bad_request", "status is review|credited|rejected and kind is invoice|coupon")
    page, per_page = page_args(request.args)
    model = InvoiceClaim if kind == "invoice" else CouponRedemption
    stmt = select(model).where(model.status == status).order_by(model.id)
    return jsonify(page_json(db(), stmt, page, per_page, claim_json))


def _claim(ref: str) -> Any:
    kind, number = parse_ref(ref)
    found = db().get(InvoiceClaim if kind == "I" else CouponRedemption, number)
    if found is None:
        raise ApiError(404, "not_found", f"no claim {ref}")
    return found


@bp.get("/claims/<ref>")
def claim(ref: str) -> Response:
    return jsonify(claim_json(_claim(ref)))


@bp.post("/claims/<ref>/decision")
def claim_decision(ref: str) -> tuple[Response, int]:
    key = _idempotency_key()
    replay = replay_or_none(db(), g.api_client.id, key)
    if replay is not None:
        return replay
    found = _claim(ref)
    data = _body()
    decision, reason_code = data.get("decision"), data.get("reason_code")
    note = data.get("note")
    if decision not in ("approve", "reject"):
        raise ApiError(422, "invalid", "decision is approve or reject")
    if reason_code is not None and reason_code not in REJECTION_REASONS:
        raise ApiError(422, "invalid", f"reason_code is one of {', '.join(REJECTION_REASONS)}")
    if note is not None and (not isinstance(note, str) or len(note) > 500 or "\x00" in note):
        raise ApiError(422, "invalid", "note is text of at most 500 characters")
    if decision == "reject" and not reason_code and not (note or "").strip():
        raise ApiError(422, "invalid", "a rejection needs reason_code or note (the member is told why)")
    session = db()
    ref = ref.upper()
    before = {"status": found.status, "points": found.points}
    try:
        row = decide(session, ref, approve=decision == "approve", admin=_actor(), note=(note or "").strip() or None,
                     support_phone=current_app.config["PROGRAM"].support_phone,
                     reason_code=reason_code if decision == "reject" else None)
    except ClaimAlreadyDecided:
        raise ApiError(409, "already_decided", f"{ref} is not waiting for review") from None
    except UnknownClaim:
        raise ApiError(404, "not_found", f"no claim {ref}") from None
    audit.record(session, actor=_actor(), actor_kind="api", action=f"claim.{decision}", target_type="claim",
                 target_id=ref, before=before, after={"status": found.status, "points": found.points,
                                                      "reason": reason_code, "note": note}, ip=request.remote_addr)
    result = store_response(session, g.api_client.id, key, 200, claim_json(found))
    if row is not None:
        from admin.web import send_soon

        send_soon(row.contact_id)
    return result


@bp.get("/batches")
def batches() -> Response:
    page, per_page = page_args(request.args)
    return jsonify(page_json(db(), select(CouponBatch).order_by(CouponBatch.id.desc()), page, per_page,
                             lambda b: batch_json(db(), b)))


def _batch(batch_id: int) -> CouponBatch:
    found = db().get(CouponBatch, _id(batch_id))
    if found is None:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return found


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Response:
    return jsonify(batch_json(db(), _batch(batch_id)))


@bp.post("/batches")
def batch_create() -> tuple[Response, int]:
    data = _body()
    sku, name = data.get("sku"), data.get("name")
    points, count = data.get("points"), data.get("count")
    regions = data.get("regions", [])
    if not isinstance(sku, str) or not 1 <= len(sku.strip()) <= 40 or "\x00" in sku:
        raise ApiError(422, "invalid", "sku is 1-40 characters")
    if name is not None and (not isinstance(name, str) or len(name) > 80 or "\x00" in name):
        raise ApiError(422, "invalid", "name is at most 80 characters")
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 100_000:
        raise ApiError(422, "invalid", "points is an integer 1-100000")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 200_000:
        raise ApiError(422, "invalid", "count is an integer 1-200000")
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise ApiError(422, "invalid", "regions is a list of PIN prefixes")
    try:
        prefixes = parse_regions(",".join(regions))
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    session = db()
    created = create_batch(session, sku=sku.strip(), points=points, count=count,
                           name=(name or "").strip() or None, regions=prefixes)
    audit.record(session, actor=_actor(), actor_kind="api", action="batch.issue", target_type="batch",
                 target_id=created.id, after={"sku": created.sku, "points": points, "count": count,
                                              "regions": prefixes}, ip=request.remote_addr)
    session.commit()
    return jsonify(batch_json(session, created)), 201


@bp.post("/batches/<int:batch_id>/void")
def batch_void(batch_id: int) -> Response:
    found = _batch(batch_id)
    data = _body()
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 255 or "\x00" in reason:
        raise ApiError(422, "invalid", "reason is required (1-255 characters)")
    session = db()
    was = found.voided_at is not None
    void_batch(session, found.id, reason.strip())
    audit.record(session, actor=_actor(), actor_kind="api", action="batch.void", target_type="batch",
                 target_id=found.id, before={"voided": was}, after={"voided": True, "reason": reason.strip()},
                 ip=request.remote_addr)
    session.commit()
    return jsonify(batch_json(session, found))
