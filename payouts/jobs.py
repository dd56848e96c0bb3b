"""RQ jobs of the payout capability: send a payout, reconcile stuck ones, tell members.

Each job takes ids, runs in the app context and is safe to run twice (the redemption row decides).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import format_number, format_rupees, translate
from payouts import service
from payouts.models import Redemption
from payouts.provider import ProviderError
from payouts.providers import provider_for
from storage import ledger
from storage.crypto import mask_upi
from storage.db import sessions
from storage.models import Contact, Member
from storage.outbox import queue_template
from workers.runtime import app_context

logger = logging.getLogger(__name__)

RECONCILE_AFTER = dt.timedelta(seconds=60)
"""A redemption in flight with no change for this long is checked with the provider."""

REASON_MSGIDS = {
    "beneficiary_vpa_invalid": "payout.why.vpa_invalid",
    "beneficiary_psp_offline": "payout.why.bank_down",
    "beneficiary_bank_offline": "payout.why.bank_down",
    "beneficiary_bank_down": "payout.why.bank_down",
    "npci_beneficiary_timeout": "payout.why.bank_down",
    "beneficiary_bank_rejected": "payout.why.bank_rejected",
    "transaction_limit_exceeded": "payout.why.limit",
    "kyc_rejected": "payout.why.kyc_rejected",
}


def notice_params(session: Session, notice: service.Notice, lang: str) -> dict[str, object]:
    """The placeholders of a notice's sentence, rendered for ``lang``."""
    row = session.get(Redemption, notice.params["redemption_id"])
    member = session.get(Member, notice.member_id)
    assert row is not None and member is not None and member.account_id is not None
    balance = ledger.balance(session, member.account_id)
    common = {"rupees": format_rupees(row.net_paise), "points": format_number(row.points),
              "balance": format_number(balance), "upi": mask_upi(row.vpa), "ref": f"rdm-{row.id}"}
    if notice.msgid in ("payout.processed", "payout.utr"):
        return {"utr": row.utr or "—", **common}
    if notice.msgid == "payout.processed_no_utr":
        return common
    return {"why": translate(lang, REASON_MSGIDS.get(row.failure_reason or "", "payout.why.other")), **common}


def notice_text(session: Session, notice: service.Notice, lang: str) -> str:
    return translate(lang, notice.msgid, **notice_params(session, notice, lang))


def queue_notices(session: Session, notices: list[service.Notice]) -> set[int]:
    """Queue each notice for the member's WhatsApp contact in ``session`` (a template outside the
    24-hour window); returns the contacts to send to once the transaction commits."""
    contacts: set[int] = set()
    for notice in notices:
        contact = session.scalar(select(Contact).where(Contact.member_id == notice.member_id))
        if contact is None:
            continue
        lang = contact.lang or "en"
        member = session.get(Member, notice.member_id)
        params = notice_params(session, notice, lang)
        queue_template(session, contact, "payout_update",
                       {"name": member.name if member else "", "update": translate(lang, notice.msgid, **params)},
                       fallback_msgid=notice.msgid, **params)
        contacts.add(contact.id)
    return contacts


def notifier(contacts: set[int]) -> service.Notify:
    """A ``notify`` for the service: queue in the change's transaction, remember whom to send to."""

    def notify(session: Session, notices: list[service.Notice]) -> None:
        contacts.update(queue_notices(session, notices))

    return notify


def send_soon(app: Any, contacts: set[int]) -> None:
    from workers.jobs import schedule_send

    for contact_id in contacts:
        schedule_send(app, contact_id)


def submit_payout(redemption_id: int) -> str:
    """Send one redemption's payout (retried by RQ with backoff on TransientPayoutError)."""
    with app_context() as app:
        contacts: set[int] = set()
        notices = service.submit(sessions(app), provider_for(app.config), redemption_id, notify=notifier(contacts))
        send_soon(app, contacts)
        return ",".join(n.msgid for n in notices)


UTR_RECHECK_SECONDS = 600
"""A processed payout still without a UTR is looked up again at most this often."""


def _utr_lookup_due(app: Any, redemption_id: int) -> bool:
    """True at most once per ``UTR_RECHECK_SECONDS`` per redemption, across all processes."""
    conn = app.extensions["inaam.redis"]
    return bool(conn.set(f"inaam:utr-lookup:{redemption_id}", "1", nx=True, ex=UTR_RECHECK_SECONDS))


def enqueue_submit(app: Any, redemption_id: int) -> None:
    from workers.queue import enqueue

    enqueue(app, submit_payout, redemption_id, job_id=f"payout-{redemption_id}")


def reconcile_payouts() -> dict[str, int]:
    """Check every redemption stuck in flight with the provider (status fetch; never a new key)."""
    with app_context() as app:
        factory = sessions(app)
        provider = provider_for(app.config)
        with factory() as session:
            ids = service.stuck(session, older_than=RECONCILE_AFTER)
            ids += [i for i in service.awaiting_utr(session) if _utr_lookup_due(app, i)]
        done = failed = 0
        contacts: set[int] = set()
        for redemption_id in ids:
            try:
                service.refresh(factory, provider, redemption_id, notify=notifier(contacts))
                done += 1
            except (ProviderError, service.TransientPayoutError) as exc:
                failed += 1
                logger.warning("Redemption %s: reconcile failed (%s)", redemption_id, exc.__class__.__name__)
        send_soon(app, contacts)
        if ids:
            logger.info("Payout reconcile: %s checked, %s could not be reached", done, failed)
        return {"checked": done, "unreachable": failed}
