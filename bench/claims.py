"""Benchmark of claim-media reading against a truth file: `inaam bench claims DIR`.

Why: the automatic-credit gate is only as good as its measured wrong-certain count. This runs
`claims.invoice_read.read_invoice` (and the QR decoder for coupon photos) over DIR, compares
with DIR/truth.jsonl (format: samples README) and reports accuracy per field and variant,
certain rate, wrong-certain readings, negatives, e-invoice checks, QR decode rate by size and
timings. Files are read one at a time so the seconds are per-file wall time.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PIL import Image

from claims.invoice_read import read_invoice

logger = logging.getLogger(__name__)

FIELDS = {
    "supplier_gstin": "supplier_gstin",
    "invoice_number": "invoice_number",
    "invoice_date": "invoice_date",
    "total_paise": "grand_total_paise",
}
"""Our field name -> truth key, for the four claim fields."""

EXPECTED_OUTCOME = {
    "extract": "ok",
    "reject_blank": "blank",
    "reject_not_invoice": "not_invoice",
    "retake_blurry": "blurry",
    "reject_corrupt": "corrupt",
    "reject_too_large": "too_large",
    "reject_forged": "forged",
}
"""truth.jsonl ``expected`` -> the `ReadOutcome` value that satisfies it."""

QR_BUCKETS = ((0, 100, "<100px"), (100, 200, "100-200px"), (200, 10**9, "200px+"))
"""QR side buckets (pixels in the image) for the decode-rate table."""

CORPUS_TODAY = date(2026, 11, 23)
"""'Today' for files of our generated corpus (truth lines with a ``seed``)."""

PUBLIC_KEY_NAME = "einvoice-test-public.pem"
"""File in DIR holding the IRP public key used to verify e-invoice QRs."""


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _load_truth(directory: Path) -> list[dict]:
    lines = (directory / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _qr_decoder() -> Callable[[Image.Image], list] | None:
    try:
        from claims.vision.qr import decode_image
    except ImportError:
        return None
    return decode_image


def _bench_qr(path: Path, truth: dict, decode: Callable[[Image.Image], list]) -> dict:
    from claims.vision.imaging import load_pages

    started = time.monotonic()
    found = {hit.text for hit in decode(load_pages(path.read_bytes())[0])}
    seconds = time.monotonic() - started
    codes = [
        {
            "qr_px": c["qr_px"],
            "decoded": c["payload"] in found,
            "rectified_decodable": c.get("rectified_decodable", True),
        }
        for c in truth["codes"]
    ]
    return {
        "file": truth["filename"],
        "seconds": round(seconds, 3),
        "codes": codes,
        "extra": sorted(found - {c["payload"] for c in truth["codes"]}),
    }


def _bench_invoice(path: Path, truth: dict, key: bytes | None) -> dict:
    cpu = time.process_time()
    reading = read_invoice(path.read_bytes(), einvoice_public_key=key, today=_today(truth))
    cpu = time.process_time() - cpu
    row = {
        "file": truth["filename"],
        "kind": truth["kind"],
        "variant": truth["variant"],
        "layout": truth.get("layout"),
        "expected": truth["expected"],
        "outcome": reading.outcome.value,
        "outcome_ok": EXPECTED_OUTCOME.get(truth["expected"]) == reading.outcome.value,
        "certain": reading.certain,
        "seconds": reading.seconds,
        "cpu_seconds": round(cpu, 3),
        "doubts": reading.doubts,
        "agreed": reading.agreed,
        "candidates": reading.candidates,
        "einvoice_signed": reading.einvoice_signed,
        "fields": {},
    }
    if truth["expected"] == "extract":
        for ours, theirs in FIELDS.items():
            value = getattr(reading, ours).value
            row["fields"][ours] = {"ok": value == truth.get(theirs), "read": value, "truth": truth.get(theirs)}
        row["wrong_certain"] = reading.certain and not all(f["ok"] for f in row["fields"].values())
    else:
        row["wrong_certain"] = reading.certain
    return row


def _today(truth: dict) -> date | None:
    """Our corpus is dated against a fixed 'today' (its invoices must stay inside the claim window)."""
    return CORPUS_TODAY if "seed" in truth else None


def run(
    directory: Path,
    *,
    bot_path: Callable[..., float] | None = None,
    limit: int | None = None,
    bot_limit: int | None = None,
    rows_out: Path | None = None,
) -> dict:
    """Read every file listed in DIR/truth.jsonl and compare with the truth.

    Args:
        directory: folder with the media files, truth.jsonl and optionally the e-invoice key.
        bot_path: hook measuring photo-to-reply seconds through the whole bot for one file
            (``bot_path(path, buyer_gstin)``); called for the first ``bot_limit`` files of each kind.
        limit: read only the first ``limit`` files of truth.jsonl.
        rows_out: append each file's result to this JSON-lines file as soon as it is read.

    Returns:
        A JSON-able report (see `print_report`).
    """
    directory = Path(directory)
    key_path = directory / PUBLIC_KEY_NAME
    key = key_path.read_bytes() if key_path.exists() else None
    decode = _qr_decoder()
    from claims.vision import ppocr

    ppocr.warm_up()  # models load once per worker process, before the first photo
    rows: list[dict] = []
    qr_rows: list[dict] = []
    bot_seconds: dict[str, list[float]] = {}
    notes: list[str] = []
    if decode is None:
        notes.append("claims.vision.qr not importable: QR coupons skipped")
    out = rows_out.open("a", encoding="utf-8") if rows_out else None
    for truth in _load_truth(directory)[:limit]:
        path = directory / truth["filename"]
        if not path.exists():
            notes.append(f"missing file {truth['filename']}")
            continue
        if truth["kind"] == "qr":
            if decode is not None:
                qr_rows.append(_bench_qr(path, truth, decode))
                if out:
                    out.write(json.dumps({"qr": qr_rows[-1]}) + "\n")
        else:
            rows.append(_bench_invoice(path, truth, key))
            if out:
                out.write(json.dumps(rows[-1], default=str) + "\n")
        timed = bot_seconds.setdefault(truth["kind"], [])
        if bot_path is not None and (bot_limit is None or len(timed) < bot_limit):
            timed.append(bot_path(path, truth.get("buyer_gstin")))
        if out:
            out.flush()
    if out:
        out.close()
    return _summarize(rows, qr_rows, bot_seconds, notes, directory)


def summarize_rows(rows_file: Path, directory: Path) -> dict:
    """The report of a (possibly interrupted) run from its ``--rows-out`` file, without reading anything."""
    rows, qr_rows = [], []
    for line in rows_file.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if "qr" in item:
            qr_rows.append(item["qr"])
        else:
            rows.append(item)
    return _summarize(rows, qr_rows, {}, [f"summarised from {rows_file}: {len(rows) + len(qr_rows)} files"], directory)


def _summarize(
    rows: list[dict], qr_rows: list[dict], bot_seconds: dict[str, list[float]], notes: list[str], directory: Path
) -> dict:
    extract = [r for r in rows if r["expected"] == "extract"]
    by_variant: dict[str, dict] = {}
    for variant in [*sorted({r["variant"] for r in extract}), "all"]:
        subset = [r for r in extract if variant in ("all", r["variant"])]
        if not subset:
            continue
        by_variant[variant] = {
            "files": len(subset),
            **{f: round(sum(r["fields"][f]["ok"] for r in subset) / len(subset), 3) for f in FIELDS},
            "all_fields": round(sum(all(v["ok"] for v in r["fields"].values()) for r in subset) / len(subset), 3),
            "certain_rate": round(sum(r["certain"] for r in subset) / len(subset), 3),
        }
    by_family = _by_family(extract)
    negatives = [
        {"file": r["file"], "expected": r["expected"], "outcome": r["outcome"], "ok": r["outcome_ok"]}
        for r in rows
        if r["expected"] != "extract"
    ]
    einvoices = [
        {
            "file": r["file"],
            "expected": r["expected"],
            "outcome": r["outcome"],
            "signed_verified": r["einvoice_signed"],
            "ok": r["outcome_ok"],
        }
        for r in rows
        if r["layout"] in ("tally", "saas") and (r["einvoice_signed"] or r["expected"] == "reject_forged")
    ]
    buckets = {}
    for low, high, name in QR_BUCKETS:
        codes = [c for q in qr_rows for c in q["codes"] if low <= c["qr_px"] < high]
        buckets[name] = {
            "codes": len(codes),
            "decoded": sum(c["decoded"] for c in codes),
            "rate": round(sum(c["decoded"] for c in codes) / len(codes), 3) if codes else None,
        }
    seconds = [r["seconds"] for r in rows if r["outcome"] == "ok" or r["expected"] == "extract"]
    photo_seconds = [r["seconds"] for r in extract if r["variant"] == "photo"]
    return {
        "directory": str(directory),
        "files": len(rows) + len(qr_rows),
        "invoice_accuracy": by_variant,
        "by_family": by_family,
        "wrong_certain": [{"file": r["file"], "fields": r.get("fields")} for r in rows if r["wrong_certain"]],
        "outcomes_ok": sum(r["outcome_ok"] for r in rows),
        "outcomes_total": len(rows),
        "negatives": negatives,
        "einvoices": einvoices,
        "qr_buckets": buckets,
        "seconds": {
            "median": _percentile(seconds, 0.5),
            "p95": _percentile(seconds, 0.95),
            "photo_median": _percentile(photo_seconds, 0.5),
            "photo_p95": _percentile(photo_seconds, 0.95),
            "photo_cpu_median": _percentile([r["cpu_seconds"] for r in extract if r["variant"] == "photo"], 0.5),
            "photo_cpu_p95": _percentile([r["cpu_seconds"] for r in extract if r["variant"] == "photo"], 0.95),
        },
        "bot_seconds_median": {k: _percentile(v, 0.5) for k, v in bot_seconds.items()},
        "bot_seconds_p95": {k: _percentile(v, 0.95) for k, v in bot_seconds.items()},
        "bot_files": {k: len(v) for k, v in bot_seconds.items()},
        "mismatches": [
            {
                "file": r["file"],
                "variant": r["variant"],
                "certain": r["certain"],
                "outcome": r["outcome"],
                "doubts": r["doubts"],
                "fields": {k: v for k, v in r["fields"].items() if not v["ok"]},
            }
            for r in rows
            if not r["outcome_ok"] or any(not v["ok"] for v in r["fields"].values())
        ],
        "rows": rows,
        "qr_rows": qr_rows,
        "notes": notes,
    }


def _by_family(extract: list[dict]) -> dict[str, dict]:
    """Per layout family (and all): share right per field, number and total both right, auto-credit, wrong-certain."""
    out: dict[str, dict] = {}
    for family in [*sorted({str(r["layout"]) for r in extract}), "all"]:
        subset = [r for r in extract if family in ("all", str(r["layout"]))]
        if not subset:
            continue
        n = len(subset)
        out[family] = {
            "files": n,
            **{f: round(sum(r["fields"][f]["ok"] for r in subset) / n, 3) for f in FIELDS},
            "number_and_total": round(
                sum(r["fields"]["invoice_number"]["ok"] and r["fields"]["total_paise"]["ok"] for r in subset) / n, 3
            ),
            "auto_credit": round(sum(r["certain"] for r in subset) / n, 3),
            "wrong_certain": sum(r["wrong_certain"] for r in subset),
        }
    return out


def print_report(report: dict) -> None:
    """Human-readable summary of a `run` report on stdout."""
    print(f"Claims benchmark: {report['directory']} ({report['files']} files)")
    print("\nInvoice fields (share right), by variant:")
    header = f"  {'variant':9} {'files':>5} " + " ".join(f"{f[:14]:>14}" for f in FIELDS) + "  all_fields certain"
    print(header)
    for variant, stats in report["invoice_accuracy"].items():
        cells = " ".join(f"{stats[f]:>14.3f}" for f in FIELDS)
        print(f"  {variant:9} {stats['files']:>5} {cells}  {stats['all_fields']:>10.3f} {stats['certain_rate']:>7.3f}")
    print("\nBy layout family (share right; auto-credit = certain):")
    print(f"  {'family':14} {'files':>5} {'gstin':>6} {'number':>6} {'date':>6} {'total':>6} {'num+tot':>7} "
          f"{'auto':>6} {'wrong':>5}")
    for family, st in report["by_family"].items():
        print(f"  {family:14} {st['files']:>5} {st['supplier_gstin']:>6.3f} {st['invoice_number']:>6.3f} "
              f"{st['invoice_date']:>6.3f} {st['total_paise']:>6.3f} {st['number_and_total']:>7.3f} "
              f"{st['auto_credit']:>6.3f} {st['wrong_certain']:>5}")
    print(f"\nWrong but certain: {len(report['wrong_certain'])}")
    for item in report["wrong_certain"]:
        print(f"  {item['file']}: {item['fields']}")
    print(f"Outcomes as expected: {report['outcomes_ok']}/{report['outcomes_total']}")
    print("\nNegatives and refusals:")
    for n in report["negatives"]:
        print(f"  {n['file']}: expected {n['expected']:20} got {n['outcome']:12} {'ok' if n['ok'] else 'WRONG'}")
    print("\nE-invoices:")
    for e in report["einvoices"]:
        print(
            f"  {e['file']}: expected {e['expected']:14} got {e['outcome']:8} signature verified="
            f"{e['signed_verified']} {'ok' if e['ok'] else 'WRONG'}"
        )
    print("\nQR decode rate by symbol size:")
    for name, b in report["qr_buckets"].items():
        print(f"  {name:10} {b['decoded']}/{b['codes']} ({b['rate']})")
    s = report["seconds"]
    print(
        f"\nSeconds per file: median {s['median']}, p95 {s['p95']}; photos median {s['photo_median']}, "
        f"p95 {s['photo_p95']}"
    )
    print(f"CPU seconds per photo: median {s['photo_cpu_median']}, p95 {s['photo_cpu_p95']}")
    if report["bot_seconds_median"]:
        print(f"Photo-to-reply through the bot (files {report['bot_files']}): median {report['bot_seconds_median']}, "
              f"p95 {report['bot_seconds_p95']}")
    if report["mismatches"]:
        print("\nMismatches:")
        for m in report["mismatches"]:
            detail = ", ".join(f"{k}: {v['read']!r} != {v['truth']!r}" for k, v in m["fields"].items())
            print(f"  {m['file']} ({m['variant']}, {m['outcome']}, certain={m['certain']}): {detail} {m['doubts']}")
    for note in report["notes"]:
        print(f"note: {note}")


if __name__ == "__main__":
    import sys

    print_report(run(Path(sys.argv[1])))
