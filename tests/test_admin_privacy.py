"""Members' data rights (DPDP): "my data" and a confirmed "delete my data" in en/hi/ur, and admin erase;
the ledger stays intact and verifiable after erasure."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.i18n import format_number
from storage import ledger
from storage.db import sessions
from storage.models import Contact, InboundMessage, Media, Member, OutboundMessage
from tests.adminkit import POSTGRES_ONLY, SQLITE_ONLY, Console, make_user, member_id_of, quick_member
from tests.botkit import app_environ
from tests.claimkit import code, enroll, new_batch

CASES = [
    pytest.param("postgres", "1", "delete my data", "YES", "deleted", marks=pytest.mark.postgres, id="en-postgres"),
    pytest.param("sqlite", "2", "मेरा डेटा मिटाओ", "हाँ", "मिटा दिया गया", id="hi-sqlite"),
    pytest.param("sqlite", "3", "میرا ڈیٹا حذف کریں", "ہاں", "مٹا دیا گیا", id="ur-sqlite"),
]


@pytest.mark.parametrize(("database_url", "lang", "ask", "yes", "done"), CASES, indirect=["database_url"])
def test_delete_my_data_in_chat(app, user, standin, lang: str, ask: str, yes: str, done: str) -> None:
    enroll(user, lang=lang, name="Ramesh Kumar")
    batch = new_batch(app, points=25)
    user.ask(code(app, batch, 3))
    mid = member_id_of(app, user.phone)
    with sessions(app)() as db:
        points = ledger.balance(db, db.get(Member, mid).account_id)
    prompt = user.ask(ask)
    assert yes in prompt
    assert format_number(points) in prompt  # the points that would be lost
    final = user.ask(yes)
    assert done in final
    with sessions(app)() as db:
        member = db.get(Member, mid)
        assert member.erased_at is not None and member.name == "" and member.upi_id is None
        assert user.phone not in member.phone
        assert db.scalar(select(func.count()).select_from(Contact).where(Contact.phone == user.phone)) == 0
        texts = db.scalars(select(InboundMessage.body)).all()
        assert all(t == "" for t in texts)
        assert db.scalar(select(func.count()).select_from(Media).where(Media.data.is_not(None))) == 0
        outbound = db.scalars(select(OutboundMessage)).all()
        assert all(user.phone not in (o.to + o.body) for o in outbound)
        assert ledger.verify(db) == []
        assert ledger.balance(db, member.account_id) == points
    # the verify command agrees
    env = app_environ(app.config["DATABASE_URL"], standin.url)
    result = CliRunner().invoke(main, ["ledger", "verify"], env=env)
    assert result.exit_code == 0, result.output
    # writing again starts over as a new person
    assert "1" in user.ask("Hello")


@SQLITE_ONLY
def test_delete_can_be_declined_and_my_data_summarises(app, user) -> None:
    enroll(user, lang="1", name="Salma Khan")
    summary = user.ask("my data")
    assert "Salma Khan" in summary and user.phone in summary and "points" in summary
    assert "delete my data" in summary
    user.ask("please delete my data")
    assert "nothing was deleted" in user.ask("no")
    with sessions(user.app)() as db:
        assert db.scalar(select(Member.name)) == "Salma Khan"


@POSTGRES_ONLY
def test_admin_erase_keeps_ledger(app, user) -> None:
    make_user(app)
    mid = quick_member(app, user.phone, name="Vinod Sharma")
    console = Console(app)
    refused = console.post(f"/admin/members/{mid}/erase", {"confirm": "no"}, form_page=f"/admin/members/{mid}",
                           follow=True)
    assert "Type ERASE" in refused.get_data(as_text=True)
    done = console.post(f"/admin/members/{mid}/erase", {"confirm": "ERASE"}, form_page=f"/admin/members/{mid}",
                        follow=True)
    page = done.get_data(as_text=True)
    assert "Personal data erased" in page and "Vinod" not in page
    with sessions(app)() as db:
        assert ledger.verify(db) == []
        assert db.get(Member, mid).phone == f"erased-{mid}"
    entry = [line for line in console.text("/admin/audit?action=member.erase").splitlines() if "member.erase" in line]
    assert entry


@pytest.mark.parametrize(("text", "delete", "summary"), [
    ("delete my data", True, None), ("Please erase my data", True, None), ("mera data delete karo", True, None),
    ("mera data hata do", True, None), ("मेरा डेटा मिटा दीजिए", True, None), ("میرا ڈیٹا حذف کر دیں", True, None),
    ("my data", None, True), ("mera data", None, True), ("मेरी जानकारी", None, True), ("میرا ڈیٹا دکھائیں", None, True),
    ("meri balance ki jankari", None, None), ("mera balance", None, None), ("statement details", None, None),
    ("delete", None, None), ("data", None, None),
])
def test_data_right_phrases(text: str, delete: bool | None, summary: bool | None) -> None:
    from types import SimpleNamespace

    from flows.privacy import wants_delete, wants_summary

    turn = SimpleNamespace(text=text, media=[])
    assert wants_delete(turn) is delete  # type: ignore[arg-type]
    assert wants_summary(turn) is summary  # type: ignore[arg-type]
