"""Mini-statement: the member's last 10 ledger entries with IST dates and reasons."""

from __future__ import annotations

from bot.i18n import format_day, format_number, format_rupees
from claims import history
from flows import match
from flows.engine import Flow, Turn, on
from flows.intents import define
from storage import ledger

STATEMENT_LINES = 10
"""Entries shown in a mini-statement."""

KNOWN_REASONS = {
    "welcome_bonus", "qr_claim", "invoice_claim", "reversal", "hold", "hold_release",
    "redemption", "expiry", "adjustment", "tier_bonus",
}
"""Ledger reasons with their own catalog line ``reason.<name>``; others show as 'adjustment'."""


define("statement", label="menu.statement",
       words=["statement", "statements", "ministatement", "history", "passbook", "transactions", "transaction",
              "txn", "txns", "activity", "hisab", "hisaab", "hisaab-kitaab", "lenden", "entries", "entry", "records",
              "record",
              "ledger",
              "स्टेटमेंट", "हिसाब", "लेनदेन", "पासबुक", "एंट्री", "एंट्रियां", "ब्यौरा", "विवरण", "रिकॉर्ड",
              "حساب", "اسٹیٹمنٹ", "سٹیٹمنٹ", "اسٹیٹمینٹ", "پاسبک", "انٹری", "انٹریاں", "ریکارڈ", "تفصیل"],
       phrases=["mini statement", "last 10", "last ten", "pichhli entry", "purani entry", "points ka hisab",
                "kab kab mile",
                "कब कब मिले", "کب کب ملے", "points history",
                "kab kitne mile", "kahan se aaye", "where did my points come from", "len den", "pass book",
                "पिछली एंट्री", "पॉइंट्स का हिसाब", "कहाँ से आए", "लेन देन", "پچھلی انٹری", "لین دین",
                "پوائنٹس کا حساب", "پاس بک", "kis kis din", "account details", "khata details"],
       weak=["khata", "khaata", "खाता", "کھاتہ", "کھاتا"],
       cues=["dikhao", "show", "last", "pichhla", "pichhli", "pichle", "purana", "purani", "recent", "full", "poora",
             "all", "sab", "mera", "points", "point", "पिछली", "पिछले", "पूरा", "सारा", "پچھلی", "پچھلے", "پورا",
             "سارا", "details", "detail", "mini", "मिनी", "منی", "my", "send", "bhejo", "chahiye"])


def show(turn: Turn) -> None:
    member = turn.member
    assert member is not None and member.account_id is not None
    lines = ledger.statement(turn.session, member.account_id, limit=STATEMENT_LINES)
    waiting = history.pending(turn.session, member.id)
    if not lines and not waiting:
        turn.say("statement.empty")
        return
    out = []
    if lines:
        out.append(turn.t("statement.title", count=len(lines)) if len(lines) > 1 else turn.t("statement.title_one"))
    refs = history.what_for(turn.session, [line.reference for line in lines])
    for line in lines:
        reason = line.reason if line.reason in KNOWN_REASONS else "adjustment"
        sign = "+" if line.amount > 0 else "−"
        what = turn.t("reason." + reason)
        if line.reference in refs:
            kind, label = refs[line.reference]
            what += " " + turn.t(f"statement.ref_{kind}", label=label)
        out.append(
            turn.t(
                "statement.line",
                date=format_day(turn.lang, line.when),
                amount=f"{sign}{format_number(abs(line.amount))}",
                reason=what,
                balance=format_number(line.balance_after),
            )
        )
    if waiting:
        out.append(turn.t("statement.pending_title", count=format_number(len(waiting))))
        for item in waiting:
            total = format_rupees(item.total_paise) if item.total_paise is not None else "—"
            out.append(turn.t(f"statement.pending_{item.kind}", label=item.label, total=total,
                              date=format_day(turn.lang, item.when)))
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
