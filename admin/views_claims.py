"""Claims review: the queue, one claim with its photo and readings, corrections and decisions."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from sqlalchemy import select

from admin import audit
from admin.auth import requires
from admin.web import Column, actor, bp, db, ip, render, send_soon, table
from bot.i18n import translate
from claims.codes import printed
from claims.corrections import EDITABLE, CorrectionError, correct
from claims.exceptions import ClaimError
from claims.review import REJECTION_REASONS, decide, reason_msgid
from storage.claim_models import ClaimStatus, CouponBatch, CouponRedemption, InvoiceClaim
from storage.models import Media, Member

REASON_HELP = {
    "uncertain_reading": "The reader was not certain of every field",
    "velocity": "Many claims in a short time from this member",
    "similar_image": "Looks like a picture already sent (near-duplicate image)",
    "supplier_not_registered": "Supplier GSTIN is not a registered distributor",
    "future_date": "Invoice date is in the future",
    "too_old": "Invoice is older than the claim window",
    "zero_total": "Total read as zero",
    "no_points": "Earns no points as read",
    "daily_cap_reached": "Member reached the daily points cap",
    "review_region": "Coupon scanned outside the batch's region",
    "review_velocity": "Too many scans in a short time (member or batch)",
    "total_unconfirmed": "Total not confirmed by the tax lines or amount in words",
    "supplier_gstin_invalid": "Supplier GSTIN fails its check character",
    "invoice_date_implausible": "Invoice date looks implausible",
    "einvoice_unverified": "E-invoice QR not verified",
    "buyer_unread": "Buyer GSTIN could not be read (is it this member's firm?)",
    "not_your_invoice": "Buyer GSTIN is not the member's registered GSTIN",
    "gstin_shared": "Another member registered the same GSTIN",
    "role_cannot_claim": "This member's trade cannot claim invoices",
    "no_gstin_registered": "Member has no GSTIN registered",
}
REASON_LABELS = {
    "unreadable": "Photo not readable", "incomplete": "Invoice incomplete", "duplicate": "Already claimed",
    "not_registered_supplier": "Not a registered supplier", "too_old": "Too old",
    "amount_mismatch": "Amount does not match", "outside_region": "Outside the coupon's region",
    "failed_checks": "Did not pass checks",
}
INVOICE_REASONS = [r for r in REJECTION_REASONS if r != "outside_region"]
COUPON_REASONS = ["outside_region", "duplicate", "failed_checks"]
FIELD_LABELS = {"supplier_gstin": "Supplier GSTIN", "invoice_number": "Invoice number", "invoice_date": "Invoice date",
                "total_paise": "Grand total", "buyer_gstin": "Buyer GSTIN"}


def explain(reason: str) -> str:
    if reason in REASON_HELP:
        return REASON_HELP[reason]
    for suffix, text in (("_unsure", "not sure of"), ("_missing", "could not find")):
        if reason.endswith(suffix):
            return f"Reader {text} the {FIELD_LABELS.get(reason[: -len(suffix)], reason[: -len(suffix)])}"
    if reason.startswith("missing_"):
        return "Missing: " + reason[len("missing_"):].replace("_", ", ")
    return reason.replace("_", " ").capitalize()


COLUMNS = [Column("ref", "Claim"), Column("kind", "Type"), Column("member", "Member"), Column("summary", "What"),
           Column("points", "Points", "num"), Column("reasons", "Waiting because"),
           Column("created_at", "Received", "time"), Column("status", "Status", "badge")]


def _invoice_row(r: Any) -> dict[str, Any]:
    claim, member = r
    return {"ref": f"I{claim.id}", "kind": "Invoice", "member": member.name or f"member #{member.id}",
            "summary": f"{claim.invoice_number or '?'} · {claim.supplier_gstin or '?'}", "points": claim.points,
            "reasons": ", ".join(explain(x) for x in (claim.reasons or [])), "created_at": claim.created_at,
            "status": claim.status, "_href": url_for("admin.claim", ref=f"I{claim.id}")}


def _coupon_row(r: Any) -> dict[str, Any]:
    row, member = r
    return {"ref": f"C{row.id}", "kind": "Coupon", "member": member.name or f"member #{member.id}",
            "summary": printed(row.code), "points": row.points, "reasons": explain(row.review_reason or ""),
            "created_at": row.created_at, "status": row.status, "_href": url_for("admin.claim", ref=f"C{row.id}")}


@bp.route("/claims")
@requires("claims")
def claims() -> Response | str:
    kind = request.args.get("kind", "invoice")
    status = request.args.get("status", ClaimStatus.REVIEW.value)
    if status not in {s.value for s in ClaimStatus}:
        status = ClaimStatus.REVIEW.value
    if kind == "coupon":
        stmt = (select(CouponRedemption, Member).join(Member, Member.id == CouponRedemption.member_id)
                .where(CouponRedemption.status == status).order_by(CouponRedemption.id))
        result = table(db(), stmt, _coupon_row, COLUMNS, f"claims-coupons-{status}.csv")
    else:
        kind = "invoice"
        stmt = (select(InvoiceClaim, Member).join(Member, Member.id == InvoiceClaim.member_id)
                .where(InvoiceClaim.status == status).order_by(InvoiceClaim.id))
        result = table(db(), stmt, _invoice_row, COLUMNS, f"claims-invoices-{status}.csv")
    if isinstance(result, Response):
        return result
    return render("admin/claims.html", title="Claims review", active="claims", page=result, columns=COLUMNS,
                  kind=kind, status=status)


def _load(ref: str) -> tuple[Any, Member]:
    kind, number = ref[:1].upper(), ref[1:]
    if kind not in ("I", "C") or not number.isdigit():
        abort(404)
    claim = db().get(InvoiceClaim if kind == "I" else CouponRedemption, int(number))
    if claim is None:
        abort(404)
    member = db().get(Member, claim.member_id)
    assert member is not None
    return claim, member


def _next_ref(claim: Any) -> str | None:
    model = type(claim)
    nxt = db().scalar(select(model.id).where(model.status == ClaimStatus.REVIEW.value, model.id != claim.id)
                      .order_by(model.id).limit(1))
    if nxt is None:
        return None
    return ("I" if model is InvoiceClaim else "C") + str(nxt)


@bp.route("/claims/<ref>")
@requires("claims")
def claim(ref: str) -> str:
    claim, member = _load(ref)
    reading = claim.reading if isinstance(claim, InvoiceClaim) else {}
    fields = []
    if isinstance(claim, InvoiceClaim):
        candidates = reading.get("candidates") if isinstance(reading.get("candidates"), dict) else {}
        for name in ("supplier_gstin", "invoice_number", "invoice_date", "total_paise", "buyer_gstin"):
            read = reading.get(name) if isinstance(reading.get(name), dict) else {}
            seen = candidates.get(name)
            fields.append({"name": name, "label": FIELD_LABELS[name], "value": getattr(claim, name),
                           "read": read.get("value"), "confidence": read.get("confidence"),
                           "source": read.get("source"), "editable": name in EDITABLE,
                           "candidates": [str(c) for c in seen] if isinstance(seen, list) else []})
        reasons = list(claim.reasons or [])
        batch = None
    else:
        reasons = [claim.review_reason] if claim.review_reason else []
        batch = db().get(CouponBatch, claim.batch_id)
    media_id = claim.media_id
    is_pdf = False
    if media_id:
        ctype = db().scalar(select(Media.content_type).where(Media.id == media_id)) or ""
        is_pdf = ctype == "application/pdf"
    lang = member.lang
    codes = INVOICE_REASONS if isinstance(claim, InvoiceClaim) else COUPON_REASONS
    reason_choices = [(code, REASON_LABELS[code], translate(lang, reason_msgid(code))) for code in codes]
    return render("admin/claim.html", title=f"Claim {ref.upper()}", active="claims", claim=claim, member=member,
                  ref=ref.upper(), fields=fields, reasons=[(r, explain(r)) for r in reasons], batch=batch,
                  media_id=media_id, is_pdf=is_pdf, reason_choices=reason_choices, next_ref=_next_ref(claim),
                  is_invoice=isinstance(claim, InvoiceClaim), printed_code=printed(getattr(claim, "code", "") or "")
                  if not isinstance(claim, InvoiceClaim) else "")


@bp.route("/claims/<ref>/correct", methods=["POST"])
@requires("claims", write=True)
def claim_correct(ref: str) -> Response:
    claim, _member = _load(ref)
    if not isinstance(claim, InvoiceClaim):
        abort(400, "Only invoice readings can be corrected.")
    name = request.form.get("field", "")
    session = db()
    try:
        old, new = correct(session, claim.id, name, request.form.get("value", ""), current_app.config["PROGRAM"])
        audit.record(session, actor=actor(), action="claim.correct", target_type="claim", target_id=ref.upper(),
                     before={name: old}, after={name: new, "points": claim.points}, ip=ip())
        session.commit()
        flash(f"{FIELD_LABELS.get(name, name)} corrected; the claim now earns {claim.points:,} points.", "ok")
    except (CorrectionError, ClaimError) as exc:
        session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("admin.claim", ref=ref))


@bp.route("/claims/<ref>/decide", methods=["POST"])
@requires("claims", write=True)
def claim_decide(ref: str) -> Response:
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400, "Choose approve or reject.")
    reason_code = request.form.get("reason_code") or None
    note = (request.form.get("note") or "").strip()[:500] or None
    if reason_code is not None and reason_code not in REJECTION_REASONS:
        abort(400, "Unknown reason.")
    if decision == "reject" and not reason_code and not note:
        flash("Choose a reason or write one: the member is told why.", "error")
        return redirect(url_for("admin.claim", ref=ref))
    session = db()
    claim, _member = _load(ref)
    before = {"status": claim.status, "points": claim.points}
    try:
        row = decide(session, ref, approve=decision == "approve", admin=actor(), note=note,
                     support_phone=current_app.config["PROGRAM"].support_phone,
                     reason_code=reason_code if decision == "reject" else None)
        audit.record(session, actor=actor(), action=f"claim.{decision}", target_type="claim", target_id=ref.upper(),
                     before=before, after={"status": claim.status, "points": claim.points,
                                           "reason": reason_code, "note": note}, ip=ip())
        contact_id = row.contact_id if row else None
        session.commit()
    except ClaimError as exc:
        session.rollback()
        flash(f"{ref.upper()} was not changed: {exc}", "error")
        return redirect(url_for("admin.claim", ref=ref))
    if contact_id is not None:
        send_soon(contact_id)
    flash(f"{ref.upper()} {'approved' if decision == 'approve' else 'rejected'}; the member has been notified.", "ok")
    nxt = _next_ref(claim)
    return redirect(url_for("admin.claim", ref=nxt) if nxt else url_for("admin.claims"))


@bp.route("/media/<int:media_id>")
@requires("claims")
def media(media_id: int) -> Response:
    row = db().get(Media, media_id)
    if row is None or row.data is None:
        abort(404)
    return Response(row.data, mimetype=row.content_type or "application/octet-stream",
                    headers={"Cache-Control": "private, max-age=300",
                             "Content-Disposition": f'inline; filename="media-{media_id}"'})
