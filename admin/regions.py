"""India Post postal circles by the first two digits of a PIN code (for scans by region)."""

from __future__ import annotations

_CIRCLES: list[tuple[range, str]] = [
    (range(11, 12), "Delhi"), (range(12, 14), "Haryana"), (range(14, 17), "Punjab"),
    (range(17, 18), "Himachal Pradesh"), (range(18, 20), "Jammu & Kashmir"), (range(20, 29), "Uttar Pradesh"),
    (range(30, 35), "Rajasthan"), (range(36, 40), "Gujarat"), (range(40, 45), "Maharashtra"),
    (range(45, 49), "Madhya Pradesh"), (range(49, 50), "Chhattisgarh"), (range(50, 54), "Telangana / Andhra"),
    (range(56, 60), "Karnataka"), (range(60, 65), "Tamil Nadu"), (range(67, 70), "Kerala"),
    (range(70, 75), "West Bengal"), (range(75, 78), "Odisha"), (range(78, 79), "Assam"),
    (range(79, 80), "North East"), (range(80, 86), "Bihar / Jharkhand"),
]


def circle(prefix: str | None) -> str:
    """'22' -> 'Uttar Pradesh'; unknown or erased -> 'Unknown'."""
    if not prefix or not prefix[:2].isdigit():
        return "Unknown"
    two = int(prefix[:2])
    return next((name for span, name in _CIRCLES if two in span), "Unknown")
