"""Server-rendered SVG charts (bars per day, horizontal bars), no JavaScript and no CDN.

Why: the dashboard must render in any browser, print, and show in screenshots; a small SVG
string is all a daily series needs. (Hand-written: the chart libraries on the registries are
JavaScript or pull in far more than two chart shapes.)
"""

from __future__ import annotations

from markupsafe import Markup, escape

from bot.i18n import format_number


def _nice_max(value: int) -> int:
    """The smallest 'round' axis top >= value whose quarters are whole numbers (4, 8, 12, 20, 40, 60…)."""
    if value <= 20:
        return max(4, -(-value // 4) * 4)
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (2, 4, 6, 8, 10):
        top = step * magnitude
        if top >= value:
            return top
    return 20 * magnitude


def _short(n: int) -> str:
    if n >= 10_000_000:
        return f"{n / 10_000_000:.1f} Cr".replace(".0 ", " ")
    if n >= 100_000:
        return f"{n / 100_000:.1f} L".replace(".0 ", " ")
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    return format_number(n)


def bars(series: list[tuple[str, int]], *, label: str, color: str = "#4f46e5", width: int = 560,
         height: int = 180) -> Markup:
    """A vertical bar chart of ``[(YYYY-MM-DD, value)]`` with a labelled y-axis and date ticks."""
    left, bottom, top = 44, 24, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice_max(max((v for _, v in series), default=0))
    n = max(len(series), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1.0)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
             f'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(label)}</title>"]
    for i in range(5):
        value = peak * i // 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{_short(value)}</text>')
    for i, (day, value) in enumerate(series):
        h = plot_h * value / peak if peak else 0
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(h, 0):.1f}" rx="2" '
                     f'fill="{color}"><title>{escape(day)}: {format_number(value)}</title></rect>')
        if i % max(n // 6, 1) == 0 or i == n - 1:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" class="axis" text-anchor="middle">'
                         f'{escape(day[8:10] + "/" + day[5:7])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def hbars(items: list[tuple[str, int]], *, label: str, color: str = "#0f766e", width: int = 560) -> Markup:
    """Horizontal bars for a few categories (e.g. members by trade, scans by region)."""
    row_h, name_w = 26, 120
    height = max(row_h * len(items), row_h)
    peak = max((v for _, v in items), default=0) or 1
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>']
    for i, (name, value) in enumerate(items):
        y = i * row_h
        w = (width - name_w - 70) * value / peak
        parts.append(f'<text x="0" y="{y + 17}" class="axis name">{escape(name[:18])}</text>')
        parts.append(f'<rect x="{name_w}" y="{y + 5}" width="{max(w, 2):.1f}" height="{row_h - 10}" rx="3" '
                     f'fill="{color}"/>')
        parts.append(f'<text x="{name_w + w + 6:.1f}" y="{y + 17}" class="axis">{format_number(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
