"""Layout families of Indian GST invoices: each renders an `Invoice` to page images (RGB, ~150 dpi).

Families: tally, busy, marg, saas, erp_landscape, billbook, thermal, two_column, bilingual, hindi,
words, einvoice, multipage. What each looks like is in its docstring; labels, field order,
fonts, colours, stamps and distractor fields vary per invoice (`blocks.Style`).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image

from bench.corpus import blocks as b
from bench.corpus.draw import Fonts, Page, signature, stamp
from bench.corpus.model import Invoice, money_text, words_en

A4 = (1240, 1754)


def _title(p: Page, st: b.Style, y: float, text: str = "TAX INVOICE") -> float:
    p.text(p.width / 2, y, text, style="bold", size=int(p.fonts.size * 1.3), fill=st.accent, anchor="ma")
    return y + p.fonts.size * 2.2


def tally(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Tally-style: everything in ruled boxes; number and date in cells, label over value."""
    p = Page(*A4, fonts)
    m = 60
    y = _title(p, st, 40)
    p.box(m, y, p.width - m, p.height - 80, outline=st.ink)
    top = y
    y = b.letterhead(p, inv, st, m + 15, y + 12, big=1.25)
    b.meta_cells(p, st.meta(rng, inv), st, p.width / 2, top, p.width / 2 - m, cols=2)
    p.line(m, y, p.width - m, y, fill=st.ink)
    y = b.party(p, inv, st, m + 15, y + 10)
    y = b.items(p, inv, st, m, y, p.width - 2 * m)
    y = b.totals(p, inv, st, p.width - m - 15, y, label_x=p.width / 2)
    if st.words:
        y = b.words(p, inv, st, m + 15, y)
    b.footer(p, inv, st, rng, p.width - m - 20, y + 20)
    return [p.image]


