"""One contact's messages run strictly in arrival order, never two at once, whichever worker takes them."""

from __future__ import annotations

import threading

from sqlalchemy import select

from storage.db import sessions
from storage.models import InboundMessage, Member
from tests.botkit import WhatsAppUser
from workers import runtime
from workers.queue import EmbeddedWorker, get_queue


def test_burst_from_one_contact_is_handled_in_order_by_parallel_workers(app, standin) -> None:
    users = [WhatsAppUser(client=app.test_client(), standin=standin, app=app, phone=f"+91981234{n:04d}")
             for n in range(3)]
    script = ["Hello", "1", "Name {n}", "3", "226001", "skip", "1", "balance"]
    names = ["Asha", "Bilal", "Chetan"]
    for line in script:
        for n, user in enumerate(users):
            user.send(line.format(n=names[n]), run=False)
    runtime.set_app(app)
    queue = get_queue(app)
    workers = [EmbeddedWorker([queue], connection=queue.connection) for _ in range(3)]
    threads = [threading.Thread(target=w.work, kwargs={"burst": True, "logging_level": "WARNING"}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for user in users:
        replies = user.replies()
        assert len(replies) == len(script), replies
        assert "choose your language" in replies[0] and "full name" in replies[1]
        assert "100 points" in replies[-1]
    with sessions(app)() as s:
        members = s.scalars(select(Member).order_by(Member.phone)).all()
        assert [(m.name, m.role) for m in members] == [(f"Name {name}", "electrician") for name in names]
        assert set(s.scalars(select(InboundMessage.attempts))) == {1}
