"""The manual payout provider: an operator pays through the bank's bulk upload and records the UTR.

Pending payouts are listed (``inaam payouts pending``) and exported as a bank bulk-upload CSV
(``inaam payouts export FILE.csv``: one row per payout with the beneficiary's UPI ID, amount in
rupees and our reference); once the bank has paid, ``inaam payouts mark-paid REF --utr UTR``
posts the hold and tells the member, or ``--failed REASON`` returns the points.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from payouts.models import Redemption, RedemptionStatus
from payouts.provider import Beneficiary, Payout, Validation
from storage.crypto import fingerprint
from storage.models import Member

CSV_HEADER = ["Beneficiary Name", "Beneficiary UPI ID", "Amount (INR)", "Payment Mode", "Reference", "Narration",
              "Member Phone"]


class ManualProvider:
    """Nothing leaves the building: payouts wait for an operator (status ``queued``)."""

    name = "manual"

    def validate_vpa(self, beneficiary: Beneficiary) -> Validation:
        return Validation(valid=True, registered_name=None)

    def fund_account(self, beneficiary: Beneficiary) -> tuple[str, str]:
        return "manual", "manual-" + fingerprint(beneficiary.vpa)[:24]

    def create_payout(self, *, fund_account_id: str, amount_paise: int, idempotency_key: str,
                      reference_id: str, narration: str) -> Payout:
        return Payout(id=f"manual-{reference_id}", status="queued", amount_paise=amount_paise,
                      reference_id=reference_id)

    def fetch_payout(self, payout_id: str) -> Payout:
        return Payout(id=payout_id, status="queued", amount_paise=0)

    def find_payout(self, reference_id: str) -> Payout | None:
        return None


def pending(session: Session) -> list[tuple[Redemption, Member]]:
    """Manual payouts waiting for the bank, oldest first."""
    rows = session.execute(
        select(Redemption, Member).join(Member, Member.id == Redemption.member_id).where(
            Redemption.provider == "manual", Redemption.kind == "upi",
            Redemption.status.in_([RedemptionStatus.PROCESSING.value, RedemptionStatus.SUBMITTING.value]))
        .order_by(Redemption.id)).all()
    return [(r, m) for r, m in rows]


def write_bulk_csv(rows: Iterable[tuple[Redemption, Member]], out: IO[str]) -> int:
    """The bank bulk-upload file (UPI payouts); returns the number of rows written."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    count = 0
    for red, member in rows:
        rupees, paise = divmod(red.net_paise, 100)
        writer.writerow([red.holder_name or member.name, red.vpa or "", f"{rupees}.{paise:02d}", "UPI",
                         f"rdm-{red.id}", "Inaam reward", member.phone])
        count += 1
    return count
