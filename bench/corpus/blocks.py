"""Blocks every layout family is built from: letterhead, meta fields, parties, items, totals, words.

Each block draws at (x, y) and returns the y under it. What varies per invoice (labels, their
synonyms and order, distractor fields, colours) is chosen once into a `Style`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from bench.corpus.draw import Page
from bench.corpus.model import HINDI_PRODUCTS, Invoice, date_text, money_text, words_en, words_hi
from claims.amounts import indian_format

NUMBER_LABELS = [
    "Invoice No.",
    "Invoice No:",
    "Bill No.",
    "Inv #",
    "Invoice Number",
    "Tax Invoice No.",
    "Bill No :",
    "Invoice #",
    "Voucher No.",
    "Inv. No.",
    "Memo No.",
]
NUMBER_LABELS_HI = ["बिल नं.", "चालान संख्या", "बीजक संख्या", "बिल संख्या", "इनवॉइस नं."]
DATE_LABELS = ["Date", "Dated", "Invoice Date", "Bill Date", "Inv. Date", "Dt.", "Date :"]
DATE_LABELS_HI = ["दिनांक", "तारीख", "बिल दिनांक"]
TOTAL_LABELS = [
    "Grand Total",
    "Total Amount",
    "Invoice Total",
    "Net Amount",
    "Amount Payable",
    "Total (INR)",
    "Net Payable",
    "Bill Amount",
    "Invoice Value",
]
TOTAL_LABELS_HI = ["कुल राशि", "कुल योग", "देय राशि", "कुल रकम"]
GSTIN_LABELS = ["GSTIN", "GSTIN/UIN", "GST No.", "GSTIN No", "GST IN"]
BUYER_LABELS = [
    "Bill To",
    "Buyer (Bill to)",
    "Billed To",
    "Customer",
    "Party",
    "Sold To",
    "Consignee / Buyer",
    "Details of Receiver",
]
BUYER_LABELS_HI = ["क्रेता", "ग्राहक", "खरीदार का नाम"]


@dataclass
class Style:
    """Per-invoice choices: labels, colours, which optional parts appear."""

    lang: str  # en | hi | bi
    number_label: str
    date_label: str
    total_label: str
    gstin_label: str
    buyer_label: str
    date_text: str
    total_text: str
    ink: tuple[int, int, int]
    accent: tuple[int, int, int]
    words: bool
    stamp: bool
    distractors: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def pick(cls, rng: random.Random, inv: Invoice, lang: str = "en") -> Style:
        def label(en: list[str], hi: list[str]) -> str:
            if lang == "hi":
                return rng.choice(hi)
            if lang == "bi":
                return f"{rng.choice(hi)} / {rng.choice(en)}"
            return rng.choice(en)

        ink = rng.choice([(20, 20, 20), (35, 35, 50), (10, 30, 70), (50, 30, 20)])
        accent = rng.choice([(20, 70, 150), (150, 30, 30), (20, 110, 80), (90, 40, 120), (30, 30, 30)])
        later = inv.day + timedelta(days=rng.choice([7, 15, 30]))
        distractors = [
            ("Order No." if lang != "hi" else "आदेश सं.", f"PO/{rng.randint(100, 999)}"),
            (
                "Vehicle No." if lang != "hi" else "वाहन सं.",
                f"UP{rng.randint(10, 99)} {rng.choice('ABCDKT')}{rng.choice('ABCDKT')} {rng.randint(1000, 9999)}",
            ),
            ("E-Way Bill No.", f"{rng.randint(10**11, 10**12 - 1)}"),
            ("Challan No.", f"DC-{rng.randint(10, 999)}"),
            ("Due Date", date_text(later, rng)),
            ("Place of Supply", inv.buyer.state),
        ]
        rng.shuffle(distractors)
        return cls(
            lang,
            label(NUMBER_LABELS, NUMBER_LABELS_HI),
            label(DATE_LABELS, DATE_LABELS_HI),
            label(TOTAL_LABELS, TOTAL_LABELS_HI),
            rng.choice(GSTIN_LABELS),
            label(BUYER_LABELS, BUYER_LABELS_HI),
            date_text(inv.day, rng),
            money_text(inv.total, rng),
            ink,
            accent,
            rng.random() < 0.5,
            rng.random() < 0.6,
            distractors[: rng.randint(0, 3)],
        )

    def meta(self, rng: random.Random, inv: Invoice) -> list[tuple[str, str]]:
        """Number, date and distractors, in a random order (number usually first)."""
        pairs = [(self.number_label, inv.number), (self.date_label, self.date_text), *self.distractors]
        head, rest = pairs[:2], pairs[2:]
        if rng.random() < 0.3:
            head.reverse()
        rest_pos = rng.randint(0, len(rest))
        return rest[:rest_pos] + head + rest[rest_pos:] if rng.random() < 0.3 else head + rest


def letterhead(p: Page, inv: Invoice, st: Style, x: float, y: float, *, align: str = "la", big: float = 1.5) -> float:
    size = p.fonts.size
    anchor = align
    p.text(x, y, inv.seller.name, size=int(size * big), style="bold", fill=st.accent, anchor=anchor)
    y += size * big * 1.35
    for line in inv.seller.address:
        p.text(x, y, line, fill=st.ink, anchor=anchor)
        y += size * 1.3
    p.text(x, y, f"{st.gstin_label}: {inv.seller.gstin}", style="bold", fill=st.ink, anchor=anchor)
    y += size * 1.3
    p.text(
        x,
        y,
        f"Ph: {inv.seller.phone}   State: {inv.seller.state} ({inv.seller.state_code})",
        size=int(size * 0.85),
        fill=st.ink,
        anchor=anchor,
    )
    return y + size * 1.4


def meta_lines(
    p: Page,
    pairs: list[tuple[str, str]],
    st: Style,
    x: float,
    y: float,
    *,
    sep: str = ": ",
    value_x: float | None = None,
    style: str = "body",
) -> float:
    right = p.width - 30
    if value_x is not None:  # the values' column starts right of the longest label, and stays on the page
        value_x = max(value_x, x + max(p.width_of(label, style=style) for label, _ in pairs) + 12)
        overflow = value_x + max(p.width_of(f"{sep.strip()} {v}", style="bold") for _, v in pairs) - right
    else:
        overflow = x + max(p.width_of(f"{label}{sep}{v}", style=style) for label, v in pairs) - right
    if overflow > 0:
        x -= overflow
        value_x = value_x - overflow if value_x is not None else None
    for label, value in pairs:
        if value_x is None:
            p.text(x, y, f"{label}{sep}{value}", fill=st.ink, style=style)
        else:
            p.text(x, y, label, fill=st.ink, style=style)
            p.text(value_x, y, f"{sep.strip()} {value}".strip(), fill=st.ink, style="bold")
        y += p.fonts.size * 1.45
    return y


def meta_cells(p: Page, pairs: list[tuple[str, str]], st: Style, x: float, y: float, w: float, cols: int = 2) -> float:
    """Tally-style: a grid of cells, each with its label over its value."""
    size = p.fonts.size
    cw, ch = w / cols, size * 3.0
    for k, (label, value) in enumerate(pairs):
        cx, cy = x + (k % cols) * cw, y + (k // cols) * ch
        p.box(cx, cy, cx + cw, cy + ch, outline=st.ink, width=1)
        p.text(cx + 8, cy + 5, label, size=int(size * 0.85), fill=st.ink)
        p.text(cx + 8, cy + 5 + size * 1.2, value, style="bold", fill=st.ink)
    return y + ((len(pairs) + cols - 1) // cols) * ch + size * 0.6


def party(p: Page, inv: Invoice, st: Style, x: float, y: float) -> float:
    size = p.fonts.size
    p.text(x, y, st.buyer_label, style="bold", fill=st.accent)
    y += size * 1.35
    p.text(x, y, inv.buyer.name, style="bold", fill=st.ink)
    y += size * 1.3
    for line in inv.buyer.address:
        p.text(x, y, line, fill=st.ink)
        y += size * 1.3
    if inv.buyer.gstin:
        p.text(x, y, f"{st.gstin_label}: {inv.buyer.gstin}", fill=st.ink)
        y += size * 1.3
    p.text(x, y, f"State: {inv.buyer.state}, Code: {inv.buyer.state_code}", fill=st.ink)
    return y + size * 1.4


def items(
    p: Page, inv: Invoice, st: Style, x: float, y: float, w: float, *, bordered: bool = True, rows: list | None = None
) -> float:
    size = p.fonts.size
    heads = ["S.No.", "Description of Goods", "HSN", "Qty", "Rate", "Amount"]
    if st.lang == "hi":
        heads = ["क्र.", "विवरण", "HSN", "मात्रा", "दर", "राशि"]
    fr = [0.0, 0.07, 0.5, 0.62, 0.74, 0.86]
    cols = [x + f * w for f in fr]
    rh = size * 1.7
    if bordered:
        p.box(x, y, x + w, y + rh, outline=st.ink, fill=(235, 235, 235) if st.accent != (30, 30, 30) else None, width=1)
    for c, h in zip(cols, heads, strict=True):
        p.text(c + 6, y + size * 0.3, h, style="bold", size=int(size * 0.9), fill=st.ink)
    y += rh
    for k, item in enumerate(rows if rows is not None else inv.items, 1):
        unit = HINDI_PRODUCTS.get(item.unit, item.unit) if st.lang == "hi" else item.unit
        cells = [
            str(k),
            item.description,
            item.hsn,
            f"{item.qty} {unit}",
            indian_format(item.rate_paise),
            indian_format(item.amount_paise),
        ]
        for c, cell in zip(cols, cells, strict=True):
            p.text(c + 6, y + size * 0.3, cell, size=int(size * 0.9), fill=st.ink)
        if bordered:
            p.box(x, y, x + w, y + rh, outline=st.ink, width=1)
        y += rh
    if not bordered:
        p.line(x, y + 4, x + w, y + 4, fill=st.ink, width=1)
    return y + size


def totals(p: Page, inv: Invoice, st: Style, right: float, y: float, *, label_x: float) -> float:
    size = p.fonts.size
    hi = st.lang == "hi"
    rates = {i.tax_rate for i in inv.items}
    rate = f" @{rates.pop()}%" if len(rates) == 1 else ""
    lines = [("कर योग्य राशि" if hi else "Taxable Value", inv.taxable)]
    if inv.igst:
        lines.append((f"IGST{rate}", inv.tax))
    else:
        half_rate = f" @{int(rate[2:-1]) / 2:g}%" if rate else ""
        lines += [(f"CGST{half_rate}", inv.tax // 2), (f"SGST{half_rate}", inv.tax // 2)]
    if inv.round_off:
        sign = "-" if inv.round_off < 0 else ""
        lines.append(("राउंड ऑफ" if hi else "Round Off", None if not inv.round_off else inv.round_off))
        lines[-1] = (lines[-1][0], f"{sign}{indian_format(abs(inv.round_off))}")
    for label, value in lines:
        p.text(label_x, y, label, fill=st.ink)
        p.text(right, y, value if isinstance(value, str) else indian_format(value), fill=st.ink, anchor="ra")
        y += size * 1.4
    p.line(label_x, y, right, y, fill=st.ink, width=2)
    y += size * 0.4
    p.text(label_x, y, st.total_label, style="bold", size=int(size * 1.15), fill=st.ink)
    p.text(right, y, st.total_text, style="bold", size=int(size * 1.15), fill=st.ink, anchor="ra")
    return y + size * 1.9


def words(p: Page, inv: Invoice, st: Style, x: float, y: float) -> float:
    if st.lang == "hi" or st.lang == "bi":
        text = f"राशि (शब्दों में): {words_hi(inv.total)}"
    else:
        text = f"Amount Chargeable (in words): {words_en(inv.total)}"
    p.text(x, y, text, size=int(p.fonts.size * 0.9), fill=st.ink)
    return y + p.fonts.size * 1.6


def footer(p: Page, inv: Invoice, st: Style, rng: random.Random, right: float, y: float) -> float:
    from bench.corpus.draw import signature, stamp

    size = p.fonts.size
    p.text(
        right,
        y,
        f"For {inv.seller.name}" if st.lang != "hi" else f"कृते {inv.seller.name}",
        style="bold",
        fill=st.ink,
        anchor="ra",
    )
    signature(p, rng, right - 260, y + size * 2.6)
    p.text(
        right,
        y + size * 4.2,
        "Authorised Signatory" if st.lang != "hi" else "अधिकृत हस्ताक्षरकर्ता",
        fill=st.ink,
        anchor="ra",
    )
    if st.stamp:
        stamp(p, rng, right - rng.randint(250, 420), y + size * rng.uniform(-3, 3), inv.seller.name)
    return y + size * 5.5
