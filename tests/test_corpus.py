"""The corpus generator: families render, photographs are JPEGs, the truth is exact and reproducible."""

from __future__ import annotations

import io
import json

import jwt
from PIL import Image

from bench.corpus.families import FAMILIES
from bench.corpus.make import KEY_NAME, make
from bench.corpus.model import make_invoice, words_en, words_hi
from claims.amount_words import hindi_words_to_paise, words_to_paise
from claims.gstin import is_valid


def test_at_least_twelve_layout_families() -> None:
    assert len(FAMILIES) >= 12
    assert {"tally", "thermal", "billbook", "hindi", "bilingual", "einvoice", "multipage", "erp_landscape"} <= set(
        FAMILIES)


def test_invoices_are_consistent_and_words_read_back() -> None:
    import random

    for seed in range(20):
        inv = make_invoice(random.Random(seed))
        assert is_valid(inv.seller.gstin) and inv.total == inv.taxable + inv.tax + inv.round_off
        assert words_to_paise(words_en(inv.total)) == inv.total
        assert hindi_words_to_paise(words_hi(inv.total)) == inv.total


def test_make_writes_photos_and_truth_reproducibly(tmp_path) -> None:
    families = ["thermal", "einvoice", "multipage"]
    make(tmp_path / "a", 3, 7, families=families, echo=lambda _: None)
    make(tmp_path / "b", 3, 7, families=families, echo=lambda _: None)
    rows = [json.loads(line) for line in (tmp_path / "a" / "truth.jsonl").read_text().splitlines()]
    assert {r["layout"] for r in rows} == set(families)
    for row in rows:
        data = (tmp_path / "a" / row["filename"]).read_bytes()
        if row["variant"] == "photo":
            assert data == (tmp_path / "b" / row["filename"]).read_bytes() or row["layout"] == "einvoice"
            assert Image.open(io.BytesIO(data)).format == "JPEG" and 50 <= row["photo"]["jpeg_quality"] <= 75
        else:
            assert data.startswith(b"%PDF") and len(row["photo"]) == 2
        assert row["expected"] == "extract" and is_valid(row["supplier_gstin"])
    signed = next(r for r in rows if r["layout"] == "einvoice")["einvoice"]
    key = (tmp_path / "a" / KEY_NAME).read_bytes()
    payload = jwt.decode(signed["qr_payload"], key, algorithms=["RS256"])
    assert json.loads(payload["data"])["Irn"] == signed["irn"]
