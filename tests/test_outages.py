"""Processes as the Procfile runs them: they outlive Redis and PostgreSQL outages, log JSON with masked
phones (gunicorn too), keep routine lines at debug, and send what other processes queued within seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.procs import free_port
from bench.services import PrivatePostgres, PrivateRedis, postgres_bin
from bot.twilio_signing import inbound_params, sign
from standins.twilio import TwilioStandIn
from tests.botkit import FROM, SID, TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.redis]

BIN = Path(sys.executable).parent
PHONE = "+919812345678"


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(SID, TOKEN, status_callbacks=False) as server:
        yield server


def _env(database_url: str, redis_url: str | None, standin: TwilioStandIn, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_URL", "REDIS_URL",
                                                                     "PUBLIC_BASE_URL", "INAAM_"))}
    env.update(DATABASE_URL=database_url, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_WHATSAPP_FROM=FROM,
               TWILIO_API_BASE_URL=standin.url, INAAM_COUPON_SECRET="test-coupon-secret-0123456789",
               INAAM_SEND_STALE_SECONDS="3", **extra)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(10)


def _queue_notice(database_url: str, body: str) -> None:
    """What `inaam claims review --approve` does in another process: an outbox row, no job."""
    from storage.base import utcnow
    from storage.contacts import get_or_create_contact
    from storage.db import make_engine, make_session_factory
    from storage.outbox import queue_reply

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            contact = get_or_create_contact(session, PHONE)
            contact.last_inbound_at = utcnow()  # the member wrote earlier: inside the 24-hour window
            queue_reply(session, contact, [("test", body)])
    finally:
        engine.dispose()


def _wait_body(standin: TwilioStandIn, body: str, timeout: float) -> float:
    started = time.monotonic()
    try:
        standin.wait_for(lambda msgs: any(m["body"] == body for m in msgs), timeout=timeout)
    except TimeoutError:
        raise AssertionError([m["body"] for m in standin.messages()]) from None
    return time.monotonic() - started


def _json_lines(log: Path) -> list[dict[str, Any]]:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    records = []
    for line in lines:
        records.append(json.loads(line))  # every line is JSON: a plain-text line fails here
    return records


def test_worker_and_scheduler_survive_redis_and_postgres_outages(tmp_path: Path, standin: TwilioStandIn) -> None:
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    from storage.migrate import upgrade

    standin.record_inbound(f"whatsapp:{PHONE}")  # the member wrote earlier: Twilio's window is open too
    redis_server, pg = PrivateRedis(tmp_path / "redis"), PrivatePostgres(tmp_path / "pg")
    redis_server.start()
    pg.init()
    pg.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        db = pg.create_database("inaam")
        upgrade(db)
        env = _env(db, redis_server.url, standin, INAAM_LOG_LEVEL="DEBUG")
        procs = [_start([str(BIN / "inaam"), "worker"], env, tmp_path / "worker.log"),
                 _start([str(BIN / "inaam"), "scheduler"], env, tmp_path / "scheduler.log")]
        _queue_notice(db, "before")
        _wait_body(standin, "before", 30)

        redis_server.stop()
        time.sleep(4)
        assert all(p.poll() is None for p in procs), "a process exited when Redis went away"
        redis_server.start()  # comes back empty, on the same port
        _queue_notice(db, "after redis")
        _wait_body(standin, "after redis", 40)

        pg.restart()
        time.sleep(1)
        assert all(p.poll() is None for p in procs)
        _queue_notice(db, "after postgres")
        _wait_body(standin, "after postgres", 40)
        assert [m["body"] for m in standin.messages()] == ["before", "after redis", "after postgres"]
    finally:
        _stop(*procs)
        redis_server.stop()
        pg.destroy()
    for name in ("worker", "scheduler"):
        records = _json_lines(tmp_path / f"{name}.log")
        text = (tmp_path / f"{name}.log").read_text()
        routine = [r for r in records if "scheduler lock" in r.get("event", "") or "Twilio API" in r.get("event", "")
                   or "Job OK" in r.get("event", "")]
        assert all(r["level"] == "debug" for r in routine), name
        assert PHONE not in text and PHONE[1:] not in text
        assert any(r.get("level") == "warning" and "retrying" in r.get("event", "") for r in records), name


def test_gunicorn_logs_json_with_masked_phones(tmp_path: Path, standin: TwilioStandIn) -> None:
    from storage.migrate import upgrade

    db = f"sqlite:///{tmp_path / 'inaam.db'}"
    upgrade(db)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = _env(db, None, standin, PUBLIC_BASE_URL=public)
    procfile = (Path(__file__).parents[1] / "Procfile").read_text().splitlines()
    web = next(line for line in procfile if line.startswith("web:")).split(":", 1)[1].strip()
    argv = [str(BIN / "gunicorn"), *web.split()[1:]]
    argv = [a.strip('"') for a in argv]
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    argv[argv.index("--workers") + 1] = "1"
    log = tmp_path / "web.log"
    proc = _start(argv, env, log)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{public}/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        params = inbound_params(from_phone=PHONE, to=FROM, body="hi", account_sid=SID)
        path = "/webhooks/twilio/messages"
        bad = requests.post(public + path, data=params, headers={"X-Twilio-Signature": "x"}, timeout=5)
        assert bad.status_code == 403
        ok = requests.post(public + path, data=params,
                           headers={"X-Twilio-Signature": sign(TOKEN, public + path, params)}, timeout=5)
        assert ok.status_code == 200
        big = requests.post(public + path, data={"Body": "x" * 70_000}, timeout=5)
        assert big.status_code == 413
        time.sleep(0.5)
    finally:
        _stop(proc)
    records = _json_lines(log)
    text = log.read_text()
    assert any(r.get("logger", "").startswith("gunicorn") for r in records)
    assert any("bad signature" in r.get("event", "") for r in records)
    assert any("too large" in r.get("event", "") or "over" in r.get("event", "") for r in records)
    assert PHONE[3:] not in text


def test_notice_queued_by_another_process_reaches_the_member_in_embedded_mode(tmp_path: Path,
                                                                             standin: TwilioStandIn) -> None:
    db = f"sqlite:///{tmp_path / 'inaam.db'}"
    port = free_port()
    env = _env(db, None, standin, PORT=str(port))
    server = _start([str(BIN / "inaam"), "serve", "--port", str(port)], env, tmp_path / "serve.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        _queue_notice(db, "Your claim was approved")
        assert _wait_body(standin, "Your claim was approved", 10) < 8
    finally:
        _stop(server)
