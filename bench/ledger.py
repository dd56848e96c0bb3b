"""Ledger throughput: transfers per second among 100 accounts, beside pgbench's ``simple-update``.

Why: every claim, bonus and payout is a ledger posting (two locked account updates, a transfer,
two hash-chained entries, deferred checks); this measures how many the database sustains, and
pgbench on the same server says how far that is from the raw single-row-update ceiling.

Usage: ``python -m bench.ledger [DATABASE_URL] [--seconds 10] [--threads 4] [--pgbench]``
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from storage import ledger
from storage.base import Base
from storage.db import make_engine, normalize_url
from storage.exceptions import InsufficientPoints
from storage.guards import apply_guards
from storage.ledger_models import Account, AccountKind, Entry, Hold, Transfer

DEFAULT_ACCOUNTS = 100
"""Accounts the benchmark moves points among."""

DEFAULT_FUNDING = 1_000_000
"""Points each benchmark account is topped up to before a run (so refusals are rare)."""

PGBENCH_DB = "inaam_pgbench"
"""Scratch database that ``pgbench_tps`` creates and drops."""


def _setup(sessions: sessionmaker, n_accounts: int) -> list[int]:
    ids = []
    with sessions.begin() as s:
        for i in range(n_accounts):
            code = f"bench:{i}"
            acct = ledger.open_account(s, code, kind=AccountKind.MEMBER)
            ids.append(acct.id)
            s.flush()
            if acct.balance < DEFAULT_FUNDING:
                ledger.transfer(
                    s,
                    source=ledger.ISSUANCE,
                    dest=acct.id,
                    points=DEFAULT_FUNDING - acct.balance,
                    reason="adjustment",
                    idempotency_key=f"bench-fund:{uuid.uuid4()}",
                )
    return ids


def run(
    database_url: str,
    seconds: float = 10,
    threads: int = 4,
    *,
    accounts: int = DEFAULT_ACCOUNTS,
    guards: bool = True,
    verify: bool = True,
) -> dict[str, Any]:
    """Post member-to-member style transfers from ``threads`` threads for ``seconds``.

    Each transfer is its own transaction (``Session.begin()``), 1–10 points between two random
    distinct accounts of ``accounts`` accounts coded ``bench:<i>`` (created and funded if needed).

    Args:
        database_url: SQLAlchemy or ``postgresql://`` URL; the ledger tables are created if missing.
        seconds: measuring time.
        threads: concurrent writers, one connection each.
        guards: install the append-only guards first (what production runs with).
        verify: run ``ledger.verify`` afterwards and report the number of problems.

    Returns:
        ``postings``, ``postings_per_s``, ``entries_per_s``, latency ``p50_ms``/``p95_ms``/``p99_ms``,
        ``refused``, ``errors`` (by class), ``verify_problems``, and the parameters.
    """
    engine = make_engine(
        database_url,
        **({} if database_url.startswith("sqlite") else {"pool_size": threads + 1, "max_overflow": 2}),
    )
    tables = [Account.__table__, Transfer.__table__, Entry.__table__, Hold.__table__]
    Base.metadata.create_all(engine, tables=tables)
    if guards:
        with engine.begin() as conn:
            apply_guards(conn)
    sessions = sessionmaker(engine, expire_on_commit=False)
    ids = _setup(sessions, accounts)
    run_id = uuid.uuid4().hex[:12]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    outcomes: list[Counter[str]] = [Counter() for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(n: int) -> None:
        rng = random.Random(n)
        lat, out = latencies[n], outcomes[n]
        i = 0
        barrier.wait()
        while not stop.is_set():
            src, dst = rng.sample(ids, 2)
            t0 = time.perf_counter()
            try:
                with sessions.begin() as s:
                    ledger.transfer(
                        s,
                        source=src,
                        dest=dst,
                        points=rng.randint(1, 10),
                        reason="adjustment",
                        idempotency_key=f"bench:{run_id}:{n}:{i}",
                    )
                out["ok"] += 1
                lat.append(time.perf_counter() - t0)
            except InsufficientPoints:
                out["refused"] += 1
            except DBAPIError as exc:
                out[type(exc.orig).__name__] += 1
            i += 1

    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    total = sum(outcomes, Counter())
    lat_all = sorted(x for lst in latencies for x in lst)
    problems = None
    if verify:
        with sessions.begin() as s:
            problems = len(ledger.verify(s))
    engine.dispose()

    def pct(p: float) -> float:
        return round(1000 * lat_all[min(len(lat_all) - 1, int(p * len(lat_all)))], 2) if lat_all else 0.0

    return {
        "backend": make_url(normalize_url(database_url)).get_backend_name(),
        "threads": threads,
        "seconds": round(elapsed, 2),
        "accounts": accounts,
        "guards": guards,
        "postings": total["ok"],
        "postings_per_s": round(total["ok"] / elapsed, 1),
        "entries_per_s": round(2 * total["ok"] / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(lat_all), 2) if lat_all else 0.0,
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "refused": total["refused"],
        "errors": {k: v for k, v in total.items() if k not in ("ok", "refused")},
        "verify_problems": problems,
    }


def pgbench_tps(database_url: str, seconds: float = 10, clients: int = 4, *, scale: int = 1) -> float:
    """TPS of ``pgbench -b simple-update`` on the server of ``database_url``, in a scratch database.

    Creates ``inaam_pgbench`` (dropping a leftover one), runs ``pgbench -i -s scale``, then
    ``pgbench -b simple-update -T seconds -c clients -j min(2, clients) --no-vacuum``, and drops the
    scratch database again; the application's database is not touched.

    Returns:
        The ``tps = … (without initial connection time)`` figure.

    Raises:
        RuntimeError: pgbench failed or printed no tps line.
    """
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() != "postgresql":
        raise ValueError("pgbench needs a PostgreSQL URL")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    env = {
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
    }
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    env = {**os.environ, **env}

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"))

    try:
        drop()
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {PGBENCH_DB}"))
        subprocess.run(
            ["pgbench", "-i", "-q", "-s", str(scale), PGBENCH_DB],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        out = subprocess.run(
            [
                "pgbench",
                "-b",
                "simple-update",
                "-T",
                str(max(1, round(seconds))),
                "-c",
                str(clients),
                "-j",
                str(min(2, clients)),
                "--no-vacuum",
                PGBENCH_DB,
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"pgbench failed: {exc.stderr.strip()}") from exc
    finally:
        drop()
        admin.dispose()
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if not match:
        raise RuntimeError(f"no tps in pgbench output: {out[-300:]}")
    return float(match.group(1))


def main(argv: list[str] | None = None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-guards", action="store_true")
    parser.add_argument("--pgbench", action="store_true", help="also run pgbench simple-update (PostgreSQL)")
    args = parser.parse_args(argv)
    report = run(args.database_url, args.seconds, args.threads, guards=not args.no_guards)
    if args.pgbench:
        report["pgbench_simple_update_tps"] = pgbench_tps(args.database_url, args.seconds, args.threads)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
