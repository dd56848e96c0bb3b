"""Sign in and out: rate-limited, session regenerated at login, every outcome audited."""

from __future__ import annotations

from flask import Response, flash, g, redirect, request, session, url_for

from admin import audit
from admin.auth import check_login, client_ip, forget_stale, too_many_attempts
from admin.web import bp, db, render


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.home")


@bp.route("/")
def home() -> Response:
    user = g.admin_user
    if user is None:
        return redirect(url_for("admin.login"))
    return redirect(url_for("admin.mine" if user.role == "rep" else "admin.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    nxt = request.args.get("next")
    if request.method == "GET":
        if g.admin_user is not None:
            return redirect(_safe_next(nxt))
        return render("admin/login.html", next=nxt, email="")
    email = (request.form.get("email") or "").strip().lower()[:254]
    password = request.form.get("password") or ""
    ip = client_ip()
    session_db = db()
    if too_many_attempts(session_db, email, ip):
        flash("Too many failed sign-ins. Wait 15 minutes and try again.", "error")
        return render("admin/login.html", next=nxt, email=email), 429
    user = check_login(session_db, email, password, ip)
    if user is None:
        audit.record(session_db, actor=email or "?", action="login.failed", ip=ip, actor_kind="anonymous")
        session_db.commit()
        flash("That e-mail and password do not match an active account.", "error")
        return render("admin/login.html", next=nxt, email=email), 401
    audit.record(session_db, actor=user.email, action="login", target_type="user", target_id=user.id, ip=ip)
    forget_stale(session_db)
    session_db.commit()
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    session["user_id"] = user.id
    return redirect(_safe_next(nxt))


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    user = g.admin_user
    if user is not None:
        audit.record(db(), actor=user.email, action="logout", target_type="user", target_id=user.id, ip=client_ip())
        db().commit()
    session.clear()
    return redirect(url_for("admin.login"))


@bp.errorhandler(403)
def forbidden(_exc: Exception) -> tuple[str, int]:
    return render("admin/error.html", title="Not allowed",
                  message="Your role does not allow this page or action. Ask an admin if you need it."), 403


@bp.errorhandler(404)
def not_found(_exc: Exception) -> tuple[str, int]:
    return render("admin/error.html", title="Not found", message="There is nothing at this address."), 404


@bp.errorhandler(400)
def bad_request(exc: Exception) -> tuple[str, int]:
    description = getattr(exc, "description", "") or "The form could not be read."
    return render("admin/error.html", title="Bad request", message=description), 400


