"""The invoices of the corpus: random but consistent GST invoices, and how each prints its values.

Why: a corpus is only useful for measuring if the truth is exact; every printed value here is
derived from one `Invoice` (integer paise, GSTIN with a valid check character, dates inside the
claim window), so the truth line is the invoice itself.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta

from claims.amount_words import _ENGLISH_UNITS, _HI_UNITS
from claims.amounts import indian_format
from claims.gstin import check_char

TODAY = date(2026, 11, 23)
"""The corpus's 'today': invoice dates fall within 100 days before it (as in the samples)."""

STATES = [
    ("09", "Uttar Pradesh", ["Lucknow", "Kanpur", "Agra", "Varanasi"], "226"),
    ("07", "Delhi", ["New Delhi", "Delhi"], "110"),
    ("27", "Maharashtra", ["Mumbai", "Pune", "Nagpur"], "411"),
    ("24", "Gujarat", ["Ahmedabad", "Surat", "Rajkot"], "380"),
    ("08", "Rajasthan", ["Jaipur", "Jodhpur", "Kota"], "302"),
    ("23", "Madhya Pradesh", ["Bhopal", "Indore", "Gwalior"], "462"),
    ("10", "Bihar", ["Patna", "Gaya"], "800"),
    ("06", "Haryana", ["Gurugram", "Faridabad", "Hisar"], "122"),
    ("29", "Karnataka", ["Bengaluru", "Mysuru"], "560"),
    ("33", "Tamil Nadu", ["Chennai", "Coimbatore"], "600"),
    ("22", "Chhattisgarh", ["Raipur", "Bilaspur"], "492"),
    ("19", "West Bengal", ["Kolkata", "Siliguri"], "700"),
]
FIRST = [
    "Shree",
    "Sai",
    "Maa Durga",
    "Ganesh",
    "Kaveri",
    "Ambika",
    "Laxmi",
    "Rathore",
    "Gupta",
    "Bharat",
    "Om",
    "Jai Hind",
    "Mahavir",
    "Balaji",
    "Krishna",
    "Saraswati",
    "Patel",
    "Agarwal",
    "Sharma",
    "Verma",
]
TRADE = [
    "Traders",
    "Enterprises",
    "Hardware",
    "Electricals",
    "Cement Agency",
    "Building Materials",
    "Pipes & Sanitation",
    "Steel Centre",
    "Paints & Hardware",
    "Distributors",
    "Sales Corporation",
    "Marketing Pvt. Ltd.",
]
HINDI_FIRST = ["श्री", "साई", "माँ दुर्गा", "गणेश", "लक्ष्मी", "बालाजी", "महावीर", "कृष्णा", "भारत", "ओम"]
HINDI_TRADE = ["ट्रेडर्स", "इंटरप्राइजेज", "हार्डवेयर", "इलेक्ट्रिकल्स", "सीमेंट एजेंसी", "बिल्डिंग मटेरियल"]
PRODUCTS = [
    ("UltraTech Cement PPC 50 kg", "2523", "Bag", 380_00, 28),
    ("ACC Gold Cement 50 kg", "2523", "Bag", 420_00, 28),
    ("Polycab Wire 1.5 sq mm 90 m", "8544", "Coil", 1_650_00, 18),
    ("Havells Wire 2.5 sq mm", "8544", "Coil", 2_450_00, 18),
    ("Finolex PVC Pipe 4 kg/cm2 6 m", "3917", "Pcs", 831_00, 18),
    ("Astral CPVC Elbow 1 inch", "3917", "Nos", 26_84, 18),
    ("TMT Bar Fe500 12 mm", "7214", "Kg", 64_50, 18),
    ("Asian Paints Apex 20 L", "3209", "Drum", 4_250_00, 18),
    ("Anchor Switch 6A", "8536", "Nos", 48_00, 18),
    ("MCB 32A Double Pole", "8536", "Nos", 520_00, 18),
    ("Jaquar Pillar Cock", "8481", "Nos", 1_150_00, 18),
    ("Wall Putty 40 kg", "3214", "Bag", 720_00, 18),
    ("Kajaria Floor Tile 2x2", "6907", "Box", 560_00, 18),
    ("Binding Wire 20 G", "7217", "Kg", 78_00, 18),
]
HINDI_PRODUCTS = {"Bag": "बोरी", "Coil": "कॉइल", "Pcs": "पीस", "Nos": "नग", "Kg": "किलो", "Drum": "ड्रम", "Box": "डिब्बा"}


