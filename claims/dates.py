"""Invoice dates in Indian day-first formats (05/11/2026, 5-Nov-26, 2026-11-05)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

EARLIEST_DATE = date(2017, 7, 1)
"""GST started on 1 July 2017: an earlier invoice date is a misread."""

MONTHS = {
    m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}


DATE_RES = (
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]*(?P<mon>[A-Za-z0][A-Za-z]{2,8})\.?[\s,-]*(?P<y>\d{4}|\d{2})(?!\d)"),
)


@dataclass
class DateHit:
    """A date found in the text."""

    value: date
    line: int
    col: int
    end: int


def find_dates(text: str) -> list[DateHit]:
    """Every parseable date (Indian day-first order) with its position."""
    hits: list[DateHit] = []
    for i, line in enumerate(text.splitlines()):
        taken: list[tuple[int, int]] = []
        for rx in DATE_RES:
            for m in rx.finditer(line):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                parts = m.groupdict()
                try:
                    if parts.get("mon"):
                        parts["mon"] = re.sub(r"^0(?=ct)", "o", parts["mon"], flags=re.IGNORECASE)  # "0ct": O read as 0
                        mon = MONTHS.get(parts["mon"][:3].lower())
                        if mon is None or (
                            len(parts["mon"]) > 3 and not parts["mon"].lower().startswith(tuple(k for k in MONTHS))
                        ):
                            continue
                    else:
                        mon = int(parts["m"])
                    year = int(parts["y"])
                    year += 2000 if year < 100 else 0
                    value = date(year, mon, int(parts["d"]))
                except ValueError:
                    continue
                taken.append((m.start(), m.end()))
                hits.append(DateHit(value, i, m.start(), m.end()))
    return hits
