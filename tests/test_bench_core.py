"""The core benchmark's cheap parts: percentile math and the load generator against the bare app.

Why: the full run needs gunicorn, PostgreSQL and Redis for minutes; these checks keep its
arithmetic and its request signing honest in the normal test run (no timing assertions).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from bench import loadgen
from bench.bare_app import EMPTY_TWIML, create_app
from bench.stats import percentile, ratio, summarize_ms
from bot.webhooks import EMPTY_TWIML as OUR_TWIML

pytestmark = pytest.mark.timeout(10)


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 25) == pytest.approx(1.75)
    assert percentile([7.0], 99) == 7.0


def test_percentile_refuses_empty_input_and_bad_ranks() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_in_milliseconds_and_ratio() -> None:
    summary = summarize_ms([0.001 * n for n in range(1, 101)])
    assert summary["n"] == 100
    assert summary["p50_ms"] == pytest.approx(50.5)
    assert summary["max_ms"] == pytest.approx(100.0)
    assert summarize_ms([])["n"] == 0
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None


def test_distinct_numbers_per_client_and_request() -> None:
    phones = {loadgen.phone_for(c, s) for c in range(4) for s in range(100)}
    assert len(phones) == 400


@pytest.fixture
def bare_server() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_bare_app_answers_like_our_webhook(bare_server: str) -> None:
    assert EMPTY_TWIML == OUR_TWIML
    report = loadgen.run(bare_server, public_base_url=bare_server, token="t" * 32, account_sid="AC" + "ab" * 16,
                         to="whatsapp:+14155238886", seconds=1.0, clients=2, warmup=0.2)
    assert report["requests"] > 0
    assert report["statuses"] == {"200": report["requests"]}
    assert report["errors"] == {}
    assert report["p50_ms"] <= report["p99_ms"] <= report["max_ms"]
