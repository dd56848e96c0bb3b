"""Engine and session factory, bound per app (no module-level engine).

Why: web, worker and CLI processes each build their own engine from config; SQLite needs a
few pragmas (foreign keys, WAL, busy timeout) to behave like a shared server database.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (Heroku-style ``postgres://`` too)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN so that read-then-write transactions serialize
    # (SQLite's stand-in for SELECT ... FOR UPDATE).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with backend-specific settings."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        # Let SQLAlchemy own transaction start (pysqlite's implicit BEGIN is disabled).
        event.listen(eng, "connect", lambda c, r: setattr(c, "isolation_level", None))
        event.listen(eng, "connect", _sqlite_pragmas)
        event.listen(eng, "begin", _sqlite_begin_immediate)
        return eng
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    eng = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(eng)
    return eng


IDLE_PING_SECONDS = 1.0
"""A pooled connection unused for longer than this is pinged before it is handed out."""


def _ping_when_idle(eng: Engine) -> None:
    """Pessimistic disconnect handling, but only for connections that sat idle in the pool.

    Why: ``pool_pre_ping`` costs a round trip on every checkout (three per outbound message); a
    connection used a moment ago is almost always alive, and if the server did restart in that
    moment the first statement's disconnect error invalidates the whole pool anyway. A connection
    that waited longer (a restart, an idle timeout) is pinged and replaced if dead, as SQLAlchemy's
    recipe for custom pessimistic pings does.
    """

    @event.listens_for(eng, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["inaam_idle_since"] = time.monotonic()

    @event.listens_for(eng, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("inaam_idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # new, or used a moment ago
        try:
            alive = eng.dialect.do_ping(dbapi_conn)
        except eng.dialect.loaded_dbapi.Error as err:
            raise exc.DisconnectionError() from err  # the pool replaces it and tries again
        if alive is False:
            raise exc.DisconnectionError()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (replies are built after the commit)."""
    return sessionmaker(engine, expire_on_commit=False)


def init_app(app: Any) -> None:
    """Build this app's engine and session factory from ``DATABASE_URL``."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    app.extensions["inaam.engine"] = engine
    app.extensions["inaam.sessions"] = make_session_factory(engine)


def sessions(app: Any = None) -> sessionmaker[Session]:
    """The session factory of ``app`` (default: the current Flask app)."""
    if app is None:
        from flask import current_app

        app = current_app
    return app.extensions["inaam.sessions"]


def engine_of(app: Any = None) -> Engine:
    if app is None:
        from flask import current_app

        app = current_app
    return app.extensions["inaam.engine"]
