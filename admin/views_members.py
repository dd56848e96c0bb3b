"""Members: search, profile (statement, claims, redemptions, masked KYC), adjust, block, erase."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from sqlalchemy import select

from admin import audit
from admin.auth import requires
from admin.members import MemberActionError, adjust, erase_member, search, set_blocked
from admin.views_payouts import kyc_summary, redemptions_of
from admin.web import Column, actor, bp, db, ip, mask_phone, mask_upi, render, table
from storage import ledger
from storage.claim_models import CouponRedemption, InvoiceClaim
from storage.exceptions import LedgerError
from storage.ledger_models import Account, Entry, Transfer
from storage.messaging_models import Handoff
from storage.models import Contact, Member

COLUMNS = [Column("id", "Member", "num"), Column("name", "Name"), Column("phone", "Phone"), Column("role", "Trade"),
           Column("pin_code", "PIN"), Column("rep", "Rep"), Column("balance", "Balance (pts)", "num"),
           Column("status", "Status", "badge"), Column("created_at", "Joined", "time")]
STATEMENT = [Column("created_at", "When", "time"), Column("reason", "What"), Column("reference", "Reference"),
             Column("memo", "Note"), Column("amount", "Points", "num"), Column("balance_after", "Balance", "num")]


REASONS = {"welcome_bonus": "Welcome bonus", "qr_claim": "Coupon scan", "invoice_claim": "Invoice",
           "adjustment": "Manual adjustment", "reversal": "Reversal", "redemption": "Redemption",
           "expiry": "Points expired", "hold": "Held for a payout", "hold_void": "Payout returned"}


def _line(r: Any) -> dict[str, Any]:
    row = dict(r._mapping)
    row["reason"] = REASONS.get(row["reason"], str(row["reason"]).replace("_", " ").capitalize())
    return row


def _status(m: Member) -> str:
    return "erased" if m.erased_at else "blocked" if m.blocked_at else "active"


def member_row(m: Member, balances: dict[int, int] | None = None) -> dict[str, Any]:
    return {"id": m.id, "name": m.name or "—", "phone": m.phone, "role": m.role, "pin_code": m.pin_code,
            "rep": m.rep.code if m.rep else "", "balance": (balances or {}).get(m.account_id or 0),
            "status": _status(m), "created_at": m.created_at, "_href": url_for("admin.member", member_id=m.id)}


def _with_balances(rows: list[Any]) -> list[dict[str, Any]]:
    members = [r[0] for r in rows]
    ids = [m.account_id for m in members if m.account_id]
    balances = dict(db().execute(select(Account.id, Account.balance).where(Account.id.in_(ids))).all()) if ids else {}
    return [member_row(m, balances) for m in members]


@bp.route("/members")
@requires("members")
def members() -> Response | str:
    q, rep = request.args.get("q", ""), request.args.get("rep", "")
    stmt = search(q, rep, include_erased=request.args.get("erased") == "1")
    result = table(db(), stmt, lambda r: _with_balances([r])[0], COLUMNS, "members.csv")
    if isinstance(result, Response):
        return result
    return render("admin/members.html", title="Members", active="members", page=result, columns=COLUMNS, q=q, rep=rep)


def _member(member_id: int) -> Member:
    member = db().get(Member, member_id)
    if member is None:
        abort(404)
    return member


@bp.route("/members/<int:member_id>")
@requires("members")
def member(member_id: int) -> Response | str:
    m = _member(member_id)
    session = db()
    stmt = (select(Entry.created_at, Entry.amount, Entry.balance_after, Transfer.reason, Transfer.reference,
                   Transfer.memo).join(Transfer, Transfer.id == Entry.transfer_id)
            .where(Entry.account_id == (m.account_id or 0)).order_by(Entry.seq.desc()))
    statement = table(session, stmt, _line, STATEMENT, f"member-{m.id}-statement.csv")
    if isinstance(statement, Response):
        return statement
    invoices = session.scalars(select(InvoiceClaim).where(InvoiceClaim.member_id == m.id)
                               .order_by(InvoiceClaim.id.desc()).limit(20)).all()
    coupons = session.scalars(select(CouponRedemption).where(CouponRedemption.member_id == m.id)
                              .order_by(CouponRedemption.id.desc()).limit(20)).all()
    contact = session.scalar(select(Contact).where(Contact.member_id == m.id))
    handoffs = session.scalars(select(Handoff).where(Handoff.member_id == m.id)
                               .order_by(Handoff.id.desc()).limit(5)).all()
    balance = ledger.balance(session, m.account_id) if m.account_id else 0
    return render("admin/member.html", title=m.name or f"Member #{m.id}", active="members", m=m,
                  statement=statement, statement_columns=STATEMENT, invoices=invoices, coupons=coupons,
                  contact=contact, balance=balance, status=_status(m), handoffs=handoffs,
                  rupees_value=current_app.config["PROGRAM"].paise_for(balance),
                  phone_shown=mask_phone(m.phone) if g.admin_user.role != "admin" else m.phone,
                  upi_masked=mask_upi(m.upi_id), nonce=uuid.uuid4().hex, kyc=kyc_summary(session, m.id),
                  redemptions=redemptions_of(session, m.id) if redemptions_of(session, m.id) is not None
                  else _redemptions(m))


def _redemptions(m: Member) -> list[dict[str, Any]]:
    """Points that left the member's account to be paid out (shown until the payouts area lands)."""
    if not m.account_id:
        return []
    targets = db().scalars(select(Account.id).where(Account.code.in_([ledger.REDEMPTION, ledger.HOLDS]))).all()
    if not targets:
        return []
    rows = db().execute(select(Transfer).where(Transfer.source_account_id == m.account_id,
                                               Transfer.dest_account_id.in_(targets))
                        .order_by(Transfer.id.desc()).limit(20)).scalars().all()
    return [{"when": t.created_at, "points": t.points, "reference": t.reference, "reason": t.reason} for t in rows]


