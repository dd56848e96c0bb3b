"""Console users: argon2 passwords, login with a shared rate limit, roles and their scopes.

Why: a brand's loyalty manager, a claims reviewer and a field rep see different parts of the
console; every request knows its user from the server-side session, and every login try is
counted in the database so the limit holds across all web processes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.admin_models import AdminRole, AdminUser, LoginAttempt
from storage.base import utcnow

HASHER = PasswordHasher()
MIN_PASSWORD = 10
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30

F = TypeVar("F", bound=Callable[..., Any])

AREAS = ("dashboard", "claims", "members", "coupons", "reps", "payouts", "campaigns", "handoffs", "users", "audit",
         "api")
"""Console areas; ``can(role, area, write)`` decides access."""

_WRITE = {
    AdminRole.ADMIN.value: set(AREAS),
    AdminRole.REVIEWER.value: {"claims", "members", "handoffs"},
    AdminRole.REP.value: set(),
}
_READ = {
    AdminRole.ADMIN.value: set(AREAS),
    AdminRole.REVIEWER.value: {"dashboard", "claims", "members", "coupons", "reps", "payouts", "campaigns",
                                "handoffs"},
    AdminRole.REP.value: {"mine"},
}


class UserError(ValueError):
    """A user cannot be created or changed as asked (message is shown to the admin)."""


def can(role: str, area: str, write: bool = False) -> bool:
    return area in (_WRITE if write else _READ).get(role, set())


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise UserError("not an e-mail address")
    return email


def create_user(db: Session, email: str, password: str, role: str, *, name: str = "",
                rep_id: int | None = None) -> AdminUser:
    """Create a console user.

    Raises:
        UserError: bad e-mail, short password, unknown role, a rep user without a rep, or a taken e-mail.
    """
    email = normalize_email(email)
    if role not in {r.value for r in AdminRole}:
        raise UserError(f"role must be one of {', '.join(r.value for r in AdminRole)}")
    if role == AdminRole.REP.value and rep_id is None:
        raise UserError("a field rep user must be linked to a rep")
    if db.scalar(select(AdminUser.id).where(AdminUser.email == email)) is not None:
        raise UserError(f"{email} already has an account")
    user = AdminUser(email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                     rep_id=rep_id if role == AdminRole.REP.value else None, active=True)
    db.add(user)
    db.flush()
    return user


def too_many_attempts(db: Session, email: str, ip: str) -> bool:
    since = utcnow() - WINDOW
    by_email = db.scalar(select(func.count()).where(LoginAttempt.email == email, LoginAttempt.ok.is_(False),
                                                    LoginAttempt.created_at >= since)) or 0
    by_ip = db.scalar(select(func.count()).where(LoginAttempt.ip == ip, LoginAttempt.ok.is_(False),
                                                 LoginAttempt.created_at >= since)) or 0
    return by_email >= MAX_FAILURES_PER_EMAIL or by_ip >= MAX_FAILURES_PER_IP


def check_login(db: Session, email: str, password: str, ip: str) -> AdminUser | None:
    """The active user for these credentials, or None; every try is recorded for the rate limit."""
    email = email.strip().lower()[:254]
    user = db.scalar(select(AdminUser).where(AdminUser.email == email))
    ok = False
    if user is not None and user.active:
        try:
            ok = HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
    else:
        HASHER.hash(password or "x")  # the same work whether or not the address exists
    db.add(LoginAttempt(email=email, ip=ip[:64], ok=ok))
    if ok and user is not None:
        user.last_login_at = utcnow()
        return user
    return None


def forget_stale(db: Session) -> None:
    """Drop expired sessions and login attempts older than a day (run at each successful sign-in)."""
    from sqlalchemy import delete

    from storage.admin_models import AdminSession

    now = utcnow()
    db.execute(delete(AdminSession).where(AdminSession.expires_at < now))
    db.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - dt.timedelta(days=1)))


def client_ip() -> str:
    return (request.remote_addr or "?")[:64]


def current_user() -> AdminUser | None:
    return getattr(g, "admin_user", None)


def load_user(db: Session) -> AdminUser | None:
    user_id = session.get("user_id")
    if not user_id:
        return None
    user = db.get(AdminUser, user_id)
    if user is None or not user.active:
        session.clear()
        return None
    return user


def requires(area: str, *, write: bool = False) -> Callable[[F], F]:
    """View decorator: a logged-in user whose role may read (or write) ``area``."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("admin.login", next=request.full_path))
            if not can(user.role, area, write):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
