"""The redemption state machine: hold → payout → post (processed) or void/reverse (failed, reversed).

Exactly once:

* ``start_redemption`` places the ledger hold and stores the redemption with its idempotency key
  (``inaam-rdm-<id>``) in the same transaction, under locks of the member's and the escrow
  account, after checking that no other redemption of the member is in flight.
* ``submit`` marks the redemption ``submitting`` and commits *before* the HTTP call, then sends
  the payout with that key. Whatever happens next (timeout, 5xx, the worker SIGKILLed before the
  answer is committed), the redemption stays ``submitting`` and is retried with the *same* key, or
  reconciled by looking the payout up by its ``reference_id`` — RazorpayX maps every attempt with
  one key to one payout, so a member is never paid twice.
* ``apply_status`` moves a redemption only forward (``processed`` → ``reversed`` is the one
  documented step back), so webhooks that come twice or out of order change nothing they should not.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from payouts import tax
from payouts.models import OPEN_STATUSES, PayoutProfile, Redemption, RedemptionStatus
from payouts.provider import (
    FAILED_STATES,
    PROCESSING_STATES,
    Beneficiary,
    PayoutProvider,
    ProviderRejected,
    ProviderUnavailable,
)
from payouts.rules import RedemptionRules
from storage import ledger
from storage.base import utcnow
from storage.crypto import fingerprint
from storage.exceptions import InsufficientPoints
from storage.locks import lock_accounts
from storage.models import Member

logger = logging.getLogger(__name__)

S = RedemptionStatus


class RedemptionRefused(Exception):
    """The redemption cannot start; ``msgid`` says why in the member's words."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class TransientPayoutError(Exception):
    """The provider could not answer now; the job is retried with the same idempotency key."""


@dataclass
class Notice:
    """A message for the member, produced by a status change (sent after the commit)."""

    member_id: int
    msgid: str
    params: dict[str, object] = field(default_factory=dict)


def idempotency_key(redemption_id: int) -> str:
    return f"inaam-rdm-{redemption_id}"


def reference_id(redemption_id: int) -> str:
    return f"rdm-{redemption_id}"


def open_redemption(session: Session, member_id: int) -> Redemption | None:
    return session.scalar(select(Redemption).where(Redemption.member_id == member_id,
                                                   Redemption.status.in_(OPEN_STATUSES)).limit(1))


def points_redeemed_since(session: Session, member_id: int, since: dt.datetime) -> int:
    value = session.scalar(select(func.coalesce(func.sum(Redemption.points), 0)).where(
        Redemption.member_id == member_id, Redemption.created_at >= since,
        Redemption.status.not_in([S.FAILED.value, S.REVERSED.value])))
    return int(value or 0)


def profile_of(session: Session, member_id: int) -> PayoutProfile:
    profile = session.get(PayoutProfile, member_id)
    if profile is None:
        profile = PayoutProfile(member_id=member_id, kyc_status="none")
        session.add(profile)
        session.flush()
    return profile


@dataclass(frozen=True)
class NewRedemption:
    kind: str
    reward_code: str
    points: int
    gross_paise: int
    tds_paise: int
    net_paise: int
    tds_mode: str
    fy: str
    provider: str
    vpa: str | None = None
    holder_name: str | None = None
    review: bool = False
    tds_rate_percent: int = 0
    tds_base_paise: int = 0
    tds_brand_paise: int = 0
    tax_check: TaxCheck | None = None
    """When given, the TDS is assessed again under the member's lock and must equal the quoted one."""


@dataclass(frozen=True)
class TaxCheck:
    """What assessing a redemption's TDS needs besides the year's redemptions."""

    rules: RedemptionRules
    has_pan: bool


def tds_row_fields(tds: tax.Tds) -> dict[str, object]:
    """The ``Redemption`` columns that record ``tds``."""
    return {"tds_paise": tds.tds_paise, "net_paise": tds.net_paise, "tds_mode": tds.mode,
            "tds_rate_percent": tds.rate_percent, "tds_base_paise": tds.base_paise,
            "tds_brand_paise": tds.brand_paise}


