"""The JSON API under ``/api/v1`` (per-client bearer tokens, OpenAPI 3.1 document at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    import api.views_messaging  # noqa: F401  (campaign and handoff routes on the same blueprint)
    from api.views import bp

    app.register_blueprint(bp)
