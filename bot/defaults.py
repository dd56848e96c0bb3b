"""Default settings for the embedded mode: runs on a laptop with no accounts.

Why: `make run` must work on a fresh machine, so every setting has a safe local default and
only a deliberately configured production setting can be malformed.
"""

from __future__ import annotations

DEFAULT_TWILIO_API_BASE_URL = "https://api.twilio.com"
"""Twilio's REST base URL; tests and the local chat point it at the stand-in."""

DEV_TWILIO_ACCOUNT_SID = "AC" + "0" * 31 + "1"
"""Account SID used with the local Twilio stand-in when no real credentials are set."""

DEV_TWILIO_AUTH_TOKEN = "dev-local-auth-token"
"""Auth token shared by the local stand-in, `inaam chat` and the app in embedded mode."""

DEV_TWILIO_WHATSAPP_FROM = "whatsapp:+14155238886"
"""Twilio's public sandbox sender, used as our number in embedded mode."""

DEFAULT_STANDIN_PORT = 5099
"""Port of the in-process Twilio stand-in started by `inaam serve` in embedded mode."""

DEFAULT_PORT = 5000
"""Port `inaam serve` listens on."""

DEFAULT_MEDIA_MAX_BYTES = 16 * 1024 * 1024
"""Largest inbound media file fetched (WhatsApp documents can be up to 100 MB; invoices are small)."""

DEFAULT_MEDIA_MAX_PIXELS = 40_000_000
"""Decompression-bomb guard: images declaring more pixels are refused from the header."""

DEFAULT_SWEEP_AFTER_SECONDS = 20
"""A stored inbound message not processed after this long is enqueued again by the sweeper."""

DEV_COUPON_SECRET = "dev-only-coupon-secret-change-me"
"""HMAC secret for coupon codes in embedded mode; production must set INAAM_COUPON_SECRET."""

DEFAULT_SEND_STALE_SECONDS = 20
"""An outbound attempt older than this has no live HTTP call behind it: it is reconciled with Twilio."""

DEFAULT_MEDIA_HOSTS = ("api.twilio.com", "*.twiliocdn.com", "s3-external-1.amazonaws.com")
"""Hosts media may come from besides TWILIO_API_BASE_URL's (INAAM_MEDIA_HOSTS adds more)."""

DEFAULT_TWILIO_CONTENT_BASE_URL = "https://content.twilio.com"
"""Twilio's Content API (templates, quick replies, list pickers)."""
DEFAULT_CAMPAIGN_RATE = 80
"""Campaign messages per second per WhatsApp sender (Twilio's default throughput for one sender)."""
DEFAULT_CAMPAIGN_BATCH = 200
"""Recipients one campaign job claims at a time."""
DEFAULT_CAMPAIGN_PARALLEL = 4
"""Campaign batch jobs running at once (spread over however many workers there are)."""
DEFAULT_CAMPAIGN_THREADS = 8
"""Sending threads per campaign lane: each send waits on the database and Twilio, not the CPU."""
DEFAULT_HANDOFF_TIMEOUT_MINUTES = 240
"""A conversation handed to a person returns to the bot after this long without an agent reply."""