@bp.route("/members/<int:member_id>/adjust", methods=["POST"])
@requires("members", write=True)
def member_adjust(member_id: int) -> Response:
    m = _member(member_id)
    session = db()
    try:
        points = int((request.form.get("points") or "").replace(",", "").strip())
    except ValueError:
        flash("Points must be a whole number (negative to debit).", "error")
        return redirect(url_for("admin.member", member_id=member_id))
    reason = request.form.get("reason") or ""
    nonce = (request.form.get("nonce") or uuid.uuid4().hex)[:64]
    before = ledger.balance(session, m.account_id) if m.account_id else 0
    try:
        transfer = adjust(session, m, points, reason=reason, actor=actor(), idempotency_key=f"admin-adjust:{nonce}")
        after = ledger.balance(session, m.account_id or 0)
        audit.record(session, actor=actor(), action="member.adjust", target_type="member", target_id=m.id,
                     before={"balance": before}, after={"balance": after, "points": points, "transfer": transfer.id},
                     note=reason.strip(), ip=ip())
        session.commit()
        flash(f"Balance adjusted by {points:+,} points (transfer #{transfer.id}). New balance: {after:,}.", "ok")
    except (MemberActionError, LedgerError) as exc:
        session.rollback()
        flash(f"Not adjusted: {_why(exc)}", "error")
    return redirect(url_for("admin.member", member_id=member_id))


def _why(exc: Exception) -> str:
    if isinstance(exc, ledger.InsufficientPoints):
        return "the member does not have that many points"
    if isinstance(exc, ledger.IdempotencyConflict):
        return "this form was already used for another adjustment; reload the page"
    return str(exc) or exc.__class__.__name__


@bp.route("/members/<int:member_id>/block", methods=["POST"])
@requires("members", write=True)
def member_block(member_id: int) -> Response:
    m = _member(member_id)
    blocked = request.form.get("action") == "block"
    session = db()
    try:
        before = set_blocked(m, blocked, request.form.get("reason") or "")
    except MemberActionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.member", member_id=member_id))
    audit.record(session, actor=actor(), action="member.block" if blocked else "member.unblock", target_type="member",
                 target_id=m.id, before=before, after={"blocked": blocked, "reason": m.block_reason}, ip=ip())
    session.commit()
    flash("Member blocked: claims and redemptions are refused." if blocked else "Member unblocked.", "ok")
    return redirect(url_for("admin.member", member_id=member_id))


@bp.route("/members/<int:member_id>/erase", methods=["POST"])
@requires("users", write=True)
def member_erase(member_id: int) -> Response:
    m = _member(member_id)
    if (request.form.get("confirm") or "").strip().upper() != "ERASE":
        flash("Type ERASE to confirm: this cannot be undone.", "error")
        return redirect(url_for("admin.member", member_id=member_id))
    session = db()
    try:
        counts = erase_member(session, m)
    except MemberActionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.member", member_id=member_id))
    audit.record(session, actor=actor(), action="member.erase", target_type="member", target_id=m.id,
                 before={"erased": False}, after={"erased": True, **counts}, ip=ip(),
                 note="DPDP erasure by an admin; ledger kept under the pseudonymous account")
    session.commit()
    flash("Personal data erased. The member's ledger stays, under a pseudonymous account.", "ok")
    return redirect(url_for("admin.member", member_id=member_id))
