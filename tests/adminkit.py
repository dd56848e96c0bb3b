"""Test kit for the console: users, a logged-in browser-like client (CSRF tokens from the forms)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin.auth import create_user
from storage.db import sessions

PASSWORD = "correct horse battery staple"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For tests whose subject does not depend on the database engine (keeps the suite fast)."""
POSTGRES_ONLY = pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                        indirect=True)
"""For tests that matter most on the production engine."""
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


def review_invoice(app: Flask, member_id: int, *, total_paise: int = 1_245_050, number: str = "INV-2291") -> int:
    """An invoice claim held for review (unsure total), with a stored photo; returns the claim id."""
    import datetime as dt
    import io
    import uuid

    from PIL import Image
    from sqlalchemy import select

    from claims.invoices import claim_invoice
    from storage.base import utcnow
    from storage.models import Contact, InboundMessage, Media, Member

    img = Image.new("RGB", (60, 40), (240, 240, 230))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    today = utcnow().date() - dt.timedelta(days=3)
    with sessions(app).begin() as db:
        member = db.get(Member, member_id)
        member.role, member.gstin, member.firm_name = "retailer", "09AAGFN7788K1ZD", "Kumar Hardware"  # a claimant
        contact = db.scalar(select(Contact).where(Contact.member_id == member_id))
        inbound = InboundMessage(message_sid="SM" + uuid.uuid4().hex, contact_id=contact.id, params={}, num_media=1)
        db.add(inbound)
        db.flush()
        media = Media(inbound_id=inbound.id, idx=0, url="", declared_type="image/png", content_type="image/png",
                      size=len(buf.getvalue()), data=buf.getvalue(), status="stored")
        db.add(media)
        db.flush()
        reading = {"outcome": "ok", "certain": False, "doubts": ["total_paise_unsure"],
                   "supplier_gstin": {"value": "29VZUPS7965V1ZQ", "confidence": 0.99, "source": "text"},
                   "buyer_gstin": {"value": None, "confidence": 0.0, "source": "none"},
                   "invoice_number": {"value": number, "confidence": 0.97, "source": "text"},
                   "invoice_date": {"value": today.isoformat(), "confidence": 0.95, "source": "text"},
                   "total_paise": {"value": total_paise, "confidence": 0.41, "source": "ocr"}}
        out = claim_invoice(db, member=member, media_id=media.id, reading=reading, program=app.config["PROGRAM"],
                            now=utcnow(), inbound_id=inbound.id)
        assert out.status.value == "review", out
        return int(out.claim_id)


def member_id_of(app: Flask, phone: str) -> int:
    from sqlalchemy import select

    from storage.models import Member

    with sessions(app)() as db:
        return int(db.scalar(select(Member.id).where(Member.phone == phone)))


def quick_member(app: Flask, phone: str = "+919812345678", *, name: str = "Ramesh Kumar", pin: str = "226001",
                 lang: str = "en", upi: str | None = None) -> int:
    """An enrolled member made through the enrollment code path without the chat (fast); returns its id."""
    from storage.base import utcnow
    from storage.members import Enrollment, enroll
    from storage.models import Contact

    with sessions(app).begin() as db:
        contact = Contact(phone=phone, lang=lang, slots={}, last_inbound_at=utcnow())
        db.add(contact)
        db.flush()
        member = enroll(db, contact, Enrollment(name, "mason", pin, upi, lang),
                        welcome_bonus=app.config["PROGRAM"].welcome_bonus)
        return int(member.id)


def claim_codes_for(app: Flask, member_id: int, codes: list[str]) -> None:
    """Claim coupon codes for a member through the bot's claim function (no chat turn)."""
    from claims.coupons import claim_codes
    from storage.base import utcnow
    from storage.models import Member

    with sessions(app).begin() as db:
        claim_codes(db, secret=app.config["COUPON_SECRET"], member=db.get(Member, member_id), texts=codes,
                    program=app.config["PROGRAM"], now=utcnow())
