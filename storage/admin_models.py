"""Admin console and API tables: users, server-side sessions, login attempts, audit log, API clients.

Design overview:

* ``AdminUser`` is a person using the console (role ``admin``, ``reviewer`` or ``rep``; a rep user
  is linked to a ``Rep``). Passwords are argon2id hashes (argon2-cffi).
* ``AdminSession`` is a server-side session: the cookie holds a random token, the table holds its
  SHA-256 and the session data, so any number of web processes share sessions.
* ``LoginAttempt`` rows rate-limit logins across processes (failures per e-mail and per IP).
* ``AuditEntry`` is one admin or API action: who, what, on what, before/after, from which IP.
  Append-only: database triggers refuse UPDATE and DELETE (``AUDIT_GUARDS``), like the ledger's.
* ``ApiClient`` holds a per-client API token's SHA-256 (never the token) and its scopes;
  ``ApiIdempotency`` remembers the response of each write that moved points, per client and key.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk


class AdminRole(str, Enum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    REP = "rep"


class AdminUser(Base):
    """A console user."""

    __tablename__ = "admin_users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]


class AdminSession(Base):
    """Server-side session data, keyed by the SHA-256 of the cookie's token."""

    __tablename__ = "admin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    created_at: Mapped[created_at]


class LoginAttempt(Base):
    """One login try, kept for rate limiting (shared by every web process)."""

    __tablename__ = "admin_login_attempts"
    __table_args__ = (
        Index("ix_admin_login_attempts_email_created", "email", "created_at"),
        Index("ix_admin_login_attempts_ip_created", "ip", "created_at"),
    )

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[created_at]


class AuditEntry(Base):
    """One action taken in the console or through the API; never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[intpk]
    actor: Mapped[str] = mapped_column(String(254))
    actor_kind: Mapped[str] = mapped_column(String(10), default="user")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created_at]


class ApiClient(Base):
    """An API client: the SHA-256 of its bearer token and its scopes."""

    __tablename__ = "api_clients"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120))
    token_prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(254))
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]


class ApiIdempotency(Base):
    """The stored response of a point-moving API write, per client and Idempotency-Key."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_api_idempotency_client_key"),)

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[created_at]


AUDIT_POSTGRES_GUARDS = [
    """
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log: % refused (append-only)', TG_OP USING ERRCODE = 'raise_exception';
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
AUDIT_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]
AUDIT_SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{op.lower()} BEFORE {op} ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, 'audit_log: {op} refused (append-only)'); END"
    for op in ("UPDATE", "DELETE")
]
AUDIT_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS audit_log_no_{op.lower()}" for op in ("UPDATE", "DELETE")]
