"""Erasure of a member's payout data (registered with ``storage.privacy.EXTRA_ERASERS``).

UPI IDs, holder names and provider references go; redemption amounts, UTRs and ledger entries stay
(they are the books). The PAN is kept only where TDS was deducted or paid for the member: a
deductor must keep it for the TDS returns it filed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from payouts.models import PayoutProfile, Redemption

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Member


def erase_payout_data(session: Session, member: Member) -> None:
    session.execute(update(Redemption).where(Redemption.member_id == member.id).values(vpa=None, holder_name=None))
    profile = session.get(PayoutProfile, member.id)
    if profile is None:
        return
    taxed = session.scalar(select(Redemption.id).where(Redemption.member_id == member.id,
                                                       Redemption.tds_paise > 0).limit(1))
    if taxed is None:
        profile.pan = profile.pan_name = None
    profile.upi_validated_fp = profile.upi_holder_name = profile.upi_validated_at = None
    profile.contact_ref = profile.fund_account_ref = profile.fund_account_fp = None
    profile.kyc_note = "erased"


def register() -> None:
    from storage.privacy import EXTRA_ERASERS

    if erase_payout_data not in EXTRA_ERASERS:
        EXTRA_ERASERS.append(erase_payout_data)
