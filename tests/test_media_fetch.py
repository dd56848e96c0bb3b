"""Media that never downloads: failures are classified, bounded, told to the member, and block nobody.

Rows of issue 7's table: bad URLs, 500s, redirect loops, truncated bodies, slow answers and refused
connections used to be retried for ever (by RQ and the sweeper) and held back the member's later
messages; credentials went to whatever host a MediaUrl named.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.twilio_signing import inbound_params
from storage.db import sessions
from storage.models import InboundMessage, Media
from tests.botkit import FROM, SID, WhatsAppUser, run_jobs
from tests.claimkit import enroll
from workers import jobs, media
from workers.queue import get_queue


class _Handler(socketserver.StreamRequestHandler):
    """Raw HTTP answers, so truncated bodies and hangs are possible."""

    def handle(self) -> None:
        request = self.rfile.readline().decode("latin-1")
        headers = []
        while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
            headers.append(line.decode("latin-1").strip())
        path = request.split(" ")[1] if " " in request else "/"
        self.server.seen.append((path, headers))  # type: ignore[attr-defined]
        port = self.server.server_address[1]
        answers = {
            "/500": b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
            "/429": b"HTTP/1.1 429 Slow down\r\nContent-Length: 0\r\n\r\n",
            "/404": b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            "/loop": f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/loop2\r\nContent-Length: 0\r\n\r\n"
            .encode(),
            "/loop2": f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/loop\r\nContent-Length: 0\r\n\r\n"
            .encode(),
            "/away": b"HTTP/1.1 307 Temporary\r\nLocation: http://localhost:9/file.jpg\r\nContent-Length: 0\r\n\r\n",
            "/trunc": b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 5000\r\n\r\n\xff\xd8\xff\xe0",
        }
        if path == "/slow":
            time.sleep(3)
            return
        self.wfile.write(answers.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))


@pytest.fixture
def bad_host() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(media, "BACKOFF_SECONDS", (0.5,))
    monkeypatch.setattr(media, "RETRY_WINDOW", media.dt.timedelta(seconds=3))


def _send_url(user: WhatsAppUser, url: str, ctype: str = "image/jpeg") -> str:
    params = inbound_params(from_phone=user.phone, to=FROM, body="", account_sid=SID, media=[(url, ctype)])
    assert user.post(params) == 200
    run_jobs(user.app)
    return params["MessageSid"]


def _failed_jobs(app: Any) -> int:
    return get_queue(app).failed_job_registry.count


BAD_URLS = ["hello", "file:///etc/passwd", "ftp://api.twilio.com/x.jpg", "javascript:alert(1)", "http://[::1",
            "http://localhost:9/x.jpg", "https://evil.example.com/x.jpg"]


def test_bad_urls_and_permanent_http_failures_end_at_once(user: WhatsAppUser, app: Any, bad_host: Any) -> None:
    enroll(user)
    user.replies()
    port = bad_host.server_address[1]
    cases = [(url, None) for url in BAD_URLS] + [
        (f"http://127.0.0.1:{port}/404", "http_404"), (f"http://127.0.0.1:{port}/loop", "redirect loop"),
        (f"http://127.0.0.1:{port}/away", "host not allowed")]
    for url, error in cases:
        _send_url(user, url)
        assert "couldn't download your file" in "\n".join(user.replies()), url
        with sessions(app)() as s:
            item = s.scalar(select(Media).order_by(Media.id.desc()))
            assert item.status == "failed" and item.attempts == 0, url
            assert error is None or item.error == error
            assert s.scalar(select(InboundMessage.status).order_by(InboundMessage.id.desc())) == "done"
    assert _failed_jobs(app) == 0


def test_credentials_go_only_to_the_api_host(user: WhatsAppUser, app: Any, bad_host: Any, standin: Any) -> None:
    enroll(user)
    _send_url(user, f"http://127.0.0.1:{bad_host.server_address[1]}/404")  # an allowed host, not the API's
    assert all(not h.lower().startswith("authorization") for _, hs in bad_host.seen for h in hs)
    user.ask("", media=[(b"\xff\xd8\xff\xe0" + b"\x00" * 100, "image/jpeg")])  # API host, then CDN redirect
    assert standin.cdn_requests() and all("Authorization" not in r["headers"] for r in standin.cdn_requests())


def test_transient_failures_retry_for_a_bounded_time_and_never_block(user: WhatsAppUser, app: Any, bad_host: Any,
                                                                      fast: None) -> None:
    enroll(user)
    user.replies()
    port = bad_host.server_address[1]
    for path in ("/500", "/429", "/slow", "/trunc"):
        _send_url(user, f"http://127.0.0.1:{port}{path}")
    assert user.replies() == []  # all four wait for a retry
    text = user.ask("balance")
    assert "points" in text  # later messages go ahead at once
    deadline = time.monotonic() + 20
    while text.count("couldn't download your file") < 4 and time.monotonic() < deadline:
        time.sleep(0.3)
        jobs.sweep()  # the sweeper, without its 10 s period
        run_jobs(app)
        text += "\n".join(user.replies())
    assert text.count("couldn't download your file") == 4
    with sessions(app)() as s:
        items = s.scalars(select(Media).order_by(Media.id)).all()
        assert [m.status for m in items] == ["failed"] * 4
        assert all(1 <= m.attempts <= 10 for m in items)
        assert items[3].error == "truncated again"  # repeated truncation ends it early
    assert _failed_jobs(app) == 0  # one retry path: no RQ retries of failed jobs
