"""A bare Flask app answering the inbound webhook path with the same empty TwiML.

Why: the webhook's acknowledgement latency only means something beside the floor of the same
server setup (gunicorn workers/threads, keep-alive, Flask routing) doing no work at all.
"""

from __future__ import annotations

from flask import Flask, Response

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
"""The body our webhook returns (kept equal to ``bot.webhooks.EMPTY_TWIML``)."""


def create_app() -> Flask:
    """The trivial app: ``POST /webhooks/twilio/messages`` → 200 empty TwiML, ``GET /healthz`` → ok."""
    app = Flask(__name__)

    @app.post("/webhooks/twilio/messages")
    def inbound() -> Response:
        return Response(EMPTY_TWIML, status=200, mimetype="text/xml")

    @app.get("/healthz")
    def health() -> Response:
        return Response("ok", mimetype="text/plain")

    return app
