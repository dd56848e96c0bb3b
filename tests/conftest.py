"""Shared fixtures: database backends (SQLite always, PostgreSQL when reachable), Redis, app.

Why: every data-layer test runs against the real engines named in the brief; a backend that is
not reachable is skipped with a reason instead of being mocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
            "postgres://", "postgresql+psycopg://", 1
        )
    return DEFAULT_TEST_POSTGRES_URL


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_TEST_REDIS_URL


def _per_worker_services() -> None:
    """Under pytest-xdist, give each worker its own PostgreSQL database and Redis db.

    Why: tests reset the whole schema and flush the Redis db; two workers sharing them would wipe
    each other's data. Worker ``gwN`` uses database ``<name>_gwN`` (created here) and Redis db
    ``(base - N) mod 16``; the environment is rewritten so subprocesses inherit the same.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    from sqlalchemy.engine import make_url

    n = int(worker[2:])
    base = make_url(postgres_url())
    mine = base.set(database=f"{base.database}_{worker}")
    try:
        eng = create_engine(base, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": mine.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
        eng.dispose()
    except Exception:  # PostgreSQL unreachable: its tests skip with the reason
        pass
    os.environ["DATABASE_URL"] = mine.render_as_string(hide_password=False)
    rbase = redis_url()
    head, _, db = rbase.rpartition("/")
    rdb = int(db) if db.isdigit() else 0
    os.environ["REDIS_URL"] = f"{head}/{(rdb - n) % 16}" if db.isdigit() else f"{rbase.rstrip('/')}/{(15 - n) % 16}"


def _postgres_reachable() -> str | None:
    try:
        eng = create_engine(postgres_url())
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except Exception as exc:  # any failure means "not reachable" here
        return f"PostgreSQL not reachable at {postgres_url()}: {exc.__class__.__name__}"
    return None


def _redis_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"Redis not reachable at {redis_url()}: {exc.__class__.__name__}"
    return None


_per_worker_services()


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema so each test starts empty."""
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'inaam.db'}"
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    url = postgres_url()
    reset_postgres(url)
    return url


@pytest.fixture
def pg_url() -> str:
    """An empty PostgreSQL database (tests that only make sense there, e.g. concurrency)."""
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    url = postgres_url()
    reset_postgres(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Engine with the full schema created through the models' metadata."""
    from storage.db import make_engine
    from storage.models import Base

    eng = make_engine(database_url)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def redis_conn() -> Iterator[object]:
    """A flushed connection to the real Redis (db 15)."""
    import redis

    reason = _redis_reachable()
    if reason:
        pytest.skip(reason)
    conn = redis.Redis.from_url(redis_url())
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read a developer's Twilio settings, nor Twilio's edge/region variables."""
    for name in ("TWILIO_EDGE", "TWILIO_REGION", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                 "TWILIO_WHATSAPP_FROM", "TWILIO_API_BASE_URL", "PUBLIC_BASE_URL", "INAAM_PROGRAM_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def standin() -> Iterator[object]:
    """The local Twilio stand-in (no status callbacks: the test client has no port)."""
    from standins.twilio import TwilioStandIn
    from tests.botkit import SID, TOKEN

    with TwilioStandIn(SID, TOKEN, status_callbacks=False) as server:
        yield server


@pytest.fixture
def make_app(database_url: str, standin: object) -> Iterator[object]:
    """Factory for apps on an empty migrated database of each backend, queue in fakeredis."""
    from bot.app import create_app
    from storage.migrate import upgrade
    from tests.botkit import app_environ
    from workers import queue as queue_mod

    made: list[object] = []

    def factory(test_config: dict[str, object] | None = None, **env: str) -> object:
        import fakeredis

        queue_mod._FAKE_SERVER = fakeredis.FakeServer()  # a fresh embedded queue per app
        app = create_app({"EMBEDDED_WORKER": False, **(test_config or {})},
                         environ=app_environ(database_url, standin.url, **env))  # type: ignore[attr-defined]
        upgrade(database_url)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["inaam.engine"].dispose()  # type: ignore[attr-defined]


@pytest.fixture
def app(make_app: object) -> object:
    return make_app()  # type: ignore[operator]


@pytest.fixture
def user(app: object, standin: object) -> object:
    from tests.botkit import WhatsAppUser

    return WhatsAppUser(client=app.test_client(), standin=standin, app=app)  # type: ignore[attr-defined]


@pytest.fixture
def rzp() -> Iterator[object]:
    """The local RazorpayX stand-in (payouts, validations, signed webhooks)."""
    from tests.payoutkit import razorpayx

    with razorpayx() as server:
        yield server


@pytest.fixture
def papp(make_app: object, rzp: object) -> object:
    """An app whose payouts go to the RazorpayX stand-in."""
    from tests.payoutkit import payout_env

    return make_app(**payout_env(rzp))  # type: ignore[operator]
