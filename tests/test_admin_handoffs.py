"""Handoff inbox: the list, a conversation with profile and claims, a reply inside the window that
reaches the member, the template-only path outside it, close (the bot resumes); roles, CSRF, audit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.i18n import translate
from content.api import content_client
from content.registry import sync_templates
from storage.admin_models import AuditEntry
from storage.base import utcnow
from storage.db import sessions
from storage.messaging_models import Handoff
from storage.models import Contact, OutboundMessage
from storage.reps import add_rep
from tests.adminkit import POSTGRES_ONLY, SQLITE_ONLY, Console, make_user, quick_member
from tests.botkit import run_jobs


def _audit(app, action: str) -> list[AuditEntry]:
    with sessions(app)() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _handoff(app) -> Handoff:
    with sessions(app)() as db:
        handoff = db.scalar(select(Handoff).order_by(Handoff.id.desc()))
        db.expunge(handoff)
        return handoff


@SQLITE_ONLY
def test_reply_reaches_the_member_and_close_gives_the_chat_back_to_the_bot(app, user, standin) -> None:
    quick_member(app, user.phone, lang="hi")
    with sessions(app).begin() as db:
        rep_id = add_rep(db, "Vikas", "+919000000001").id
    make_user(app, "reviewer@brand.in", "reviewer")
    make_user(app, "rep@brand.in", "rep", rep_id=rep_id)
    assert user.ask("talk to a person")
    assert user.ask("mera pichhla coupon abhi tak nahi aaya") == ""  # the bot is quiet now
    handoff = _handoff(app)
    reviewer = Console(app, "reviewer@brand.in")
    assert Console(app, "rep@brand.in").get("/admin/handoffs").status_code == 403
    inbox = reviewer.text("/admin/handoffs")
    assert "Ramesh Kumar" in inbox and "asked for a person" in inbox and "open, 23 h" in inbox
    assert 'id="nav-handoffs"' in inbox and '<span class="pill">1</span>' in inbox
    page = reviewer.text(f"/admin/handoffs/{handoff.id}")
    assert "mera pichhla coupon abhi tak nahi aaya" in page and 'id="reply-form"' in page
    assert 'id="handoff-member"' in page and "226001" in page and "+91 ••••••5678" in page  # masked for reviewers
    # without the form's CSRF token nothing is sent
    assert reviewer.client.post(f"/admin/handoffs/{handoff.id}/reply", data={"text": "x"}).status_code == 400
    answer = "Namaste Ramesh ji, aapka coupon kal tak credit ho jayega."
    nonce = page.split('name="nonce" value="')[1].split('"')[0]
    for _ in range(2):  # a double-clicked Send sends once
        resp = reviewer.post(f"/admin/handoffs/{handoff.id}/reply", {"text": answer, "nonce": nonce},
                             form_page=f"/admin/handoffs/{handoff.id}")
        assert resp.status_code == 302
    run_jobs(app)
    assert user.replies() == [answer]
    entry = _audit(app, "handoff.reply")
    assert len(entry) == 1 and entry[0].after["characters"] == len(answer) and answer not in str(entry[0].after)
    assert "agent Reviewer" in reviewer.text(f"/admin/handoffs/{handoff.id}")
    reviewer.post(f"/admin/handoffs/{handoff.id}/close", {}, form_page=f"/admin/handoffs/{handoff.id}")
    run_jobs(app)
    with sessions(app)() as db:
        contact = db.scalar(select(Contact).where(Contact.phone == user.phone))
        assert db.get(Handoff, handoff.id).status == "closed"
    assert user.replies() == [translate(contact.lang, "handoff.closed")]
    assert user.ask("balance")  # the bot answers again
    assert [e.actor for e in _audit(app, "handoff.close")] == ["reviewer@brand.in"]
    again = reviewer.post(f"/admin/handoffs/{handoff.id}/reply", {"text": "hello"},
                          form_page=f"/admin/handoffs/{handoff.id}", follow=True)
    assert "is closed" in again.get_data(as_text=True)
    run_jobs(app)
    assert user.replies() == []
    assert "No open handoffs" in reviewer.text("/admin/handoffs")
    profile = reviewer.text(f"/admin/members/{handoff.member_id}")
    assert f'href="/admin/handoffs/{handoff.id}"' in profile and 'class="badge closed"' in profile
    assert "Ramesh Kumar" in reviewer.text("/admin/handoffs?status=closed")
    assert reviewer.get("/admin/handoffs/999").status_code == 404


@SQLITE_ONLY
def test_outside_the_window_only_the_approved_template_is_offered(app, user, standin) -> None:
    quick_member(app, user.phone)
    make_user(app)
    with sessions(app).begin() as db:
        sync_templates(db, content_client(app.config), {"handoff_reply": app.config["TEMPLATES"]["handoff_reply"]})
    user.ask("talk to a person")
    user.replies()
    handoff = _handoff(app)
    with sessions(app).begin() as db:  # the member last wrote 30 hours ago
        contact = db.scalar(select(Contact).where(Contact.phone == user.phone))
        contact.last_inbound_at = utcnow() - dt.timedelta(hours=30)
    admin = Console(app)
    page = admin.text(f"/admin/handoffs/{handoff.id}")
    assert 'id="window-closed"' in page and 'id="reply-form"' not in page and 'id="invite-form"' in page
    refused = admin.post(f"/admin/handoffs/{handoff.id}/reply", {"text": "Aapka coupon credit ho gaya"},
                         form_page=f"/admin/handoffs/{handoff.id}", follow=True)
    assert "24-hour window is closed" in refused.get_data(as_text=True)
    admin.post(f"/admin/handoffs/{handoff.id}/invite", {}, form_page=f"/admin/handoffs/{handoff.id}")
    run_jobs(app)
    sent = standin.messages(to=f"whatsapp:{user.phone}")[-1]
    assert sent["content_sid"] and "Ramesh" in sent["content_variables"]
    with sessions(app)() as db:
        rows = db.scalars(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id,
                                                        OutboundMessage.template == "handoff_reply")).all()
    assert len(rows) == 1 and rows[0].status not in ("skipped", "failed")
    assert len(_audit(app, "handoff.invite")) == 1 and _audit(app, "handoff.reply") == []


@POSTGRES_ONLY  # where simultaneous requests really overlap
def test_the_same_reply_form_sent_three_times_at_once_reaches_the_member_once(app, user, standin) -> None:
    import threading

    quick_member(app, user.phone)
    make_user(app, "reviewer@brand.in", "reviewer")
    user.ask("talk to a person")
    user.replies()
    handoff = _handoff(app)
    agent = Console(app, "reviewer@brand.in")
    page = agent.text(f"/admin/handoffs/{handoff.id}")
    form = {"text": "Ji, dekh rahe hain.", "nonce": page.split('name="nonce" value="')[1].split('"')[0],
            "csrf_token": page.split('name="csrf_token" value="')[1].split('"')[0]}
    barrier = threading.Barrier(3)
    codes: list[int] = []

    def send() -> None:  # three clicks on Send at once
        barrier.wait()
        codes.append(agent.client.post(f"/admin/handoffs/{handoff.id}/reply", data=form).status_code)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302, 302, 302]
    run_jobs(app)
    assert user.replies() == ["Ji, dekh rahe hain."]
    assert len(_audit(app, "handoff.reply")) == 1
