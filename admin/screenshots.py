"""`inaam admin screenshots DIR`: the console's main pages on a demo programme, as PNG files.

A temporary SQLite database is filled by ``admin.demo`` through the real code paths, the app is
served on a free local port, and headless Chromium signs in and captures each page.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

PAGES = [
    ("01-login", None),
    ("02-dashboard", "/admin/dashboard"),
    ("03-claims-queue", "/admin/claims"),
    ("04-claim-invoice", "/admin/claims/I1"),
    ("05-claims-coupons", "/admin/claims?kind=coupon"),
    ("06-members", "/admin/members"),
    ("07-member-profile", "/admin/members/2"),
    ("08-coupons", "/admin/coupons"),
    ("09-coupon-batch", "/admin/coupons/1"),
    ("10-reps", "/admin/reps"),
    ("11-rep", "/admin/reps/1"),
    ("12-users-api", "/admin/users"),
    ("13-audit-log", "/admin/audit"),
    ("14-payouts", "/admin/payouts?status=all"),
    ("15-campaigns", "/admin/campaigns"),
    ("16-campaign-new", "/admin/campaigns/new"),
    ("17-campaign-draft-preview", "/admin/campaigns/2"),
    ("18-campaign-report", "/admin/campaigns/1"),
    ("19-handoff-inbox", "/admin/handoffs"),
    ("20-handoff-conversation", "/admin/handoffs/1"),
    ("21-handoff-window-closed", "/admin/handoffs/2"),
    ("22-rep-own-page", "rep:/admin/mine"),
]


def take_screenshots(out_dir: Path, *, width: int = 1440) -> list[Path]:
    """Write one PNG per page of ``PAGES`` into ``out_dir``; returns their paths."""
    from admin import demo
    from admin.browser import full_page_screenshot, login, make_driver, serve
    from bot.app import create_app
    from storage.db import sessions
    from storage.migrate import upgrade

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        app = create_app({"EMBEDDED_WORKER": False}, environ={"DATABASE_URL": url})
        upgrade(url)
        password = secrets.token_urlsafe(12)
        with sessions(app).begin() as db:
            logins = demo.seed(db, app.config["PROGRAM"], app.config["COUPON_SECRET"], password=password)
        demo.seed_messaging(app)
        driver = make_driver(width)
        try:
            with serve(app) as base:
                for name, path in PAGES:
                    if path is None:
                        driver.get(base + "/admin/login")
                    elif path.startswith("rep:"):
                        driver.delete_all_cookies()
                        login(driver, base, logins.rep, logins.password)
                        driver.get(base + path[4:])
                    else:
                        if not written or "login" in written[-1].name:
                            login(driver, base, logins.admin, logins.password)
                        if "payouts" in path and "admin.payouts" not in app.view_functions:
                            continue
                        driver.get(base + path)
                    target = out_dir / f"{name}.png"
                    full_page_screenshot(driver, str(target), width)
                    driver.set_window_size(width, 1000)
                    written.append(target)
        finally:
            driver.quit()
            app.extensions["inaam.engine"].dispose()
    return written
