"""Dev loop: run read_invoice over a samples directory and print per-file mismatches.

Why: fast feedback while tuning the parsers (two files at a time, so its seconds are not the
per-file figures); `bench/claims.py` is the full, sequential report.
Usage: python -m bench.dev_invoices DIR [FILE ...]
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from claims.invoice_read import read_invoice

DUMP_DIR = os.environ.get("INAAM_DEV_DUMP", "")
"""When set, the text read from each file is written there (for looking at OCR output)."""

FIELDS = (
    ("supplier_gstin", "supplier_gstin"),
    ("invoice_number", "invoice_number"),
    ("invoice_date", "invoice_date"),
    ("total_paise", "grand_total_paise"),
)


def _one(args: tuple[str, str]) -> tuple[str, dict]:
    path, key = args
    pem = Path(key).read_bytes() if Path(key).exists() else None
    return path, read_invoice(Path(path).read_bytes(), einvoice_public_key=pem).to_json()


def main(directory: str, only: list[str]) -> None:
    root = Path(directory)
    truth = [json.loads(line) for line in (root / "truth.jsonl").read_text().splitlines() if line.strip()]
    truth = [t for t in truth if t["kind"] != "qr" and (not only or t["filename"] in only)]
    key = str(root / "einvoice-test-public.pem")
    with ProcessPoolExecutor(2) as pool:
        results = dict(pool.map(_one, [(str(root / t["filename"]), key) for t in truth]))
    for t in truth:
        r = results[str(root / t["filename"])]
        if DUMP_DIR:
            out = Path(DUMP_DIR)
            out.mkdir(parents=True, exist_ok=True)
            (out / (t["filename"] + ".txt")).write_text(r["text"])
        bad = []
        if t["expected"] == "extract":
            for ours, theirs in FIELDS:
                if r[ours]["value"] != t[theirs]:
                    bad.append(f"{ours}: {r[ours]['value']!r} != {t[theirs]!r} ({r[ours]['confidence']})")
        flag = "WRONG-CERTAIN" if bad and r["certain"] else ""
        print(
            f"{t['filename']} {t['variant']:8} {t.get('layout')!s:9} {t['expected']:18} {r['outcome']:11} "
            f"certain={r['certain']!s:5} {r['seconds']:.1f}s {flag} doubts={r['doubts']}"
        )
        for b in bad:
            print("     ", b)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
