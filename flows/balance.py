"""Balance: points, their rupee value and tier, with Indian grouping and an IST date."""

from __future__ import annotations

from bot.i18n import format_day, format_number, format_rupees
from flows import match
from flows.engine import Flow, Turn, on
from flows.intents import define
from storage import ledger

define("balance", label="menu.balance",
       words=["balance", "bal", "blnc", "balanc", "बैलेंस", "बेलेंस", "बैलंस", "शेष", "بیلنس", "بیلینس", "بیلنص"],
       weak=["points", "point", "pts", "ponts", "pointo", "पॉइंट", "पॉइंट्स", "पोइंट", "अंक", "پوائنٹ", "پوائنٹس",
             "پوائینٹ", "khata", "khaata", "खाता", "کھاتہ", "کھاتا", "wallet", "वॉलेट", "والٹ"],
       phrases=["kitne points", "kitna balance", "how many points", "how much balance",
                "points kitne", "kitne paise", "kitna paisa", "kitne paise bane", "points kitne hue", "kitni kamai",
                "kitna mila", "kitne mile", "total kitna", "कितना मिला", "کتنا ملا",
                "total points", "points check", "balance check", "kitne point jama", "khate mein kitna",
                "account mein kitna", "how much money", "how much have i earned", "कितने पॉइंट", "कितने अंक",
                "कितना बैलेंस", "कितने पैसे", "खाते में कितना", "कितने पॉइंट्स", "کتنے پوائنٹس",
                "کتنا بیلنس", "کتنے پیسے", "کھاتے میں کتنا", "kitne hue", "कितने हुए", "کتنے ہوئے"],
       cues=["check", "kitna", "kitne", "kitni", "how", "much", "many", "total", "current", "available", "bacha",
             "bache", "jama", "hue", "hua", "mere", "abhi", "tak", "ab", "कितने", "कितना", "कितनी", "बचे", "जमा", "हुए",
             "अब", "तक", "کتنے", "کتنا", "کتنی", "بچے", "جمع", "ہوئے", "اب", "تک", "left", "remaining", "earned",
             "dekhna", "dekhne",
             "dekhni", "dekhun", "janna", "jaanna", "pata", "देखना", "देखने", "जानना", "पता", "دیکھنا", "دیکھنے",
             "جاننا",
             "پتا", "know", "tell",
             "kamaye", "mile", "milega"])


def balance_text(turn: Turn) -> str:
    """The balance sentence(s) for the member of ``turn``."""
    member = turn.member
    assert member is not None and member.account_id is not None
    points = ledger.balance(turn.session, member.account_id)
    lines = [
        turn.t(
            "balance.text",
            points=format_number(points),
            rupees=format_rupees(turn.program.paise_for(points)),
            date=format_day(turn.lang, turn.ctx.now),
        )
    ]
    from loyalty.names import tier_name
    from loyalty.tiers import tier_of

    tier = tier_of(turn.session, turn.program, member, turn.ctx.now)
    if tier is not None:
        lines.append(turn.t("balance.tier", tier=tier_name(turn, tier.name)))
    from payouts.summary import balance_lines

    lines += balance_lines(turn)
    return "\n".join(lines)


def show(turn: Turn) -> None:
    turn.say_text("balance.text", balance_text(turn))
    turn.say("common.menu_hint")


FLOW = Flow(
    name="balance",
    entry=[on(match.intent("balance"), show)],
    menu_label="menu.balance",
    menu_order=10,
    start=show,
    priority=30,
)
