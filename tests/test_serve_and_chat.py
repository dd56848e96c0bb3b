"""As a new user would try it: `inaam serve` with embedded defaults, then `inaam chat` in a terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _chat(port: int, standin_port: int, lines: list[str]) -> str:
    """Type each line after the bot has answered the previous one, like a person would."""
    import io

    from rich.console import Console

    from bot.chat import run_chat
    from bot.defaults import DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, DEV_TWILIO_WHATSAPP_FROM

    phone, standin = "+919812345678", f"http://127.0.0.1:{standin_port}"
    queue = [*lines, "/quit"]

    def typed(_prompt: str = "") -> str:
        expected = len(lines) - len(queue) + 1  # one reply per line sent so far
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = requests.get(f"{standin}/_standin/messages", params={"to": f"whatsapp:{phone}"}, timeout=5).json()
            if len(got["messages"]) >= expected:
                break
            time.sleep(0.1)
        return queue.pop(0)

    buf = io.StringIO()
    run_chat(app_url=f"http://127.0.0.1:{port}", public_base_url=f"http://127.0.0.1:{port}", phone=phone,
             account_sid=DEV_TWILIO_ACCOUNT_SID, auth_token=DEV_TWILIO_AUTH_TOKEN,
             whatsapp_from=DEV_TWILIO_WHATSAPP_FROM, standin_url=standin, input_fn=typed,
             output=Console(file=buf, width=200))
    return buf.getvalue()


def test_serve_then_chat_enrolls_and_answers_balance(tmp_path: Path) -> None:
    port, standin_port, payout_port = _port(), _port(), _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_URL", "REDIS_URL",
                                                                     "PUBLIC_BASE_URL", "INAAM_"))}
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'inaam.db'}",
               TWILIO_API_BASE_URL=f"http://127.0.0.1:{standin_port}",
               RAZORPAYX_API_BASE_URL=f"http://127.0.0.1:{payout_port}")
    cli = [sys.executable, "-c", "from bot.cli import main; main()"]
    server = subprocess.Popen([*cli, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or busy starting
                time.sleep(0.2)
        else:
            pytest.fail("inaam serve did not come up")
        out = _chat(port, standin_port, ["Hello", "1", "Ramesh Kumar", "2", "226001", "skip", "1", "balance",
                                         "redeem", "1", "10", "ramesh.kumar@okaxis", "1", "ABCPK1234L",
                                         "Ramesh Kumar", "YES"])
        assert "Welcome to Inaam Rewards" in out
        assert "welcome bonus of 100 points" in out
        assert "Your balance on" in out and "100 points, worth ₹25" in out
        assert "Paying RAMESH KUMAR at ra••••ar@okaxis" in out and "on its way" in out
        assert "[1] Yes  [2] No" in out and "[1] Yes, confirm  [2] No, cancel" in out  # buttons shown, /tap-able
        # The local RazorpayX settles the payout and posts a signed webhook; the member gets the UTR.
        deadline, paid = time.monotonic() + 30, []
        while time.monotonic() < deadline and not paid:
            got = requests.get(f"http://127.0.0.1:{standin_port}/_standin/messages",
                               params={"to": "whatsapp:+919812345678"}, timeout=5).json()["messages"]
            paid = [m["body"] for m in got if "has reached your UPI ID" in m["body"]]
            time.sleep(0.2)
        assert paid and "UTR: " in paid[0] and "balance 60 points" in paid[0]
    finally:
        os.killpg(server.pid, 15)
        server.wait(10)
