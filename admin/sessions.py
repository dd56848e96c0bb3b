"""Server-side sessions in the database, so any number of web processes share one login.

Why: Flask's default session is a signed cookie that cannot be revoked; here the cookie holds only
a random token and the ``admin_sessions`` row (keyed by the token's SHA-256) holds the data.
Logging out deletes the row; an expired row is ignored and swept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from werkzeug.datastructures import CallbackDict

from storage.admin_models import AdminSession
from storage.base import utcnow
from storage.db import sessions as db_sessions

COOKIE_NAME = "inaam_admin"
LIFETIME = dt.timedelta(hours=12)


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session's data plus its token; ``modified`` is set by any change."""

    def __init__(self, initial: dict[str, Any] | None = None, token: str | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.modified = False
        self.new = token is None

    def regenerate(self) -> None:
        """A new token at login (prevents session fixation); the old row is dropped on save."""
        self.old_token = self.token
        self.token = None
        self.modified = True


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DatabaseSessionInterface(SessionInterface):
    """Flask session interface backed by ``admin_sessions`` (used only where a cookie is sent)."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(COOKIE_NAME)
        if not token or len(token) > 100:
            return ServerSession()
        with db_sessions(app)() as db:
            row = db.get(AdminSession, token_hash(token))
            if row is None or row.expires_at < utcnow():
                return ServerSession()
            return ServerSession(dict(row.data or {}), token)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        secure = bool(app.config.get("ADMIN_COOKIE_SECURE", True))
        old = getattr(session, "old_token", None)
        if not session:
            tokens = [t for t in (session.token, old) if t]
            if tokens:
                with db_sessions(app).begin() as db:
                    db.execute(delete(AdminSession).where(AdminSession.id.in_([token_hash(t) for t in tokens])))
                response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="Lax")
            return
        if not session.modified and session.token:
            return
        expires = utcnow() + LIFETIME
        with db_sessions(app).begin() as db:
            if old:
                db.execute(delete(AdminSession).where(AdminSession.id == token_hash(old)))
            if session.token is None:
                session.token = secrets.token_urlsafe(32)
            row = db.get(AdminSession, token_hash(session.token))
            user_id = session.get("user_id")
            if row is None:
                db.add(AdminSession(id=token_hash(session.token), data=dict(session), expires_at=expires,
                                    user_id=user_id))
            else:
                row.data, row.expires_at, row.user_id = dict(session), expires, user_id
        response.set_cookie(COOKIE_NAME, session.token, max_age=int(LIFETIME.total_seconds()), path="/",
                            secure=secure, httponly=True, samesite="Lax")


def end_sessions_of(db: Any, user_id: int) -> None:
    """Log a user out everywhere (deactivated user, password reset)."""
    db.execute(delete(AdminSession).where(AdminSession.user_id == user_id))
