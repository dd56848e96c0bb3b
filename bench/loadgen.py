"""Closed-loop load generator: signed Twilio inbound webhooks from many distinct numbers.

Why: acknowledgement latency must be measured with what Twilio really sends (form parameters,
``X-Twilio-Signature``, a fresh MessageSid and sender per request) from a process separate from
the servers, with keep-alive connections, bounded in requests and in time.

Usage (prints one JSON object): ``python -m bench.loadgen URL --public-base-url URL --token T``
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from typing import Any

import requests

from bench.stats import summarize_ms
from bot.twilio_signing import inbound_params, sign

WEBHOOK_PATH = "/webhooks/twilio/messages"
"""The path the load is aimed at (and the signature is computed over)."""

DEFAULT_MAX_REQUESTS_PER_CLIENT = 100_000
"""Upper bound on requests one client thread sends, whatever the duration."""

DEFAULT_TIMEOUT_SECONDS = 10.0
"""Per-request timeout; a timeout counts as an error, not as a latency."""


def phone_for(client: int, seq: int, run: int = 0) -> str:
    """A distinct Indian mobile number for request ``seq`` of ``client`` (``run`` shifts the range)."""
    return f"+91{6 + run % 4}{(client * 10_000_000 + seq) % 10**9:09d}"


def run(
    base_url: str,
    *,
    public_base_url: str,
    token: str,
    account_sid: str,
    to: str,
    seconds: float,
    clients: int,
    warmup: float = 1.0,
    run_id: int = 0,
    max_requests: int = DEFAULT_MAX_REQUESTS_PER_CLIENT,
) -> dict[str, Any]:
    """Send signed inbound webhooks from ``clients`` threads for ``warmup`` + ``seconds``.

    Only requests that start after the warm-up and end within the window are counted.

    Returns:
        ``requests``, ``rps``, latency ``p50_ms``/``p95_ms``/``p99_ms``/``max_ms``, ``statuses``
        (counts by HTTP status), ``errors`` (by exception class), ``sample_error`` (first non-200).
    """
    signed_url = public_base_url.rstrip("/") + WEBHOOK_PATH
    target = base_url.rstrip("/") + WEBHOOK_PATH
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[Counter[str]] = [Counter() for _ in range(clients)]
    errors: list[Counter[str]] = [Counter() for _ in range(clients)]
    samples: list[str] = []
    barrier = threading.Barrier(clients + 1)
    window: dict[str, float] = {}

    def client(n: int) -> None:
        session = requests.Session()
        barrier.wait()
        start, end = window["start"], window["end"]
        for seq in range(max_requests):
            t0 = time.perf_counter()
            if t0 >= end:
                break
            params = inbound_params(from_phone=phone_for(n, seq, run_id), to=to, body="balance",
                                    account_sid=account_sid, profile_name="Bench")
            headers = {"X-Twilio-Signature": sign(token, signed_url, params)}
            try:
                resp = session.post(target, data=params, headers=headers, timeout=DEFAULT_TIMEOUT_SECONDS)
                resp.content  # noqa: B018 - read the whole body before stopping the clock
            except requests.RequestException as exc:
                if t0 >= start:
                    errors[n][exc.__class__.__name__] += 1
                continue
            t1 = time.perf_counter()
            if t0 >= start and t1 <= end:
                latencies[n].append(t1 - t0)
                statuses[n][str(resp.status_code)] += 1
                if resp.status_code != 200 and len(samples) < 3:
                    samples.append(f"{resp.status_code}: {resp.text[:500]}")
        session.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    window.update(start=now + warmup, end=now + warmup + seconds)
    barrier.wait()
    time.sleep(max(0.0, window["start"] - time.perf_counter()))
    cpu_start = time.process_time()
    time.sleep(max(0.0, window["end"] - time.perf_counter()))
    cpu_used = time.process_time() - cpu_start
    for thread in threads:
        thread.join(timeout=2 * DEFAULT_TIMEOUT_SECONDS)
    merged = [x for lst in latencies for x in lst]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(merged),
        "rps": round(len(merged) / seconds, 1),
        **summarize_ms(merged),
        "statuses": dict(sum(statuses, Counter())),
        "errors": dict(sum(errors, Counter())),
        "sample_error": samples,
        "client_cpu_cores": round(cpu_used / seconds, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--public-base-url", required=True, help="what the signature is computed over")
    parser.add_argument("--token", required=True)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--to", default="whatsapp:+14155238886")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--run-id", type=int, default=0)
    args = parser.parse_args(argv)
    report = run(args.base_url, public_base_url=args.public_base_url, token=args.token,
                 account_sid=args.account_sid, to=args.to, seconds=args.seconds, clients=args.clients,
                 warmup=args.warmup, run_id=args.run_id)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
