"""Main menu choices by number (any digit script), greetings, and the redemption question.

Why: the menu is how most members navigate ("1" for balance); a typed number that is not a menu
item, or a rep link opened by someone already enrolled, still gets a useful answer.
"""

from __future__ import annotations

from flows import match
from flows.balance import balance_text
from flows.engine import Flow, Turn, menu_flows, on, show_menu, start_from_menu
from flows.intents import OPEN, define

define("redeem", label="intent.redeem",
       words=["redeem", "redemption", "withdraw", "withdrawal", "cashout", "encash", "nikalna", "nikalne", "nikaalna",
              "nikalo", "nikal", "nikaal", "bhunana", "bhunane", "bhunao", "bhuna", "payout", "रिडीम", "निकालना",
              "निकालने", "निकालो", "निकाल", "भुनाना", "भुनाने", "भुनाओ", "भुना", "नकद", "ریڈیم", "نکالنا", "نکالنے",
              "نکالو", "نکال", "بھنانا", "بھنانے", "بھناؤ", "بھنا", "نقد"],
       weak=["paise", "paisa", "cash", "money", "rupees", "rupaye", "voucher", "vouchers", "पैसे", "पैसा", "रुपये",
             "वाउचर", "कैश", "reward", "rewards", "gift", "payment", "paytm", "gpay", "phonepe", "इनाम",
             "पेमेंट", "गिफ्ट", "انعام", "پیمنٹ", "گفٹ", "پیسے", "پیسہ", "روپے", "واؤچر", "کیش", "transfer", "bank",
             "upi", "यूपीआई", "बैंक", "بینک"],
       phrases=["paise chahiye", "cash chahiye", "upi mein bhejo", "bank mein daalo", "paisa kaise milega",
                "points to cash", "convert points", "gift voucher", "voucher chahiye", "upi par bhejo",
                "account mein bhejo", "transfer to bank", "transfer to upi", "पैसे चाहिए", "पैसे कैसे मिलेंगे",
                "बैंक में डालो", "यूपीआई में भेजो", "پیسے چاہیے", "پیسے کیسے ملیں گے", "بینک میں ڈالو",
                "paise kaise milenge", "paise kab milenge", "cash kaise milega", "get money", "get cash", "claim cash"],
       cues=["points", "point", "account", "khata", "transfer", "send", "bhejo", "kaise", "how",
             "want", "chahiye", "karna", "karne", "hain", "mere", "my", "पॉइंट्स", "पॉइंट", "बैंक", "खाते", "भेजो",
             "कैसे", "करना", "پوائنٹس", "بینک", "کھاتے", "بھیجو", "کیسے", "کرنا", "all", "sab", "saare", "ab"])


def _menu_number(turn: Turn) -> int | None:
    norm = match.normalize(turn.text)
    return int(norm) if norm.isdigit() and len(norm) <= 2 else None


def _typed_label(turn: Turn) -> int | None:
    """A menu line typed back in any language ("Change language", "भाषा बदलें"): its position."""
    intent = match.understood(turn).intent
    if intent is None or not intent.startswith(OPEN):
        return None
    names = [flow.name for flow in menu_flows()]
    name = intent[len(OPEN):]
    return names.index(name) + 1 if name in names else None


def pick(turn: Turn) -> None:
    if not start_from_menu(turn, turn.value):
        turn.say("menu.bad_choice", count=len(menu_flows()))
        show_menu(turn)


def already_member(turn: Turn) -> None:
    turn.say("enroll.already", name=turn.member.name if turn.member else "")
    show_menu(turn)


def redeem(turn: Turn) -> None:
    """Payouts are not switched on for this program yet: say so, with the balance it would use."""
    turn.say("redeem.not_open")
    turn.say_text("balance.text", balance_text(turn))


FLOW = Flow(
    name="menu",
    entry=[
        on(_menu_number, pick),
        on(_typed_label, pick),
        on(match.keyword("join"), already_member),
        on(match.intent("redeem"), redeem),
    ],
    priority=50,
)
