"""Test kit for the console: users, a logged-in browser-like client (CSRF tokens from the forms)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from admin.auth import create_user
from storage.db import sessions

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(app: Flask, email: str = "admin@brand.in", role: str = "admin", rep_id: int | None = None) -> int:
    with sessions(app).begin() as db:
        return create_user(db, email, PASSWORD, role, name=email.split("@")[0].title(), rep_id=rep_id).id


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Console:
    """A logged-in console user driving the Flask test client like a browser would."""

    def __init__(self, app: Flask, email: str = "admin@brand.in", password: str = PASSWORD) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        page = self.client.get("/admin/login")
        self.last = self.client.post("/admin/login", data={"email": email, "password": password,
                                                           "csrf_token": csrf_from(page.get_data(as_text=True))})

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def text(self, path: str) -> str:
        resp = self.client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        return resp.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any], *, form_page: str | None = None, follow: bool = False) -> Any:
        token = csrf_from(self.text(form_page or "/admin/dashboard" if form_page is None else form_page))
        return self.client.post(path, data={**data, "csrf_token": token}, follow_redirects=follow)
