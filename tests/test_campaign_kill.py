"""A campaign worker SIGKILLed mid-send: every claimed recipient gets exactly one message, nobody is skipped.

Real PostgreSQL and Redis, two `inaam worker` processes and the scheduler (outbox sweep, campaign
tick) against the Twilio stand-in; one worker is killed while its lane has messages in flight.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.campaign import seed_members
from bench.core import BIN, ROOT, SENDER, SID, TOKEN, _wait_workers
from bench.procs import Procs
from storage.messaging_models import Campaign, CampaignRecipient
from storage.models import Contact, OutboundMessage

MEMBERS = 240


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_sigkilled_worker_neither_skips_nor_duplicates(pg_url: str, redis_conn, tmp_path: Path) -> None:
    from bot.app import create_app
    from campaigns.audience import Filters
    from campaigns.sending import kick
    from campaigns.service import create_campaign, send_campaign
    from content.api import content_client
    from content.registry import sync_templates
    from standins.twilio import TwilioStandIn
    from storage.db import sessions
    from storage.migrate import upgrade
    from tests.conftest import redis_url

    upgrade(pg_url)
    seed_members(pg_url.replace("postgresql+psycopg://", "postgresql://"), MEMBERS)
    procs = Procs(tmp_path)
    with TwilioStandIn(SID, TOKEN, status_callbacks=False) as standin:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "INAAM_"))}
        env.update(DATABASE_URL=pg_url, REDIS_URL=redis_url(), TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
                   TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=standin.url, PUBLIC_BASE_URL="http://127.0.0.1:9",
                   INAAM_COUPON_SECRET="kill-test-secret-0123456789", INAAM_CAMPAIGN_RATE="40",
                   INAAM_CAMPAIGN_PARALLEL="2", INAAM_SWEEP_AFTER_SECONDS="2")
        app = create_app({"EMBEDDED_WORKER": False}, environ=env)
        factory = sessions(app)
        try:
            with factory() as s:
                for phone in s.scalars(select(Contact.phone)):
                    standin.record_inbound(phone)
            with factory.begin() as s:
                sync_templates(s, content_client(app.config), app.config["TEMPLATES"])
            with factory.begin() as s:
                cid = create_campaign(s, name="kill", filters=Filters(), program=app.config["PROGRAM"],
                                      templates=app.config["TEMPLATES"], template="campaign_offer",
                                      variables={"offer": "Offer."}).id
            with factory.begin() as s:
                audience = send_campaign(s, cid, app.config["PROGRAM"]).audience_count
            kick(app, cid)
            argv = [str(BIN / "inaam"), "worker"]
            workers = [procs.start(f"w{n}", argv, env, cwd=ROOT) for n in range(2)]
            procs.start("scheduler", [str(BIN / "inaam"), "scheduler"], env, cwd=ROOT)
            _wait_workers(redis_conn, workers)
            standin.wait_for(lambda m: len(m) >= 40, timeout=60)
            os.kill(workers[0].pid, signal.SIGKILL)  # mid-way: its lane has messages in flight
            procs.start("w2", argv, env, cwd=ROOT)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with factory() as s:
                    done = s.get(Campaign, cid).status == "done"
                    unsent = s.scalar(select(OutboundMessage.id).where(
                        OutboundMessage.msgid == f"campaign.{cid}",
                        OutboundMessage.status.in_(["pending", "sending"])).limit(1))
                if done and unsent is None:
                    break
                time.sleep(1)
            with factory() as s:
                rows = s.execute(select(Contact.phone, CampaignRecipient.status, OutboundMessage.status)
                                 .join(Contact, Contact.id == CampaignRecipient.contact_id)
                                 .outerjoin(OutboundMessage, OutboundMessage.id == CampaignRecipient.outbound_id)
                                 .where(CampaignRecipient.campaign_id == cid)).all()
            counts = Counter(m["to"] for m in standin.messages())
        finally:
            procs.stop_all()
            app.extensions["inaam.engine"].dispose()
    assert len(rows) == audience > 200
    assert {r[1] for r in rows} == {"queued"}, "every recipient was claimed"
    assert [r for r in rows if r[2] in ("pending", "sending")] == [], "nothing stuck in the outbox"
    duplicates = [p for p, n in counts.items() if n > 1]
    lost = [r[0] for r in rows if r[2] != "skipped" and counts[f"whatsapp:{r[0]}"] == 0]
    assert duplicates == [] and lost == []
    assert sum(counts.values()) == sum(1 for r in rows if r[2] != "skipped")