def reassess_tds(session: Session, member: Member, *, check: TaxCheck, fy: str, gross_paise: int, cash: bool,
                 quoted: tuple[int, int] | None) -> tax.Tds:
    """The TDS assessed again under the member's lock (taken by the caller).

    Raises:
        RedemptionRefused: ``redeem.tds_changed`` when it differs from ``quoted`` (TDS, net): another
            benefit went through since the member saw the summary (e.g. it took the catch-up).
    """
    fresh = tax.assess(session, check.rules, member.id, fy=fy, gross_paise=gross_paise, has_pan=check.has_pan,
                       cash=cash)
    if quoted is not None and (fresh.tds_paise, fresh.net_paise) != quoted:
        logger.info("Member %s: TDS changed since the summary (%s -> %s); refused", member.id, quoted,
                    (fresh.tds_paise, fresh.net_paise))
        raise RedemptionRefused("redeem.tds_changed")
    return fresh


def start_redemption(session: Session, member: Member, new: NewRedemption) -> Redemption:
    """Hold the points and store the redemption with its idempotency key (caller commits).

    Raises:
        RedemptionRefused: another redemption is in flight, the balance is too small, or (with
            ``tax_check``) the TDS is no longer the quoted one.
    """
    assert member.account_id is not None
    holds = ledger.ensure_system_accounts(session)[ledger.HOLDS].id
    lock_accounts(session, [member.account_id, holds])  # one redemption decision per member at a time
    if open_redemption(session, member.id) is not None:
        raise RedemptionRefused("redeem.in_flight")
    taxed: dict[str, object] = {
        "tds_paise": new.tds_paise, "net_paise": new.net_paise, "tds_mode": new.tds_mode,
        "tds_rate_percent": new.tds_rate_percent, "tds_base_paise": new.tds_base_paise,
        "tds_brand_paise": new.tds_brand_paise}
    if new.tax_check is not None:
        taxed = tds_row_fields(reassess_tds(session, member, check=new.tax_check, fy=new.fy,
                                            gross_paise=new.gross_paise, cash=True,
                                            quoted=(new.tds_paise, new.net_paise)))
    row = Redemption(
        member_id=member.id, kind=new.kind, reward_code=new.reward_code, points=new.points,
        gross_paise=new.gross_paise, fy=new.fy, status=(S.REVIEW if new.review else S.PENDING).value,
        provider=new.provider, vpa=new.vpa, holder_name=new.holder_name, attempts=0, updated_at=utcnow(), **taxed,
    )
    session.add(row)
    session.flush()
    row.idempotency_key = idempotency_key(row.id)
    try:
        with session.begin_nested():
            hold = ledger.place_hold(session, account=member.account_id, points=new.points,
                                     idempotency_key=f"redemption:{row.id}", reference=reference_id(row.id))
    except InsufficientPoints:
        raise RedemptionRefused("redeem.not_enough") from None
    row.hold_id = hold.id
    session.flush()
    logger.info("Redemption %s: %s points held for member %s (%s)", row.id, new.points, member.id, row.status)
    return row


def lock_redemption(session: Session, redemption_id: int) -> Redemption | None:
    return session.scalar(select(Redemption).where(Redemption.id == redemption_id).with_for_update()
                          .execution_options(populate_existing=True))


def _settle_key(row: Redemption, what: str) -> str:
    return f"redemption:{row.id}:{what}"


