"""Core benchmark: webhook ack vs a bare app, ledger vs pgbench, reply latency and RSS, in one run.

Why: the four figures that size an Inaam deployment — how fast Twilio gets its 200, how many
postings the ledger sustains, how long a member waits for a reply, how much memory a process
takes — only compare when measured together on one machine against their own floors (a bare
Flask app served the same way; pgbench on the same server). Everything runs against real
PostgreSQL and Redis in a scratch database and Redis db; all it starts, it stops.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import procs as proc_mod
from bench.procs import Proc, Procs
from bench.stats import ratio

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432"
"""PostgreSQL server the scratch database is created on."""

DEFAULT_DATABASE = "inaam_bench"
"""Scratch database, dropped and recreated at start, dropped at the end."""

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
"""Redis database the queue uses; flushed at start and at the end (and only this one)."""

DEFAULT_GUNICORN_ARGS = ("-w", "2", "--threads", "4")
"""Web server shape, identical for our app and the bare app."""

DEFAULT_RATE = 2.0
"""Messages per second in the reply-latency part (modest: not a saturation test)."""

DEFAULT_MEMBERS = 20
"""Enrolled members that send in the reply-latency part."""

DEFAULT_WORKERS = 2
"""`inaam worker` processes in the reply-latency part."""

SID = "AC" + "be" * 16
TOKEN = "bench-auth-token-0123456789abcdef"
SENDER = "whatsapp:+14155238886"
OUR_APP = "bot.app:create_app()"
BARE_APP = "bench.bare_app:create_app()"
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _admin_engine(server_url: str) -> Any:
    from sqlalchemy import create_engine

    from storage.db import normalize_url

    return create_engine(normalize_url(server_url.rstrip("/") + "/postgres"), isolation_level="AUTOCOMMIT")


def recreate_database(server_url: str, name: str, *, create: bool = True) -> str:
    """Drop database ``name`` (forcibly) and, if ``create``, create it empty; returns its URL."""
    from sqlalchemy import text

    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"{server_url.rstrip('/')}/{name}"


def server_env(database_url: str, redis_url: str, standin_url: str, port: int) -> dict[str, str]:
    """Environment of the web and worker processes (production mode against the stand-in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "INAAM_"))}
    env.update(
        DATABASE_URL=database_url, REDIS_URL=redis_url, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=standin_url,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", INAAM_COUPON_SECRET="bench-coupon-secret-0123456789",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_web(procs: Procs, name: str, app_spec: str, env: dict[str, str], port: int) -> tuple[Proc, list[int]]:
    """gunicorn with ``DEFAULT_GUNICORN_ARGS``; returns the master and its worker pids once serving."""
    argv = [str(BIN / "gunicorn"), *DEFAULT_GUNICORN_ARGS, "-b", f"127.0.0.1:{port}", app_spec]
    proc = procs.start(name, argv, env, cwd=ROOT)
    proc_mod.wait_http(f"http://127.0.0.1:{port}/healthz", proc)
    return proc, proc_mod.wait_children(proc, int(DEFAULT_GUNICORN_ARGS[1]))


def load(port: int, seconds: float, clients: int, run_id: int, pids: list[int]) -> dict[str, Any]:
    """Run bench.loadgen in its own process against ``port``; adds the server's CPU use."""
    argv = [sys.executable, "-m", "bench.loadgen", f"http://127.0.0.1:{port}",
            "--public-base-url", f"http://127.0.0.1:{port}", "--token", TOKEN, "--account-sid", SID,
            "--to", SENDER, "--seconds", str(seconds), "--clients", str(clients), "--run-id", str(run_id)]
    cpu0, t0 = proc_mod.cpu_seconds(pids), time.perf_counter()
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=False)
    cpu1, t1 = proc_mod.cpu_seconds(pids), time.perf_counter()
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed ({out.returncode}):\n{out.stderr[-2000:]}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["server_cpu_cores"] = round((cpu1 - cpu0) / (t1 - t0), 2)
    return report


def ledger_part(database_url: str, seconds: float, clients: int) -> dict[str, Any]:
    """bench.ledger's postings/s and pgbench simple-update TPS, same server, same client count."""
    from bench import ledger

    result: dict[str, Any] = {"clients": clients}
    result["ledger"] = ledger.run(database_url, seconds, clients)
    result["pgbench_tps"] = ledger.pgbench_tps(database_url, seconds, clients)
    result["ratio"] = ratio(result["ledger"]["postings_per_s"], result["pgbench_tps"])
    return result


def queue_failures(redis_url: str) -> dict[str, Any]:
    """Jobs in RQ's failed registry, with the end of the first one's traceback."""
    from rq import Queue
    from rq.job import Job

    from workers.queue import DEFAULT_QUEUE, connect

    queue = Queue(DEFAULT_QUEUE, connection=connect(redis_url))
    ids = queue.failed_job_registry.get_job_ids()
    first = ""
    if ids:
        result = Job.fetch(ids[0], connection=queue.connection).latest_result()
        first = (result.exc_string if result else "") or ""
    return {"failed_jobs": len(ids), "first_failure": first[-3000:], "queued": queue.count}


