"""Business-initiated notices reach a member whose last message is more than 24 hours old: as the
approved template (``ContentSid`` + ``ContentVariables``), never as free text (which WhatsApp, and
the stand-in, fail with 63016). Claim reviews, handoff closing and campaign bonuses; inside the
window the same notices still go as free text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.i18n import translate
from claims.review import decide
from content.api import content_client
from content.registry import sync_templates
from handoff.service import close, open_handoff
from storage.db import sessions
from storage.models import Contact, OutboundMessage
from tests.adminkit import claim_codes_for
from tests.botkit import run_jobs
from tests.campaignkit import Seed, seed
from tests.claimkit import code, new_batch
from workers.jobs import schedule_send

SUPPORT = "+911800000000"


def _sids(app: Any) -> dict[tuple[str, str], str]:
    with sessions(app).begin() as s:
        rows = sync_templates(s, content_client(app.config), app.config["TEMPLATES"])
        return {(r.name, r.lang): r.content_sid for r in rows}


def _member(app: Any, phone: str, lang: str, hours_ago: float) -> int:
    contact_id = seed(app, [Seed(phone, name="Salim Ansari", lang=lang, wrote_hours_ago=hours_ago)])[phone]
    with sessions(app)() as s:
        return s.get(Contact, contact_id).member_id


def _sent(app: Any, standin: Any, phone: str) -> tuple[OutboundMessage, dict[str, Any]]:
    """Send what is queued for ``phone``; the stored row and what the stand-in got."""
    with sessions(app)() as s:
        contact = s.scalar(select(Contact).where(Contact.phone == phone))
    schedule_send(app, contact.id)
    run_jobs(app)
    with sessions(app)() as s:
        row = s.scalars(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)
                        .order_by(OutboundMessage.id.desc())).first()
        s.expunge(row)
    message = standin.messages(to=f"whatsapp:{phone}")[-1]
    return row, message


def _review_claim(app: Any, phone: str, lang: str, hours_ago: float) -> None:
    member_id = _member(app, phone, lang, hours_ago)
    batch = new_batch(app, points=40, regions=["4"])  # printed for another region: waits for review
    claim_codes_for(app, member_id, [code(app, batch, 1)])


@pytest.mark.parametrize(("lang", "approve"), [("hi", True), ("ur", False)])
def test_claim_review_outside_the_window_goes_as_the_claim_template(app, standin, lang: str, approve: bool) -> None:  # type: ignore[no-untyped-def]
    sids = _sids(app)
    phone = "+919800000071"
    _review_claim(app, phone, lang, hours_ago=30)
    with sessions(app).begin() as s:
        decide(s, "C1", approve=approve, admin="reviewer@brand.in", note=None, support_phone=SUPPORT,
               reason_code=None if approve else "unreadable")
    row, message = _sent(app, standin, phone)
    assert row.template == "claim_update" and row.status != "skipped"
    assert message["content_sid"] == sids[("claim_update", lang)]
    assert message["error_code"] is None and message["status"] != "failed"  # no 63016
    variables = json.loads(message["content_variables"])
    assert variables["1"] == "Salim Ansari"
    msgid = "claims.review.approved" if approve else "claims.review.rejected"
    head = translate(lang, msgid, what="", points="", balance="", reason="", support="").split("(")[0].strip()
    assert variables["2"].startswith(head) and "\n" not in variables["2"]
    assert ("+40" in variables["2"]) == approve
    assert message["body"].startswith(translate(lang, "template.claim_update", name="Salim Ansari",
                                                update=variables["2"])[:20])


def test_claim_review_inside_the_window_stays_free_text(app, standin) -> None:  # type: ignore[no-untyped-def]
    _sids(app)
    phone = "+919800000072"
    _review_claim(app, phone, "hi", hours_ago=1)
    standin.record_inbound(f"whatsapp:{phone}")
    with sessions(app).begin() as s:
        decide(s, "C1", approve=True, admin="reviewer@brand.in", note=None, support_phone=SUPPORT)
    _, message = _sent(app, standin, phone)
    assert message["content_sid"] is None and "+40" in message["body"]


def test_handoff_closed_outside_the_window_goes_as_a_template(app, standin) -> None:  # type: ignore[no-untyped-def]
    sids = _sids(app)
    phone = "+919800000073"
    _member(app, phone, "hi_Latn", hours_ago=26)
    with sessions(app).begin() as s:
        contact = s.scalar(select(Contact).where(Contact.phone == phone))
        handoff_id = open_handoff(s, contact).id
    with sessions(app).begin() as s:
        close(s, handoff_id, by="timeout", timed_out=True)
    row, message = _sent(app, standin, phone)
    assert (row.template, row.msgid) == ("handoff_closed", "handoff.timed_out")
    assert message["content_sid"] == sids[("handoff_closed", "hi_Latn")] and message["error_code"] is None
    assert json.loads(message["content_variables"]) == {"1": "Salim"}
    assert message["body"].startswith("Namaste Salim ji, hamari team")


def test_campaign_bonus_outside_the_window_goes_as_a_template(app, standin) -> None:  # type: ignore[no-untyped-def]
    from campaigns.audience import Filters
    from campaigns.bonus import award_bonuses
    from campaigns.sending import kick
    from campaigns.service import create_campaign, send_campaign
    from claims.coupons import create_batch
    from storage.base import utcnow
    from storage.messaging_models import Campaign

    sids = _sids(app)
    phone = "+919800000074"
    _member(app, phone, "ur", hours_ago=2)
    with sessions(app).begin() as s:
        cid = create_campaign(s, name="Eid", filters=Filters(), program=app.config["PROGRAM"],
                              templates=app.config["TEMPLATES"], template="campaign_offer",
                              variables={"offer": "Double points this week."}, bonus_points=50).id
    with sessions(app).begin() as s:
        send_campaign(s, cid, app.config["PROGRAM"])
    kick(app, cid)
    run_jobs(app)
    with sessions(app).begin() as s:
        batch = create_batch(s, sku="CEM-OPC53", points=10, count=5).id
        member_id = s.scalar(select(Contact.member_id).where(Contact.phone == phone))
    claim_codes_for(app, member_id, [code(app, batch, 1)])
    with sessions(app).begin() as s:  # the bonus is paid days later: the member's window has closed
        s.scalar(select(Contact).where(Contact.phone == phone)).last_inbound_at = utcnow().replace(year=2025)
        campaign = s.get(Campaign, cid)
        assert len(award_bonuses(s, campaign, campaign.started_at)) == 1
    row, message = _sent(app, standin, phone)
    assert (row.template, row.msgid) == ("bonus_credited", "campaign.bonus")
    assert message["content_sid"] == sids[("bonus_credited", "ur")] and message["error_code"] is None
    assert json.loads(message["content_variables"])["2"] == "50"
