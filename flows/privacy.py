"""Members' data rights in chat (DPDP Act 2023): "my data" and "delete my data" (confirmed), and
the hold on a blocked member's claims.

Why: a member can see what the programme holds about them and have it erased without calling
anyone, in Hindi, Urdu or English; the erasure keeps the points ledger intact (``storage.privacy``).
"""

from __future__ import annotations

from bot.i18n import format_day, format_number, translate
from flows import match
from flows.engine import END, Flow, Turn, on
from flows.intents import negations
from flows.normalize import fold
from storage.outbox import queue_reply
from storage.privacy import erase, summary

DATA_WORDS = {"data", "deta", "daata", "jankari", "maloomat", "information", "डेटा", "डाटा",
              "जानकारी", "ڈیٹا", "ڈاٹا", "معلومات"}
DELETE_WORDS = {"delete", "erase", "remove", "hatao", "hata", "hatado", "mitao", "mita", "mitado", "khatam",
                "डिलीट", "हटाओ", "हटा", "हटाएं", "हटाइए", "मिटाओ", "मिटा", "मिटाएं", "मिटाइए", "ख़त्म", "खत्म",
                "حذف", "ڈیلیٹ", "مٹا", "مٹائیں", "مٹاؤ", "ہٹا", "ہٹائیں", "ہٹاؤ", "ختم"}
MINE_WORDS = {"my", "mera", "meri", "mere", "hamara", "मेरा", "मेरी", "मेरे", "میرا", "میری", "میرے"}
SHOW_WORDS = {"show", "send", "see", "view", "what", "dikhao", "bhejo", "batao", "दिखाओ", "भेजो", "बताओ", "दिखाइए",
              "دکھائیں", "بھیجیں", "بتائیں", "دکھاؤ"}
ERASED_MSGID = "privacy.erase.done"
DATA_WORDS, DELETE_WORDS, MINE_WORDS, SHOW_WORDS = (
    {fold(w) for w in words} for words in (DATA_WORDS, DELETE_WORDS, MINE_WORDS, SHOW_WORDS))
"""Folded like every message (issue 12): "ख़त्म"/"खत्म", "ڈيٹا"/"ڈیٹا" are one word each."""


def _words(turn: Turn) -> list[str]:
    return fold(turn.text).split() if not turn.media else []


def wants_delete(turn: Turn) -> bool | None:
    words = _words(turn)
    if set(words) & negations():
        return None  # "mera data mat hatao" asks for nothing to be erased
    if 0 < len(words) <= 8 and DATA_WORDS & set(words) and DELETE_WORDS & set(words):
        return True
    return None


def wants_summary(turn: Turn) -> bool | None:
    words = set(_words(turn))
    if match.intent_of(turn.text) in ("balance", "statement", "redeem"):
        return None  # "meri balance ki jankari" asks for the balance
    if 0 < len(words) <= 6 and words & DATA_WORDS and words & (MINE_WORDS | SHOW_WORDS) and not words & DELETE_WORDS:
        return True
    return None


def ask_delete(turn: Turn) -> str:
    member = turn.member
    assert member is not None
    points = summary(turn.session, member).balance
    turn.say("privacy.delete.confirm", points=format_number(points))
    return "confirm"


def confirmed(turn: Turn) -> str:
    if not turn.value:
        turn.say("privacy.delete.cancelled")
        return END
    member = turn.member
    assert member is not None
    text = translate(turn.lang, ERASED_MSGID, program=turn.program.name)
    rows = queue_reply(turn.session, turn.contact, [(ERASED_MSGID, text)], bypass_opt_out=True,
                       inbound_id=turn.inbound.id if turn.inbound else None)
    erase(turn.session, member, keep_outbound_id=rows[0].id if rows else None)
    return END


def show_summary(turn: Turn) -> None:
    member = turn.member
    assert member is not None
    data = summary(turn.session, member)
    none = turn.t("privacy.not_given")
    turn.say("privacy.my_data", program=turn.program.name, name=data.name, phone=data.phone,
             role=turn.t(f"role.{data.role}"), pin=data.pin_code or none,
             upi=data.upi_id or none, rep=data.rep or none, joined=format_day(turn.lang, data.joined),
             consent=format_day(turn.lang, data.consent_at), points=format_number(data.balance),
             coupons=format_number(data.coupon_claims), invoices=format_number(data.invoice_claims),
             messages=format_number(data.messages), media=format_number(data.media))


def _blocked(turn: Turn) -> bool | None:
    member = turn.member
    if member is None or member.blocked_at is None or turn.contact.flow == "privacy":
        return None
    if not turn.media and match.intent_of(turn.text) in ("balance", "statement"):
        return None
    return True


def on_hold(turn: Turn) -> None:
    turn.say("privacy.blocked", support=turn.program.support_phone)


FLOWS = [
    Flow(
        name="privacy",
        entry=[on(wants_delete, ask_delete), on(wants_summary, show_summary)],
        states={"confirm": [on(match.yes_no, confirmed, invalid="privacy.delete.ask_again")]},
        is_global=True,
        priority=1,
    ),
    Flow(name="blocked", entry=[on(_blocked, on_hold)], is_global=True, priority=2),
]
