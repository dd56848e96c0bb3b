"""Redeem: choose a reward → amount → UPI ID (validated, holder confirmed) → KYC when needed →
summary with points, rupees, TDS and net → explicit YES → hold + payout job (or a voucher code).
"""

from __future__ import annotations

import re

from sqlalchemy import event

from bot.i18n import format_moment, format_number, format_rupees
from content.interactive import offer, offer_yes_no
from flows import match, upi_steps
from flows.engine import END, Flow, Turn, on
from flows.intents import define
from payouts import offers, service, tax, vouchers
from payouts.models import OPEN_STATUSES, Redemption
from payouts.rules import Reward
from storage import ledger
from storage.crypto import mask_pan, mask_upi

CHOOSE_REWARD, ASK_AMOUNT, CHOOSE_UPI, ASK_PAN, ASK_PAN_NAME, CONFIRM = (
    "choose_reward", "ask_amount", "choose_upi", "ask_pan", "ask_pan_name", "confirm",
)
ASK_UPI, CHECKING_UPI, CONFIRM_HOLDER = upi_steps.ASK_UPI, upi_steps.CHECKING, upi_steps.CONFIRM_HOLDER
_AMOUNT = re.compile(r"^(?:₹|rs\.?|inr)?\s*([0-9][0-9,]*)\s*(?:₹|rs\.?|rupees?|rupaye|रुपये|रुपए|روپے)?$")