def scan_logs(log_dir: Path) -> dict[str, Any]:
    """Count tracebacks and error lines in the servers' logs; keep the first traceback."""
    found: dict[str, Any] = {"tracebacks": 0, "error_lines": 0, "first_traceback": ""}
    for log in sorted(log_dir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if "Traceback (most recent call last)" in line or '"exception"' in line:
                found["tracebacks"] += 1
                if not found["first_traceback"]:
                    found["first_traceback"] = f"{log.name}:\n" + "\n".join(lines[max(0, i - 2): i + 40])
            elif '"level": "error"' in line.lower() or " ERROR " in line or "[ERROR]" in line:
                found["error_lines"] += 1
    return found


def run(
    seconds: float = 10.0,
    clients: int = 8,
    *,
    server_url: str = DEFAULT_SERVER_URL,
    database: str = DEFAULT_DATABASE,
    redis_url: str = DEFAULT_REDIS_URL,
    rate: float = DEFAULT_RATE,
    members: int = DEFAULT_MEMBERS,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the four parts once and return their figures (see ``bench.report`` for the layout).

    Args:
        seconds: measuring time of each webhook load, the ledger and pgbench; the reply-latency
            part sends for ``2 * seconds``.
        clients: load-generator threads, ledger threads and pgbench clients.
        echo: progress lines go here.
    """
    import redis

    from bench import roundtrip
    from bot.app import create_app
    from standins.twilio import TwilioStandIn
    from storage.migrate import upgrade

    log_dir = Path(tempfile.mkdtemp(prefix="inaam-bench-"))
    procs = Procs(log_dir)
    standin = TwilioStandIn(SID, TOKEN)
    rconn = redis.Redis.from_url(redis_url)
    results: dict[str, Any] = {"seconds": seconds, "clients": clients, "logs": str(log_dir),
                               "gunicorn": " ".join(DEFAULT_GUNICORN_ARGS), "cpus": os.cpu_count()}
    app = None
    started = time.perf_counter()
    try:
        rconn.flushdb()
        database_url = recreate_database(server_url, database)
        upgrade(database_url)
        standin.start()

        echo(f"[1/4] ledger postings vs pgbench simple-update ({seconds:g}s each, {clients} clients)")
        results["ledger"] = ledger_part(database_url, seconds, clients)

        echo(f"[2/4] webhook ack: bare app, then ours ({seconds:g}s each, {clients} client threads)")
        webhook: dict[str, Any] = {}
        for key, spec in (("bare", BARE_APP), ("ours", OUR_APP)):
            port = proc_mod.free_port()
            env = server_env(database_url, redis_url, standin.url, port)
            web, pids = start_web(procs, f"web-{key}", spec, env, port)
            webhook[key] = load(port, seconds, clients, run_id=len(webhook), pids=[web.pid, *pids])
            if key == "bare":
                procs.stop(web)
        webhook["ratio_p50"] = ratio(webhook["ours"]["p50_ms"], webhook["bare"]["p50_ms"])
        webhook["ratio_p99"] = ratio(webhook["ours"]["p99_ms"], webhook["bare"]["p99_ms"])
        webhook["ratio_rps"] = ratio(webhook["ours"]["rps"], webhook["bare"]["rps"])
        webhook["queued_after"] = queue_failures(redis_url)["queued"]
        results["webhook"] = webhook

        echo(f"[3/4] inbound → reply: {DEFAULT_WORKERS} workers, {rate:g} msg/s for {2 * seconds:g}s")
        rconn.flushdb()  # the ingestion part's jobs must not flood the workers
        app = create_app({"EMBEDDED_WORKER": False}, environ=env)
        phones = roundtrip.enroll_members(app, members)
        workers = [procs.start(f"worker-{n}", [str(BIN / "inaam"), "worker"], env, cwd=ROOT)
                   for n in range(DEFAULT_WORKERS)]
        _wait_workers(rconn, workers)
        results["roundtrip"] = roundtrip.measure(
            standin, phones, base_url=f"http://127.0.0.1:{port}", public_base_url=env["PUBLIC_BASE_URL"],
            token=TOKEN, account_sid=SID, to=SENDER, rate=rate, seconds=2 * seconds,
        )
        results["roundtrip"]["workers"] = DEFAULT_WORKERS

        echo("[4/4] resident memory")
        results["rss_mb"] = {
            "web_workers": [proc_mod.rss_mb(pid) for pid in proc_mod.children(web.pid)],
            "web_master": proc_mod.rss_mb(web.pid),
            "inaam_workers": [proc_mod.rss_mb(w.pid) for w in workers],
        }
        results["queue"] = queue_failures(redis_url)
    finally:
        procs.stop_all()
        standin.stop()
        if app is not None:
            app.extensions["inaam.engine"].dispose()
        rconn.flushdb()
        rconn.close()
        recreate_database(server_url, database, create=False)
        results["logs_scan"] = scan_logs(log_dir)
        results["total_s"] = round(time.perf_counter() - started, 1)
    return results


def _wait_workers(rconn: Any, workers: list[Proc], timeout: float = 30.0) -> None:
    """Block until every `inaam worker` has registered with Redis.

    Raises:
        RuntimeError: a worker exited or did not register in time; carries its log tail.
    """
    from rq import Worker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for w in workers:
            if w.popen.poll() is not None:
                raise RuntimeError(f"{w.name} exited with {w.popen.returncode}:\n{w.tail()}")
        if Worker.count(connection=rconn) >= len(workers):
            return
        time.sleep(0.1)
    raise RuntimeError("workers did not register:\n" + "\n".join(w.tail() for w in workers))
