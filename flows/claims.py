"""Claims in the conversation: photos (coupon QR codes or invoices) and typed coupon codes.

Why: a member may send a photo at any point of a conversation; it is handled at once without
losing their place in any other flow. The files were analysed before the turn (claims.vision);
here the program's rules decide and the reply says why, with the new balance.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.i18n import format_day, format_number, format_rupees
from claims.codes import printed
from claims.coupons import CodeOutcome, CodeResult, claim_codes
from claims.invoices import InvoiceOutcome, claim_invoice
from claims.typed import complete_missing, typed_codes
from flows.engine import Flow, Turn, enter, flow_named, on
from storage import ledger
from storage.claim_models import ClaimStatus, CouponRedemption
from storage.models import InboundMessage, Media, MediaStatus

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
    "role_cannot_claim": "claims.invoice.role_cannot_claim",
    "no_gstin_registered": "claims.invoice.no_gstin_registered",
    "not_your_invoice": "claims.invoice.not_your_invoice",
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


def _typed_codes(turn: Turn) -> tuple[list[str], list[str]] | None:
    """Coupon codes typed in a message that is (almost) nothing but codes (see `claims.typed`)."""
    if turn.media or turn.member is None:
        return None
    return typed_codes(turn.text)


def handle_media(turn: Turn) -> None:
    """Claim what every received file holds; one reply for the whole message."""
    lines: list[str] = []
    before = _balance(turn)
    for item in turn.media:
        lines.extend(_media_lines(turn, item))
    _append_balance(turn, lines, before)
    turn.say_text("claims.result", "\n".join(lines))


def handle_typed(turn: Turn) -> None:
    member = turn.member
    assert member is not None
    secret = turn.ctx.settings["COUPON_SECRET"]
    texts, shorts = turn.value
    lines: list[str] = []
    for short in shorts:
        full = complete_missing(secret, short)
        if full is None:
            lines.append(turn.t("claims.qr.missing_char", code=printed(short)))
        else:
            lines.append(turn.t("claims.qr.missing_found", code=printed(full)))
            texts = [*texts, full]
    before = _balance(turn)
    if texts:
        outcomes = claim_codes(
            turn.session, secret=secret, member=member, texts=texts, program=turn.program, now=turn.ctx.now,
            inbound_id=turn.inbound.id if turn.inbound else None,
        )
        lines += _coupon_lines(turn, outcomes)
    _append_balance(turn, lines, before)
    turn.say_text("claims.result", "\n".join(lines))


def guest_media(turn: Turn) -> None:
    """A photo before enrollment: it is kept (analysed already) and claimed when enrollment ends."""
    coupons = any((item.analysis or {}).get("kind") == "qr" for item in turn.media)
    turn.say("claims.register_first_kept" if coupons else "claims.register_first")
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
        "buyer": out.buyer_gstin or "—",
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


def _balance(turn: Turn) -> int | None:
    member = turn.member
    if member is None or member.account_id is None:
        return None
    return ledger.balance(turn.session, member.account_id)


def _append_balance(turn: Turn, lines: list[str], before: int | None) -> None:
    """Add what the credits brought (tier bonus, promotion), then the new balance only when this message changed it."""
    from loyalty.hooks import credit_lines

    lines += credit_lines(turn)
    points = _balance(turn)
    if points is None or points == before:
        return
    lines.append(turn.t("claims.balance", points=format_number(points),
                        rupees=format_rupees(turn.program.paise_for(points))))


def claim_waiting_coupons(turn: Turn) -> None:
    """Claim the coupon photos this number sent before it enrolled (kept, analysed, never claimed)."""
    member = turn.member
    if member is None:
        return
    waiting = turn.session.scalars(
        select(Media)
        .join(InboundMessage, InboundMessage.id == Media.inbound_id)
        .where(InboundMessage.contact_id == turn.contact.id, Media.analysis.is_not(None))
        .where(~select(CouponRedemption.id).where(CouponRedemption.media_id == Media.id).exists())
        .order_by(Media.id)
    ).all()
    texts = [code for item in waiting if (item.analysis or {}).get("kind") == "qr" for code in item.analysis["codes"]]
    if not texts:
        return
    before = _balance(turn)
    lines = [turn.t("claims.qr.waiting_claimed")]
    for item in waiting:
        if (item.analysis or {}).get("kind") == "qr":
            outcomes = claim_codes(
                turn.session, secret=turn.ctx.settings["COUPON_SECRET"], member=member, texts=item.analysis["codes"],
                program=turn.program, now=turn.ctx.now, inbound_id=item.inbound_id, media_id=item.id,
            )
            lines += _coupon_lines(turn, outcomes)
    _append_balance(turn, lines, before)
    turn.say_text("claims.result", "\n".join(lines))


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
