"""Console users and API clients (admins only): create, change role, deactivate, reset; tokens."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from sqlalchemy import select

from admin import audit
from admin.auth import UserError, create_user, hash_password, requires
from admin.sessions import end_sessions_of
from admin.web import Column, actor, bp, db, ip, render, table
from api.tokens import SCOPES, create_client, revoke
from storage.admin_models import AdminRole, AdminUser, ApiClient
from storage.models import Rep

COLUMNS = [Column("email", "E-mail"), Column("name", "Name"), Column("role", "Role", "badge"), Column("rep", "Rep"),
           Column("status", "Status", "badge"), Column("last_login_at", "Last sign-in", "time"),
           Column("created_at", "Created", "time")]
CLIENT_COLUMNS = [Column("name", "Client"), Column("token_prefix", "Token starts"), Column("scopes", "Scopes"),
                  Column("status", "Status", "badge"), Column("last_used_at", "Last used", "time"),
                  Column("created_by", "Created by"), Column("created_at", "Created", "time")]


def _row(r: Any) -> dict[str, Any]:
    u, rep_code = r
    return {"id": u.id, "email": u.email, "name": u.name, "role": u.role, "rep": rep_code or "",
            "status": "active" if u.active else "inactive", "last_login_at": u.last_login_at,
            "created_at": u.created_at}


def _client_row(r: Any) -> dict[str, Any]:
    c: ApiClient = r[0]
    return {"id": c.id, "name": c.name, "token_prefix": c.token_prefix + "…", "scopes": c.scopes,
            "status": "revoked" if c.revoked_at else "active", "last_used_at": c.last_used_at,
            "created_by": c.created_by, "created_at": c.created_at}


@bp.route("/users")
@requires("users")
def users() -> Response | str:
    stmt = select(AdminUser, Rep.code).outerjoin(Rep, Rep.id == AdminUser.rep_id).order_by(AdminUser.id)
    result = table(db(), stmt, _row, COLUMNS, "users.csv")
    if isinstance(result, Response):
        return result
    client_rows = [_client_row((c,)) for c in db().scalars(select(ApiClient).order_by(ApiClient.id.desc()))]
    reps = db().scalars(select(Rep).order_by(Rep.name)).all()
    return render("admin/users.html", title="Users & API", active="users", page=result, columns=COLUMNS,
                  roles=[r.value for r in AdminRole], reps=reps, clients=client_rows, scopes=SCOPES,
                  client_columns=CLIENT_COLUMNS)


@bp.route("/api-clients")
@requires("api")
def api_clients() -> Response | str:
    result = table(db(), select(ApiClient).order_by(ApiClient.id.desc()), _client_row, CLIENT_COLUMNS,
                   "api-clients.csv")
    if isinstance(result, Response):
        return result
    return redirect(url_for("admin.users"))


@bp.route("/users/new", methods=["POST"])
@requires("users", write=True)
def user_create() -> Response:
    form = request.form
    session = db()
    password = form.get("password") or secrets.token_urlsafe(12)
    rep_id = int(form["rep_id"]) if (form.get("rep_id") or "").isdigit() else None
    try:
        user = create_user(session, form.get("email", ""), password, form.get("role", ""), name=form.get("name", ""),
                           rep_id=rep_id)
    except UserError as exc:
        session.rollback()
        flash(f"Not created: {exc}", "error")
        return redirect(url_for("admin.users"))
    audit.record(session, actor=actor(), action="user.create", target_type="user", target_id=user.id,
                 after={"email": user.email, "role": user.role, "rep_id": user.rep_id}, ip=ip())
    session.commit()
    shown = "" if form.get("password") else f" Temporary password: {password} (shown once)."
    flash(f"{user.email} can now sign in as {user.role}.{shown}", "ok")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["POST"])
@requires("users", write=True)
def user_update(user_id: int) -> Response:
    session = db()
    user = session.get(AdminUser, user_id)
    if user is None:
        abort(404)
    action = request.form.get("action")
    before = {"role": user.role, "active": user.active}
    if action == "deactivate":
        if user.email == actor():
            flash("You cannot deactivate yourself.", "error")
            return redirect(url_for("admin.users"))
        user.active = False
        end_sessions_of(session, user.id)
    elif action == "activate":
        user.active = True
    elif action == "role" and request.form.get("role") in {r.value for r in AdminRole}:
        role = request.form["role"]
        if role == AdminRole.REP.value and user.rep_id is None:
            flash("Link a rep when creating a rep user.", "error")
            return redirect(url_for("admin.users"))
        user.role = role
    elif action == "reset":
        password = secrets.token_urlsafe(12)
        user.password_hash = hash_password(password)
        end_sessions_of(session, user.id)
        flash(f"New temporary password for {user.email}: {password} (shown once).", "ok")
    else:
        abort(400, "Unknown change.")
    audit.record(session, actor=actor(), action=f"user.{action}", target_type="user", target_id=user.id,
                 before=before, after={"role": user.role, "active": user.active}, ip=ip())
    session.commit()
    if action != "reset":
        flash(f"{user.email} updated.", "ok")
    return redirect(url_for("admin.users"))


@bp.route("/api-clients/new", methods=["POST"])
@requires("api", write=True)
def api_client_create() -> Response | str:
    session = db()
    try:
        client, token = create_client(session, request.form.get("name", ""), request.form.getlist("scopes"), actor())
    except ValueError as exc:
        flash(f"Not created: {exc}", "error")
        return redirect(url_for("admin.users"))
    audit.record(session, actor=actor(), action="api_client.create", target_type="api_client", target_id=client.id,
                 after={"name": client.name, "scopes": client.scopes, "prefix": client.token_prefix}, ip=ip())
    session.commit()
    return render("admin/token.html", title="API token created", active="users", client=client, token=token)


@bp.route("/api-clients/<int:client_id>/revoke", methods=["POST"])
@requires("api", write=True)
def api_client_revoke(client_id: int) -> Response:
    session = db()
    client = session.get(ApiClient, client_id)
    if client is None:
        abort(404)
    revoke(client)
    audit.record(session, actor=actor(), action="api_client.revoke", target_type="api_client", target_id=client.id,
                 after={"revoked": True}, ip=ip())
    session.commit()
    flash(f"Token for {client.name} revoked.", "ok")
    return redirect(url_for("admin.users"))
