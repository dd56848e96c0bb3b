"""The campaign pacer: slots at exactly the configured rate across pacers sharing Redis; the daily limit."""

from __future__ import annotations

import itertools
import time

import fakeredis
import pytest

from campaigns.pacing import BURST_SECONDS, DailyLimit, Pacer


def _slots(pacers: list[Pacer], count: int) -> list[float]:
    out = []
    for i in range(count):
        now = time.time()
        out.append(now + pacers[i % len(pacers)].reserve())
    return out


@pytest.mark.parametrize("backend", ["fakeredis", pytest.param("redis", marks=pytest.mark.redis)])
def test_two_pacers_on_one_sender_share_the_rate(backend: str, request: pytest.FixtureRequest) -> None:
    conn = (fakeredis.FakeRedis(server=fakeredis.FakeServer()) if backend == "fakeredis"
            else request.getfixturevalue("redis_conn"))
    pacers = [Pacer(conn, "whatsapp:+14155238886", rate=20), Pacer(conn, "whatsapp:+14155238886", rate=20)]
    started = time.time()
    slots = _slots(pacers, 40)  # reserved much faster than 20/s: the slots are spaced by the pacer
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert sum(gaps) / len(gaps) == pytest.approx(1 / 20, rel=0.05)
    assert slots[-1] - slots[0] == pytest.approx(39 / 20, abs=0.15)  # 40 messages take 2 s, not less
    assert started - BURST_SECONDS - 0.1 <= slots[0] <= started + 0.2


def test_daily_limit_counts_down() -> None:
    conn = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    assert DailyLimit(conn, "s", 0).remaining() is None
    limit = DailyLimit(conn, "s", 5)
    limit.use(3)
    assert limit.remaining() == 2
    limit.use(4)
    assert limit.remaining() == 0
