"""Outbound delivery and conversation housekeeping: retries, refusals, limits, time-outs, opt-out."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select, update

from storage.db import sessions
from storage.models import Contact, Media, OutboundMessage
from tests.botkit import WhatsAppUser, run_jobs
from tests.claimkit import enroll
from workers.queue import enqueue_due_retries, get_queue


def test_twilio_429_is_retried_with_backoff_until_sent(user: WhatsAppUser, app, standin) -> None:
    standin.fail_next(2, status=429, code=20429)
    user.send("Hello")
    assert user.replies() == []  # refused twice: nothing stored at Twilio yet
    for _ in range(2):
        time.sleep(1.1 if _ == 0 else 5.1)  # the job's retry intervals: 1 s, then 5 s
        enqueue_due_retries(get_queue(app))
        run_jobs(app)
    assert "Welcome" in "\n".join(user.replies())
    with sessions(app)() as s:
        row = s.scalar(select(OutboundMessage))
        assert row.status == "queued" and row.attempts == 3 and row.twilio_sid


def test_permanent_twilio_error_is_recorded_not_retried(user: WhatsAppUser, app, standin) -> None:
    standin.fail_next(1, status=400, code=21211)
    user.send("Hello")
    with sessions(app)() as s:
        row = s.scalar(select(OutboundMessage))
        assert row.status == "failed" and row.error_code == 21211 and row.twilio_sid is None


def test_media_over_the_size_limit_is_refused_politely(make_app, standin) -> None:
    app = make_app(INAAM_MEDIA_MAX_BYTES="20000")
    user = WhatsAppUser(client=app.test_client(), standin=standin, app=app)
    enroll(user)
    reply = user.ask("", media=[(b"\xff\xd8\xff\xe0" + b"\x00" * 50_000, "image/jpeg")])
    assert "too large" in reply
    with sessions(app)() as s:
        media = s.scalar(select(Media))
        assert media.status == "refused" and media.error == "too_large" and media.url


def test_idle_conversation_restarts_at_the_menu(user: WhatsAppUser, app) -> None:
    enroll(user)
    assert "choose your language" in user.ask("language")
    with sessions(app).begin() as s:
        s.execute(update(Contact).values(last_inbound_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)))
    reply = user.ask("2")  # would have picked Hindi; the choice expired, so "2" is the menu's statement
    assert "started again from the menu" in reply and "Welcome bonus" in reply


def test_opted_out_member_gets_no_notifications(user: WhatsAppUser, app) -> None:
    from storage.outbox import queue_reply
    from workers.jobs import send_outbox

    enroll(user)
    user.ask("STOP")
    with sessions(app).begin() as s:
        contact = s.scalar(select(Contact))
        queue_reply(s, contact, [("campaign", "Diwali offer!")])
        contact_id = contact.id
    from workers import runtime

    runtime.set_app(app)
    send_outbox(contact_id)
    assert user.replies() == []
    with sessions(app)() as s:
        assert s.scalars(select(OutboundMessage.status).order_by(OutboundMessage.id.desc())).first() == "skipped"
