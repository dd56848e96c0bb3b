"""Start the local RazorpayX stand-in for `inaam serve` when no RAZORPAYX_* keys are set."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import click

from standins.razorpayx import RazorpayXStandIn


def start_payout_standin(app: Any, web_port: int) -> RazorpayXStandIn:
    """Start the stand-in; its signed webhooks go to this app on ``web_port``."""
    cfg = app.config
    server = RazorpayXStandIn(
        cfg["RAZORPAYX_KEY_ID"], cfg["RAZORPAYX_KEY_SECRET"], webhook_secret=cfg["RAZORPAYX_WEBHOOK_SECRET"],
        webhook_url=f"http://127.0.0.1:{web_port}/webhooks/razorpayx",
        account_number=cfg["RAZORPAYX_ACCOUNT_NUMBER"], port=urlparse(cfg["RAZORPAYX_API_BASE_URL"]).port or 0,
        auto=True, settle_seconds=2.0,
    )
    try:
        server.start()
    except OSError:  # the default port is taken (another local bot): use a free one for this process
        server._port = 0
        server.start()
        cfg["RAZORPAYX_API_BASE_URL"] = server.url
    click.echo(f"Local RazorpayX stand-in on {server.url} (payouts settle after 2 s, signed webhooks).")
    return server
