"""The chaos command, short: 10 numbers for 20 s under worker SIGKILLs, a web kill, a Redis stop and a
PostgreSQL restart; it exits 0 only if every number got exactly the fault-free replies, once each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.services import postgres_bin

pytestmark = [pytest.mark.slow]


def test_short_chaos_run_loses_nothing_and_sends_nothing_twice() -> None:
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    inaam = Path(sys.executable).parent / "inaam"
    done = subprocess.run([str(inaam), "bench", "chaos", "--numbers", "10", "--seconds", "20", "--redis-down", "5",
                           "--json"], capture_output=True, text=True, timeout=400)
    out = done.stdout
    figures = json.loads(out[out.index("{"): out.rindex("}") + 1])
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert figures["ok"] and figures["sent_twice"] == 0 and figures["lost"] == 0
    assert figures["numbers_exact"] == 10 and figures["ledger_ok"]
    assert figures["worker_kills"] >= 5 and figures["web_kills"] == 1 and figures["redis_down_s"] >= 5
    assert figures["pg_restart_s"] > 0 and figures["webhook_5xx_outside_pg_down"] == 0
