"""Templates and the 24-hour window: free text inside it, the approved template outside, never free text outside."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from content.api import content_client
from content.registry import refresh_approvals, sync_templates
from content.templates import TemplateError, check_shape, load_templates
from storage.base import utcnow
from storage.db import sessions
from storage.messaging_models import ContentTemplate
from storage.models import Contact, OutboundMessage
from storage.outbox import queue_reply, queue_template
from tests.botkit import WhatsAppUser, run_jobs
from tests.claimkit import enroll
from workers.jobs import schedule_send

VARS = {"name": "Ramesh", "points": "1,200", "date": "31 Dec"}


def _queue(app, phone: str, *, hours_ago: float | None = None, template: bool = True) -> int:
    with sessions(app).begin() as s:
        contact = s.scalar(select(Contact).where(Contact.phone == phone))
        if hours_ago is not None:
            contact.last_inbound_at = utcnow() - dt.timedelta(hours=hours_ago)
        if template:
            rows = queue_template(s, contact, "points_expiry", VARS, fallback_msgid="template.points_expiry", **VARS)
        else:
            rows = queue_reply(s, contact, [("choice.yes", "plain text")])
        contact_id, row_id = contact.id, rows[0].id
    schedule_send(app, contact_id)
    run_jobs(app)
    return row_id


def _row(app, row_id: int) -> OutboundMessage:
    with sessions(app)() as s:
        row = s.get(OutboundMessage, row_id)
        s.expunge(row)
        return row


def _sync(app) -> list[ContentTemplate]:
    with sessions(app).begin() as s:
        rows = sync_templates(s, content_client(app.config), app.config["TEMPLATES"])
        s.expunge_all()
        return rows


@pytest.fixture
def member(user: WhatsAppUser) -> WhatsAppUser:
    enroll(user, lang="2")  # Hindi
    user.replies()
    return user


def test_inside_the_window_the_fallback_text_goes_as_free_text(app, member: WhatsAppUser) -> None:
    row = _row(app, _queue(app, member.phone))
    assert (row.status, row.content_sid) == ("queued", None)
    sent = member.standin.messages(to=f"whatsapp:{member.phone}")[-1]
    assert sent["content_sid"] is None and "रमेश" not in sent["body"] and "Ramesh" in sent["body"]
    assert "पॉइंट्स" in sent["body"]


def test_outside_the_window_the_approved_template_is_sent_with_numbered_variables(app, member) -> None:
    rows = _sync(app)
    assert {(r.name, r.lang) for r in rows} >= {("points_expiry", "hi"), ("points_expiry", "en")}
    assert all(r.approval_status == "approved" and r.content_sid.startswith("HX") for r in rows)
    row = _row(app, _queue(app, member.phone, hours_ago=25))
    hi = next(r for r in rows if (r.name, r.lang) == ("points_expiry", "hi"))
    assert (row.status, row.content_sid) == ("queued", hi.content_sid)
    sent = member.standin.messages(to=f"whatsapp:{member.phone}")[-1]
    assert sent["content_sid"] == hi.content_sid
    assert json.loads(sent["content_variables"]) == {"1": "Ramesh", "2": "1,200", "3": "31 Dec"}
    assert sent["body"].startswith("नमस्ते Ramesh जी, आपके 1,200 पॉइंट्स 31 Dec को")
    assert sent["window_error"] is None


def test_outside_the_window_without_an_approved_template_nothing_is_attempted(app, member) -> None:
    before = len(member.standin.messages())
    row = _row(app, _queue(app, member.phone, hours_ago=30))
    assert (row.status, row.note) == ("skipped", "no_template:points_expiry")
    plain = _row(app, _queue(app, member.phone, hours_ago=30, template=False))
    assert (plain.status, plain.note) == ("skipped", "outside_window")
    assert len(member.standin.messages()) == before


def test_a_rejected_template_is_tracked_and_never_used(app, member, standin) -> None:
    rows = _sync(app)
    hi = next(r for r in rows if (r.name, r.lang) == ("points_expiry", "hi"))
    standin.content.set_approval(hi.content_sid, "rejected", "Template content is unclear")
    with sessions(app).begin() as s:
        refreshed = refresh_approvals(s, content_client(app.config))
        state = {(r.name, r.lang): (r.approval_status, r.rejection_reason) for r in refreshed}
    assert state[("points_expiry", "hi")] == ("rejected", "Template content is unclear")
    row = _row(app, _queue(app, member.phone, hours_ago=26))
    en = next(r for r in rows if (r.name, r.lang) == ("points_expiry", "en"))
    assert row.content_sid == en.content_sid  # the default language's approved template stands in


def test_standin_fails_free_form_outside_the_window_with_63016(app, member, standin) -> None:
    from twilio.rest import Client

    from tests.botkit import FROM, SID, TOKEN

    client = Client(SID, TOKEN)
    client.api.base_url = standin.url
    inside = client.messages.create(from_=FROM, to=f"whatsapp:{member.phone}", body="hello")
    outside = client.messages.create(from_=FROM, to="whatsapp:+919800000001", body="hello")
    standin.wait_for(lambda m: {x["sid"]: x["status"] for x in m}.get(outside.sid) == "failed")
    final = {m["sid"]: m for m in standin.messages()}
    assert final[outside.sid]["error_code"] == 63016
    standin.wait_for(lambda m: {x["sid"]: x["status"] for x in m}.get(inside.sid) == "delivered")


def test_template_shape_rules_and_file_errors(tmp_path) -> None:
    check_shape("ok", "Hello {{1}}, you have {{2}} points.", 2)
    for bad in ("{{1}} hello", "Hello {{1}}", "Hello {{1}} {{2}} there", "Hello {{2}} there"):
        with pytest.raises(TemplateError):
            check_shape("bad", bad, 2 if "2" in bad else 1)
    path = tmp_path / "t.toml"
    path.write_text('[templates.x]\nvariables = ["a"]\nbody = { en = "{a} starts here" }\n')
    with pytest.raises(TemplateError, match="start or end"):
        load_templates(path)
    assert set(load_templates()) >= {"points_expiry", "campaign_offer"}
