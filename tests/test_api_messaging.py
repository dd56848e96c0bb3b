"""The JSON API's campaigns and handoffs: created, previewed and sent campaigns reach the Twilio
stand-in; schedule, pause, resume, cancel; a handoff answered and closed (the bot answers again);
scopes, idempotent replays, clear 4xx errors for bad input, and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.i18n import translate
from content.api import content_client
from content.registry import sync_templates
from storage.admin_models import AuditEntry
from storage.base import utcnow
from storage.db import sessions
from storage.messaging_models import Campaign, Handoff
from storage.models import Contact, OutboundMessage
from tests.adminkit import POSTGRES_ONLY, SQLITE_ONLY, quick_member
from tests.botkit import run_jobs
from tests.campaignkit import Seed, seed
from tests.test_api import token_for

OFFER = "Double points on OPC 53 cement this week."
CREATE = {"name": "Diwali contractors", "filters": {"roles": ["contractor"], "pin_prefixes": ["226"]},
          "template": "campaign_offer", "variables": {"offer": OFFER}}


def _auth(app, scopes: tuple[str, ...] = ("read", "write"), name: str = "CRM") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(app, list(scopes), name)}"}


def _audit(app) -> list[tuple[str, str, str | None]]:
    with sessions(app)() as db:
        return [(e.actor, e.action, e.target_id) for e in db.scalars(
            select(AuditEntry).where(AuditEntry.actor_kind == "api").order_by(AuditEntry.id))]


def _sync(app, *names: str) -> None:
    with sessions(app).begin() as db:
        sync_templates(db, content_client(app.config), {n: app.config["TEMPLATES"][n] for n in names})


def test_campaign_created_previewed_and_sent_through_the_api(app, standin) -> None:
    seed(app, [Seed("+919800000011", name="Suresh Yadav", lang="hi", wrote_hours_ago=2),
               Seed("+919800000012", name="Imran Khan", lang="ur", wrote_hours_ago=30),
               Seed("+919800000013", name="Anil Verma", role="mason", lang="en"),
               Seed("+919800000014", name="Pappu Singh", pin="110001")])
    _sync(app, "campaign_offer")
    auth, reader = _auth(app), _auth(app, ("read",), "BI")
    client = app.test_client()
    # a read token cannot write; a write without an Idempotency-Key is refused
    denied = client.post("/api/v1/campaigns", json=CREATE, headers={**reader, "Idempotency-Key": "c0"})
    assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    assert client.post("/api/v1/campaigns", json=CREATE, headers=auth).status_code == 400
    made = client.post("/api/v1/campaigns", json=CREATE, headers={**auth, "Idempotency-Key": "c1"})
    assert made.status_code == 201, made.json
    cid = made.json["id"]
    assert made.json["status"] == "draft" and made.json["created_by"] == "api:CRM"
    assert made.json["filters"] == {"roles": ["contractor"], "pin_prefixes": ["226"]}
    # a retry is answered from the store (one campaign); the same key with another body is a conflict
    again = client.post("/api/v1/campaigns", json=CREATE, headers={**auth, "Idempotency-Key": "c1"})
    assert again.status_code == 201 and again.json == made.json and again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/campaigns", json={**CREATE, "name": "Other"},
                        headers={**auth, "Idempotency-Key": "c1"})
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    with sessions(app)() as db:
        assert db.scalar(select(func.count()).select_from(Campaign)) == 1
    preview = client.get(f"/api/v1/campaigns/{cid}/preview?sample=10", headers=reader)
    assert preview.status_code == 200
    assert preview.json["count"] == 2 and preview.json["by_lang"] == {"hi": 1, "ur": 1}
    assert [m["name"] for m in preview.json["sample"]] == ["Suresh Yadav", "Imran Khan"]
    assert [m["phone"] for m in preview.json["sample"]] == ["+91******0011", "+91******0012"]
    listed = client.get("/api/v1/campaigns", headers=reader).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == cid
    sent = client.post(f"/api/v1/campaigns/{cid}/send", headers={**auth, "Idempotency-Key": "s1"})
    assert sent.status_code == 200 and sent.json["status"] == "sending" and sent.json["audience_count"] == 2
    replay = client.post(f"/api/v1/campaigns/{cid}/send", headers={**auth, "Idempotency-Key": "s1"})
    assert replay.status_code == 200 and replay.json == sent.json
    twice = client.post(f"/api/v1/campaigns/{cid}/send", headers={**auth, "Idempotency-Key": "s2"})
    assert twice.status_code == 409 and twice.json["error"]["code"] == "wrong_state"
    run_jobs(app)
    inside = standin.messages(to="whatsapp:+919800000011")
    outside = standin.messages(to="whatsapp:+919800000012")
    assert len(inside) == 1 and inside[0]["body"].startswith("नमस्ते Suresh जी! Double points")
    assert len(outside) == 1 and outside[0]["content_sid"] and not outside[0]["body"].startswith("नमस्ते")
    assert standin.messages(to="whatsapp:+919800000013") == standin.messages(to="whatsapp:+919800000014") == []
    report = client.get(f"/api/v1/campaigns/{cid}/report", headers=reader)
    assert report.status_code == 200 and report.json["campaign"]["status"] == "done"
    funnel = {s["stage"]: s["count"] for s in report.json["funnel"]}
    assert funnel["audience"] == 2 and funnel["sent"] == 2 and report.json["recipients"] == {"queued": 2}
    csv_resp = client.get(f"/api/v1/campaigns/{cid}/report.csv", headers=reader)
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    lines = csv_resp.get_data(as_text=True).splitlines()
    assert lines[0].startswith("member_id,name,phone") and len(lines) == 3
    assert client.get("/api/v1/campaigns/999/report", headers=reader).status_code == 404
    assert _audit(app) == [("api:CRM", "campaign.create", str(cid)), ("api:CRM", "campaign.send", str(cid)),
                           ("api:BI", "export.csv", str(cid))]


@SQLITE_ONLY
def test_bad_campaign_input_gets_a_clear_4xx_and_saves_nothing(app) -> None:
    auth = _auth(app)
    client = app.test_client()
    bad = [
        ({**CREATE, "filters": {"roles": ["pilot"]}}, "unknown role"),
        ({**CREATE, "filters": {"colour": "red"}}, "unknown filter"),
        ({**CREATE, "filters": {"balance_above": "lots"}}, "whole number"),
        ({**CREATE, "filters": {"inactive_days": 10**12}}, "between"),
        ({**CREATE, "filters": {"langs": ["fr"]}}, "unknown language"),
        ({**CREATE, "filters": {"cities": ["Atlantis"]}}, "Atlantis"),
        ({**CREATE, "filters": {"pin_prefixes": ["22a"]}}, "digits"),
        ({**CREATE, "filters": {"tier": "Diamond"}}, "unknown tier"),
        ({**CREATE, "filters": ["contractor"]}, "object"),
        ({**CREATE, "template": "nope"}, "no template"),
        ({**CREATE, "variables": {}}, "needs a value for offer"),
        ({"name": "x", "text": "Namaste {name}"}, "name a template"),
        ({"name": "x"}, "give a template"),
        ({**CREATE, "name": " "}, "name is required"),
        ({**CREATE, "name": "a\x00b"}, "NUL"),
        ({**CREATE, "outside_window": "maybe"}, "outside_window"),
        ({**CREATE, "bonus_points": -5}, "bonus_points"),
        ({**CREATE, "rate_per_second": 0}, "rate_per_second"),
        ({**CREATE, "colour": "red"}, "unknown field"),
        ({**CREATE, "filters": {"role": "mason", "roles": ["contractor"]}}, "not both"),
    ]
    for index, (body, words) in enumerate(bad):
        resp = client.post("/api/v1/campaigns", json=body, headers={**auth, "Idempotency-Key": f"bad-{index}"})
        assert resp.status_code == 422 and words in resp.json["error"]["message"], (body, resp.json)
    not_json = client.post("/api/v1/campaigns", data="[1]", content_type="application/json",
                           headers={**auth, "Idempotency-Key": "bad-json"})
    assert not_json.status_code == 400
    with sessions(app)() as db:
        assert db.scalar(select(func.count()).select_from(Campaign)) == 0
    skip = client.post("/api/v1/campaigns", json={"name": "Inside only", "text": "Namaste {name}",
                                                  "outside_window": "skip", "filters": {"langs": "hi"}},
                       headers={**auth, "Idempotency-Key": "ok"})
    assert skip.status_code == 201 and skip.json["filters"] == {"langs": ["hi"]} and skip.json["template"] is None
    cli_names = {"role": ["contractor"], "lang": "hi", "pin_prefix": ["226"], "city": ["Lucknow"], "inactive_days": 30}
    named = client.post("/api/v1/campaigns", json={**CREATE, "filters": cli_names},
                        headers={**auth, "Idempotency-Key": "cli"})
    assert named.status_code == 201 and named.json["filters"] == {
        "roles": ["contractor"], "langs": ["hi"], "pin_prefixes": ["226"], "cities": ["Lucknow"], "inactive_days": 30}


@SQLITE_ONLY
def test_schedule_pause_resume_and_cancel_through_the_api(app, standin) -> None:
    seed(app, [Seed(f"+9198000002{i:02d}", wrote_hours_ago=1) for i in range(3)])
    auth = _auth(app)
    client = app.test_client()

    def post(path: str, key: str, body: dict | None = None):
        return client.post(f"/api/v1/campaigns{path}", json=body, headers={**auth, "Idempotency-Key": key})

    later = post("", "k1", {"name": "Next week", "text": "Namaste {name}, aapke {points} points!",
                            "outside_window": "skip"}).json["id"]
    past = post(f"/{later}/send", "k2", {"scheduled_at": "2020-01-01T10:00:00+05:30"})
    assert past.status_code == 422 and "has passed" in past.json["error"]["message"]
    naive = post(f"/{later}/send", "k3", {"scheduled_at": "2030-01-01T10:00:00"})
    assert naive.status_code == 422 and "time zone" in naive.json["error"]["message"]
    at = (utcnow() + dt.timedelta(days=2)).replace(microsecond=0)
    scheduled = post(f"/{later}/send", "k4", {"scheduled_at": at.isoformat()})
    assert scheduled.status_code == 200 and scheduled.json["status"] == "scheduled"
    assert dt.datetime.fromisoformat(scheduled.json["scheduled_at"]).astimezone(dt.UTC) == at
    assert post(f"/{later}/pause", "k5").json["error"]["code"] == "wrong_state"
    assert post(f"/{later}/cancel", "k6").json["status"] == "cancelled"
    assert standin.messages() == []
    now = post("", "k7", {"name": "Now", "text": "Namaste {name}!", "outside_window": "skip"}).json["id"]
    assert post(f"/{now}/send", "k8").json["status"] == "sending"
    paused = post(f"/{now}/pause", "k9")
    assert paused.status_code == 200 and paused.json["status"] == "paused"
    run_jobs(app)
    assert standin.messages() == []  # paused before the lanes ran
    again = post(f"/{now}/pause", "k10")
    assert again.status_code == 409 and "only a sending one can be paused" in again.json["error"]["message"]
    assert post(f"/{now}/resume", "k11").json["status"] == "sending"
    run_jobs(app)
    assert len(standin.messages()) == 3
    assert client.get(f"/api/v1/campaigns/{now}", headers=auth).json["status"] == "done"
    assert post(f"/{now}/cancel", "k12").status_code == 409
    assert post("/4040/cancel", "k13").status_code == 404
    actions = [a for _, a, _ in _audit(app)]
    assert actions == ["campaign.create", "campaign.schedule", "campaign.cancel", "campaign.create",
                       "campaign.send", "campaign.pause", "campaign.resume"]


def test_handoff_answered_and_closed_through_the_api(app, user, standin) -> None:
    quick_member(app, user.phone, lang="hi")
    assert user.ask("talk to a person")
    assert user.ask("mera pichhla coupon abhi tak nahi aaya") == ""  # the bot is quiet now
    auth, reader = _auth(app, name="Helpdesk"), _auth(app, ("read",), "BI")
    client = app.test_client()
    inbox = client.get("/api/v1/handoffs", headers=reader).json
    assert inbox["total"] == 1 and inbox["items"][0]["in_window"] is True
    hid = inbox["items"][0]["id"]
    assert inbox["items"][0]["name"] == "Ramesh Kumar" and user.phone not in inbox["items"][0]["phone"]
    one = client.get(f"/api/v1/handoffs/{hid}", headers=reader).json
    assert any(m["text"] == "mera pichhla coupon abhi tak nahi aaya" for m in one["messages"])
    assert one["member"]["name"] == "Ramesh Kumar" and isinstance(one["member"]["points"], int)
    assert one["contact"]["window_open"] is True and one["claims"] == []
    path = f"/api/v1/handoffs/{hid}"
    answer = "Namaste Ramesh ji, aapka coupon kal tak credit ho jayega."
    assert client.post(f"{path}/reply", json={"text": answer},
                       headers={**reader, "Idempotency-Key": "r0"}).status_code == 403
    assert client.post(f"{path}/reply", json={"text": " "}, headers={**auth, "Idempotency-Key": "r0"}
                       ).status_code == 422
    first = client.post(f"{path}/reply", json={"text": answer}, headers={**auth, "Idempotency-Key": "r1"})
    retry = client.post(f"{path}/reply", json={"text": answer}, headers={**auth, "Idempotency-Key": "r1"})
    assert first.status_code == retry.status_code == 201 and first.json == retry.json
    assert first.json["agent"] == "api:Helpdesk" and answer not in str(first.json)
    run_jobs(app)
    assert user.replies() == [answer]  # once, though the request came twice
    closed = client.post(f"{path}/close", headers={**auth, "Idempotency-Key": "x1"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    run_jobs(app)
    with sessions(app)() as db:
        contact = db.scalar(select(Contact).where(Contact.phone == user.phone))
        assert db.get(Handoff, hid).closed_by == "api:Helpdesk"
    assert user.replies() == [translate(contact.lang, "handoff.closed")]
    assert user.ask("balance")  # the bot answers again
    late = client.post(f"{path}/reply", json={"text": "hello"}, headers={**auth, "Idempotency-Key": "r2"})
    assert late.status_code == 409 and late.json["error"]["code"] == "closed"
    assert client.post(f"{path}/close", headers={**auth, "Idempotency-Key": "x2"}).status_code == 409
    assert client.get("/api/v1/handoffs", headers=reader).json["total"] == 0
    assert client.get("/api/v1/handoffs?status=closed", headers=reader).json["total"] == 1
    assert client.get("/api/v1/handoffs/999", headers=reader).status_code == 404
    assert [(a, t) for _, a, t in _audit(app)] == [("handoff.reply", str(hid)), ("handoff.close", str(hid))]
    with sessions(app)() as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "handoff.reply"))
        assert entry.actor == "api:Helpdesk" and entry.after["characters"] == len(answer)


@SQLITE_ONLY
def test_outside_the_window_a_reply_is_refused_and_the_invite_template_goes(app, user, standin) -> None:
    quick_member(app, user.phone)
    _sync(app, "handoff_reply")
    user.ask("talk to a person")
    user.replies()
    with sessions(app).begin() as db:  # the member last wrote 30 hours ago
        contact = db.scalar(select(Contact).where(Contact.phone == user.phone))
        contact.last_inbound_at = utcnow() - dt.timedelta(hours=30)
        hid = db.scalar(select(Handoff.id))
    auth = _auth(app)
    client = app.test_client()
    refused = client.post(f"/api/v1/handoffs/{hid}/reply", json={"text": "Aapka coupon credit ho gaya"},
                          headers={**auth, "Idempotency-Key": "r1"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "window_closed"
    assert f"/api/v1/handoffs/{hid}/invite" in refused.json["error"]["message"]
    invited = client.post(f"/api/v1/handoffs/{hid}/invite", headers={**auth, "Idempotency-Key": "i1"})
    assert invited.status_code == 201 and invited.json["template"] == "handoff_reply"
    run_jobs(app)
    sent = standin.messages(to=f"whatsapp:{user.phone}")[-1]
    assert sent["content_sid"] and "Ramesh" in sent["content_variables"]
    with sessions(app)() as db:
        rows = db.scalars(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id,
                                                        OutboundMessage.template == "handoff_reply")).all()
    assert len(rows) == 1 and rows[0].status not in ("skipped", "failed")
    user.send("haan ji, boliye")  # the member writes back: the window is open, text goes again
    user.replies()
    assert client.post(f"/api/v1/handoffs/{hid}/invite", headers={**auth, "Idempotency-Key": "i2"}
                       ).json["error"]["code"] == "window_open"
    assert client.post(f"/api/v1/handoffs/{hid}/reply", json={"text": "Ji, credit ho gaya."},
                       headers={**auth, "Idempotency-Key": "r2"}).status_code == 201
    run_jobs(app)
    assert user.replies() == ["Ji, credit ho gaya."]
    assert [a for _, a, _ in _audit(app)] == ["handoff.invite", "handoff.reply"]


def _at_once(app, requests: list[tuple[str, dict, dict[str, str]]]) -> list[tuple[int, dict]]:
    """Send the requests (path, JSON body, headers) at the same moment from separate clients."""
    import threading

    barrier = threading.Barrier(len(requests))
    answers: list[tuple[int, dict]] = []

    def post(path: str, body: dict, headers: dict[str, str]) -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post(path, json=body, headers=headers)
        answers.append((resp.status_code, resp.json))

    threads = [threading.Thread(target=post, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@POSTGRES_ONLY  # where simultaneous requests really overlap
def test_simultaneous_retries_with_one_key_act_once(app, user, standin) -> None:
    quick_member(app, user.phone)
    user.ask("talk to a person")
    user.replies()
    with sessions(app)() as db:
        hid = db.scalar(select(Handoff.id))
    auth = _auth(app)
    reply = (f"/api/v1/handoffs/{hid}/reply", {"text": "Ji, dekh rahe hain."}, {**auth, "Idempotency-Key": "r"})
    answers = _at_once(app, [reply] * 3)
    assert [code for code, _ in answers] == [201] * 3 and len({str(body) for _, body in answers}) == 1
    run_jobs(app)
    assert user.replies() == ["Ji, dekh rahe hain."]
    create = ("/api/v1/campaigns", {"name": "Once", "text": "Namaste {name}", "outside_window": "skip"},
              {**auth, "Idempotency-Key": "c"})
    answers = _at_once(app, [create] * 3)
    assert [code for code, _ in answers] == [201] * 3 and len({body["id"] for _, body in answers}) == 1
    with sessions(app)() as db:
        assert db.scalar(select(func.count()).select_from(Campaign)) == 1
    assert [a for _, a, _ in _audit(app)] == ["handoff.reply", "campaign.create"]
