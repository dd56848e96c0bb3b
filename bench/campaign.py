"""Campaign benchmark: build and queue a 1,00,000-member campaign, then send it at a configured rate
through separate `inaam worker` processes to the Twilio stand-in, SIGKILL one worker mid-way, and
check that no recipient was skipped or messaged twice.

Figures: build+queue seconds (target < 60), measured messages/s against the configured rate over
the measuring window (target within ±5 %), duplicates and skips after the kill (target 0 and 0).
Uses a scratch PostgreSQL database (dropped and recreated) and one Redis database (flushed).
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.core import BIN, ROOT, SENDER, SID, TOKEN, _wait_workers, recreate_database
from bench.procs import Procs

DEFAULT_DATABASE = "inaam_bench_campaign"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
IN_WINDOW_SHARE = 0.6
"""Members who wrote in the last day (free text); the rest get the approved template."""


def seed_members(database_url: str, count: int) -> None:
    """``count`` members with contacts and accounts in three statements (generate_series)."""
    from sqlalchemy import create_engine, text

    from storage.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    langs = "(ARRAY['hi','en','ur'])[1 + (g % 3)]"
    roles = "(ARRAY['contractor','mason','electrician','plumber','painter'])[1 + (g % 5)]"
    with engine.begin() as conn:
        conn.execute(text(f"""
            INSERT INTO members (id, phone, name, role, pin_code, lang, consent_at, created_at)
            SELECT g, '+9170' || lpad(g::text, 8, '0'), 'Member ' || g, {roles},
                   (ARRAY['226010','208001','110001','302001'])[1 + (g % 4)], {langs}, now(), now()
            FROM generate_series(1, :n) AS g"""), {"n": count})
        conn.execute(text("""
            INSERT INTO ledger_accounts (code, kind, member_id, balance, allow_negative, entry_count, last_hash,
                                         created_at)
            SELECT 'member:' || g, 'member', g, (g * 37) % 5000, false, 0, repeat('0', 64), now()
            FROM generate_series(1, :n) AS g"""), {"n": count})
        conn.execute(text("UPDATE members m SET account_id = a.id FROM ledger_accounts a WHERE a.member_id = m.id"))
        conn.execute(text(f"""
            INSERT INTO contacts (phone, lang, member_id, slots, opted_out, last_inbound_at, created_at)
            SELECT '+9170' || lpad(g::text, 8, '0'), {langs}, g, '{{}}', g % 97 = 0,
                   CASE WHEN (g % 10) < {int(IN_WINDOW_SHARE * 10)} THEN now() - interval '2 hours'
                        ELSE now() - interval '3 days' END, now()
            FROM generate_series(1, :n) AS g"""), {"n": count})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('members', 'id'), :n)"), {"n": count})
        conn.execute(text("ANALYZE"))
    engine.dispose()


def run(*, members: int, rate: int, seconds: float, workers: int, server_url: str, database: str,
        redis_url: str, echo: Any) -> dict[str, Any]:
    """The whole benchmark; returns the figures."""
    import redis
    from sqlalchemy import func, select

    from bot.app import create_app
    from campaigns.audience import Filters
    from campaigns.sending import kick
    from campaigns.service import cancel_campaign, create_campaign, pause_campaign, send_campaign
    from content.api import content_client
    from content.registry import sync_templates
    from standins.twilio import TwilioStandIn
    from storage.db import sessions
    from storage.migrate import upgrade
    from storage.models import Contact

    log_dir = Path(tempfile.mkdtemp(prefix="inaam-bench-campaign-"))
    procs = Procs(log_dir)
    standin = TwilioStandIn(SID, TOKEN, status_callbacks=False)
    rconn = redis.Redis.from_url(redis_url)
    results: dict[str, Any] = {"members": members, "rate": rate, "workers": workers, "logs": str(log_dir)}
    app = None
    try:
        rconn.flushdb()
        database_url = recreate_database(server_url, database)
        upgrade(database_url)
        standin.start()
        echo(f"[1/5] seeding {members:,} members")
        started = time.perf_counter()
        seed_members(database_url, members)
        results["seed_seconds"] = round(time.perf_counter() - started, 1)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "INAAM_"))}
        env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
                   TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=standin.url,
                   PUBLIC_BASE_URL="http://127.0.0.1:9", INAAM_COUPON_SECRET="bench-coupon-secret-0123456789",
                   INAAM_CAMPAIGN_RATE=str(rate), INAAM_CAMPAIGN_PARALLEL=str(workers), PYTHONUNBUFFERED="1")
        app = create_app({"EMBEDDED_WORKER": False}, environ=env)
        factory = sessions(app)
        with factory() as session:
            window_open = session.scalars(select(Contact.phone).where(
                Contact.last_inbound_at > func.now() - func.make_interval(0, 0, 0, 1))).all()
        for phone in window_open:
            standin.record_inbound(phone, time.time() - 7200)  # Twilio saw their messages too
        with factory.begin() as session:
            sync_templates(session, content_client(app.config), app.config["TEMPLATES"])

        echo("[2/5] build and queue the campaign (create, audience INSERT … SELECT, lanes enqueued)")
        started = time.perf_counter()
        with factory.begin() as session:
            cid = create_campaign(session, name="bench", filters=Filters(), program=app.config["PROGRAM"],
                                  templates=app.config["TEMPLATES"], template="campaign_offer",
                                  variables={"offer": "Double points this week."}).id
        with factory.begin() as session:
            audience = send_campaign(session, cid, app.config["PROGRAM"]).audience_count
        kick(app, cid)
        results["build_queue_seconds"] = round(time.perf_counter() - started, 2)
        results["audience"] = audience
        echo(f"      {audience:,} recipients in {results['build_queue_seconds']} s")

        echo(f"[3/5] sending at {rate} msg/s with {workers} workers for {seconds:g} s; SIGKILL one at half time")
        argv = [str(BIN / "inaam"), "worker"]
        running = [procs.start(f"worker-{n}", argv, env, cwd=ROOT) for n in range(workers)]
        procs.start("scheduler", [str(BIN / "inaam"), "scheduler"], env, cwd=ROOT)
        _wait_workers(rconn, running)
        samples: list[tuple[float, int]] = []
        t0 = time.monotonic()
        killed_at = None
        while time.monotonic() - t0 < seconds:
            samples.append((time.monotonic() - t0, len(standin.messages())))
            if killed_at is None and time.monotonic() - t0 >= seconds / 2:
                os.kill(running[0].pid, signal.SIGKILL)
                killed_at = round(time.monotonic() - t0, 1)
                running.append(procs.start(f"worker-{workers}", argv, env, cwd=ROOT))
            time.sleep(1.0)
        samples.append((time.monotonic() - t0, len(standin.messages())))
        results["killed_at_s"] = killed_at
        results["rate"] = _rates(samples, rate, killed_at or 0.0)

        echo("[4/5] pause, let in-flight messages and the outbox sweep settle")
        with factory.begin() as session:
            pause_campaign(session, cid)
        time.sleep(max(10.0, float(app.config["SWEEP_AFTER_SECONDS"]) + 15.0))

        echo("[5/5] checking: one message per claimed recipient, none lost, none twice")
        results["check"] = _check(factory, standin, cid)
        with factory.begin() as session:
            cancel_campaign(session, cid)
        results["window"] = {"template_messages": sum(1 for m in standin.messages() if m["content_sid"]),
                             "free_text_messages": sum(1 for m in standin.messages() if not m["content_sid"]),
                             "refused_63016": sum(1 for m in standin.messages() if m.get("window_error"))}
    finally:
        procs.stop_all()
        standin.stop()
        if app is not None:
            app.extensions["inaam.engine"].dispose()
        rconn.flushdb()
        rconn.close()
    return results


def _rates(samples: list[tuple[float, int]], target: int, killed_at: float) -> dict[str, Any]:
    """Messages/s over the steady window (after 10 s of warm-up), and before/after the kill."""
    def between(a: float, b: float) -> float | None:
        inside = [(t, n) for t, n in samples if a <= t <= b]
        if len(inside) < 2 or inside[-1][0] == inside[0][0]:
            return None
        return round((inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]), 2)

    end = samples[-1][0]
    steady = between(10.0, end)
    return {
        "target": target, "measured": steady,
        "deviation_pct": round(100 * (steady - target) / target, 2) if steady else None,
        "before_kill": between(10.0, killed_at) if killed_at else None,
        "after_kill": between(killed_at + 1, end) if killed_at else None,
        "window_s": round(end - 10.0, 1), "sent_total": samples[-1][1],
    }


def _check(factory: Any, standin: Any, campaign_id: int) -> dict[str, int]:
    from sqlalchemy import select

    from storage.messaging_models import CampaignRecipient
    from storage.models import Contact, OutboundMessage

    per_number = Counter(m["to"] for m in standin.messages())
    with factory() as session:
        rows = session.execute(
            select(Contact.phone, CampaignRecipient.status, OutboundMessage.status, OutboundMessage.note)
            .join(Contact, Contact.id == CampaignRecipient.contact_id)
            .outerjoin(OutboundMessage, OutboundMessage.id == CampaignRecipient.outbound_id)
            .where(CampaignRecipient.campaign_id == campaign_id)
        ).all()
    claimed = [r for r in rows if r[1] == "queued"]
    sent = [r for r in claimed if r[2] not in ("skipped", "pending", "sending")]
    duplicates = sum(1 for phone, *_ in claimed if per_number[f"whatsapp:{phone}"] > 1)
    skipped = sum(1 for phone, _, status, _ in sent if per_number[f"whatsapp:{phone}"] == 0)
    return {
        "claimed": len(claimed), "sent": len(sent), "pending_recipients": sum(1 for r in rows if r[1] == "pending"),
        "stuck_in_outbox": sum(1 for r in claimed if r[2] in ("pending", "sending")),
        "skipped_by_rule": sum(1 for r in claimed if r[2] == "skipped"),
        "duplicates": duplicates, "lost": skipped,
        "messages_at_twilio": sum(per_number.values()),
    }
