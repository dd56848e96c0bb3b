"""Nothing is lost: Redis going away during a burst, and a worker killed in the middle of a message."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from storage import ledger
from storage.claim_models import CouponRedemption
from storage.db import sessions
from storage.models import InboundMessage, Member
from tests.botkit import SID, WhatsAppUser, app_environ, run_jobs
from tests.claimkit import code, coupon_photo, enroll, new_batch
from tests.conftest import redis_url
from workers import jobs
from workers.queue import enqueue

pytestmark = pytest.mark.redis


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, so the test can take it away and bring it back."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server binary not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def sweep_and_run(app) -> None:
    time.sleep(1.1)  # INAAM_SWEEP_AFTER_SECONDS=1 in tests
    enqueue(app, jobs.sweep)
    run_jobs(app)


def test_redis_down_during_a_burst_loses_nothing(make_app, standin, private_redis: PrivateRedis) -> None:
    app = make_app(REDIS_URL=private_redis.url)
    users = [WhatsAppUser(client=app.test_client(), standin=standin, app=app, phone=f"+9198765000{n:02d}")
             for n in range(6)]
    for user in users:
        assert user.send("Hello", run=False) == 200  # enqueued in Redis
    private_redis.kill()  # Redis dies with those jobs in it
    for user in users:
        assert user.send("1", run=False) == 200  # stored and acknowledged all the same
    with sessions(app)() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 12
    private_redis.start()  # back, but empty: the queued jobs are gone
    sweep_and_run(app)
    for user in users:
        replies = user.replies()
        assert len(replies) == 2, replies
        assert "choose your language" in replies[0] and "full name" in replies[1]
    with sessions(app)() as s:
        statuses = s.execute(select(InboundMessage.status, InboundMessage.attempts)).all()
        assert statuses == [("done", 1)] * 12


class SlowMedia:
    """Serves one file; the first download hangs until released (a worker is killed meanwhile)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.requested = threading.Event()
        self.release = threading.Event()
        self.hits = 0
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/media/coupon.jpg"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def wsgi(self, request: Request) -> Response:
        self.hits += 1
        if self.hits == 1:
            self.requested.set()
            self.release.wait(20)
        return Response(self.data, mimetype="image/jpeg")


def test_worker_killed_mid_message_neither_loses_nor_pays_twice(make_app, standin, database_url: str,
                                                                  redis_conn) -> None:
    from bot.twilio_signing import inbound_params

    app = make_app(REDIS_URL=redis_url())
    user = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    enroll(user)
    batch = new_batch(app, points=25)
    coupon = code(app, batch, 3)
    media = SlowMedia(coupon_photo([coupon]))
    params = inbound_params(from_phone=user.phone, to="whatsapp:+14155238886", body="", account_sid=SID,
                            media=[(media.url, "image/jpeg")])
    assert user.post(params) == 200

    env = {**os.environ, **app_environ(database_url, standin.url, REDIS_URL=redis_url())}
    worker = subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()", "worker"], env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert media.requested.wait(30), "the worker never started the job"
        os.killpg(worker.pid, signal.SIGKILL)  # mid-message: the media download is in flight
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        media.release.set()
    with sessions(app)() as s:
        assert s.scalar(select(InboundMessage.status).order_by(InboundMessage.id.desc()).limit(1)) == "received"
        assert s.scalar(select(func.count()).select_from(CouponRedemption)) == 0
    user.replies()

    sweep_and_run(app)  # a healthy worker picks the message up again
    replies = user.replies()
    assert len(replies) == 1 and "+25 points" in replies[0]
    sweep_and_run(app)  # and running everything once more changes nothing
    assert user.replies() == []
    with sessions(app)() as s:
        member = s.scalar(select(Member))
        assert ledger.balance(s, member.account_id) == 125
        assert s.scalar(select(func.count()).select_from(CouponRedemption)) == 1
        assert ledger.verify(s) == []
    media.server.shutdown()
