"""Errors of the claims package (one root, as in every package)."""

from __future__ import annotations


class ClaimError(Exception):
    """Root of claim errors."""


class UnknownClaim(ClaimError):
    """Raised when a review command names a claim that does not exist."""


class ClaimAlreadyDecided(ClaimError):
    """Raised when an admin approves or rejects a claim that is no longer waiting for review."""