def busy(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Busy/Marg-style: centred letterhead, 'Label : value' lines in two columns, dotted rules."""
    p = Page(*A4, fonts)
    m = 70
    y = b.letterhead(p, inv, st, p.width / 2, 40, align="ma")
    y = _title(p, st, y, rng.choice(["TAX INVOICE", "GST INVOICE", "RETAIL INVOICE"]))
    p.dashed(m, y - 10, p.width - m)
    top = y
    pairs = st.meta(rng, inv)
    b.party(p, inv, st, m, top + 8)
    y = b.meta_lines(p, pairs, st, p.width * 0.58, top + 8, sep=" : ", value_x=p.width * 0.58 + 190)
    y = max(y, top + p.fonts.size * 9) + 10
    p.dashed(m, y, p.width - m)
    y = b.items(p, inv, st, m, y + 10, p.width - 2 * m, bordered=False)
    y = b.totals(p, inv, st, p.width - m, y, label_x=p.width * 0.55)
    if st.words:
        y = b.words(p, inv, st, m, y)
    b.footer(p, inv, st, rng, p.width - m, y + 30)
    return [p.image]


def marg(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Dot-matrix look: monospace everywhere, 'Label: value' on one line, dashed separators."""
    fonts.body = fonts.bold = fonts.mono
    return busy(inv, rng, fonts, st)


def saas(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Modern SaaS PDF: coloured band, big 'Invoice' title, meta right-aligned, airy table."""
    p = Page(*A4, fonts)
    m = 80
    p.box(0, 0, p.width, 150, outline=st.accent, fill=st.accent)
    p.text(
        m,
        45,
        rng.choice(["Tax Invoice", "INVOICE", "Invoice"]),
        style="bold",
        size=int(fonts.size * 2.2),
        fill=(255, 255, 255),
    )
    y = b.letterhead(p, inv, st, m, 190, big=1.2)
    right = p.width - m
    yy = 190
    for label, value in st.meta(rng, inv):
        p.text(right - 250, yy, label, fill=(110, 110, 110), anchor="ra")
        p.text(right, yy, value, style="bold", fill=st.ink, anchor="ra")
        yy += fonts.size * 1.6
    y = max(y, yy) + 20
    y = b.party(p, inv, st, m, y)
    y = b.items(p, inv, st, m, y + 10, p.width - 2 * m, bordered=rng.random() < 0.5)
    y = b.totals(p, inv, st, right, y + 10, label_x=p.width * 0.55)
    if st.words:
        y = b.words(p, inv, st, m, y)
    p.text(m, p.height - 90, "This is a computer generated invoice.", size=int(fonts.size * 0.8), fill=(120, 120, 120))
    b.footer(p, inv, st, rng, right, y + 20)
    return [p.image]


def erp_landscape(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """ERP print on A4 landscape: three header columns (seller, buyer, document), a wide table."""
    p = Page(A4[1], A4[0], fonts)
    m = 60
    y = _title(p, st, 30)
    b.letterhead(p, inv, st, m, y, big=1.15)
    b.party(p, inv, st, p.width * 0.38, y)
    yy = b.meta_lines(p, st.meta(rng, inv), st, p.width * 0.70, y, sep=": ")
    y = max(yy, y + fonts.size * 9)
    y = b.items(p, inv, st, m, y, p.width - 2 * m)
    y = b.totals(p, inv, st, p.width - m, y, label_x=p.width * 0.62)
    if st.words:
        b.words(p, inv, st, m, y)
    b.footer(p, inv, st, rng, p.width * 0.45, y)
    return [p.image]


def billbook(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Pre-printed bill book filled in by hand: printed labels in red or blue, a bare 'No.' with the
    number printed in red, values in a handwriting font, ruled lines."""
    p = Page(1000, 1400, fonts, paper=rng.choice([(255, 255, 250), (250, 250, 240), (255, 252, 245)]))
    printed = rng.choice([(180, 30, 30), (30, 60, 160)])
    pen = rng.choice([(20, 30, 120), (20, 20, 20)])
    st.ink = printed
    st.number_label = "No."
    m = 50
    y = b.letterhead(p, inv, st, p.width / 2, 30, align="ma", big=1.4)
    p.line(m, y, p.width - m, y, fill=printed, width=3)
    y += 15
    p.text(m, y, "No.", style="bold", fill=printed)
    p.text(
        m + p.width_of("No. ", style="bold") + 6,
        y - 2,
        inv.number,
        style="bold",
        size=int(fonts.size * 1.25),
        fill=(200, 20, 20),
    )
    p.text(p.width - m - 260, y, "Date", fill=printed)
    p.text(p.width - m - 190, y - 6, st.date_text, style="hand", size=int(fonts.size * 1.2), fill=pen)
    y += fonts.size * 2.2
    p.text(m, y, "M/s.", fill=printed)
    p.text(m + 80, y - 6, inv.buyer.name, style="hand", size=int(fonts.size * 1.2), fill=pen)
    p.line(m + 70, y + fonts.size * 1.2, p.width - m, y + fonts.size * 1.2, fill=printed, width=1)
    y += fonts.size * 2
    if inv.buyer.gstin:
        p.text(m, y, "GSTIN", fill=printed)
        p.text(m + 110, y - 4, inv.buyer.gstin, style="hand", fill=pen)
        y += fonts.size * 2
    for k, item in enumerate(inv.items, 1):
        p.line(m, y + fonts.size * 1.5, p.width - m, y + fonts.size * 1.5, fill=printed, width=1)
        p.text(m, y, f"{k}. {item.description} x {item.qty}", style="hand", fill=pen)
        p.text(
            p.width - m,
            y,
            f"{item.amount_paise // 100}/-" if item.amount_paise % 100 == 0 else f"{item.amount_paise / 100:.2f}",
            style="hand",
            fill=pen,
            anchor="ra",
        )
        y += fonts.size * 2
    y += 10
    tax = "IGST" if inv.igst else "CGST+SGST"
    for label, value in (("Taxable", inv.taxable), (tax, inv.tax)):
        p.text(p.width / 2, y, label, fill=printed)
        p.text(p.width - m, y, f"{value / 100:.2f}", style="hand", fill=pen, anchor="ra")
        y += fonts.size * 1.8
    if inv.round_off:
        p.text(p.width / 2, y, "R/off", fill=printed)
        p.text(p.width - m, y, f"{inv.round_off / 100:+.2f}", style="hand", fill=pen, anchor="ra")
        y += fonts.size * 1.8
    p.text(p.width / 2, y, st.total_label, style="bold", fill=printed)
    p.text(
        p.width - m,
        y - 6,
        money_text(inv.total, rng, style=rng.choice(["plain", "slash", "rs"])),
        style="hand",
        size=int(fonts.size * 1.3),
        fill=pen,
        anchor="ra",
    )
    y += fonts.size * 2.4
    if st.words:
        p.text(m, y, "Rs. (in words)", fill=printed)
        p.text(
            m + 190,
            y - 4,
            words_en(inv.total).removeprefix("Rupees "),
            style="hand",
            size=int(fonts.size * 0.9),
            fill=pen,
        )
        y += fonts.size * 2
    signature(p, rng, p.width - m - 250, y + 50)
    p.text(p.width - m, y + 90, "Signature", fill=printed, anchor="ra")
    if st.stamp:
        stamp(p, rng, p.width - m - 330, y + 40, inv.seller.name)
    return [p.image]


def thermal(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Thermal POS receipt: narrow, monospace, dashed rules, 'Bill No:' lines, TOTAL in bold."""
    fonts.body = fonts.bold = fonts.mono
    fonts.size = rng.randint(18, 22)
    w = rng.choice([480, 560, 600])
    p = Page(w, 900 + 70 * len(inv.items) + 200, fonts, paper=(252, 252, 250))
    ink = (25, 25, 25)
    st.ink = st.accent = ink
    c, m = w / 2, 20
    y = 25.0
    p.text(c, y, inv.seller.name, style="bold", fill=ink, anchor="ma")
    y += fonts.size * 1.4
    for line in [*inv.seller.address, f"{st.gstin_label}:{inv.seller.gstin}"]:
        p.text(c, y, line, size=int(fonts.size * 0.9), fill=ink, anchor="ma")
        y += fonts.size * 1.3
    p.dashed(m, y + 5, w - m)
    y += 18
    number_label = rng.choice(["Bill No", "Bill No.", "Inv No", "Receipt No", "Invoice No", "Bill#"])
    p.text(m, y, f"{number_label}: {inv.number}", fill=ink)
    y += fonts.size * 1.35
    p.text(
        m,
        y,
        f"{rng.choice(['Date', 'Dt'])}: {st.date_text}  {rng.randint(9, 20):02d}:{rng.randint(0, 59):02d}",
        fill=ink,
    )
    y += fonts.size * 1.35
    if inv.buyer.gstin and rng.random() < 0.6:
        p.text(m, y, f"Cust GSTIN:{inv.buyer.gstin}", size=int(fonts.size * 0.9), fill=ink)
        y += fonts.size * 1.35
    p.dashed(m, y + 5, w - m)
    y += 18
    for item in inv.items:
        p.text(m, y, item.description[:24], size=int(fonts.size * 0.9), fill=ink)
        y += fonts.size * 1.2
        p.text(m + 20, y, f"{item.qty} x {item.rate_paise / 100:.2f}", size=int(fonts.size * 0.9), fill=ink)
        p.text(w - m, y, f"{item.amount_paise / 100:.2f}", size=int(fonts.size * 0.9), fill=ink, anchor="ra")
        y += fonts.size * 1.35
    p.dashed(m, y + 5, w - m)
    y += 18
    rows = [("Sub Total", inv.taxable)]
    rows += [("IGST", inv.tax)] if inv.igst else [("CGST", inv.tax // 2), ("SGST", inv.tax // 2)]
    if inv.round_off:
        rows.append(("Round Off", inv.round_off))
    for label, value in rows:
        p.text(m, y, label, fill=ink)
        p.text(w - m, y, f"{value / 100:.2f}", fill=ink, anchor="ra")
        y += fonts.size * 1.35
    p.dashed(m, y + 5, w - m)
    y += 16
    total_label = rng.choice(["TOTAL", "NET AMOUNT", "GRAND TOTAL", "Total Rs.", "NET PAYABLE"])
    p.text(m, y, total_label, style="bold", size=int(fonts.size * 1.2), fill=ink)
    p.text(
        w - m,
        y,
        f"{inv.total / 100:,.2f}".replace(",", ""),
        style="bold",
        size=int(fonts.size * 1.2),
        fill=ink,
        anchor="ra",
    )
    y += fonts.size * 2.2
    p.text(
        c,
        y,
        rng.choice(["Thank You! Visit Again", "Goods once sold will not be taken back"]),
        size=int(fonts.size * 0.85),
        fill=ink,
        anchor="ma",
    )
    st.total_label, st.number_label = total_label, number_label
    return [p.image.crop((0, 0, w, int(y + 60)))]


def two_column(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Two columns: seller and document details left, buyer and totals right, items across."""
    p = Page(*A4, fonts)
    m = 60
    y = _title(p, st, 40)
    mid = p.width / 2
    p.line(mid, y, mid, y + fonts.size * 14, fill=st.ink, width=1)
    yl = b.letterhead(p, inv, st, m, y, big=1.2)
    yl = b.meta_lines(p, st.meta(rng, inv), st, m, yl, sep=rng.choice([": ", " - ", " "]))
    yr = b.party(p, inv, st, mid + 20, y)
    y = max(yl, yr) + 10
    y = b.items(p, inv, st, m, y, p.width - 2 * m)
    y = b.totals(p, inv, st, p.width - m, y, label_x=mid + 20)
    if st.words:
        y = b.words(p, inv, st, m, y)
    b.footer(p, inv, st, rng, p.width - m, y + 10)
    return [p.image]


def bilingual(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Hindi/English labels side by side ('बिल नं. / Bill No.'), English values."""
    pages = rng.choice([tally, busy, two_column])(inv, rng, fonts, st)
    return pages


def hindi(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Hindi-only labels and party names (Devanagari), Latin digits for values, 'कर बीजक' title."""
    p = Page(*A4, fonts)
    m = 60
    y = _title(p, st, 40, rng.choice(["कर बीजक", "टैक्स इनवॉइस", "बिल"]))
    y = b.letterhead(p, inv, st, p.width / 2, y, align="ma", big=1.3)
    top = y
    b.party(p, inv, st, m, top)
    yy = b.meta_lines(p, st.meta(rng, inv), st, p.width * 0.58, top, sep=": ")
    y = max(yy, top + fonts.size * 8) + 10
    y = b.items(p, inv, st, m, y, p.width - 2 * m)
    y = b.totals(p, inv, st, p.width - m, y, label_x=p.width * 0.55)
    if st.words:
        y = b.words(p, inv, st, m, y)
    b.footer(p, inv, st, rng, p.width - m, y + 10)
    return [p.image]


def words_family(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Formal invoice whose amount in words is always printed under the totals."""
    st.words = True
    return rng.choice([tally, two_column, saas])(inv, rng, fonts, st)


def multipage(inv: Invoice, rng: random.Random, fonts: Fonts, st: b.Style) -> list[Image.Image]:
    """Two pages: header and the first items on page 1 ('continued'), the rest and totals on page 2."""
    p1 = Page(*A4, fonts)
    m = 60
    y = _title(p1, st, 40)
    y = b.letterhead(p1, inv, st, m, y, big=1.2)
    yy = b.meta_lines(p1, st.meta(rng, inv), st, p1.width * 0.58, 120, sep=": ")
    y = b.party(p1, inv, st, m, max(y, yy) + 10)
    half = max(1, len(inv.items) // 2)
    y = b.items(p1, inv, st, m, y, p1.width - 2 * m, rows=inv.items[:half])
    p1.text(p1.width - m, y + 10, "continued on page 2 ...", fill=st.ink, anchor="ra")
    p1.text(p1.width / 2, p1.height - 60, "Page 1 of 2", fill=st.ink, anchor="ma")
    p2 = Page(*A4, fonts)
    p2.text(m, 50, f"{inv.seller.name} - {st.number_label} {inv.number} (contd.)", fill=st.ink)
    y = b.items(p2, inv, st, m, 110, p2.width - 2 * m, rows=inv.items[half:])
    y = b.totals(p2, inv, st, p2.width - m, y, label_x=p2.width * 0.55)
    if st.words:
        y = b.words(p2, inv, st, m, y)
    b.footer(p2, inv, st, rng, p2.width - m, y + 10)
    p2.text(p2.width / 2, p2.height - 60, "Page 2 of 2", fill=st.ink, anchor="ma")
    return [p1.image, p2.image]


Renderer = Callable[[Invoice, random.Random, Fonts, b.Style], list[Image.Image]]

FAMILIES: dict[str, tuple[Renderer, str]] = {
    "tally": (tally, "en"),
    "busy": (busy, "en"),
    "marg": (marg, "en"),
    "saas": (saas, "en"),
    "erp_landscape": (erp_landscape, "en"),
    "billbook": (billbook, "en"),
    "thermal": (thermal, "en"),
    "two_column": (two_column, "en"),
    "bilingual": (bilingual, "bi"),
    "hindi": (hindi, "hi"),
    "words": (words_family, "en"),
    "einvoice": (tally, "en"),
    "multipage": (multipage, "en"),
}
"""Family name -> (renderer, label language). 'einvoice' pages get the signed QR added by `make`."""
