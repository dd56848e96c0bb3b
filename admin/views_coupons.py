"""Coupons: batches with their scans, issue (the same path as `inaam qr issue`), labels, CSV, void."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, send_file, url_for
from sqlalchemy import func, select

from admin import audit, charts
from admin.auth import requires
from admin.queries import ist_day, since_ist_midnight
from admin.regions import circle
from admin.web import Column, actor, bp, db, ip, render, table
from claims.coupons import batch_codes, create_batch, parse_regions, void_batch
from claims.sheets import Label, write_csv, write_sheet_pdf
from storage.claim_models import ClaimStatus, CouponBatch, CouponRedemption
from storage.models import Member

WEB_MAX_COUNT = 200_000
COLUMNS = [Column("id", "Batch", "num"), Column("name", "Name"), Column("sku", "SKU"),
           Column("points", "Points", "num"), Column("count", "Coupons", "num"),
           Column("scanned", "Scanned", "num"), Column("regions", "Regions"),
           Column("status", "Status", "badge"), Column("created_at", "Issued", "time")]


def _scanned(batch_ids: list[int]) -> dict[int, int]:
    if not batch_ids:
        return {}
    rows = db().execute(select(CouponRedemption.batch_id, func.count()).where(
        CouponRedemption.batch_id.in_(batch_ids), CouponRedemption.status == ClaimStatus.CREDITED.value)
        .group_by(CouponRedemption.batch_id)).all()
    return {int(b): int(n) for b, n in rows}


def _row(r: Any) -> dict[str, Any]:
    b: CouponBatch = r[0]
    return {"id": b.id, "name": b.name, "sku": b.sku, "points": b.points, "count": b.count,
            "scanned": _scanned([b.id]).get(b.id, 0), "regions": ", ".join(b.regions or []) or "all India",
            "status": "voided" if b.voided_at else "active", "created_at": b.created_at,
            "_href": url_for("admin.coupon_batch", batch_id=b.id)}


@bp.route("/coupons")
@requires("coupons")
def coupons() -> Response | str:
    result = table(db(), select(CouponBatch).order_by(CouponBatch.id.desc()), _row, COLUMNS, "coupon-batches.csv")
    if isinstance(result, Response):
        return result
    return render("admin/coupons.html", title="Coupons", active="coupons", page=result, columns=COLUMNS,
                  max_count=WEB_MAX_COUNT)


@bp.route("/coupons/issue", methods=["POST"])
@requires("coupons", write=True)
def coupon_issue() -> Response:
    form = request.form
    try:
        points, count = int(form.get("points", "")), int(form.get("count", "").replace(",", ""))
        regions = parse_regions(form.get("regions", ""))
    except ValueError as exc:
        flash(f"Not issued: {exc if 'PIN' in str(exc) else 'points and count must be whole numbers'}", "error")
        return redirect(url_for("admin.coupons"))
    sku = (form.get("sku") or "").strip()[:40]
    if not sku or not 1 <= points <= 100_000 or not 1 <= count <= WEB_MAX_COUNT:
        flash(f"Not issued: give a SKU, 1–1,00,000 points and 1–{WEB_MAX_COUNT:,} coupons.", "error")
        return redirect(url_for("admin.coupons"))
    session = db()
    name = (form.get("name") or "").strip()[:80] or None
    batch = create_batch(session, sku=sku, points=points, count=count, name=name, regions=regions)
    audit.record(session, actor=actor(), action="batch.issue", target_type="batch", target_id=batch.id,
                 after={"sku": sku, "points": points, "count": count, "regions": regions, "name": batch.name}, ip=ip())
    session.commit()
    flash(f"Batch {batch.id} issued: {count:,} coupons of {points:,} points. Download the labels below.", "ok")
    return redirect(url_for("admin.coupon_batch", batch_id=batch.id))


def _batch(batch_id: int) -> CouponBatch:
    batch = db().get(CouponBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/coupons/<int:batch_id>")
@requires("coupons")
def coupon_batch(batch_id: int) -> str:
    batch = _batch(batch_id)
    session = db()
    day = ist_day(session, CouponRedemption.created_at)
    rows = session.execute(select(day, func.count()).where(
        CouponRedemption.batch_id == batch.id, CouponRedemption.created_at >= since_ist_midnight(30))
        .group_by(day)).all()
    from admin.queries import days_back

    found = {str(d): int(n) for d, n in rows}
    series = [(d, found.get(d, 0)) for d in days_back(30)]
    prefix = func.substr(Member.pin_code, 1, 2)
    by_prefix = session.execute(select(prefix, func.count()).select_from(CouponRedemption)
                                .join(Member, Member.id == CouponRedemption.member_id)
                                .where(CouponRedemption.batch_id == batch.id).group_by(prefix)).all()
    regions: dict[str, int] = {}
    for p, n in by_prefix:
        regions[circle(p)] = regions.get(circle(p), 0) + int(n)
    by_status = dict(session.execute(select(CouponRedemption.status, func.count())
                                     .where(CouponRedemption.batch_id == batch.id)
                                     .group_by(CouponRedemption.status)).all())
    region_items = sorted(regions.items(), key=lambda kv: -kv[1])
    return render("admin/coupon_batch.html", title=f"Batch {batch.id}: {batch.name}", active="coupons", batch=batch,
                  chart=charts.bars(series, label="Scans per day (IST)", color="#0ea5e9"),
                  region_chart=charts.hbars(region_items, label="Scans by region") if region_items else None,
                  regions=region_items, by_status=by_status, total=sum(int(v) for v in by_status.values()))


def _labels(batch: CouponBatch) -> list[Label]:
    return [Label(code.text, batch.sku, batch.points) for code in batch_codes(current_app.config["COUPON_SECRET"],
                                                                               batch)]


@bp.route("/coupons/<int:batch_id>/codes.csv")
@requires("coupons", write=True)
def coupon_csv(batch_id: int) -> Response:
    batch = _batch(batch_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "codes.csv"
        write_csv(path, _labels(batch))
        data = path.read_bytes()
    audit.record(db(), actor=actor(), action="batch.download_csv", target_type="batch", target_id=batch.id, ip=ip())
    db().commit()
    return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=f"batch-{batch.id}.csv")


@bp.route("/coupons/<int:batch_id>/labels.pdf")
@requires("coupons", write=True)
def coupon_pdf(batch_id: int) -> Response:
    batch = _batch(batch_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labels.pdf"
        write_sheet_pdf(path, _labels(batch), program_name=current_app.config["PROGRAM"].name)
        data = path.read_bytes()
    audit.record(db(), actor=actor(), action="batch.download_labels", target_type="batch", target_id=batch.id, ip=ip())
    db().commit()
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"batch-{batch.id}.pdf")


@bp.route("/coupons/<int:batch_id>/void", methods=["POST"])
@requires("coupons", write=True)
def coupon_void(batch_id: int) -> Response:
    batch = _batch(batch_id)
    reason = (request.form.get("reason") or "").strip()[:255]
    if not reason:
        flash("Say why the batch is voided.", "error")
        return redirect(url_for("admin.coupon_batch", batch_id=batch_id))
    session = db()
    before = {"voided": batch.voided_at is not None}
    void_batch(session, batch.id, reason)
    audit.record(session, actor=actor(), action="batch.void", target_type="batch", target_id=batch.id, before=before,
                 after={"voided": True, "reason": reason}, ip=ip())
    session.commit()
    flash(f"Batch {batch.id} voided: its unclaimed codes no longer earn points.", "ok")
    return redirect(url_for("admin.coupon_batch", batch_id=batch_id))
