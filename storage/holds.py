"""Holds: points reserved by a pending redemption, then posted (paid out) or voided (returned).

``place_hold`` moves the points from the member to the ``HOLDS`` escrow account and records a
``Hold``; ``post_hold`` moves them on to ``REDEMPTION`` (or another account), ``void_hold`` back to
the member. Each step is one ledger transfer under its own idempotency key, and the hold row is
locked (``storage.locks.lock_hold``) before its status is read. Re-exported by ``storage.ledger``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.exceptions import HoldStateError, IdempotencyConflict
from storage.ledger_core import HOLDS, REDEMPTION, AccountRef, post_transfer, resolve_account
from storage.ledger_models import Hold, HoldStatus, Transfer
from storage.locks import lock_hold

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)


def place_hold(
    session: Session, *, account: AccountRef, points: int, idempotency_key: str, reference: str | None = None
) -> Hold:
    """Reserve ``points`` of a member account by moving them to ``HOLDS`` (once per key).

    Returns:
        The pending hold (or the hold first placed under this key, whatever its status now).

    Raises:
        InsufficientPoints: the account holds fewer than ``points``; nothing is written.
        IdempotencyConflict: the key was used for another account or amount.
    """
    account_id = resolve_account(session, account)
    existing = session.scalar(select(Hold).where(Hold.idempotency_key == idempotency_key))
    if existing is not None:
        if existing.account_id != account_id or existing.points != points:
            raise IdempotencyConflict(idempotency_key, f"hold #{existing.id}")
        return existing
    moved = post_transfer(
        session,
        source=account_id,
        dest=HOLDS,
        points=points,
        reason="hold",
        idempotency_key=f"hold:{idempotency_key}",
        reference=reference,
        memo=None,
    )
    try:
        with session.begin_nested():
            hold = Hold(
                account_id=account_id,
                points=points,
                status=HoldStatus.PENDING,
                idempotency_key=idempotency_key,
                reference=reference,
                hold_transfer_id=moved.id,
                created_at=moved.created_at,
            )
            session.add(hold)
    except IntegrityError:
        hold = session.scalar(select(Hold).where(Hold.idempotency_key == idempotency_key))
        if hold is None:
            raise
    logger.info("Hold %s: %s points held from account %s", hold.id, points, account_id)
    return hold


def _settle(
    session: Session, hold_id: int, *, dest: AccountRef | None, idempotency_key: str, posting: bool
) -> Transfer:
    hold = lock_hold(session, hold_id)
    action, done, done_id = (
        ("post", HoldStatus.POSTED, hold.settle_transfer_id)
        if posting
        else ("void", HoldStatus.VOIDED, hold.void_transfer_id)
    )
    if hold.status == done and done_id is not None:
        settled = session.get(Transfer, done_id)
        assert settled is not None
        if settled.idempotency_key == idempotency_key:
            return settled
        raise HoldStateError(hold.id, hold.status.value, f"{action} (again, key {idempotency_key!r})")
    if hold.status != HoldStatus.PENDING:
        raise HoldStateError(hold.id, hold.status.value, action)
    moved = post_transfer(
        session,
        source=HOLDS,
        dest=dest if posting else hold.account_id,  # type: ignore[arg-type]
        points=hold.points,
        reason="redemption" if posting else "hold_release",
        idempotency_key=idempotency_key,
        reference=hold.reference,
        memo=f"hold #{hold.id}",
    )
    hold.status = done
    hold.settled_at = moved.created_at
    if posting:
        hold.settle_transfer_id = moved.id
    else:
        hold.void_transfer_id = moved.id
    session.flush()
    logger.info("Hold %s: %s by transfer %s", hold.id, done.value, moved.id)
    return moved


def post_hold(session: Session, hold_id: int, *, dest: AccountRef = REDEMPTION, idempotency_key: str) -> Transfer:
    """Pay out a pending hold: move its points from ``HOLDS`` to ``dest`` (default ``REDEMPTION``).

    Returns:
        The settling transfer (the same one when repeated with the same key).

    Raises:
        HoldStateError: the hold was voided, or already posted under another key.
        UnknownHold: no such hold.
    """
    return _settle(session, hold_id, dest=dest, idempotency_key=idempotency_key, posting=True)


def void_hold(session: Session, hold_id: int, *, idempotency_key: str) -> Transfer:
    """Cancel a pending hold: return its points from ``HOLDS`` to the member.

    Returns:
        The releasing transfer (the same one when repeated with the same key).

    Raises:
        HoldStateError: the hold was posted, or already voided under another key.
        UnknownHold: no such hold.
    """
    return _settle(session, hold_id, dest=None, idempotency_key=idempotency_key, posting=False)


__all__ = ["place_hold", "post_hold", "void_hold"]
