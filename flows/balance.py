"""Balance: points, their rupee value and tier, with Indian grouping and an IST date."""

from __future__ import annotations

from bot.i18n import format_day, format_number, format_rupees
from flows import match
from flows.engine import Flow, Turn, on
from storage import ledger
from storage.members import lifetime_earned


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
    tier = turn.program.tier_for(lifetime_earned(turn.session, member))
    if tier is not None:
        lines.append(turn.t("balance.tier", tier=tier.name_for(turn.lang)))
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