def gstin(rng: random.Random, state: str) -> str:
    letters = string.ascii_uppercase
    pan = "".join(rng.choice(letters) for _ in range(3)) + rng.choice("CPFHAT") + rng.choice(letters)
    pan += f"{rng.randrange(10000):04d}" + rng.choice(letters)
    first14 = state + pan + rng.choice("123456789") + "Z"
    return first14 + check_char(first14)


@dataclass
class Party:
    name: str
    gstin: str | None
    address: list[str]
    state: str
    state_code: str
    phone: str


@dataclass
class Item:
    description: str
    hsn: str
    qty: int
    unit: str
    rate_paise: int
    tax_rate: int

    @property
    def amount_paise(self) -> int:
        return self.qty * self.rate_paise


@dataclass
class Invoice:
    seller: Party
    buyer: Party
    number: str
    day: date
    items: list[Item]
    igst: bool
    taxable: int = 0
    tax: int = 0
    round_off: int = 0
    total: int = 0
    extra: dict = field(default_factory=dict)

    def compute(self, round_rupee: bool) -> None:
        self.taxable = sum(i.amount_paise for i in self.items)
        self.tax = sum(round(i.amount_paise * i.tax_rate / 100) for i in self.items)
        if not self.igst:  # CGST and SGST are printed as two equal halves
            self.tax = sum(2 * round(i.amount_paise * i.tax_rate / 200) for i in self.items)
        gross = self.taxable + self.tax
        self.total = round(gross / 100) * 100 if round_rupee else gross
        self.round_off = self.total - gross


def _party(rng: random.Random, state_row: tuple, hindi: bool, registered: bool = True) -> Party:
    code, state, cities, pin = state_row
    if hindi:
        name = f"{rng.choice(HINDI_FIRST)} {rng.choice(HINDI_TRADE)}"
    else:
        name = f"{rng.choice(FIRST)} {rng.choice(TRADE)}"
    city = rng.choice(cities)
    address = [
        f"{rng.choice(['Shop No.', 'Plot No.', 'H.No.', 'Khasra No.'])} {rng.randint(1, 450)}, "
        f"{rng.choice(['Station Road', 'Ring Road', 'Main Bazar', 'Industrial Area', 'Naka Hindola'])}",
        f"{city} - {pin}{rng.randint(0, 999):03d}",
    ]
    phone = f"+91-{rng.choice('6789')}{rng.randrange(10**8, 10**9)}"
    return Party(name, gstin(rng, code) if registered else None, address, state, code, phone)


NUMBER_STYLES = [
    lambda r, fy: f"INV/{fy}/{r.randint(1, 4999):05d}",
    lambda r, fy: f"GST-{r.randint(100, 9999)}",
    lambda r, fy: (
        f"{''.join(r.choice('ABCDEFGHKMNPRSTUVW') for _ in range(r.randint(2, 3)))}/{fy[2:]}/{r.randint(1, 3999):04d}"
    ),
    lambda r, fy: f"TI-{r.randint(1, 9999):05d}",
    lambda r, fy: str(r.randint(1, 9999)),
    lambda r, fy: f"{r.choice('ABDKRS')}-{r.randint(100, 9999)}",
    lambda r, fy: f"SB/{r.randint(100, 9999)}/26",
    lambda r, fy: f"{r.choice(['RT', 'BL', 'CM'])}{r.randint(10000, 99999)}",
    lambda r, fy: f"{r.randint(1, 999)}/{fy}",
    lambda r, fy: f"INV-{r.randint(2026000, 2026999)}",
]


