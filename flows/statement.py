"""Mini-statement: the member's last 10 ledger entries with IST dates and reasons."""

from __future__ import annotations

from bot.i18n import format_day, format_number
from flows import match
from flows.engine import Flow, Turn, on
from storage import ledger

STATEMENT_LINES = 10
"""Entries shown in a mini-statement."""

KNOWN_REASONS = {
    "welcome_bonus", "qr_claim", "invoice_claim", "reversal", "hold", "hold_release",
    "redemption", "expiry", "adjustment", "tier_bonus",
}
"""Ledger reasons with their own catalog line ``reason.<name>``; others show as 'adjustment'."""


def show(turn: Turn) -> None:
    member = turn.member
    assert member is not None and member.account_id is not None
    lines = ledger.statement(turn.session, member.account_id, limit=STATEMENT_LINES)
    if not lines:
        turn.say("statement.empty")
        return
    out = [turn.t("statement.title", count=len(lines)) if len(lines) > 1 else turn.t("statement.title_one")]
    for line in lines:
        reason = line.reason if line.reason in KNOWN_REASONS else "adjustment"
        sign = "+" if line.amount > 0 else "−"
        out.append(
            turn.t(
                "statement.line",
                date=format_day(turn.lang, line.when),
                amount=f"{sign}{format_number(abs(line.amount))}",
                reason=turn.t("reason." + reason),
                balance=format_number(line.balance_after),
            )
        )
    from payouts.summary import statement_lines

    payouts = statement_lines(turn)
    if payouts:
        out += ["", *payouts]
    turn.say_text("statement.title", "\n".join(out))
    turn.say("common.menu_hint")


FLOW = Flow(
    name="statement",
    entry=[on(match.intent("statement"), show)],
    menu_label="menu.statement",
    menu_order=20,
    start=show,
    priority=20,
)
