"""Bounded replies, true reasons for bad files, and log masking that leaves ids alone (issue 7's table)."""

from __future__ import annotations

import io
import os

from PIL import Image

from bot.logs import mask_phone
from claims.codes import make_code
from storage.outbox import MAX_PARTS_PER_TURN
from tests.botkit import WhatsAppUser
from tests.claimkit import enroll


def _sent(user: WhatsAppUser, body: str) -> list[str]:
    user.replies()
    user.send(body)
    return user.replies()


def test_noise_text_gets_one_reply(user: WhatsAppUser) -> None:
    enroll(user)
    replies = _sent(user, "x" * 60_000)  # under the 64 KiB request limit, 3,750 code-shaped chunks
    assert len(replies) == 1 and len(replies[0]) < 1600


def test_more_than_ten_codes_are_answered_once(user: WhatsAppUser, app) -> None:
    enroll(user)
    codes = " ".join(make_code(app.config["COUPON_SECRET"], 1, n).text for n in range(1, 13))
    replies = _sent(user, codes)
    assert len(replies) == 1 and "at most 10 coupon codes" in replies[0]


def test_a_turn_never_sends_more_than_a_few_messages(app) -> None:
    from storage.contacts import get_or_create_contact
    from storage.db import sessions
    from storage.outbox import queue_reply

    with sessions(app).begin() as session:
        contact = get_or_create_contact(session, "+919812345678")
        rows = queue_reply(session, contact, [("x", "\n".join(f"line {i} " + "y" * 80 for i in range(2000)))])
        assert len(rows) == MAX_PARTS_PER_TURN and all(len(r.body) <= 1600 for r in rows)


def test_random_bytes_named_jpg_are_called_damaged(user: WhatsAppUser) -> None:
    enroll(user)
    user.replies()
    reply = user.ask("", media=[(os.urandom(20_000), "image/jpeg")])
    assert "damaged or incomplete" in reply and "JPG, PNG" not in reply


def test_huge_blank_png_is_refused_for_its_pixels_not_its_bytes(user: WhatsAppUser) -> None:
    enroll(user)
    user.replies()
    buf = io.BytesIO()
    Image.new("L", (8000, 6000), 255).save(buf, format="PNG", optimize=True)  # 48 Mpx, ~60 KB
    assert len(buf.getvalue()) < 200_000
    reply = user.ask("", media=[(buf.getvalue(), "image/png")])
    assert "too many pixels" in reply and "MB" not in reply


def test_voice_note_is_unsupported() -> None:
    from claims.vision.analysis import analyze

    assert analyze(b"OggS" + os.urandom(100), max_pixels=10**6, einvoice_key=None, declared="audio/ogg")["kind"] == \
        "unsupported"


def test_ids_that_contain_digits_are_not_masked() -> None:
    for text in ("job sweep-send-12-886612343942 done", "rq:job:3f2a-886612343942", "SM886612343942aa",
                 "/media/919812345678"):
        assert mask_phone(text) == text
    assert mask_phone("To=whatsapp%3A%2B919812345678") == "To=whatsapp%3A%2B91******5678"
    assert mask_phone("from +919812345678.") == "from +91******5678."
