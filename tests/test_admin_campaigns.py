"""Campaign screens: create with filters, preview, send (reaches the Twilio stand-in), schedule, pause,
resume, cancel, the report with its funnel chart and CSV; admins write, reviewers only read; audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.i18n import IST
from content.api import content_client
from content.registry import sync_templates
from storage.admin_models import AuditEntry
from storage.db import sessions
from storage.messaging_models import Campaign
from tests.adminkit import POSTGRES_ONLY, SQLITE_ONLY, Console, make_user
from tests.botkit import run_jobs
from tests.campaignkit import Seed, seed

OFFER = "Double points on OPC 53 cement this week."
FORM = {"name": "Diwali masons", "roles": ["contractor"], "content": "template", "template": "campaign_offer",
        "var_offer": OFFER, "bonus_points": "0", "bonus_days": "7"}


def _audit(app, action: str) -> list[AuditEntry]:
    with sessions(app)() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _status(app, cid: int) -> str:
    with sessions(app)() as db:
        return db.get(Campaign, cid).status


def _redeem(app, phone: str) -> None:
    from payouts.service import NewRedemption, start_redemption
    from storage.models import Member

    with sessions(app).begin() as db:
        member = db.scalar(select(Member).where(Member.phone == phone))
        start_redemption(db, member, NewRedemption(
            kind="upi", reward_code="upi", points=100, gross_paise=1000, tds_paise=0, net_paise=1000,
            tds_mode="none", fy="2026-27", provider="manual", vpa="suresh@okaxis", holder_name="SURESH YADAV"))


def _create(console: Console, **changes: object) -> int:
    resp = console.post("/admin/campaigns/new", {**FORM, **changes}, form_page="/admin/campaigns/new")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


@SQLITE_ONLY
def test_campaign_created_previewed_and_sent_from_the_console(app, standin) -> None:
    make_user(app)
    make_user(app, "reviewer@brand.in", "reviewer")
    seed(app, [Seed("+919800000011", name="Suresh Yadav", lang="hi", wrote_hours_ago=2),
               Seed("+919800000012", name="Imran Khan", lang="ur", wrote_hours_ago=30),
               Seed("+919800000013", name="Anil Verma", role="mason", lang="en")])
    with sessions(app).begin() as s:
        sync_templates(s, content_client(app.config), {"campaign_offer": app.config["TEMPLATES"]["campaign_offer"]})
    admin = Console(app)
    form = admin.text("/admin/campaigns/new")
    assert 'name="var_offer"' in form and "Roman Hindi" in form
    # no CSRF token: refused; bad input: a clear message, nothing saved
    assert admin.client.post("/admin/campaigns/new", data=FORM).status_code == 400
    bad = admin.post("/admin/campaigns/new", {**FORM, "template": "", "roles": ["pilot"]},
                     form_page="/admin/campaigns/new")
    assert bad.status_code == 400 and "choose a template" in bad.get_data(as_text=True)
    bad = admin.post("/admin/campaigns/new", {**FORM, "balance_above": "lots"}, form_page="/admin/campaigns/new")
    assert bad.status_code == 400 and "whole number" in bad.get_data(as_text=True)
    cid = _create(admin)
    page = admin.text(f"/admin/campaigns/{cid}")
    assert "Members who match now" in page and "Suresh Yadav" in page and "Imran Khan" in page
    assert "Anil Verma" not in page and OFFER in page and "Trade: contractor" in page
    # a reviewer reads but cannot create or send
    reviewer = Console(app, "reviewer@brand.in")
    assert "send-now" not in reviewer.text(f"/admin/campaigns/{cid}")
    assert reviewer.get("/admin/campaigns/new").status_code == 403
    assert reviewer.post(f"/admin/campaigns/{cid}/send", {"when": "now"},
                         form_page="/admin/campaigns").status_code == 403
    # send now: the lanes run and both members get it (text inside the window, the template outside)
    resp = admin.post(f"/admin/campaigns/{cid}/send", {"when": "now"}, form_page=f"/admin/campaigns/{cid}")
    assert resp.status_code == 302
    run_jobs(app)
    inside = standin.messages(to="whatsapp:+919800000011")
    outside = standin.messages(to="whatsapp:+919800000012")
    assert len(inside) == 1 and inside[0]["body"].startswith("नमस्ते Suresh जी! Double points")
    assert len(outside) == 1 and outside[0]["content_sid"]
    assert standin.messages(to="whatsapp:+919800000013") == []
    assert _status(app, cid) == "done"
    _redeem(app, "+919800000011")  # Suresh asks for a UPI payout after the campaign
    report = admin.text(f"/admin/campaigns/{cid}")
    assert 'id="funnel-chart"' in report and "<svg" in report and "Message statuses" in report
    assert "<dt>Redeemed</dt><dd>1 members" in report
    listing = admin.text("/admin/campaigns")
    assert "Diwali masons" in listing and 'class="badge done"' in listing
    csv_text = admin.get(f"/admin/campaigns/{cid}/report.csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("member_id,name,phone") and len(csv_text.splitlines()) == 3
    assert [line.endswith(",yes") for line in csv_text.splitlines()[1:]] == [True, False]
    assert admin.get(f"/admin/campaigns/{cid}/funnel.svg").data.startswith(b"<svg")
    assert [e.target_id for e in _audit(app, "campaign.create")] == [str(cid)]
    send = _audit(app, "campaign.send")
    assert len(send) == 1 and send[0].after["audience"] == 2 and send[0].actor == "admin@brand.in"
    assert any(e.target_type == "campaign" for e in _audit(app, "export.csv"))
    assert admin.get("/admin/campaigns/999").status_code == 404


@SQLITE_ONLY
def test_schedule_pause_resume_and_cancel_from_the_console(app, standin) -> None:
    make_user(app)
    seed(app, [Seed(f"+9198000002{i:02d}", wrote_hours_ago=1) for i in range(3)])
    admin = Console(app)
    later = _create(admin, name="Next week", content="text", text="Namaste {name}, aapke {points} points!",
                    outside_window="skip", template="")
    at = (dt.datetime.now(IST) + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    past = admin.post(f"/admin/campaigns/{later}/send", {"when": "later", "at": "2020-01-01T10:00"},
                      form_page=f"/admin/campaigns/{later}", follow=True)
    assert "has passed" in past.get_data(as_text=True) and _status(app, later) == "draft"
    admin.post(f"/admin/campaigns/{later}/send", {"when": "later", "at": at.strftime("%Y-%m-%dT%H:%M")},
               form_page=f"/admin/campaigns/{later}")
    with sessions(app)() as db:
        campaign = db.get(Campaign, later)
        assert campaign.status == "scheduled"
        scheduled = campaign.scheduled_at.replace(tzinfo=campaign.scheduled_at.tzinfo or dt.UTC)
        assert scheduled == at.astimezone(dt.UTC)
    admin.post(f"/admin/campaigns/{later}/cancel", {}, form_page=f"/admin/campaigns/{later}")
    assert _status(app, later) == "cancelled" and standin.messages() == []
    now = _create(admin, name="Now")
    admin.post(f"/admin/campaigns/{now}/send", {"when": "now"}, form_page=f"/admin/campaigns/{now}")
    admin.post(f"/admin/campaigns/{now}/pause", {}, form_page=f"/admin/campaigns/{now}")
    assert _status(app, now) == "paused"
    run_jobs(app)
    assert standin.messages() == []  # paused before the lanes ran
    again = admin.post(f"/admin/campaigns/{now}/pause", {}, form_page=f"/admin/campaigns/{now}", follow=True)
    assert "only a sending one can be paused" in again.get_data(as_text=True)
    admin.post(f"/admin/campaigns/{now}/resume", {}, form_page=f"/admin/campaigns/{now}")
    run_jobs(app)
    assert len(standin.messages()) == 3 and _status(app, now) == "done"
    actions = [e.action for e in _audit(app, "campaign.schedule") + _audit(app, "campaign.cancel")
               + _audit(app, "campaign.pause") + _audit(app, "campaign.resume")]
    assert actions == ["campaign.schedule", "campaign.cancel", "campaign.pause", "campaign.resume"]


@POSTGRES_ONLY  # where simultaneous requests really overlap
def test_double_submit_makes_one_campaign_and_a_dead_queue_is_caught_up(app, standin, monkeypatch) -> None:
    import threading

    import redis

    from campaigns.sending import tick
    from storage.base import utcnow
    from workers import queue, runtime

    make_user(app)
    seed(app, [Seed(f"+9198000003{i:02d}", wrote_hours_ago=1) for i in range(2)])
    admin = Console(app)
    missing = admin.post("/admin/campaigns/new", {**FORM, "var_offer": ""}, form_page="/admin/campaigns/new")
    assert missing.status_code == 400 and "give the value for “offer”" in missing.get_data(as_text=True)
    form = admin.text("/admin/campaigns/new")
    nonce = form.split('name="nonce" value="')[1].split('"')[0]
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    barrier, places = threading.Barrier(3), []

    def submit() -> None:
        barrier.wait()
        places.append(admin.client.post("/admin/campaigns/new", data={**FORM, "nonce": nonce, "csrf_token": token}
                                        ).headers["Location"])

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(places) == 3 and len(set(places)) == 1  # three clicks at once: one campaign
    with sessions(app)() as db:
        assert len(db.scalars(select(Campaign)).all()) == 1
        cid = db.scalar(select(Campaign.id))

    def down(*_args: object, **_kwargs: object) -> None:
        raise redis.ConnectionError("Redis is down")

    monkeypatch.setattr(queue, "enqueue", down)
    resp = admin.post(f"/admin/campaigns/{cid}/send", {"when": "now"}, form_page=f"/admin/campaigns/{cid}",
                      follow=True)
    assert resp.status_code == 200 and "Sending to 2 members" in resp.get_data(as_text=True)
    assert _status(app, cid) == "sending" and standin.messages() == []
    monkeypatch.undo()
    with sessions(app).begin() as db:  # a minute later the campaigns tick sees no lane working on it
        db.get(Campaign, cid).heartbeat_at = utcnow() - dt.timedelta(minutes=2)
    runtime.set_app(app)
    assert tick()["restarted"] == 1
    run_jobs(app)
    assert len(standin.messages()) == 2 and _status(app, cid) == "done"


@SQLITE_ONLY
def test_bad_form_input_gets_a_message_never_a_server_error(app) -> None:
    make_user(app)
    seed(app, [Seed("+919800000401")])
    admin = Console(app)
    bad_fields: list[dict[str, object]] = [
        {"rate": "0", "bonus_days": "0"}, {"content": "text", "text": "x" * 2000, "outside_window": "skip"},
        {"cities": "Atlantis"}, {"pin_prefixes": "22a"}, {"tier": "Platinum++"}, {"langs": ["xx"]},
        {"balance_above": "9" * 30}, {"template": "no_such_template"}, {"content": "weird"},
        {"content": "text", "text": "hi", "outside_window": "weird"}, {"active_days": "1e3"}, {"name": ""},
        {"roles": ["pilot"]}, {"bonus_points": "-5"},
    ]
    for fields in bad_fields:
        resp = admin.post("/admin/campaigns/new", {**FORM, **fields}, form_page="/admin/campaigns/new")
        assert resp.status_code == 400 and "Not saved:" in resp.get_data(as_text=True), fields
    cid = _create(admin)
    for at in ("garbage", "2026-13-45T99:99", ""):
        resp = admin.post(f"/admin/campaigns/{cid}/send", {"when": "later", "at": at},
                          form_page=f"/admin/campaigns/{cid}", follow=True)
        assert resp.status_code == 200 and "Not sent:" in resp.get_data(as_text=True), at
    assert _status(app, cid) == "draft"
    assert admin.post(f"/admin/campaigns/{2**60}/cancel", {}, form_page="/admin/campaigns").status_code == 404
    assert admin.post("/admin/campaigns/777/cancel", {}, form_page="/admin/campaigns").status_code == 404
    assert admin.post("/admin/campaigns/777/send", {"when": "now"}, form_page="/admin/campaigns").status_code == 404


@SQLITE_ONLY
def test_edit_a_draft_and_copy_a_campaign(app) -> None:
    make_user(app)
    seed(app, [Seed("+919800000501", role="contractor"), Seed("+919800000502", role="mason")])
    admin = Console(app)
    old = _create(admin, name="Masons offer", roles=["mason"], pin_prefixes="226, 2270", bonus_points="25")
    page = admin.text(f"/admin/campaigns/new?edit={old}")
    assert 'value="Masons offer"' in page and 'id="c-role-mason" checked' in page and 'value="226, 2270"' in page
    assert f'name="edit" value="{old}"' in page and f'value="{OFFER}"' in page and 'value="25"' in page
    resp = admin.post("/admin/campaigns/new", {**FORM, "edit": str(old), "name": "Masons and contractors",
                                               "roles": ["mason", "contractor"]}, form_page="/admin/campaigns/new")
    new = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert new != old and _status(app, old) == "cancelled" and _status(app, new) == "draft"
    assert "Members who match now" in admin.text(f"/admin/campaigns/{new}")
    cancel = [e for e in _audit(app, "campaign.cancel") if e.target_id == str(old)]
    assert len(cancel) == 1 and f"replaced by campaign {new}" in cancel[0].note
    # a cancelled campaign is not edited again, but it can be copied into a new one
    again = admin.text(f"/admin/campaigns/new?edit={old}")
    assert 'name="edit"' not in again and 'value="Masons offer"' not in again
    copy = admin.text(f"/admin/campaigns/new?from={new}")
    assert 'value="Masons and contractors (copy)"' in copy and 'name="edit"' not in copy
