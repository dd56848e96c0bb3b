"""Label sheets: the PDF renders and every QR on page 1 decodes back to its code."""

from __future__ import annotations

import csv
from pathlib import Path

import pypdfium2 as pdfium

from claims.codes import make_code, parse_code, printed
from claims.sheets import DEFAULT_COLUMNS, DEFAULT_ROWS, Label, write_csv, write_sheet_pdf
from claims.vision.qr import decode_image

SECRET = b"sheet-test-secret"


def _labels(n: int) -> list[Label]:
    return [Label(make_code(SECRET, 12, i).text, "CAB-2.5SQ", 5 + i % 3) for i in range(n)]


def test_pdf_page_one_round_trips(tmp_path: Path) -> None:
    labels = _labels(30)
    seen: list[int] = []
    path = tmp_path / "sheet.pdf"
    assert (
        write_sheet_pdf(path, iter(labels), program_name="Vajra (Cables) Rewards", progress=seen.append) == 30
    )
    per_page = DEFAULT_COLUMNS * DEFAULT_ROWS
    assert seen == [per_page, 30]
    doc = pdfium.PdfDocument(str(path))
    try:
        assert len(doc) == 2
        page = doc[0]
        image = page.render(scale=150 / 72).to_pil()
        text = page.get_textpage().get_text_range()
    finally:
        doc.close()
    hits = decode_image(image, max_codes=50)
    assert {h.text for h in hits} == {label.code_text for label in labels[:per_page]}
    for hit in hits:
        assert parse_code(SECRET, hit.text).batch == 12
    assert printed(labels[0].code_text) in text
    assert "Vajra (Cables) Rewards" in text


def test_empty_run_is_a_valid_pdf(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    assert write_sheet_pdf(path, [], program_name="X") == 0
    doc = pdfium.PdfDocument(str(path))
    assert len(doc) == 1
    doc.close()


def test_csv(tmp_path: Path) -> None:
    labels = _labels(3)
    path = tmp_path / "codes.csv"
    assert write_csv(path, labels) == 3
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["code", "printed_code", "sku", "points"]
    assert rows[1] == [labels[0].code_text, printed(labels[0].code_text), "CAB-2.5SQ", "5"]
