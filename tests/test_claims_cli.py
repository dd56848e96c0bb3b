"""Claim commands run the bot's own code paths: issue, decode, void, read."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from tests.botkit import app_environ
from tests.samples import SAMPLES_DIR, sample


def test_qr_issue_writes_sheet_csv_and_json_that_decode_back(app, standin, tmp_path: Path) -> None:
    env = app_environ(app.config["DATABASE_URL"], standin.url)
    result = CliRunner().invoke(main, ["qr", "issue", "--sku", "CBL-2.5MM", "--points", "12", "--count", "30",
                                       "--region", "226,2270", "--out", str(tmp_path), "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["count"] == 30 and len(set(data["codes"])) == 30 and data["regions"] == ["226", "2270"]
    csv_lines = (tmp_path / f"batch-{data['batch']}.csv").read_text().splitlines()
    assert len(csv_lines) == 31
    import pypdfium2

    from claims.vision.qr import decode_image

    pdf = pypdfium2.PdfDocument(str(tmp_path / f"batch-{data['batch']}.pdf"))
    page = pdf[0].render(scale=150 / 72).to_pil()
    decoded = {h.text for h in decode_image(page)}
    assert decoded and decoded <= {c.replace("-", "") for c in data["codes"]}
    pdf.close()

    decode = CliRunner().invoke(main, ["qr", "decode", str(tmp_path / f"batch-{data['batch']}.pdf"), "--json"],
                                env=env)
    found = json.loads(decode.output.strip().splitlines()[-1])["codes"]
    assert found and all(c["valid"] and c["batch"] == data["batch"] for c in found)

    void = CliRunner().invoke(main, ["qr", "void", str(data["batch"]), "--reason", "misprint"], env=env)
    assert void.exit_code == 0 and "voided" in void.output


def test_qr_decode_reports_codes_that_are_not_ours(app, standin) -> None:
    env = app_environ(app.config["DATABASE_URL"], standin.url)
    sample("004.jpg")
    result = CliRunner().invoke(main, ["qr", "decode", str(SAMPLES_DIR / "004.jpg"), "--json"], env=env)
    codes = json.loads(result.output.strip().splitlines()[-1])["codes"]
    assert len(codes) == 10 and not any(c["valid"] for c in codes)


def test_invoices_read_json_has_fields_and_confidence(app, standin) -> None:
    env = app_environ(app.config["DATABASE_URL"], standin.url)
    sample("002.pdf")
    result = CliRunner().invoke(main, ["invoices", "read", str(SAMPLES_DIR / "002.pdf"), "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["outcome"] == "ok" and data["certain"] is True
    assert data["supplier_gstin"] == {"value": "29VZUPS7965V1ZQ", "confidence": data["supplier_gstin"]["confidence"],
                                      "source": "text"}
    assert data["total_paise"]["value"] == 18858900 and data["invoice_date"]["value"] == "2026-09-23"
