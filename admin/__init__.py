"""The admin console under ``/admin``: login, dashboard, claims review, members, coupons, reps,
users, payouts, campaigns and the audit log (server-rendered, works without JavaScript).

``init_app`` installs the database session interface and CSRF protection (checked only on the
console's own forms, so webhooks and the token API are unaffected) and registers the blueprint.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    from admin import sessions
    from admin.web import bp

    if not app.config.get("SECRET_KEY"):
        # One secret to keep in production: the console's signing key is derived from the coupon secret.
        app.config["SECRET_KEY"] = hmac.new(app.config["COUPON_SECRET"], b"inaam-admin", hashlib.sha256).hexdigest()
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("ADMIN_COOKIE_SECURE", str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https"))
    app.session_interface = sessions.DatabaseSessionInterface()
    csrf.init_app(app)
    _load_views()
    app.register_blueprint(bp)


def _load_views() -> Any:
    from admin import (  # noqa: F401  (each module adds its routes to the blueprint)
        views_audit,
        views_auth,
        views_campaigns,
        views_claims,
        views_coupons,
        views_dashboard,
        views_handoffs,
        views_members,
        views_payouts,
        views_reps,
        views_users,
    )
