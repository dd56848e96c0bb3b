"""Operator surfaces: health, metrics, status callbacks, and the admin commands."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from werkzeug.serving import make_server

from bot.cli import main
from storage.db import sessions
from storage.models import OutboundMessage
from tests.botkit import SID, TOKEN, WhatsAppUser, app_environ


def test_healthz_reports_database_and_queue(app) -> None:
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.json == {"status": "ok", "database": "ok", "queue": "ok"}


def test_healthz_is_503_when_the_database_is_gone(make_app, tmp_path: Path) -> None:
    app = make_app()
    app.extensions["inaam.engine"].dispose()
    from storage.db import make_engine

    app.extensions["inaam.engine"] = make_engine("postgresql://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503 and resp.json["database"].startswith("error")


def test_webhook_answers_503_when_the_database_is_down(make_app, standin) -> None:
    from sqlalchemy.orm import sessionmaker

    from storage.db import make_engine

    app = make_app()
    app.extensions["inaam.sessions"] = sessionmaker(make_engine("postgresql://nobody@127.0.0.1:1/none"))
    user = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    assert user.send("hello", run=False) == 503  # Twilio retries / uses the fallback URL


def test_metrics_count_requests_and_queue(user: WhatsAppUser, app) -> None:
    user.send("hello", run=False)
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'inaam_http_requests_total{endpoint="webhooks.inbound",status="200"} 1.0' in body
    assert "inaam_http_request_seconds_bucket" in body
    assert "inaam_queue_depth 1.0" in body
    assert 'inaam_inbound_messages_total{result="stored"} 1.0' in body


@pytest.fixture
def live_app(make_app) -> Iterator[tuple[object, str]]:
    """The app on a real port, so that the stand-in's signed status callbacks can reach it."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app = make_app(PUBLIC_BASE_URL=base)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, base
    server.shutdown()


def test_status_callbacks_update_outbound_messages(live_app, database_url) -> None:
    from standins.twilio import TwilioStandIn

    app, _base = live_app
    with TwilioStandIn(SID, TOKEN, status_callbacks=True) as callbacks_standin:
        app.config["TWILIO_API_BASE_URL"] = callbacks_standin.url
        user = WhatsAppUser(client=app.test_client(), standin=callbacks_standin, app=app)
        user.ask("Hello")
        callbacks_standin.wait_for(lambda _m: len(callbacks_standin.callbacks()) >= 2, timeout=10)
        import time

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with sessions(app)() as s:
                if s.scalar(select(OutboundMessage.status)) == "delivered":
                    break
            time.sleep(0.05)
    with sessions(app)() as s:
        assert s.scalar(select(OutboundMessage.status)) == "delivered"


def test_status_callback_with_bad_signature_is_refused(app) -> None:
    resp = app.test_client().post("/webhooks/twilio/status", data={"MessageSid": "SM1", "MessageStatus": "read"},
                                  headers={"X-Twilio-Signature": "bogus"})
    assert resp.status_code == 403


def test_rep_add_prints_code_link_and_writes_poster(app, standin, tmp_path: Path) -> None:
    env = app_environ(app.config["DATABASE_URL"], standin.url)
    poster = tmp_path / "poster.png"
    result = CliRunner().invoke(main, ["rep", "add", "Suresh Verma", "--phone", "98390 12345", "--poster", str(poster)],
                                env=env)
    assert result.exit_code == 0, result.output
    code = next(line.split(": ")[1] for line in result.output.splitlines() if line.startswith("Rep code"))
    assert f"https://wa.me/14155238886?text=JOIN%20{code}" in result.output
    from PIL import Image

    from claims.vision.qr import decode_image

    with Image.open(poster) as img:
        assert [h.text for h in decode_image(img)] == [f"https://wa.me/14155238886?text=JOIN%20{code}"]
    again = CliRunner().invoke(main, ["rep", "add", "Other", "--phone", "+919839012345"], env=env)
    assert again.exit_code != 0 and "already exists" in again.output


def test_ledger_verify_command_exit_codes(user: WhatsAppUser, app, standin, database_url: str) -> None:
    from tests.claimkit import enroll

    enroll(user)
    env = app_environ(database_url, standin.url)
    ok = CliRunner().invoke(main, ["ledger", "verify"], env=env)
    assert ok.exit_code == 0 and "Ledger verified" in ok.output
    with sessions(app).begin() as s:
        s.execute(text("UPDATE ledger_accounts SET balance = balance + 50 WHERE code LIKE 'member:%'"))
    bad = CliRunner().invoke(main, ["ledger", "verify"], env=env)
    assert bad.exit_code == 1
    assert "stored balance 150 but its entries sum to 100" in bad.output
