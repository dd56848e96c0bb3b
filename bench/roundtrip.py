"""Inbound-to-reply latency: signed "balance" messages in, replies timed at the Twilio stand-in.

Why: what a member feels is the time from sending a WhatsApp message to the bot's reply leaving
for Twilio — webhook, queue, worker, dialog turn, ledger read, outbound job, REST call. This
drives that whole path at a modest, paced rate (not a saturation test) from enrolled members,
one message in flight per member so each reply matches the message that caused it.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import requests

from bench.loadgen import WEBHOOK_PATH
from bench.stats import summarize_ms
from bot.twilio_signing import inbound_params, sign

if TYPE_CHECKING:
    from flask import Flask

    from standins.twilio import TwilioStandIn

DEFAULT_DRAIN_SECONDS = 30.0
"""How long to wait for the last replies after the final message is sent."""


def enroll_members(app: Flask, count: int) -> list[str]:
    """Create ``count`` enrolled English-speaking members directly (no dialog); returns their phones."""
    from storage.base import utcnow
    from storage.contacts import get_or_create_contact
    from storage.db import sessions
    from storage.members import Enrollment, enroll

    phones = [f"+9180000{n:05d}" for n in range(count)]
    bonus = app.config["PROGRAM"].welcome_bonus
    with sessions(app).begin() as session:
        for n, phone in enumerate(phones):
            contact = get_or_create_contact(session, phone, f"Bench {n}")
            contact.lang = "en"
            contact.last_inbound_at = utcnow()
            enroll(session, contact, Enrollment(name=f"Bench Member {n}", role="mason", pin_code="226001",
                                                upi_id=None, lang="en"), welcome_bonus=bonus)
    return phones


def measure(
    standin: TwilioStandIn,
    phones: list[str],
    *,
    base_url: str,
    public_base_url: str,
    token: str,
    account_sid: str,
    to: str,
    rate: float,
    seconds: float,
    drain_seconds: float = DEFAULT_DRAIN_SECONDS,
) -> dict[str, Any]:
    """Send ``rate`` "balance" messages per second for ``seconds``, round-robin over ``phones``.

    A member whose previous reply has not arrived is passed over (``skipped``); a reply that
    matches no message in flight counts as ``extra_replies``.

    Returns:
        ``sent``, ``replied``, ``lost`` (no reply within ``drain_seconds``), ``skipped``,
        ``extra_replies``, ``non_200`` (webhook answers), ``sample_reply``, and the latency
        summary (``p50_ms``…) of inbound POST start → reply stored by the stand-in.
    """
    signed_url = public_base_url.rstrip("/") + WEBHOOK_PATH
    lock = threading.Lock()
    in_flight: dict[str, float] = {}
    latencies: list[float] = []
    extra = [0]
    sample: list[str] = []
    stop = threading.Event()
    seen_start = len(standin.messages())

    def watch() -> None:
        seen = seen_start
        deadline = time.monotonic() + seconds + drain_seconds + 10
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                msgs = standin.wait_for(lambda m, n=seen: len(m) > n or stop.is_set(), timeout=0.5)
            except TimeoutError:
                continue
            now = time.perf_counter()
            for msg in msgs[seen:]:
                phone = msg["to"].removeprefix("whatsapp:")
                with lock:
                    started = in_flight.pop(phone, None)
                if started is None:
                    extra[0] += 1
                    continue
                latencies.append(now - started)
                if not sample:
                    sample.append(msg["body"])
            seen = len(msgs)

    watcher = threading.Thread(target=watch, name="bench-reply-watcher", daemon=True)
    watcher.start()
    session = requests.Session()
    sent = skipped = non_200 = 0
    statuses: dict[str, int] = {}
    ticks = max(1, int(rate * seconds))
    t_start = time.perf_counter()
    cursor = 0
    try:
        for tick in range(ticks):
            delay = t_start + tick / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            phone = None
            with lock:
                for _ in range(len(phones)):
                    candidate = phones[cursor % len(phones)]
                    cursor += 1
                    if candidate not in in_flight:
                        phone = candidate
                        in_flight[phone] = time.perf_counter()
                        break
            if phone is None:
                skipped += 1
                continue
            params = inbound_params(from_phone=phone, to=to, body="balance", account_sid=account_sid)
            headers = {"X-Twilio-Signature": sign(token, signed_url, params)}
            with lock:
                in_flight[phone] = time.perf_counter()
            standin.record_inbound(phone)  # Twilio sees the inbound message: the window opens
            try:
                resp = session.post(base_url.rstrip("/") + WEBHOOK_PATH, data=params, headers=headers, timeout=10)
                status = str(resp.status_code)
            except requests.RequestException as exc:
                status = exc.__class__.__name__
            statuses[status] = statuses.get(status, 0) + 1
            sent += 1
            if status != "200":
                non_200 += 1
                with lock:
                    in_flight.pop(phone, None)
        deadline = time.monotonic() + drain_seconds
        while time.monotonic() < deadline:
            with lock:
                if not in_flight:
                    break
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(timeout=5)
        session.close()
    with lock:
        lost = len(in_flight)
    return {
        "rate": rate,
        "members": len(phones),
        "sent": sent,
        "replied": len(latencies),
        "lost": lost,
        "skipped": skipped,
        "extra_replies": extra[0],
        "non_200": non_200,
        "statuses": statuses,
        "sample_reply": sample[0] if sample else "",
        **summarize_ms(latencies),
    }
