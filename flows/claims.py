"""Claims in the conversation: photos (coupon QR codes or invoices) and typed coupon codes.

Why: a member may send a photo at any point of a conversation; it is handled at once without
losing their place in any other flow. The files were analysed before the turn (claims.vision);
here the program's rules decide and the reply says why, with the new balance.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import format_day, format_number, format_rupees
from claims.codes import find_codes_in_text
from claims.coupons import CodeOutcome, CodeResult, claim_codes
from claims.invoices import InvoiceOutcome, claim_invoice
from flows import match
from flows.engine import Flow, Turn, enter, flow_named, on
from storage import ledger
from storage.claim_models import ClaimStatus
from storage.models import Media, MediaStatus

CODE_LINE = {
    CodeResult.CREDITED: "claims.qr.credited",
    CodeResult.ALREADY_YOURS: "claims.qr.already_yours",
    CodeResult.ALREADY_USED: "claims.qr.already_used",
    CodeResult.INVALID: "claims.qr.invalid",
    CodeResult.TYPO: "claims.qr.typo",
    CodeResult.VOIDED: "claims.qr.voided",
    CodeResult.REVIEW_REGION: "claims.qr.review",
    CodeResult.REVIEW_VELOCITY: "claims.qr.review",
}
"""Catalog line for each coupon result."""

REJECTION = {
    "duplicate": "claims.invoice.duplicate",
    "supplier_not_registered": "claims.invoice.supplier_not_registered",
    "future_date": "claims.invoice.future_date",
    "too_old": "claims.invoice.too_old",
    "forged": "claims.invoice.forged",
    "blurry": "claims.file.blurry",
    "blank": "claims.file.blank",
    "not_invoice": "claims.file.not_invoice",
    "corrupt": "claims.file.corrupt",
    "too_large": "claims.file.too_large",
    "unsupported": "claims.file.unsupported",
}
"""Catalog sentence for each reason an invoice or file is refused."""


def _member_media(turn: Turn) -> bool | None:
    return True if turn.media and turn.member is not None else None


def _guest_media(turn: Turn) -> bool | None:
    return True if turn.media and turn.member is None else None


def _typed_codes(turn: Turn) -> list[str] | None:
    """Coupon codes typed in a message that is (almost) nothing but codes."""
    if turn.media or turn.member is None:
        return None
    found = find_codes_in_text(turn.text)
    if not found:
        return None
    compact = "".join(match.normalize(turn.text).replace("-", " ").split())
    for code in found:
        compact = compact.replace(code.casefold(), "", 1)
    for filler in ("coupons", "coupon", "codes", "code", "कूपन", "कोड", "کوپن", "کوڈ", "and", "aur", "और", "اور"):
        compact = compact.replace(filler, "")
    return found if len(compact) <= 4 else None


def handle_media(turn: Turn) -> None:
    """Claim what every received file holds; one reply for the whole message."""
    lines: list[str] = []
    for item in turn.media:
        lines.extend(_media_lines(turn, item))
    _append_balance(turn, lines)
    turn.say_text("claims.result", "\n".join(lines))


def handle_typed(turn: Turn) -> None:
    member = turn.member
    assert member is not None
    outcomes = claim_codes(
        turn.session, secret=turn.ctx.settings["COUPON_SECRET"], member=member, texts=turn.value,
        program=turn.program, now=turn.ctx.now, inbound_id=turn.inbound.id if turn.inbound else None,
    )
    lines = _coupon_lines(turn, outcomes)
    _append_balance(turn, lines)
    turn.say_text("claims.result", "\n".join(lines))


def guest_media(turn: Turn) -> None:
    turn.say("claims.register_first")
    if turn.contact.flow is None:
        enrollment = flow_named("enrollment")
        if enrollment is not None and enrollment.start is not None:
            enter(turn, enrollment, enrollment.start)


def _media_lines(turn: Turn, item: Media) -> list[str]:
    if item.status == MediaStatus.REFUSED.value:
        return [_t_file(turn, "too_large")]
    if item.status == MediaStatus.FAILED.value or item.analysis is None:
        return [turn.t("claims.file.fetch_failed")]
    analysis: dict[str, Any] = item.analysis
    kind = analysis.get("kind")
    if kind == "qr":
        member = turn.member
        assert member is not None
        outcomes = claim_codes(
            turn.session, secret=turn.ctx.settings["COUPON_SECRET"], member=member, texts=analysis["codes"],
            program=turn.program, now=turn.ctx.now, inbound_id=item.inbound_id, media_id=item.id,
        )
        return _coupon_lines(turn, outcomes)
    if kind == "foreign_qr":
        return [turn.t("claims.qr.foreign")]
    if kind == "unsupported":
        return [_t_file(turn, "unsupported")]
    if kind == "error":
        return [_t_file(turn, analysis.get("error", "corrupt"))]
    member = turn.member
    assert member is not None
    outcome = claim_invoice(
        turn.session, member=member, media_id=item.id, reading=analysis["reading"], program=turn.program,
        now=turn.ctx.now, inbound_id=item.inbound_id,
    )
    return [_invoice_text(turn, outcome)]


def _t_file(turn: Turn, reason: str) -> str:
    msgid = REJECTION.get(reason, "claims.file.corrupt")
    return turn.t(msgid, mb=turn.ctx.settings["MEDIA_MAX_BYTES"] // (1024 * 1024))


def _coupon_lines(turn: Turn, outcomes: list[CodeOutcome]) -> list[str]:
    lines = []
    for out in outcomes:
        when = format_day(turn.lang, out.when) if out.when else ""
        lines.append(turn.t(CODE_LINE[out.result], code=out.code, points=format_number(out.points),
                            sku=out.sku or "", date=when))
    total = sum(o.points for o in outcomes if o.result is CodeResult.CREDITED)
    if total:
        lines.append(turn.t("claims.qr.total", points=format_number(total)))
    return lines


def _invoice_text(turn: Turn, out: InvoiceOutcome) -> str:
    rules = turn.program.invoice
    params = {
        "number": out.invoice_number or "—",
        "gstin": out.supplier_gstin or "—",
        "date": format_day(turn.lang, out.invoice_date) if out.invoice_date else "—",
        "total": format_rupees(out.total_paise) if out.total_paise is not None else "—",
        "points": format_number(out.points),
        "rate": format_number(rules.points_per_100_rupees),
        "days": format_number(rules.max_age_days),
        "support": turn.program.support_phone,
    }
    if out.status is ClaimStatus.CREDITED:
        text = turn.t("claims.invoice.credited", **params)
        if out.capped_by == "per_claim":
            text += " " + turn.t("claims.invoice.capped_claim", cap=format_number(rules.max_points_per_claim),
                                 raw=format_number(out.raw_points))
        elif out.capped_by == "per_day":
            text += " " + turn.t("claims.invoice.capped_day", cap=format_number(rules.max_points_per_day),
                                 raw=format_number(out.raw_points))
        return text
    if out.status is ClaimStatus.REVIEW:
        return turn.t("claims.invoice.review", **params)
    reason = out.reasons[0] if out.reasons else "not_invoice"
    text = turn.t(REJECTION.get(reason, "claims.file.not_invoice"), **params,
                  mb=turn.ctx.settings["MEDIA_MAX_BYTES"] // (1024 * 1024))
    if reason == "duplicate" and out.duplicate_of is not None:
        text += " " + turn.t("claims.invoice.duplicate_when", when=format_day(turn.lang, out.duplicate_of))
    return text


def _append_balance(turn: Turn, lines: list[str]) -> None:
    member = turn.member
    if member is None or member.account_id is None:
        return
    from loyalty.hooks import credit_lines

    lines += credit_lines(turn)
    points = ledger.balance(turn.session, member.account_id)
    lines.append(turn.t("claims.balance", points=format_number(points),
                        rupees=format_rupees(turn.program.paise_for(points))))


def scan_help(turn: Turn) -> None:
    turn.say("claims.scan_help")


def invoice_help(turn: Turn) -> None:
    rules = turn.program.invoice
    turn.say("claims.invoice_help", days=format_number(rules.max_age_days),
             rate=format_number(rules.points_per_100_rupees))


FLOW = Flow(
    name="claims",
    entry=[on(_member_media, handle_media), on(_guest_media, guest_media), on(_typed_codes, handle_typed)],
    is_global=True,
    for_guests=True,
    priority=10,
)