def apply_status(session: Session, row: Redemption, status: str, *, utr: str | None = None,
                 reason: str | None = None, payout_id: str | None = None) -> Notice | None:
    """Move ``row`` (locked by the caller) to the provider's ``status``; returns the member's notice.

    Only forward moves happen; a repeated or stale status is a no-op (returns None).
    """
    if payout_id and row.payout_id is None:
        row.payout_id = payout_id
    current = row.status
    now = utcnow()
    notice: Notice | None = None
    if status in PROCESSING_STATES:
        if current in (S.PENDING.value, S.SUBMITTING.value):
            row.status = S.PROCESSING.value
    elif status == "processed":
        if current in (S.PENDING.value, S.SUBMITTING.value, S.PROCESSING.value):
            assert row.hold_id is not None
            ledger.post_hold(session, row.hold_id, idempotency_key=_settle_key(row, "post"))
            row.status, row.settled_at = S.PROCESSED.value, now
            row.utr = utr or row.utr
            notice = Notice(row.member_id, "payout.processed" if row.utr else "payout.processed_no_utr",
                            {"redemption_id": row.id})
        elif current == S.PROCESSED.value and utr and not row.utr:
            # The member was told "paid" without the bank's number: it follows, once (the row is
            # locked, and only the first event or fetch that brings the UTR finds it missing).
            row.utr = utr[:40]
            row.updated_at = now
            notice = Notice(row.member_id, "payout.utr", {"redemption_id": row.id})
            logger.info("Redemption %s: UTR arrived after processed", row.id)
    elif status in FAILED_STATES or status == "reversed":
        final = S.REVERSED.value if status == "reversed" else S.FAILED.value
        if current in (S.REVIEW.value, S.PENDING.value, S.SUBMITTING.value, S.PROCESSING.value):
            assert row.hold_id is not None
            ledger.void_hold(session, row.hold_id, idempotency_key=_settle_key(row, "void"))
            row.status, row.settled_at, row.failure_reason = final, now, (reason or status)[:255]
            notice = Notice(row.member_id, f"payout.{final}", {"redemption_id": row.id})
        elif current == S.PROCESSED.value and status == "reversed":
            member = session.get(Member, row.member_id)
            assert member is not None and member.account_id is not None
            back = ledger.transfer(session, source=ledger.REDEMPTION, dest=member.account_id, points=row.points,
                                   reason="reversal", idempotency_key=_settle_key(row, "reverse"),
                                   reference=reference_id(row.id), memo=f"payout {row.payout_id} reversed")
            row.reversal_transfer_id = back.id
            row.status, row.failure_reason = S.REVERSED.value, (reason or status)[:255]
            notice = Notice(row.member_id, "payout.reversed", {"redemption_id": row.id})
        elif current == S.PROCESSED.value:
            logger.warning("Redemption %s: provider says %s after processed; ignored", row.id, status)
    if row.status != current:
        row.updated_at = now
        logger.info("Redemption %s: %s -> %s", row.id, current, row.status)
    return notice


def _beneficiary(member: Member, row: Redemption) -> Beneficiary:
    assert row.vpa is not None
    return Beneficiary(reference=f"member-{member.id}", name=row.holder_name or member.name, phone=member.phone,
                       vpa=row.vpa)


Notify = Callable[[Session, list[Notice]], object]
"""Queues a status change's notices in the change's own transaction (``payouts.jobs.queue_notices``)."""


def _notify(notify: Notify | None, session: Session, notice: Notice | None) -> None:
    if notify is not None and notice is not None:
        notify(session, [notice])


