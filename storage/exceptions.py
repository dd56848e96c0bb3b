"""Errors raised by the storage layer; callers catch the domain class, never ``IntegrityError``.

Why: the points ledger turns database constraint failures into errors a flow can answer in plain
words ("not enough points"), and one root lets the edge catch everything from ``storage``.
"""

from __future__ import annotations


class StorageError(Exception):
    """Root of every error raised by ``storage``."""


class LedgerError(StorageError):
    """A points movement was refused or the ledger is not in the state the call expects."""


class UnknownAccount(LedgerError):
    """Raised when an account id or code names no ledger account."""

    def __init__(self, ref: int | str) -> None:
        self.ref = ref
        super().__init__(f"No ledger account {ref!r}")


class UnknownTransfer(LedgerError):
    """Raised when a transfer id names no ledger transfer (e.g. ``reverse`` of a missing id)."""

    def __init__(self, transfer_id: int) -> None:
        self.transfer_id = transfer_id
        super().__init__(f"No ledger transfer #{transfer_id}")


class UnknownHold(LedgerError):
    """Raised when a hold id names no hold (``post_hold`` / ``void_hold``)."""

    def __init__(self, hold_id: int) -> None:
        self.hold_id = hold_id
        super().__init__(f"No hold #{hold_id}")


class InsufficientPoints(LedgerError):
    """Raised when a transfer would take a non-negative account below zero; nothing is written."""

    def __init__(self, account: str, balance: int, points: int) -> None:
        self.account = account
        self.balance = balance
        self.points = points
        super().__init__(f"Account {account} has {balance} points, {points} needed")


class IdempotencyConflict(LedgerError):
    """Raised when an idempotency key is reused for a different movement (other accounts or points)."""

    def __init__(self, key: str, detail: str) -> None:
        self.key = key
        super().__init__(f"Idempotency key {key!r} already used for {detail}")


class AlreadyReversed(LedgerError):
    """Raised when ``reverse`` is asked, under a new key, for a transfer that was already reversed."""

    def __init__(self, transfer_id: int, reversal_id: int | None) -> None:
        self.transfer_id = transfer_id
        self.reversal_id = reversal_id
        super().__init__(f"Transfer #{transfer_id} was already reversed by #{reversal_id}")


class HoldStateError(LedgerError):
    """Raised when a hold is posted after being voided, voided after being posted, or settled twice
    under different keys; also when a hold's own transfers are reversed directly."""

    def __init__(self, hold_id: int, status: str, action: str) -> None:
        self.hold_id = hold_id
        self.status = status
        self.action = action
        super().__init__(f"Cannot {action} hold #{hold_id}: it is {status}")
