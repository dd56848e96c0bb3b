"""Field reps: create, enrollment link and QR poster, their members and claims; a rep's own page."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from sqlalchemy import func, select

from admin import audit
from admin.auth import requires
from admin.views_members import COLUMNS as MEMBER_COLUMNS
from admin.views_members import _with_balances
from admin.web import Column, actor, bp, db, ip, mask_phone, render, table
from bot.phones import normalize_phone
from bot.poster import enrollment_link, write_poster
from storage.claim_models import CouponRedemption, InvoiceClaim
from storage.models import Member, Rep
from storage.reps import RepExists, add_rep

COLUMNS = [Column("code", "Code"), Column("name", "Name"), Column("phone", "Phone"),
           Column("members", "Members", "num"), Column("created_at", "Since", "time")]


def _row(r: Any) -> dict[str, Any]:
    rep, members = r
    return {"code": rep.code, "name": rep.name, "phone": rep.phone, "members": members, "created_at": rep.created_at,
            "_href": url_for("admin.rep", rep_id=rep.id)}


@bp.route("/reps")
@requires("reps")
def reps() -> Response | str:
    count = select(func.count()).where(Member.rep_id == Rep.id).scalar_subquery()
    result = table(db(), select(Rep, count).order_by(Rep.id.desc()), _row, COLUMNS, "reps.csv")
    if isinstance(result, Response):
        return result
    return render("admin/reps.html", title="Field reps", active="reps", page=result, columns=COLUMNS)


@bp.route("/reps/new", methods=["POST"])
@requires("reps", write=True)
def rep_create() -> Response:
    name = (request.form.get("name") or "").strip()[:120]
    try:
        phone = normalize_phone(request.form.get("phone") or "")
    except ValueError as exc:
        flash(f"Not created: {exc}", "error")
        return redirect(url_for("admin.reps"))
    if len(name) < 2:
        flash("Not created: give the rep's name.", "error")
        return redirect(url_for("admin.reps"))
    session = db()
    try:
        rep = add_rep(session, name, phone)
    except RepExists:
        session.rollback()
        flash(f"A rep with phone {phone} already exists.", "error")
        return redirect(url_for("admin.reps"))
    audit.record(session, actor=actor(), action="rep.create", target_type="rep", target_id=rep.id,
                 after={"name": name, "phone": mask_phone(phone), "code": rep.code}, ip=ip())
    session.commit()
    flash(f"Rep {name} created with code {rep.code}. Share the link or print the poster.", "ok")
    return redirect(url_for("admin.rep", rep_id=rep.id))


def _rep_page(rep: Rep, *, own: bool) -> Response | str:
    stmt = select(Member).where(Member.rep_id == rep.id, Member.erased_at.is_(None)).order_by(Member.id.desc())
    members = table(db(), stmt, lambda r: _masked(_with_balances([r])[0], own), MEMBER_COLUMNS,
                    f"rep-{rep.code}-members.csv")
    if isinstance(members, Response):
        return members
    member_ids = select(Member.id).where(Member.rep_id == rep.id)
    claims = {
        "coupons": db().scalar(select(func.count()).select_from(CouponRedemption)
                               .where(CouponRedemption.member_id.in_(member_ids))) or 0,
        "invoices": db().scalar(select(func.count()).select_from(InvoiceClaim)
                                .where(InvoiceClaim.member_id.in_(member_ids))) or 0,
    }
    recent = db().execute(select(InvoiceClaim.id, InvoiceClaim.status, InvoiceClaim.points, InvoiceClaim.created_at,
                                 Member.name).join(Member, Member.id == InvoiceClaim.member_id)
                          .where(Member.rep_id == rep.id).order_by(InvoiceClaim.id.desc()).limit(10)).all()
    link = enrollment_link(current_app.config["TWILIO_WHATSAPP_FROM"], rep.code)
    return render("admin/rep.html", title=f"{rep.name} ({rep.code})", active="mine" if own else "reps", rep=rep,
                  link=link, members=members, member_columns=MEMBER_COLUMNS, claims=claims, recent=recent, own=own)


def _masked(row: dict[str, Any], own: bool) -> dict[str, Any]:
    if own:  # a rep sees their members' numbers masked and no links into the admin profile
        row["phone"] = mask_phone(row["phone"])
        row.pop("_href", None)
    return row


@bp.route("/reps/<int:rep_id>")
@requires("reps")
def rep(rep_id: int) -> Response | str:
    found = db().get(Rep, rep_id)
    if found is None:
        abort(404)
    return _rep_page(found, own=False)


@bp.route("/mine")
def mine() -> Response | str:
    user = g.admin_user
    if user is None:
        return redirect(url_for("admin.login", next=request.full_path))
    if user.role != "rep" or user.rep_id is None:
        abort(403)
    found = db().get(Rep, user.rep_id)
    if found is None:
        abort(404)
    return _rep_page(found, own=True)


@bp.route("/reps/<int:rep_id>/poster.png")
def rep_poster(rep_id: int) -> Response:
    user = g.admin_user
    if user is None:
        abort(403)
    allowed = user.role in ("admin", "reviewer") or (user.role == "rep" and user.rep_id == rep_id)
    found = db().get(Rep, rep_id)
    if not allowed:
        abort(403)
    if found is None:
        abort(404)
    link = enrollment_link(current_app.config["TWILIO_WHATSAPP_FROM"], found.code)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_poster(Path(tmp) / "poster.png", link=link, program_name=current_app.config["PROGRAM"].name,
                            rep_name=found.name, rep_code=found.code)
        data = path.read_bytes()
    return send_file(io.BytesIO(data), mimetype="image/png", download_name=f"rep-{found.code}.png",
                     as_attachment=request.args.get("download") == "1")
