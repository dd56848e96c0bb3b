"""QR decode benchmark over a truth.jsonl directory (``kind == "qr"`` files).

Why: decode rate by symbol size and time per photo are the figures that decide whether a contractor
gets points or a "please retake" reply; this script measures both the same way every time.

Usage: ``python -m bench.qr /work/shared/samples``
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from workers.qr import decode_image

BUCKETS = ("<100", "100-200", ">=200")
"""QR side buckets, in image pixels (the truth's ``qr_px``)."""


def bucket(qr_px: float) -> str:
    """Name the size bucket of a code side in pixels."""
    if qr_px < 100:
        return BUCKETS[0]
    return BUCKETS[1] if qr_px < 200 else BUCKETS[2]


def run(dir: Path) -> dict[str, Any]:
    """Decode every ``kind == "qr"`` file listed in ``dir/truth.jsonl`` and score it.

    Returns:
        ``buckets``: per size bucket ``found``/``total`` over decodable codes (``rectified_decodable``)
        and ``found_any`` over all codes; ``photos``/``photos_all_found`` (all decodable codes read);
        ``median_s``/``p95_s`` per photo; ``false`` (decoded texts not in the truth); ``misses``.
    """
    dir = Path(dir)
    stats = {b: {"found": 0, "total": 0, "found_any": 0, "total_any": 0} for b in BUCKETS}
    times: list[float] = []
    photos = all_found = false = 0
    misses: list[dict[str, Any]] = []
    for line in (dir / "truth.jsonl").read_text().splitlines():
        truth = json.loads(line)
        if truth.get("kind") != "qr":
            continue
        with Image.open(dir / truth["filename"]) as im:
            im = ImageOps.exif_transpose(im)
            im.load()
            start = time.perf_counter()
            texts = {hit.text for hit in decode_image(im)}
            times.append(time.perf_counter() - start)
        photos += 1
        complete = True
        for code in truth["codes"]:
            row = stats[bucket(code["qr_px"])]
            hit = code["payload"] in texts
            row["total_any"] += 1
            row["found_any"] += hit
            if code.get("rectified_decodable", True):
                row["total"] += 1
                row["found"] += hit
                if not hit:
                    complete = False
                    misses.append(
                        {
                            "file": truth["filename"],
                            "qr_px": code["qr_px"],
                            "module_px": code.get("module_px"),
                        }
                    )
        all_found += complete
        false += len(texts - {c["payload"] for c in truth["codes"]})
    times.sort()
    return {
        "dir": str(dir),
        "buckets": stats,
        "photos": photos,
        "photos_all_found": all_found,
        "false": false,
        "median_s": statistics.median(times) if times else 0.0,
        "p95_s": times[min(len(times) - 1, int(0.95 * len(times)))] if times else 0.0,
        "max_s": times[-1] if times else 0.0,
        "misses": misses,
    }


def print_report(report: dict[str, Any]) -> None:
    """Print a report from :func:`run` as a short table."""
    print(f"QR decode over {report['dir']}: {report['photos']} photos")
    print(f"{'qr_px':>8} {'decodable found':>16} {'all codes found':>16}")
    for name, row in report["buckets"].items():
        rate = f"{row['found']}/{row['total']}"
        rate_any = f"{row['found_any']}/{row['total_any']}"
        print(f"{name:>8} {rate:>16} {rate_any:>16}")
    print(f"photos with every decodable code found: {report['photos_all_found']}/{report['photos']}")
    print(f"false decodes: {report['false']}")
    print(
        f"seconds per photo: median {report['median_s']:.3f}, p95 {report['p95_s']:.3f}, "
        f"max {report['max_s']:.3f}"
    )
    for miss in report["misses"]:
        print(f"  missed {miss['file']}: qr_px {miss['qr_px']} module_px {miss['module_px']}")


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["/work/shared/samples"]:
        print_report(run(Path(arg)))
