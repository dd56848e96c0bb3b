"""read_invoice on a few development samples, checked against their truth.jsonl lines.

Skipped when /work/shared/samples is absent. Kept short (one file per behaviour).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from claims.invoice_read import ReadOutcome, read_invoice

SAMPLES = Path("/work/shared/samples")
TODAY = date(2026, 11, 23)

pytestmark = pytest.mark.skipif(not (SAMPLES / "truth.jsonl").exists(), reason=f"{SAMPLES} not present")


def _truth() -> dict[str, dict]:
    lines = (SAMPLES / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return {t["filename"]: t for t in map(json.loads, filter(None, lines))}


def _first(predicate: object) -> str:
    for name, t in sorted(_truth().items()):
        if predicate(t):  # type: ignore[operator]
            return name
    pytest.skip("no sample of this kind")


def _read(name: str) -> object:
    key = (SAMPLES / "einvoice-test-public.pem").read_bytes()
    return read_invoice((SAMPLES / name).read_bytes(), einvoice_public_key=key, today=TODAY)


@pytest.mark.parametrize(
    ("expected", "outcome"),
    [
        ("reject_corrupt", ReadOutcome.CORRUPT),
        ("reject_too_large", ReadOutcome.TOO_LARGE),
        ("reject_blank", ReadOutcome.BLANK),
        ("reject_not_invoice", ReadOutcome.NOT_INVOICE),
        ("retake_blurry", ReadOutcome.BLURRY),
        ("reject_forged", ReadOutcome.FORGED),
    ],
)
def test_negatives(expected: str, outcome: ReadOutcome) -> None:
    reading = _read(_first(lambda t: t["expected"] == expected))
    assert reading.outcome == outcome
    assert not reading.certain


def _assert_fields(reading: object, truth: dict) -> None:
    assert reading.supplier_gstin.value == truth["supplier_gstin"]
    assert reading.invoice_number.value == truth["invoice_number"]
    assert reading.invoice_date.value == truth["invoice_date"]
    assert reading.total_paise.value == truth["grand_total_paise"]


def test_signed_einvoice_is_verified_and_certain() -> None:
    name = _first(lambda t: t.get("einvoice") and t["expected"] == "extract" and t["variant"] == "clean")
    reading = _read(name)
    truth = _truth()[name]
    assert reading.outcome == ReadOutcome.OK
    assert reading.einvoice_signed
    assert reading.irn == truth["einvoice"]["irn"]
    assert reading.certain
    _assert_fields(reading, truth)
    assert reading.to_json()["outcome"] == "ok"


def test_text_pdf_read_without_ocr() -> None:
    name = _first(lambda t: t["variant"] == "pdf_text" and not t.get("einvoice"))
    reading = _read(name)
    assert reading.outcome == ReadOutcome.OK
    assert reading.supplier_gstin.source == "text"
    assert reading.certain
    _assert_fields(reading, _truth()[name])
    assert reading.image_hash and len(reading.image_hash) == 16


def test_photo_is_right_whenever_certain() -> None:
    name = _first(lambda t: t["variant"] == "photo" and t["expected"] == "extract" and t["layout"] == "thermal")
    reading = _read(name)
    assert reading.outcome == ReadOutcome.OK
    if reading.certain:
        _assert_fields(reading, _truth()[name])
    else:
        assert reading.doubts