def make_invoice(rng: random.Random, *, hindi: bool = False, items: tuple[int, int] = (1, 6)) -> Invoice:
    seller_state = rng.choice(STATES)
    buyer_state = seller_state if rng.random() < 0.6 else rng.choice(STATES)
    seller = _party(rng, seller_state, hindi)
    buyer = _party(rng, buyer_state, hindi, registered=rng.random() < 0.9)
    day = TODAY - timedelta(days=rng.randint(1, 100))
    fy = "2026-27" if day >= date(2026, 4, 1) else "2025-26"
    number = rng.choice(NUMBER_STYLES)(rng, fy)
    chosen = []
    for _ in range(rng.randint(*items)):
        desc, hsn, unit, rate, tax = rng.choice(PRODUCTS)
        rate = int(rate * rng.uniform(0.85, 1.2))
        if rng.random() < 0.6:
            rate = rate // 100 * 100
        chosen.append(Item(desc, hsn, rng.randint(1, 250 if rate < 100_00 else 40), unit, max(100, rate), tax))
    invoice = Invoice(seller, buyer, number, day, chosen, igst=seller.state_code != buyer.state_code)
    invoice.compute(round_rupee=rng.random() < 0.7)
    return invoice


DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "{d}-%b-%y", "{d} %b %Y", "%Y-%m-%d", "{d} %B %Y", "%d.%m.%Y", "%d-%b-%Y"]


def date_text(day: date, rng: random.Random) -> str:
    fmt = rng.choice(DATE_FORMATS)
    return day.strftime(fmt.replace("{d}", str(day.day)))


def money_text(paise: int, rng: random.Random, *, style: str | None = None) -> str:
    style = style or rng.choice(["rupee", "rs", "plain", "inr", "slash"])
    figure = indian_format(paise)
    if style == "rupee":
        return f"₹ {figure}"
    if style == "rs":
        return f"Rs. {figure}"
    if style == "inr":
        return f"INR {figure}"
    if style == "slash":
        return f"Rs. {figure.split('.')[0]}/-" if paise % 100 == 0 else f"Rs. {figure}"
    return figure


def _en_below_100(n: int) -> str:
    return (
        _ENGLISH_UNITS[n]
        if n < 20
        else (
            ["", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"][n // 10]
            + (f" {_ENGLISH_UNITS[n % 10].title()}" if n % 10 else "")
        ).strip()
    )


def words_en(paise: int) -> str:
    """Indian-system words: 'Rupees One Lakh Twenty Three Thousand ... and Fifty Paise Only'."""
    rupees, rest = divmod(paise, 100)
    parts = []
    for scale, name in ((10**7, "Crore"), (10**5, "Lakh"), (1000, "Thousand"), (100, "Hundred")):
        if rupees >= scale:
            parts.append(f"{_en_below_100(rupees // scale).title()} {name}")
            rupees %= scale
    if rupees:
        parts.append(_en_below_100(rupees).title())
    text = "Rupees " + " ".join(parts)
    if rest:
        text += f" and {_en_below_100(rest).title()} Paise"
    return text + " Only"


def words_hi(paise: int) -> str:
    """Hindi words as printed on invoices: 'रुपये एक लाख तेईस हज़ार चार सौ छप्पन और पचास पैसे मात्र'."""
    rupees, rest = divmod(paise, 100)
    parts = []
    for scale, name in ((10**7, "करोड़"), (10**5, "लाख"), (1000, "हज़ार"), (100, "सौ")):
        if rupees >= scale:
            parts.append(f"{_HI_UNITS[rupees // scale]} {name}")
            rupees %= scale
    if rupees:
        parts.append(_HI_UNITS[rupees])
    if rest:
        parts.append(f"और {_HI_UNITS[rest]} पैसे")
    return "रुपये " + " ".join(parts) + " मात्र"
