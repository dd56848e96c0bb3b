"""`inaam bench chaos`: the production topology under crashes and outages; nothing lost, nothing sent twice.

It starts its own PostgreSQL cluster and redis-server on free ports, the Procfile's processes
(gunicorn web, two `inaam worker`, `inaam scheduler`) and the Twilio stand-in (in this process,
status callbacks to the web). N numbers go through enrollment and the menu like people (each waits
for the bot's answer before typing on), ~20 % of webhooks are delivered twice, and meanwhile: a
random worker is SIGKILLed every ~2 s (and started again, as a process manager would), the web is
SIGKILLed once, Redis is stopped for a while (and comes back empty), PostgreSQL is restarted once.
When all is quiet it checks every number got exactly the replies of a fault-free run, none twice,
none lost, `inaam ledger verify` is clean and the webhook answered 5xx only while PostgreSQL was down.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.chaos_script import COUPON_SECRET, FROM, PROFILE_NAME, SCRIPT, SID, TOKEN, Tally, reference_replies
from bench.procs import Proc, Procs, free_port
from bench.services import PrivatePostgres, PrivateRedis

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
REDELIVERY_SHARE = 0.2
STEP_TIMEOUT = 90.0
"""Longest a number waits for the bot's answer before typing on (the run then counts a miss)."""


@dataclass
class Timeline:
    """When each fault happened (seconds since the start) and what the webhook answered."""

    t0: float = field(default_factory=time.monotonic)
    worker_kills: int = 0
    web_kills: int = 0
    redis_down: tuple[float, float] | None = None
    pg_down: tuple[float, float] | None = None
    posts: int = 0
    redeliveries: int = 0
    answers: list[tuple[float, int]] = field(default_factory=list)
    connection_errors: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.t0


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): cmd.strip() for name, _, cmd in (line.partition(":") for line in lines if ":" in line)}