define("redeem", label="menu.redeem",
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


def _rewards(turn: Turn) -> list[Reward]:
    return turn.program.redemption.enabled_rewards()


def _reward(turn: Turn) -> Reward:
    reward = turn.program.redemption.reward(turn.slots["reward"])
    assert reward is not None
    return reward


def _balance(turn: Turn) -> int:
    assert turn.member is not None and turn.member.account_id is not None
    return ledger.balance(turn.session, turn.member.account_id)


def in_flight_text(turn: Turn, row: Redemption) -> str:
    msgid = "balance.review" if row.status == "review" else "redeem.in_flight_detail"
    return turn.t(msgid, rupees=format_rupees(row.net_paise), since=format_moment(turn.lang, row.created_at))


def start(turn: Turn) -> str | None:
    member, rules = turn.member, turn.program.redemption
    assert member is not None
    rewards = _rewards(turn)
    if not rewards:
        turn.say("redeem.not_open")
        return END
    open_row = service.open_redemption(turn.session, member.id)
    if open_row is not None:
        turn.say("redeem.in_flight")
        turn.say_text("redeem.in_flight_detail", in_flight_text(turn, open_row))
        return END
    balance = _balance(turn)
    if balance < max(rules.min_balance_points, 1):
        turn.say("redeem.below_minimum", minimum=format_number(rules.min_balance_points),
                 balance=format_number(balance))
        return END
    lines = [turn.t("redeem.choose", points=format_number(balance),
                    rupees=format_rupees(turn.program.paise_for(balance)))]
    for i, r in enumerate(rewards, start=1):
        if r.kind == "upi":
            low = r.min_rupees or r.denominations_rupees[0]
            high = r.max_rupees or r.denominations_rupees[-1]
            lines.append(f"{i}. " + turn.t("redeem.option_upi", low=format_rupees(low * 100),
                                           high=format_rupees(high * 100)))
        else:
            lines.append(f"{i}. " + turn.t("redeem.option_voucher", name=r.name or r.brand,
                                           rupees=format_rupees(r.value_rupees * 100), points=format_number(r.points)))
    lines.append(turn.t("redeem.cancel_hint"))
    turn.say_text("redeem.choose", "\n".join(lines))
    offer(turn, "redeem.choose")  # the rewards as buttons or a list; the numbers still work
    return CHOOSE_REWARD


def _choice(turn: Turn) -> Reward | None:
    norm = match.normalize(turn.text)
    rewards = _rewards(turn)
    if norm.isdigit() and 1 <= int(norm) <= len(rewards):
        return rewards[int(norm) - 1]
    if norm in {"upi", "cash", "paise", "पैसे", "پیسے"}:
        return next((r for r in rewards if r.kind == "upi"), None)
    return None


def chose_reward(turn: Turn) -> str | None:
    reward: Reward = turn.value
    turn.slots["reward"] = reward.code
    if reward.kind == "voucher":
        return _voucher_chosen(turn, reward)
    balance = _balance(turn)
    top = offers.max_affordable_rupees(turn.program, reward, balance)
    lines = [turn.t("redeem.ask_amount", rupees=format_rupees(top * 100))]
    options = [d for d in reward.denominations_rupees if d <= top]
    for i, d in enumerate(options, start=1):
        lines.append(f"{i}. {format_rupees(d * 100)} = " + turn.t(
            "redeem.points_word", points=format_number(offers.points_for_rupees(turn.program, reward, d))))
    if reward.max_rupees:
        lines.append(turn.t("redeem.any_amount", low=format_rupees(reward.min_rupees * 100),
                            high=format_rupees(min(reward.max_rupees, top) * 100)))
    if not options and (not reward.max_rupees or top < reward.min_rupees):
        turn.say("redeem.below_minimum", minimum=format_number(
            offers.points_for_rupees(turn.program, reward, reward.min_rupees or reward.denominations_rupees[0])),
            balance=format_number(balance))
        return END
    turn.slots["options"] = options
    turn.say_text("redeem.ask_amount", "\n".join(lines))
    offer(turn, "redeem.ask_amount")  # the amounts as buttons or a list; any amount can still be typed
    return ASK_AMOUNT


def _amount(turn: Turn) -> int | None:
    text = match.to_ascii_digits(turn.text).strip().casefold()
    m = _AMOUNT.match(text)
    if not m:
        return None
    value = int(m.group(1).replace(",", ""))
    options = turn.slots.get("options") or []
    reward = _reward(turn)
    if 1 <= value <= len(options) and value < (reward.min_rupees or options[0]):
        return int(options[value - 1])
    return value


def got_amount(turn: Turn) -> str | None:
    rupees: int = turn.value
    reward = _reward(turn)
    allowed = rupees in reward.denominations_rupees or (
        reward.max_rupees and reward.min_rupees <= rupees <= reward.max_rupees)
    if not allowed:
        turn.say("redeem.bad_amount", low=format_rupees((reward.min_rupees or reward.denominations_rupees[0]) * 100),
                 high=format_rupees((reward.max_rupees or reward.denominations_rupees[-1]) * 100))
        return None
    points = offers.points_for_rupees(turn.program, reward, rupees)
    problem = offers.limit_problem(turn.session, turn.program, turn.member, points, turn.ctx.now)  # type: ignore[arg-type]
    if problem:
        turn.say(problem[0], **problem[1])
        return None
    turn.slots.update(rupees=rupees, points=points)
    member = turn.member
    assert member is not None
    if member.upi_id:
        turn.say("redeem.use_stored_upi", upi=mask_upi(member.upi_id))
        offer_yes_no(turn, "redeem.use_stored_upi", yes="redeem.button_same_upi", no="redeem.button_other_upi")
        return CHOOSE_UPI
    turn.say("upi.ask")
    return ASK_UPI


def stored_upi_answer(turn: Turn) -> str | None:
    member = turn.member
    assert member is not None and member.upi_id
    if turn.value:
        return _use_upi(turn, member.upi_id)
    turn.say("upi.ask")
    return ASK_UPI


def got_upi(turn: Turn) -> str | None:
    upi_steps.seal_inbound(turn)
    return _use_upi(turn, turn.value)


def _use_upi(turn: Turn, vpa: str) -> str | None:
    holder = upi_steps.known_holder(turn, vpa)
    if holder is not None:
        turn.slots.update(holder=holder, holder_checked=True)
        upi_steps.keep_secret(turn, "vpa", vpa)
        return _after_upi(turn)
    return upi_steps.begin_check(turn, vpa)  # a job checks it with the bank and answers


def holder_answer(turn: Turn) -> str | None:
    if not turn.value:
        turn.say("upi.ask_again")
        return ASK_UPI
    upi_steps.save_confirmed(turn)
    return _after_upi(turn)


def _after_upi(turn: Turn) -> str | None:
    member = turn.member
    assert member is not None
    profile = service.profile_of(turn.session, member.id)
    until = offers.cooling_off_until(turn.program, profile)
    if until is not None and until > turn.ctx.now and profile.upi_validated_fp:
        turn.say("redeem.cooling_off", when=format_moment(turn.lang, until))
        return END
    q = _quote(turn)
    if q.needs_kyc and profile.kyc_status != "review":
        turn.say("kyc.ask_pan")
        return ASK_PAN
    return _summary(turn)


def _quote(turn: Turn) -> offers.Quote:
    reward = _reward(turn)
    gross = int(turn.slots.get("rupees", reward.value_rupees)) * 100
    return offers.quote(turn.session, turn.program, turn.member, reward,  # type: ignore[arg-type]
                        points=int(turn.slots.get("points", reward.points)), gross_paise=gross, now=turn.ctx.now)


PAN_PROBLEMS = {"format": "kyc.bad_pan_format", "holder_type": "kyc.bad_pan_holder_type",
                "not_individual": "kyc.bad_pan_not_individual"}


def _pan(turn: Turn) -> str | None:
    text = tax.normalize_pan(match.to_ascii_digits(turn.text))
    return text if len(text) == 10 else None


def got_pan(turn: Turn) -> str | None:
    pan: str = turn.value
    upi_steps.seal_inbound(turn)
    problem = tax.pan_problem(pan)
    if problem:
        turn.say(PAN_PROBLEMS[problem])
        return None
    upi_steps.keep_secret(turn, "pan", pan)
    turn.say("kyc.ask_pan_name")
    return ASK_PAN_NAME


_person_name = upi_steps.person_name


def got_pan_name(turn: Turn) -> str | None:
    member = turn.member
    assert member is not None
    name: str = turn.value
    profile = service.profile_of(turn.session, member.id)
    profile.pan, profile.pan_name, profile.kyc_at = upi_steps.secret(turn, "pan"), name, turn.ctx.now
    holder = turn.slots.get("holder") or member.name
    score = tax.name_similarity(name, holder)
    if score >= turn.program.redemption.name_match_threshold:
        profile.kyc_status, profile.kyc_note = "verified", f"name match {score}"
        turn.say("kyc.verified", pan=mask_pan(profile.pan))
    else:
        profile.kyc_status, profile.kyc_note = "review", f"PAN name vs UPI holder: {score}"
        turn.say("kyc.review")
    return _summary(turn)


def _tds_line(turn: Turn, q: offers.Quote) -> str:
    """The TDS in the member's words: how much, the rate, and the rewards it is on (catch-up included)."""
    limit = format_rupees(turn.program.redemption.tds_threshold_rupees * 100)
    tds = q.tds
    if tds.mode == "none":
        return turn.t("redeem.tds_none", year=format_rupees(q.prior_benefits_paise + q.gross_paise), limit=limit)
    if tds.caught_up_paise:
        on = turn.t("redeem.tds_on_year", rate=tds.rate_percent, covered=format_rupees(tds.base_paise))
    else:
        on = turn.t("redeem.tds_on_this", rate=tds.rate_percent, value=format_rupees(tds.base_paise))
    if tds.mode == "grossup":
        line = turn.t("redeem.tds_grossup", tds=format_rupees(tds.tds_paise), on=on, program=turn.program.name)
    elif tds.mode == "split":
        line = turn.t("redeem.tds_split", tds=format_rupees(tds.tds_paise), on=on,
                      member=format_rupees(tds.member_paise), brand=format_rupees(tds.brand_paise),
                      program=turn.program.name)
    else:
        line = turn.t("redeem.tds_deduct", tds=format_rupees(tds.tds_paise), on=on)
    if tds.caught_up_paise:
        line += "\n" + turn.t("redeem.tds_catch_up", limit=limit, earlier=format_rupees(tds.caught_up_paise))
    return line


def _summary(turn: Turn) -> str:
    q = _quote(turn)
    reward = _reward(turn)
    if reward.kind == "voucher":
        head = turn.t("redeem.summary_voucher", name=reward.name or reward.brand, points=format_number(q.points),
                      rupees=format_rupees(q.gross_paise))
    else:
        head = turn.t("redeem.summary_upi", points=format_number(q.points), gross=format_rupees(q.gross_paise),
                      net=format_rupees(q.tds.net_paise), upi=mask_upi(upi_steps.secret(turn, "vpa")),
                      name=turn.slots.get("holder", ""))
    turn.slots["shown_tds"] = [q.tds.tds_paise, q.tds.net_paise]  # a different figure at YES is refused
    turn.say_text("redeem.summary", "\n".join([head, _tds_line(turn, q), turn.t("redeem.confirm_hint")]))
    offer_yes_no(turn, "redeem.summary", yes="redeem.button_yes", no="redeem.button_no")
    return CONFIRM


def _voucher_chosen(turn: Turn, reward: Reward) -> str | None:
    if vouchers.available(turn.session, reward, turn.ctx.now.date()) == 0:
        turn.say("redeem.out_of_stock", name=reward.name or reward.brand)
        return END
    problem = offers.limit_problem(turn.session, turn.program, turn.member, reward.points, turn.ctx.now)  # type: ignore[arg-type]
    if problem:
        turn.say(problem[0], **problem[1])
        return END
    return _summary(turn)


def confirmed(turn: Turn) -> str:
    if not turn.value:
        turn.say("redeem.cancelled")
        return END
    member = turn.member
    assert member is not None
    reward, q = _reward(turn), _quote(turn)
    shown = turn.slots.get("shown_tds")
    if shown is not None and (q.tds.tds_paise, q.tds.net_paise) != (int(shown[0]), int(shown[1])):
        turn.say("redeem.tds_changed")  # another benefit went through since the summary
        return END
    try:
        if reward.kind == "voucher":
            return _give_voucher(turn, reward, q)
        problem = offers.limit_problem(turn.session, turn.program, member, q.points, turn.ctx.now)
        if problem:  # the balance or today's redemptions changed since the amount was chosen
            turn.say(problem[0], **problem[1])
            return END
        profile = service.profile_of(turn.session, member.id)
        provider = turn.ctx.settings.get("PAYOUT_PROVIDER", "razorpayx")
        row = service.start_redemption(turn.session, member, service.NewRedemption(
            kind="upi", reward_code=reward.code, points=q.points, gross_paise=q.gross_paise,
            tds_paise=q.tds.tds_paise, net_paise=q.tds.net_paise, tds_mode=q.tds.mode, fy=q.fy, provider=provider,
            vpa=upi_steps.secret(turn, "vpa"), holder_name=turn.slots.get("holder"),
            review=profile.kyc_status == "review",
            tds_rate_percent=q.tds.rate_percent, tds_base_paise=q.tds.base_paise, tds_brand_paise=q.tds.brand_paise,
            tax_check=service.TaxCheck(turn.program.redemption, q.has_pan)))
    except service.RedemptionRefused as exc:
        turn.say(exc.msgid, **exc.params)
        return END
    if row.status == "review":
        turn.say("redeem.held_for_review", points=format_number(q.points), rupees=format_rupees(q.tds.net_paise))
        return END
    _after_commit(turn, row.id)
    turn.say("redeem.started", points=format_number(q.points), rupees=format_rupees(q.tds.net_paise),
             upi=mask_upi(upi_steps.secret(turn, "vpa")))
    return END


def _give_voucher(turn: Turn, reward: Reward, q: offers.Quote) -> str:
    member = turn.member
    assert member is not None
    given = vouchers.redeem_voucher(turn.session, member, reward, fy=q.fy, now=turn.ctx.now,
                                    tax_check=service.TaxCheck(turn.program.redemption, q.has_pan),
                                    quoted=(q.tds.tds_paise, q.tds.net_paise))
    if given is None:
        turn.say("redeem.out_of_stock", name=reward.name or reward.brand)
        return END
    _, voucher = given
    turn.say("redeem.voucher_given", name=reward.name or reward.brand, code=voucher.code, pin=voucher.pin or "—",
             expiry=voucher.expires_on.strftime("%d-%m-%Y"), points=format_number(reward.points),
             balance=format_number(_balance(turn)))
    return END


def _after_commit(turn: Turn, redemption_id: int) -> None:
    """Enqueue the payout job once the hold and the redemption are committed."""
    from flask import current_app

    from payouts.jobs import enqueue_submit

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send(_session: object) -> None:
        enqueue_submit(app, redemption_id)

    event.listen(turn.session, "after_commit", send, once=True)


def bad_confirm(turn: Turn) -> None:
    turn.say("redeem.bad_confirm")
    offer_yes_no(turn, "redeem.bad_confirm", yes="redeem.button_yes", no="redeem.button_no")


FLOW = Flow(
    name="redeem",
    entry=[on(match.intent("redeem"), start)],
    states={
        CHOOSE_REWARD: [on(_choice, chose_reward, invalid="redeem.bad_choice")],
        ASK_AMOUNT: [on(_amount, got_amount, invalid="redeem.bad_amount_text")],
        CHOOSE_UPI: [on(upi_steps.upi_text, got_upi),
                     on(match.yes_no, stored_upi_answer, invalid="redeem.bad_upi_choice")],
        ASK_UPI: [on(upi_steps.upi_text, got_upi, invalid="upi.bad_format")],
        CHECKING_UPI: [on(upi_steps.upi_text, got_upi), on(upi_steps.waiting, upi_steps.meanwhile)],
        CONFIRM_HOLDER: [on(match.yes_no, holder_answer, invalid="upi.bad_holder_answer")],
        ASK_PAN: [on(_pan, got_pan, invalid="kyc.bad_pan_format")],
        ASK_PAN_NAME: [on(_person_name, got_pan_name, invalid="kyc.bad_name")],
        CONFIRM: [on(match.yes_no, confirmed), on(match.any_text, bad_confirm)],
    },
    fallbacks=[on(upi_steps.other_intent, upi_steps.leave_for_other)],
    menu_label="menu.redeem",
    menu_order=50,
    start=start,
    priority=25,
)

__all__ = ["FLOW", "OPEN_STATUSES", "in_flight_text"]
