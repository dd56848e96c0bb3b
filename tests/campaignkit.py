"""Helpers for campaign tests: members seeded straight into the database with chosen traits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask

from storage.base import utcnow
from storage.contacts import get_or_create_contact
from storage.db import sessions
from storage.members import Enrollment, enroll


@dataclass
class Seed:
    phone: str
    name: str = "Ramesh Kumar"
    role: str = "contractor"
    lang: str = "hi"
    pin: str = "226001"
    rep: str | None = None
    wrote_hours_ago: float | None = 1.0
    opted_out: bool = False
    bonus: int = 100


def seed(app: Flask, members: list[Seed]) -> dict[str, int]:
    """Enroll each seed (welcome bonus as its balance); returns phone -> contact id."""
    out = {}
    with sessions(app).begin() as session:
        for m in members:
            contact = get_or_create_contact(session, m.phone)
            contact.lang = m.lang
            contact.opted_out = m.opted_out
            enroll(session, contact, Enrollment(name=m.name, role=m.role, pin_code=m.pin, upi_id=None, lang=m.lang,
                                                rep_code=m.rep), welcome_bonus=m.bonus)
            if m.wrote_hours_ago is not None:
                contact.last_inbound_at = utcnow() - dt.timedelta(hours=m.wrote_hours_ago)
            session.flush()
            out[m.phone] = contact.id
    return out
