"""Photo-to-reply time through the whole bot: webhook, queue, worker, media fetch, analysis, rules, reply.

Why: the member feels the time from sending a photo to the bot's answer, not the OCR time alone.
This runs the real topology in one process for measurement — the Flask app on a real port, an
RQ worker on real Redis, PostgreSQL, and the Twilio stand-in serving the photo as Twilio media —
and times each file from the signed webhook POST to the reply reaching the stand-in.
"""

from __future__ import annotations

import mimetypes
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from werkzeug.serving import make_server

from bench.core import recreate_database
from bot.twilio_signing import inbound_params, sign

DEFAULT_DATABASE_SERVER = "postgresql://postgres@127.0.0.1:5432"
"""Server on which the scratch database is created and dropped."""

DEFAULT_REDIS_URL = os.environ.get("INAAM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
"""Redis db used by the benchmark (flushed before and after); INAAM_BENCH_REDIS_URL overrides it."""

SCRATCH_DB = os.environ.get("INAAM_BENCH_CLAIMS_DB", "inaam_bench_claims")
"""Scratch database (dropped and created); INAAM_BENCH_CLAIMS_DB overrides it for parallel runs."""
REPLY_TIMEOUT = float(os.environ.get("INAAM_BENCH_REPLY_TIMEOUT", "600"))
"""Seconds to wait for a reply before the file counts as unanswered (a loaded machine is slow)."""

SID = "AC" + "be" * 16
TOKEN = "bench-auth-token-0123456789"
FROM = "whatsapp:+14155238886"


@contextmanager
def bot_path(*, server_url: str = DEFAULT_DATABASE_SERVER, redis_url: str = DEFAULT_REDIS_URL,
             program_file: str | None = None) -> Iterator[Callable[[Path], float]]:
    """Start the bot; yield ``measure(path) -> seconds``; stop and clean up everything after."""
    import redis

    from bot.app import create_app
    from standins.twilio import TwilioStandIn
    from storage.migrate import upgrade
    from workers import runtime
    from workers.queue import EmbeddedWorker, get_queue

    database_url = recreate_database(server_url, SCRATCH_DB)
    redis.Redis.from_url(redis_url).flushdb()
    standin = TwilioStandIn(SID, TOKEN, status_callbacks=False).start()
    server = make_server("127.0.0.1", 0, None, threaded=True)  # port first: PUBLIC_BASE_URL needs it
    base = f"http://127.0.0.1:{server.server_port}"
    env = {
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_WHATSAPP_FROM": FROM, "TWILIO_API_BASE_URL": standin.url, "PUBLIC_BASE_URL": base,
        "INAAM_COUPON_SECRET": "bench-coupon-secret-0123456789",
    }
    if program_file:
        env["INAAM_PROGRAM_FILE"] = program_file
    app = create_app({"EMBEDDED_WORKER": False}, environ=env)
    upgrade(database_url)
    server.app = app
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runtime.set_app(app)
    worker = EmbeddedWorker([get_queue(app)], connection=get_queue(app).connection)
    threading.Thread(target=lambda: worker.work(logging_level="WARNING"), daemon=True).start()
    phones = iter(f"+9170000{n:05d}" for n in range(100_000))
    try:
        from bot.i18n import translate

        checking = translate("en", "claims.checking")

        def measure(path: Path, gstin: str | None = None) -> float:
            """Seconds from the webhook POST to the answer (not the 'checking' note) reaching Twilio."""
            phone = next(phones)
            _enroll(app, phone, gstin)
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            media_url = standin.add_media(path.read_bytes(), ctype)
            params = inbound_params(from_phone=phone, to=FROM, account_sid=SID, media=[(media_url, ctype)])
            url = base + "/webhooks/twilio/messages"
            standin.record_inbound(phone)  # Twilio sees the inbound message: the window opens
            started = time.perf_counter()
            resp = requests.post(url, data=params, headers={"X-Twilio-Signature": sign(TOKEN, url, params)},
                                 timeout=15)
            resp.raise_for_status()
            standin.wait_for(
                lambda msgs: any(m["to"] == f"whatsapp:{phone}" and m.get("body") != checking for m in msgs),
                timeout=REPLY_TIMEOUT,
            )
            return time.perf_counter() - started

        yield measure
    finally:
        worker._stop_requested = True
        server.shutdown()
        standin.stop()
        app.extensions["inaam.engine"].dispose()
        redis.Redis.from_url(redis_url).flushdb()
        recreate_database(server_url, SCRATCH_DB, create=False)


def _enroll(app: object, phone: str, gstin: str | None) -> None:
    from storage.contacts import get_or_create_contact
    from storage.db import sessions
    from storage.members import Enrollment, enroll

    with sessions(app).begin() as session:
        contact = get_or_create_contact(session, phone, "Bench")
        contact.lang = "en"
        enroll(session, contact, Enrollment("Bench Member", "distributor", "226001", None, "en", gstin=gstin,
                                              firm_name="Bench Traders"),
               welcome_bonus=app.config["PROGRAM"].welcome_bonus)  # type: ignore[attr-defined]
