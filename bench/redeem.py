"""``inaam bench redeem``: redemptions per second through the whole path, and the expiry job's time.

Part 1 — whole path on PostgreSQL + Redis: gunicorn (the webhook receiver), two ``inaam worker``
processes and the local RazorpayX stand-in (settling each payout after 50 ms and posting signed
webhooks). For each of N members: hold (in this process, like a chat turn), payout job on Redis,
the worker's HTTP calls (contact, fund account, payout with its idempotency key), the stand-in's
``payout.processed`` webhook, the hold posted. Timed from the first hold to the last posting.
Baseline in the same run: hold + post on the same database without HTTP, queue or webhook.

Part 2 — expiry: M members × 10 earning entries spread over the last 36 months (valid hash
chains, bulk-inserted), then the real ``loyalty.expiry.expire`` job (expiry after 24 months), then
``ledger verify``.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import procs as proc_mod
from bench.core import BIN, OUR_APP, ROOT, SID, TOKEN, recreate_database, server_env, start_web
from bench.procs import Procs

KEY_ID, KEY_SECRET, ACCOUNT, WEBHOOK_SECRET = "rzp_test_bench001", "bench-key-secret", "5656560012345678", "bench-wh"
ENC_KEY = "YmVuY2gtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMhIT0="


def _member_rows(count: int, start: int = 1) -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    return [{"id": start + i, "phone": f"+9170{start + i:08d}", "name": f"Bench Member {start + i}", "role": "mason",
             "pin_code": "226010", "upi_id": None, "lang": "en", "consent_at": now, "created_at": now}
            for i in range(count)]


def _make_members(factory: Any, count: int, points: int, first_id: int) -> list[int]:
    from sqlalchemy import insert

    from payouts.models import PayoutProfile
    from storage import ledger
    from storage.models import Contact, Member

    ids = []
    with factory.begin() as s:
        s.execute(insert(Member), _member_rows(count, first_id))
        for member in s.query(Member).filter(Member.id >= first_id, Member.id < first_id + count):
            account = ledger.open_member_account(s, member.id)
            member.account_id = account.id
            member.upi_id = f"bench.member{member.id}@okaxis"
            s.add(Contact(phone=member.phone, lang="en", member_id=member.id, slots={}))
            s.add(PayoutProfile(member_id=member.id, kyc_status="verified", pan="ABCPK1234L", pan_name="BENCH"))
            s.flush()
            ledger.transfer(s, source=ledger.ISSUANCE, dest=account.id, points=points, reason="qr_claim",
                            idempotency_key=f"bench-seed:{member.id}")
            ids.append(member.id)
    return ids


def whole_path(database_url: str, redis_url: str, count: int, echo: Any) -> dict[str, Any]:
    import redis
    from rq import Queue
    from sqlalchemy import func, select

    from bot.app import create_app
    from payouts import service
    from payouts.models import Redemption
    from standins.razorpayx import RazorpayXStandIn
    from standins.twilio import TwilioStandIn
    from storage import ledger
    from storage.db import sessions
    from storage.models import Member
    from workers.queue import DEFAULT_QUEUE

    log_dir = Path(tempfile.mkdtemp(prefix="inaam-bench-redeem-"))
    procs = Procs(log_dir)
    port = proc_mod.free_port()
    twilio = TwilioStandIn(SID, TOKEN, status_callbacks=False).start()
    rzp = RazorpayXStandIn(KEY_ID, KEY_SECRET, webhook_secret=WEBHOOK_SECRET, account_number=ACCOUNT,
                           webhook_url=f"http://127.0.0.1:{port}/webhooks/razorpayx", auto=True,
                           settle_seconds=0.05).start()
    env = server_env(database_url, redis_url, twilio.url, port)
    env.update(RAZORPAYX_API_BASE_URL=rzp.url, RAZORPAYX_KEY_ID=KEY_ID, RAZORPAYX_KEY_SECRET=KEY_SECRET,
               RAZORPAYX_ACCOUNT_NUMBER=ACCOUNT, RAZORPAYX_WEBHOOK_SECRET=WEBHOOK_SECRET, INAAM_ENCRYPTION_KEY=ENC_KEY)
    app = create_app({"EMBEDDED_WORKER": False}, environ=env)
    factory = sessions(app)
    try:
        members = _make_members(factory, count, 1000, 1)
        base_members = _make_members(factory, count, 1000, count + 1)
        # Baseline: the ledger part alone (hold, then post), same database, same process.
        t0 = time.perf_counter()
        for mid in base_members:
            with factory.begin() as s:
                hold = ledger.place_hold(s, account=s.get(Member, mid).account_id, points=400,
                                         idempotency_key=f"bench-base:{mid}")
            with factory.begin() as s:
                ledger.post_hold(s, hold.id, idempotency_key=f"bench-base-post:{mid}")
        baseline = count / (time.perf_counter() - t0)

        web, _ = start_web(procs, "web", OUR_APP, env, port)
        workers = [procs.start(f"worker-{n}", [str(BIN / "inaam"), "worker"], env, cwd=ROOT) for n in range(2)]
        time.sleep(3.0)  # workers warm up (imports, catalogs)
        queue = Queue(DEFAULT_QUEUE, connection=redis.Redis.from_url(redis_url))
        echo(f"  {count} redemptions through hold → payout job → RazorpayX stand-in → webhook → post …")
        t0 = time.perf_counter()
        for mid in members:
            with factory.begin() as s:
                member = s.get(Member, mid)
                row = service.start_redemption(s, member, service.NewRedemption(
                    kind="upi", reward_code="upi", points=400, gross_paise=10_000, tds_paise=0, net_paise=10_000,
                    tds_mode="none", fy="2026-27", provider="razorpayx", vpa=member.upi_id,
                    holder_name="BENCH MEMBER"))
                rid = row.id
            queue.enqueue("payouts.jobs.submit_payout", rid, job_id=f"payout-{rid}")
        deadline = time.perf_counter() + 120 + count
        done = 0
        while time.perf_counter() < deadline:
            with factory() as s:
                done = s.scalar(select(func.count(Redemption.id)).where(Redemption.status == "processed")) or 0
            if done >= count:
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - t0
        with factory() as s:
            problems = ledger.verify(s)
        for proc in [web, *workers]:
            procs.stop(proc)
        return {"redemptions": count, "processed": done, "seconds": round(elapsed, 2),
                "per_second": round(done / elapsed, 1), "baseline_hold_post_per_second": round(baseline, 1),
                "ratio_to_baseline": round((done / elapsed) / baseline, 3), "payouts_at_provider": rzp.payout_count(),
                "ledger_verify_problems": len(problems), "logs": str(log_dir)}
    finally:
        procs.stop_all()
        rzp.stop()
        twilio.stop()
        app.extensions["inaam.engine"].dispose()


def _hash(account_id: int, seq: int, transfer_id: int, amount: int, after: int, when: dt.datetime, prev: str) -> str:
    from storage.ledger_models import entry_hash

    return entry_hash(account_id, seq, transfer_id, amount, after, when, prev)


def _copy(raw: Any, table: str, columns: list[str], rows: Any) -> None:
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def expiry_part(database_url: str, members: int, entries: int, echo: Any, *, verify: bool = True) -> dict[str, Any]:
    """Bulk-load members × entries earnings with valid chains (COPY), then time the expiry job."""
    from sqlalchemy import text
    from sqlalchemy.orm import sessionmaker

    from bot.program import load_program
    from loyalty.expiry import expire
    from storage import ledger
    from storage.db import make_engine
    from storage.ledger_models import GENESIS_HASH

    engine = make_engine(database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    rng = random.Random(8)
    now = dt.datetime.now(dt.UTC)
    t_load = time.perf_counter()
    with factory.begin() as s:
        issuance = ledger.ensure_system_accounts(s)[ledger.ISSUANCE]
        iss_id, iss_seq, iss_hash, iss_bal = issuance.id, issuance.entry_count, issuance.last_hash, issuance.balance
        base = int(s.scalar(text("select coalesce(max(id), 0) from ledger_accounts")) or 0) + 1
        base_member = int(s.scalar(text("select coalesce(max(id), 0) from members")) or 0) + 1
    plan = []
    for i in range(members):
        for _ in range(entries):
            plan.append((now - dt.timedelta(days=rng.randint(1, 36 * 30), seconds=rng.randint(0, 86_000)), i,
                         rng.randint(5, 200)))
    plan.sort(key=lambda p: p[0])
    state = [[0, GENESIS_HASH, 0] for _ in range(members)]  # seq, hash, balance
    transfers, entry_rows = [], []
    for tid, (when, i, pts) in enumerate(plan, start=1):
        aid = base + i
        iss_seq += 1
        iss_bal -= pts
        h = _hash(iss_id, iss_seq, tid, -pts, iss_bal, when, iss_hash)
        entry_rows.append((tid, iss_id, -pts, iss_bal, iss_seq, iss_hash, h, when))
        iss_hash = h
        st = state[i]
        st[0] += 1
        st[2] += pts
        h = _hash(aid, st[0], tid, pts, st[2], when, st[1])
        entry_rows.append((tid, aid, pts, st[2], st[0], st[1], h, when))
        st[1] = h
        transfers.append((tid, f"bench-earn:{tid}", iss_id, aid, pts, "qr_claim", when))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("select coalesce(max(id), 0) from ledger_transfers")
        offset = int(cur.fetchone()[0])
        transfers = [(t[0] + offset, *t[1:]) for t in transfers]
        entry_rows = [(e[0] + offset, *e[1:]) for e in entry_rows]
        if offset:
            raise RuntimeError("the expiry benchmark needs an empty ledger (hashes include transfer ids)")
        # The rows are built here with their balances and chains; PostgreSQL's deferred per-row
        # "balanced transfer" triggers would take longer than the load itself (minutes per million
        # rows at COMMIT), so this scratch load skips them; `ledger verify` checks everything after.
        cur.execute("SET session_replication_role = replica")
        _copy(raw, "ledger_accounts", ["id", "code", "kind", "member_id", "balance", "allow_negative", "entry_count",
                                       "last_hash", "created_at"],
              ((base + i, f"member:{base_member + i}", "member", base_member + i, st[2], False, st[0], st[1], now)
               for i, st in enumerate(state)))
        _copy(raw, "members", ["id", "phone", "name", "role", "pin_code", "lang", "account_id", "consent_at",
                               "created_at"],
              ((base_member + i, f"+9170{base_member + i:08d}", f"Bench Member {base_member + i}", "mason", "226010",
                "en", base + i, now, now) for i in range(members)))
        _copy(raw, "ledger_transfers", ["id", "idempotency_key", "source_account_id", "dest_account_id", "points",
                                        "reason", "created_at"], transfers)
        _copy(raw, "ledger_entries", ["transfer_id", "account_id", "amount", "balance_after", "seq", "prev_hash",
                                      "hash", "created_at"], entry_rows)
        cur.execute("update ledger_accounts set balance = %s, entry_count = %s, last_hash = %s where id = %s",
                    (iss_bal, iss_seq, iss_hash, iss_id))
        for table in ("members", "ledger_accounts", "ledger_transfers"):
            cur.execute(f"select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))")
        raw.commit()
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("analyze")
        raw.commit()
    finally:
        raw.close()
    load_seconds = time.perf_counter() - t_load
    echo(f"  loaded {members:,} members × {entries} earnings in {load_seconds:.0f}s; running the expiry job …")
    program = load_program()
    today = now.date()
    t0 = time.perf_counter()
    result = expire(factory, program, today)
    job_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = expire(factory, program, today)
    rerun_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    problems: list[Any] = []
    if verify:
        with factory() as s:
            problems = ledger.verify(s)
    verify_seconds = time.perf_counter() - t0 if verify else None
    engine.dispose()
    return {"members": members, "entries_each": entries, "load_seconds": round(load_seconds, 1),
            "job_seconds": round(job_seconds, 1), "expired_members": result["members"],
            "expired_points": result["points"], "rerun_seconds": round(rerun_seconds, 1),
            "rerun_posted": again["members"], "ledger_verify_problems": len(problems),
            "verify_seconds": round(verify_seconds, 1) if verify_seconds is not None else "skipped"}


def run(server_url: str, database: str, redis_url: str, *, count: int, members: int, entries: int,
        echo: Any, verify: bool = True) -> dict[str, Any]:
    import redis

    from storage.migrate import upgrade

    redis.Redis.from_url(redis_url).flushdb()
    url = recreate_database(server_url, database)
    upgrade(url)
    echo(f"[1/2] whole redemption path ({count} redemptions)")
    path = whole_path(url, redis_url, count, echo)
    url = recreate_database(server_url, database)
    upgrade(url)
    echo(f"[2/2] expiry job ({members:,} members × {entries} earning entries)")
    exp = expiry_part(url, members, entries, echo, verify=verify)
    recreate_database(server_url, database, create=False)
    return {"whole_path": path, "expiry": exp}
