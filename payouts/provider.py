"""The payout provider interface: what the redemption service needs from RazorpayX or a bank desk.

A provider answers in plain values (``Payout``, ``Validation``) and raises one of two errors:
``ProviderUnavailable`` (5xx, 429, timeout, connection: the outcome of a create is *unknown*, so
the caller must reuse the same idempotency key or fetch the status, never use a new key) and
``ProviderRejected`` (a definitive 4xx refusal: nothing was paid).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PROCESSING_STATES = {"queued", "pending", "scheduled", "processing"}
FAILED_STATES = {"failed", "rejected", "cancelled"}
TERMINAL_STATES = {"processed", "reversed"} | FAILED_STATES


class ProviderError(Exception):
    """Base of provider errors; ``reason`` is a short machine reason (never a secret)."""

    def __init__(self, message: str, *, reason: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class ProviderUnavailable(ProviderError):
    """Transient: 429/5xx/timeout/connection. A create may or may not have happened."""


class ProviderRejected(ProviderError):
    """Definitive refusal (4xx): the request had no effect."""


@dataclass(frozen=True)
class Payout:
    id: str
    status: str
    amount_paise: int
    utr: str | None = None
    reason: str | None = None
    """``status_details.reason`` (e.g. ``beneficiary_vpa_invalid``)."""
    reference_id: str | None = None


@dataclass(frozen=True)
class Validation:
    valid: bool
    registered_name: str | None
    reason: str | None = None


@dataclass(frozen=True)
class Beneficiary:
    """Who is paid: the member's reference, name and VPA (the VPA never reaches logs)."""

    reference: str
    name: str
    phone: str
    vpa: str


class PayoutProvider(Protocol):
    name: str

    def validate_vpa(self, beneficiary: Beneficiary) -> Validation:
        """The VPA's registered holder name (Fund Account Validation), or not valid."""
        ...

    def fund_account(self, beneficiary: Beneficiary) -> tuple[str, str]:
        """Create (idempotently) the contact and VPA fund account; returns (contact_id, fund_account_id)."""
        ...

    def create_payout(self, *, fund_account_id: str, amount_paise: int, idempotency_key: str,
                      reference_id: str, narration: str) -> Payout:
        ...

    def fetch_payout(self, payout_id: str) -> Payout:
        ...

    def find_payout(self, reference_id: str) -> Payout | None:
        """The payout created with ``reference_id``, if any (reconciling after a crash)."""
        ...