def submit(factory: sessionmaker[Session], provider: PayoutProvider, redemption_id: int, *,
           notify: Notify | None = None) -> list[Notice]:
    """Send (or re-send, with the same key) the payout of one redemption; returns notices to send.

    With ``notify``, each notice is also queued inside the transaction that made the change, so
    it is stored exactly when the change is (the caller then only sends).

    Raises:
        TransientPayoutError: the provider was unreachable; retry later (same key).
    """
    with factory.begin() as session:
        row = lock_redemption(session, redemption_id)
        if row is None or row.status not in (S.PENDING.value, S.SUBMITTING.value):
            return []
        if row.status == S.PENDING.value:
            row.status = S.SUBMITTING.value
        row.attempts += 1
        row.submitted_at = row.updated_at = utcnow()
        member = session.get(Member, row.member_id)
        assert member is not None and row.idempotency_key is not None
        beneficiary = _beneficiary(member, row)
        profile = profile_of(session, member.id)
        fund_account = profile.fund_account_ref if profile.fund_account_fp == fingerprint(row.vpa or "") else None
        key, ref, amount = row.idempotency_key, reference_id(row.id), row.net_paise
    # Committed: from here on a crash leaves a 'submitting' row that is retried with the same key.
    try:
        if fund_account is None:
            contact_ref, fund_account = provider.fund_account(beneficiary)
            with factory.begin() as session:
                profile = profile_of(session, beneficiary_member_id(beneficiary))
                profile.contact_ref, profile.fund_account_ref = contact_ref, fund_account
                profile.fund_account_fp = fingerprint(beneficiary.vpa)
        payout = provider.create_payout(fund_account_id=fund_account, amount_paise=amount, idempotency_key=key,
                                        reference_id=ref, narration="Inaam reward")
    except ProviderUnavailable as exc:
        logger.warning("Redemption %s: provider unavailable (%s); will retry with the same key", redemption_id,
                       exc.reason or exc.status)
        raise TransientPayoutError(str(exc)) from exc
    except ProviderRejected as exc:
        with factory.begin() as session:
            row = lock_redemption(session, redemption_id)
            notice = apply_status(session, row, "failed", reason=exc.reason or "rejected") if row else None
            _notify(notify, session, notice)
        return [notice] if notice else []
    with factory.begin() as session:
        row = lock_redemption(session, redemption_id)
        if row is None:
            return []
        notice = apply_status(session, row, payout.status, utr=payout.utr, reason=payout.reason, payout_id=payout.id)
        _notify(notify, session, notice)
    return [notice] if notice else []


def beneficiary_member_id(beneficiary: Beneficiary) -> int:
    return int(beneficiary.reference.rsplit("-", 1)[1])


def refresh(factory: sessionmaker[Session], provider: PayoutProvider, redemption_id: int, *,
            notify: Notify | None = None) -> list[Notice]:
    """Reconcile one in-flight redemption with the provider (fetch by id, or find by reference), or
    look up the UTR of a processed one that came without it. ``notify`` as for ``submit``."""
    with factory() as session:
        row = session.get(Redemption, redemption_id)
        awaiting_utr = row is not None and row.status == S.PROCESSED.value and not row.utr and row.payout_id
        if row is None or not (awaiting_utr or row.status in (S.SUBMITTING.value, S.PROCESSING.value,
                                                               S.PENDING.value)):
            return []
        payout_id, status = row.payout_id, row.status
    if payout_id is None:
        found = provider.find_payout(reference_id(redemption_id))
        if found is None:
            # Never sent (or refused before creating anything): send it now, with the same key.
            return submit(factory, provider, redemption_id, notify=notify)
        payout = found
    else:
        payout = provider.fetch_payout(payout_id)
    with factory.begin() as session:
        row = lock_redemption(session, redemption_id)
        if row is None:
            return []
        notice = apply_status(session, row, payout.status, utr=payout.utr, reason=payout.reason, payout_id=payout.id)
        _notify(notify, session, notice)
    logger.info("Redemption %s reconciled: was %s, provider says %s", redemption_id, status, payout.status)
    return [notice] if notice else []


UTR_WAIT = dt.timedelta(days=3)
"""How long a processed payout without a UTR is looked up again (the bank's number usually follows at once)."""


def awaiting_utr(session: Session, *, now: dt.datetime | None = None) -> list[int]:
    """Ids of RazorpayX payouts told 'processed' without a UTR, settled within ``UTR_WAIT``."""
    since = (now or utcnow()) - UTR_WAIT
    return list(session.scalars(select(Redemption.id).where(
        Redemption.status == S.PROCESSED.value, Redemption.utr.is_(None), Redemption.payout_id.is_not(None),
        Redemption.kind == "upi", Redemption.provider != "manual", Redemption.settled_at >= since)
        .order_by(Redemption.id)))


def stuck(session: Session, *, older_than: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Ids of redemptions in flight whose last change is older than ``older_than``."""
    cutoff = (now or utcnow()) - older_than
    return list(session.scalars(select(Redemption.id).where(
        Redemption.status.in_([S.PENDING.value, S.SUBMITTING.value, S.PROCESSING.value]),
        Redemption.kind == "upi", Redemption.provider != "manual", Redemption.updated_at < cutoff)
        .order_by(Redemption.id)))
