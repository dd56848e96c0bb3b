"""Percentiles and latency summaries shared by the benchmarks.

Why: every figure the core benchmark prints (p50/p95/p99, medians) must be computed the same
way, with linear interpolation between closest ranks, so runs and parts compare like for like.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) of ``values``, interpolating between closest ranks.

    Raises:
        ValueError: ``values`` is empty or ``p`` is outside 0–100.
    """
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """Count and p50/p95/p99/max in milliseconds of latencies given in seconds (zeros when empty)."""
    if not seconds:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    return {
        "n": len(seconds),
        "p50_ms": round(1000 * percentile(seconds, 50), 2),
        "p95_ms": round(1000 * percentile(seconds, 95), 2),
        "p99_ms": round(1000 * percentile(seconds, 99), 2),
        "max_ms": round(1000 * max(seconds), 2),
    }


def ratio(ours: float, base: float) -> float | None:
    """``ours / base`` rounded to 3 places, or None when the base is zero."""
    return round(ours / base, 3) if base else None
