"""Errors raised while loading claim media (photos, scans, PDFs).

Why: the bot answers each failure differently (retake, send a PDF, file refused), so callers
catch one root (`MediaError`) and branch on the subclass.
"""

from __future__ import annotations


class MediaError(Exception):
    """Root of every media-loading failure; never raised itself."""


class UnsupportedMedia(MediaError):
    """Raised when the bytes are not JPEG, PNG, WebP or PDF (judged by magic bytes, not the name)."""


class CorruptMedia(MediaError):
    """Raised when a supported file cannot be decoded completely (truncated, damaged, encrypted)."""


class MediaTooLarge(MediaError):
    """Raised when the header declares more pixels (or pages) than allowed, before any decoding."""