class Topology:
    """The Procfile's processes on private PostgreSQL and Redis, plus the stand-in."""

    def __init__(self, workdir: Path, workers: int) -> None:
        from standins.twilio import TwilioStandIn

        self.workdir = workdir
        self.procs = Procs(workdir)
        self.redis = PrivateRedis(workdir / "redis")
        self.pg = PrivatePostgres(workdir / "pg")
        self.port = free_port()
        self.public = f"http://127.0.0.1:{self.port}"
        self.standin = TwilioStandIn(SID, TOKEN)
        self.workers: list[Proc] = []
        self.web: Proc | None = None
        self.scheduler: Proc | None = None
        self.worker_count = workers
        self.commands = _procfile()
        self.env: dict[str, str] = {}

    def start(self) -> None:
        self.redis.start()
        self.pg.init()
        self.pg.start()
        db = self.pg.create_database("inaam")
        self.standin.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "INAAM_", "DATABASE_URL",
                                                                         "REDIS_URL", "PUBLIC_BASE_URL"))}
        env.update(DATABASE_URL=db, REDIS_URL=self.redis.url, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
                   TWILIO_WHATSAPP_FROM=FROM, TWILIO_API_BASE_URL=self.standin.url, PUBLIC_BASE_URL=self.public,
                   INAAM_COUPON_SECRET=COUPON_SECRET, PORT=str(self.port), WEB_CONCURRENCY="2",
                   INAAM_SWEEP_AFTER_SECONDS="4", INAAM_SWEEP_EVERY_SECONDS="4", INAAM_SEND_STALE_SECONDS="8",
                   PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
        self.env = env
        subprocess.run(["sh", "-c", self.commands["release"]], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.start_web()
        self.workers = [self._start("worker", f"worker{i}") for i in range(self.worker_count)]
        self.scheduler = self._start("scheduler", "scheduler")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.public}/healthz", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the web process did not come up")

    def _start(self, kind: str, name: str) -> Proc:
        tag = f"{name}-{int(time.time() * 1000) % 10**7}"
        return self.procs.start(tag, ["sh", "-c", "exec " + self.commands[kind]], self.env, cwd=ROOT)

    def start_web(self) -> None:
        self.web = self._start("web", "web")

    def kill(self, proc: Proc) -> None:
        """SIGKILL the process group (no clean-up of any kind), like a crash or an OOM kill."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.popen.wait(timeout=10)
        if proc in self.procs.started:
            self.procs.started.remove(proc)

    def kill_random_worker(self, rng: random.Random) -> None:
        idx = rng.randrange(len(self.workers))
        self.kill(self.workers[idx])
        self.workers[idx] = self._start("worker", f"worker{idx}")

    def kill_web(self) -> None:
        assert self.web is not None
        self.kill(self.web)
        self.start_web()

    def ledger_verify(self) -> tuple[bool, str]:
        done = subprocess.run([str(BIN / "inaam"), "ledger", "verify"], env=self.env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        return done.returncode == 0, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def unsettled(self) -> int:
        """Inbound messages not processed plus outbound rows not handed to Twilio yet."""
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], connect_timeout=3) as conn:
            inbound = conn.execute("select count(*) from inbound_messages where status = 'received'").fetchone()
            outbound = conn.execute("select count(*) from outbound_messages where status in ('pending', 'sending')"
                                    ).fetchone()
        return int(inbound[0]) + int(outbound[0])  # type: ignore[index]

    def stop(self) -> None:
        self.procs.stop_all()
        self.standin.stop()
        self.redis.stop()
        self.pg.destroy()


def _post(topo: Topology, line: Timeline, params: dict[str, str], redelivery: bool = False) -> None:
    """Deliver like Twilio until answered 2xx: retried on 5xx and on a dead web (connection refused)."""
    from bot.twilio_signing import sign

    path = "/webhooks/twilio/messages"
    headers = {"X-Twilio-Signature": sign(TOKEN, topo.public + path, params)}
    with line.lock:
        line.posts += 1
        line.redeliveries += int(redelivery)
    while True:
        try:
            status = requests.post(topo.public + path, data=params, headers=headers, timeout=15).status_code
        except requests.RequestException:
            with line.lock:
                line.connection_errors += 1
            time.sleep(0.3)
            continue
        with line.lock:
            line.answers.append((line.now(), status))
        if status < 500:
            return
        time.sleep(0.5)


def _converse(topo: Topology, line: Timeline, phone: str, expected: list[list[str]], rng: random.Random,
              pace: float) -> None:
    from bot.twilio_signing import inbound_params

    want = 0
    to = f"whatsapp:{phone}"
    for text, replies in zip(SCRIPT, expected, strict=True):
        params = inbound_params(from_phone=phone, to=FROM, body=text, account_sid=SID, profile_name=PROFILE_NAME)
        sent_at = time.monotonic()
        _post(topo, line, params)
        if rng.random() < REDELIVERY_SHARE:
            delay = rng.choice([0.0, rng.uniform(0.2, 2.0)])
            threading.Timer(delay, _post, args=(topo, line, params, True)).start()
        want += len(replies)
        try:
            topo.standin.wait_for(lambda msgs, n=want: len(msgs) >= n, timeout=STEP_TIMEOUT, to=to)
            with line.lock:
                line.latencies.append(time.monotonic() - sent_at)
        except TimeoutError:
            pass  # counted as lost at the end
        time.sleep(rng.uniform(0.5, 1.5) * pace)


def _faults(topo: Topology, line: Timeline, rng: random.Random, seconds: float, redis_down: float,
            stop: threading.Event) -> None:
    next_kill = 2.0
    web_at, redis_at, pg_at = 0.25 * seconds, 0.4 * seconds, 0.75 * seconds
    redis_back_at: float | None = None
    while not stop.wait(0.1):
        now = line.now()
        if now >= next_kill and now < seconds:
            topo.kill_random_worker(rng)
            line.worker_kills += 1
            next_kill = now + rng.uniform(1.5, 2.5)
        if not line.web_kills and now >= web_at:
            topo.kill_web()
            line.web_kills = 1
        if line.redis_down is None and now >= redis_at:
            topo.redis.stop()
            line.redis_down = (now, now)
            redis_back_at = now + redis_down
        if redis_back_at is not None and now >= redis_back_at:
            topo.redis.start()
            assert line.redis_down is not None
            line.redis_down = (line.redis_down[0], line.now())
            redis_back_at = None
        if line.pg_down is None and now >= pg_at:
            began = line.now()
            topo.pg.restart()
            line.pg_down = (began, line.now())
        if now >= seconds and line.pg_down and line.redis_down and redis_back_at is None:
            return


def run(numbers: int, seconds: float, *, redis_down: float = 10.0, seed: int = 7, workdir: Path | None = None,
        echo: Any = print) -> dict[str, Any]:
    """One chaos run; returns its figures (``ok`` False on any miss)."""
    rng = random.Random(seed)
    echo("Fault-free reference run (in-process)…")
    t_ref = time.monotonic()
    expected_steps = reference_replies()
    phases = {"reference_s": round(time.monotonic() - t_ref, 1)}
    expected_flat = [body for step in expected_steps for body in step]
    own_tmp = tempfile.TemporaryDirectory(prefix="inaam-chaos-") if workdir is None else None
    base = Path(own_tmp.name) if own_tmp else workdir
    assert base is not None
    topo = Topology(base, workers=2)
    started = time.monotonic()
    try:
        echo("Starting PostgreSQL, Redis, the stand-in and the Procfile's processes…")
        topo.start()
        phases["setup_s"] = round(time.monotonic() - started, 1)
        line = Timeline()
        stop = threading.Event()
        faults = threading.Thread(target=_faults, args=(topo, line, random.Random(seed + 1), seconds, redis_down,
                                                        stop), daemon=True)
        faults.start()
        phones = [f"+9198{seed % 100:02d}{i:06d}" for i in range(numbers)]
        pace = seconds / (len(SCRIPT) + 2)
        threads = []
        for phone in phones:
            offset = rng.uniform(0, seconds * 0.25)
            t = threading.Timer(offset, _converse, args=(topo, line, phone, expected_steps,
                                                         random.Random(rng.random()), pace))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        faults.join(timeout=seconds + 60)
        stop.set()
        phases["conversations_s"] = round(line.now(), 1)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if topo.unsettled() == 0:
                    break
            except Exception:  # the database may be restarting
                pass
            time.sleep(0.5)
        phases["settle_s"] = round(line.now() - phases["conversations_s"], 1)
        time.sleep(1.0)
        got = {p: [m["body"] for m in topo.standin.messages(to=f"whatsapp:{p}")] for p in phones}
        tally = Tally.of({p: expected_flat for p in phones}, got)
        ledger_ok, ledger_line = topo.ledger_verify()
        reconciled = sum(Path(p).read_text(errors="replace").count("Twilio already had it")
                         for p in base.glob("worker*.log"))
    finally:
        topo.stop()
        if own_tmp:
            own_tmp.cleanup()
    grace = 3.0
    pg = line.pg_down or (0.0, 0.0)
    fives = [(t, s) for t, s in line.answers if s >= 500]
    outside = [(t, s) for t, s in fives if not pg[0] <= t <= pg[1] + grace]
    lat = sorted(line.latencies)
    figures = {
        **tally.figures(), "messages": numbers * len(SCRIPT), "posts": line.posts, "redeliveries": line.redeliveries,
        "worker_kills": line.worker_kills, "web_kills": line.web_kills,
        "redis_down_s": round(line.redis_down[1] - line.redis_down[0], 1) if line.redis_down else 0,
        "pg_restart_s": round(pg[1] - pg[0], 1), "webhook_5xx": len(fives), "webhook_5xx_outside_pg_down": len(outside),
        "webhook_connection_errors": line.connection_errors, "reconciled_with_twilio": reconciled,
        "reply_p50_s": round(lat[len(lat) // 2], 2) if lat else None,
        "reply_p95_s": round(lat[int(len(lat) * 0.95)], 2) if lat else None,
        "ledger_verify": ledger_line, "ledger_ok": ledger_ok, "wall_s": round(time.monotonic() - started, 1),
        "mismatched_numbers": tally.mismatched[:10], **phases,
    }
    figures["ok"] = (not tally.mismatched and tally.duplicates == 0 and tally.lost == 0 and ledger_ok
                     and not outside)
    return figures
