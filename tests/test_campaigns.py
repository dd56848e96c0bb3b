"""Campaigns: audience filters, template/free-text content per window, pause/resume/cancel, report, bonus."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from campaigns.audience import Filters
from campaigns.bonus import award_bonuses
from campaigns.report import campaign_report, export_csv, funnel_svg
from campaigns.sending import claim, kick
from campaigns.service import (
    CampaignError,
    cancel_campaign,
    create_campaign,
    pause_campaign,
    preview_campaign,
    resume_campaign,
    send_campaign,
)
from content.api import content_client
from content.registry import sync_templates
from storage import ledger
from storage.db import sessions
from storage.messaging_models import Campaign, CampaignRecipient
from storage.models import Member, OutboundMessage
from storage.reps import add_rep
from tests.botkit import run_jobs
from tests.campaignkit import Seed, seed

OFFER = {"offer": "Double points on OPC 53 cement this week."}


def _create(app, filters: Filters | None = None, **kw):
    with sessions(app).begin() as s:
        args = {"name": "Diwali", "filters": filters or Filters(), "program": app.config["PROGRAM"],
                "templates": app.config["TEMPLATES"], "template": "campaign_offer", "variables": OFFER} | kw
        return create_campaign(s, **args).id


def _count(app, filters: Filters) -> int:
    cid = _create(app, filters)
    with sessions(app)() as s:
        return preview_campaign(s, cid, app.config["PROGRAM"])["count"]


def _send(app, cid: int) -> None:
    with sessions(app).begin() as s:
        send_campaign(s, cid, app.config["PROGRAM"])
    kick(app, cid)
    run_jobs(app)


def test_audience_filters_and_exclusions(app) -> None:
    with sessions(app).begin() as s:
        rep = add_rep(s, "Vikas", "+919000000001").code
    seed(app, [
        Seed("+919800000001", role="contractor", lang="hi", pin="226010", rep=rep, wrote_hours_ago=2),
        Seed("+919800000002", role="contractor", lang="hi", pin="226020", wrote_hours_ago=24 * 40),
        Seed("+919800000003", role="mason", lang="ur", pin="208001", wrote_hours_ago=None),
        Seed("+919800000004", role="electrician", lang="en", pin="110001", bonus=6000),
        Seed("+919800000005", role="contractor", lang="hi", pin="226001", opted_out=True),
    ])
    assert _count(app, Filters()) == 4  # the opted-out member is never included
    assert _count(app, Filters(roles=["contractor"], langs=["hi"], pin_prefixes=["226"])) == 2
    assert _count(app, Filters(roles=["contractor"], inactive_days=30)) == 1
    assert _count(app, Filters(active_days=1)) == 2  # members 1 and 4 wrote within a day
    assert _count(app, Filters(cities=["Lucknow"])) == 2
    assert _count(app, Filters(cities=["Kanpur"], langs=["ur"])) == 1
    assert _count(app, Filters(rep=rep)) == 1
    assert _count(app, Filters(balance_above=1000)) == 1
    assert _count(app, Filters(balance_below=1000, roles=["mason"])) == 1
    assert _count(app, Filters(tier="Gold")) == 1  # 6,000 lifetime points
    assert _count(app, Filters(not_claimed_sku="CEM-OPC53")) == 4
    with pytest.raises(CampaignError, match="unknown role"):
        _create(app, Filters(roles=["pilot"]))
    with pytest.raises(CampaignError, match="window"):
        _create(app, template=None, text="Hello", outside_window="template")
    with pytest.raises(CampaignError, match="offer"):
        _create(app, variables={})


def test_template_campaign_sends_text_inside_and_the_template_outside_the_window(app, standin) -> None:
    ids = seed(app, [Seed("+919800000011", name="Suresh Yadav", lang="hi", wrote_hours_ago=2),
                     Seed("+919800000012", name="Imran Khan", lang="ur", wrote_hours_ago=30),
                     Seed("+919800000013", lang="en", opted_out=True)])
    with sessions(app).begin() as s:
        rows = {(r.name, r.lang): r.content_sid for r in sync_templates(s, content_client(app.config),
                                                                         app.config["TEMPLATES"])}
    cid = _create(app)
    _send(app, cid)
    inside = standin.messages(to="whatsapp:+919800000011")
    outside = standin.messages(to="whatsapp:+919800000012")
    assert len(inside) == 1 and len(outside) == 1 and standin.messages(to="whatsapp:+919800000013") == []
    assert inside[0]["content_sid"] is None and inside[0]["body"].startswith("नमस्ते Suresh जी! Double points")
    assert outside[0]["content_sid"] == rows[("campaign_offer", "ur")]
    assert json.loads(outside[0]["content_variables"]) == {"1": "Imran", "2": OFFER["offer"], "3": "100"}
    _callback(app, inside[0]["sid"], "delivered")
    _callback(app, inside[0]["sid"], "read")
    _callback(app, outside[0]["sid"], "undelivered", "63024")
    _callback(app, inside[0]["sid"], "sent")  # late and out of order: ignored
    with sessions(app)() as s:
        assert s.get(Campaign, cid).status == "done"
        report = campaign_report(s, cid)
        csv_text = export_csv(s, cid)
    assert report["recipients"] == {"queued": 2}
    assert report["statuses"] == {"read": 1, "undelivered": 1} and report["errors"] == {"63024": 1}
    assert [f["count"] for f in report["funnel"]][:4] == [2, 2, 1, 1]
    assert csv_text.splitlines()[0].startswith("member_id,name,phone") and len(csv_text.splitlines()) == 3
    assert "<svg" in funnel_svg(report) and "audience" in funnel_svg(report)
    assert set(ids) >= {"+919800000011"}


def _callback(app, sid: str, status: str, error: str | None = None) -> None:
    from bot.twilio_signing import sign
    from tests.botkit import TOKEN

    form = {"MessageSid": sid, "MessageStatus": status, "SmsStatus": status} | ({"ErrorCode": error} if error else {})
    url = app.config["PUBLIC_BASE_URL"] + "/webhooks/twilio/status"
    resp = app.test_client().post("/webhooks/twilio/status", data=form,
                                  headers={"X-Twilio-Signature": sign(TOKEN, url, form)})
    assert resp.status_code == 200


def test_daily_messaging_limit_stops_the_lanes(make_app, standin) -> None:
    app = make_app(INAAM_WHATSAPP_DAILY_LIMIT="2")
    seed(app, [Seed(f"+9198000004{i:02d}") for i in range(4)])
    cid = _create(app)
    _send(app, cid)
    assert len(standin.messages()) == 2
    with sessions(app)() as s:
        assert s.get(Campaign, cid).status == "sending"
        assert campaign_report(s, cid)["recipients"] == {"queued": 2, "pending": 2}


def test_free_text_campaign_skips_members_outside_the_window_when_asked(app, standin) -> None:
    seed(app, [Seed("+919800000021", wrote_hours_ago=3), Seed("+919800000022", wrote_hours_ago=48)])
    cid = _create(app, template=None, text="Namaste {name}, aapke {points} points!", outside_window="skip",
                  variables={})
    _send(app, cid)
    assert standin.messages(to="whatsapp:+919800000021")[0]["body"] == "Namaste Ramesh, aapke 100 points!"
    assert standin.messages(to="whatsapp:+919800000022") == []
    with sessions(app)() as s:
        report = campaign_report(s, cid)
    assert report["skipped"] == {"outside_window": 1} and report["statuses"]["skipped"] == 1


def test_pause_resume_and_cancel(app, standin) -> None:
    seed(app, [Seed(f"+9198000001{i:02d}") for i in range(12)])
    cid = _create(app, rate_per_second=1000)
    with sessions(app).begin() as s:
        send_campaign(s, cid, app.config["PROGRAM"])
    factory = sessions(app)
    assert len(claim(factory, cid, 3, app.config)) == 3  # three messages created, not yet sent
    with factory.begin() as s:
        pause_campaign(s, cid)
    assert claim(factory, cid, 3, app.config) is None
    with factory.begin() as s:
        resume_campaign(s, cid)
    assert len(claim(factory, cid, 2, app.config)) == 2
    with factory.begin() as s:
        cancel_campaign(s, cid)
        with pytest.raises(CampaignError):
            resume_campaign(s, cid)
    run_jobs(app)
    with factory() as s:
        states = dict(s.execute(select(CampaignRecipient.status, func.count()).where(
            CampaignRecipient.campaign_id == cid).group_by(CampaignRecipient.status)).all())
        notes = set(s.scalars(select(OutboundMessage.note).where(OutboundMessage.msgid == f"campaign.{cid}")))
    assert states == {"queued": 5, "cancelled": 7}
    assert notes == {"campaign_cancelled"}
    assert standin.messages() == []


def test_bonus_for_members_who_claim_after_the_campaign_is_paid_once(app, standin) -> None:
    from claims.coupons import create_batch
    from tests.claimkit import code

    seed(app, [Seed("+919800000031", wrote_hours_ago=1), Seed("+919800000032", wrote_hours_ago=1)])
    cid = _create(app, bonus_points=50)
    _send(app, cid)
    with sessions(app).begin() as s:
        batch = create_batch(s, sku="CEM-OPC53", points=10, count=5).id
    from tests.botkit import WhatsAppUser

    user = WhatsAppUser(client=app.test_client(), standin=standin, app=app, phone="+919800000031")
    user.ask(code(app, batch, 1))
    with sessions(app).begin() as s:
        campaign = s.get(Campaign, cid)
        assert len(award_bonuses(s, campaign, campaign.started_at)) == 1
        assert award_bonuses(s, campaign, campaign.started_at) == []  # paid once
        member = s.scalar(select(Member).where(Member.phone == "+919800000031"))
        assert ledger.balance(s, member.account_id) == 100 + 10 + 50
    assert _count(app, Filters(claimed_sku="CEM-OPC53")) == 1
    run_jobs(app)
    assert "50" in standin.messages(to="whatsapp:+919800000031")[-1]["body"]
    with sessions(app)() as s:
        report = campaign_report(s, cid)
    assert report["bonus"] == {"members": 1, "points": 50}
    assert [f["count"] for f in report["funnel"]][-1] == 1  # one member acted
