"""QR decoding on sample coupon photos and on synthetic scenes (rotated, blurred, bent, ten per canvas)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
from PIL import Image, ImageFilter

from bench.qr import synth_photo
from claims.vision.qr import _fit_grid, decode_bytes, decode_image

SAMPLES = Path("/work/shared/samples")


def _sample_truth() -> list[dict]:
    truth = SAMPLES / "truth.jsonl"
    if not truth.exists():
        return []
    rows = [json.loads(line) for line in truth.read_text().splitlines()]
    return [r for r in rows if r["kind"] == "qr"][:4]


@pytest.mark.skipif(not (SAMPLES / "truth.jsonl").exists(), reason="sample dir /work/shared/samples absent")
@pytest.mark.parametrize("truth", _sample_truth(), ids=lambda t: t["filename"])
def test_sample_photos(truth: dict) -> None:
    hits = decode_bytes((SAMPLES / truth["filename"]).read_bytes())
    texts = {h.text for h in hits}
    wanted = {c["payload"] for c in truth["codes"] if c["rectified_decodable"]}
    assert wanted <= texts
    assert texts <= {c["payload"] for c in truth["codes"]}


def _qr(payload: str, side: int) -> Image.Image:
    buf = io.BytesIO()
    segno.make_qr(payload, error="m").save(buf, kind="png", scale=10, border=4)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L").resize((side, side), Image.Resampling.BILINEAR)


@pytest.mark.parametrize("side", [90, 150, 300])
@pytest.mark.parametrize("angle", [0, 17, 90, 200])
def test_single_rotated_blurred(side: int, angle: int) -> None:
    payload = f"INAAM{side}X{angle}"
    canvas = Image.new("L", (side * 3, side * 3), 200)
    canvas.paste(_qr(payload, side), (side, side))
    canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=180).filter(
        ImageFilter.GaussianBlur(0.8)
    )
    hits = decode_image(canvas)
    assert [h.text for h in hits] == [payload]


def test_ten_on_a_canvas_with_quads() -> None:
    rng = random.Random(7)
    canvas = Image.new("RGB", (1600, 1200), (150, 140, 120))
    payloads: dict[str, tuple[int, int, int]] = {}
    for i in range(10):
        side = rng.randint(110, 200)
        payload = f"COUPON-{i:02d}-{rng.randrange(10**8):08d}"
        tile = _qr(payload, side).rotate(
            rng.uniform(-20, 20), expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC
        )
        x, y = 40 + (i % 5) * 310, 60 + (i // 5) * 560
        canvas.paste(tile.convert("RGB"), (x, y))
        payloads[payload] = (x, y, tile.width)
    canvas = canvas.filter(ImageFilter.GaussianBlur(1.0))
    buf = io.BytesIO()
    canvas.save(buf, format="JPEG", quality=65)
    hits = decode_bytes(buf.getvalue())
    assert {h.text for h in hits} == set(payloads)
    for hit in hits:
        x, y, w = payloads[hit.text]
        assert len(hit.quad) == 4
        for qx, qy in hit.quad:
            assert x - 2 <= qx <= x + w + 2 and y - 2 <= qy <= y + w + 2


def test_blank_and_transparent_images() -> None:
    assert decode_image(Image.new("RGB", (800, 600), (90, 90, 90))) == []
    rgba = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    rgba.paste(_qr("ALPHA-QR", 200).convert("RGBA"), (100, 100))
    assert [h.text for h in decode_image(rgba)] == ["ALPHA-QR"]


def test_max_codes_cap() -> None:
    canvas = Image.new("L", (900, 300), 255)
    for i in range(3):
        canvas.paste(_qr(f"CAP{i}", 200), (50 + i * 290, 50))
    assert len(decode_image(canvas, max_codes=2)) == 2


@pytest.mark.parametrize("seed", [11, 72, 75])
def test_synthetic_hard_coupons(seed: int) -> None:
    """Blurred, bent, tilted 100-120 px coupons (bench generator) that the 3x pass or grid fit rescues."""
    image, codes = synth_photo(seed)
    texts = {h.text for h in decode_image(image)}
    assert {c["payload"] for c in codes if c["rectified_decodable"] and c["qr_px"] >= 100} <= texts
    assert texts <= {c["payload"] for c in codes}


def test_fit_grid_recovers_extrapolated_corner() -> None:
    """A corner two modules off (zxing's parallelogram guess on a tilted label) moves back onto the symbol."""
    bits = np.array(segno.make_qr("FITGRID-TEST", error="m", version=1).matrix, dtype=bool)
    module = 6
    flat = np.pad(np.where(bits, 30, 220).astype(np.uint8), 4, constant_values=220)
    flat = cv2.resize(flat, None, fx=module, fy=module, interpolation=cv2.INTER_NEAREST)
    lo, hi = 4 * module, (4 + 21) * module
    src = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], dtype=np.float32)
    true = np.array([[200, 180], [330, 200], [320, 310], [190, 300]], dtype=np.float32)
    h = cv2.getPerspectiveTransform(src, true)
    gray = cv2.warpPerspective(flat, h, (500, 500), flags=cv2.INTER_LINEAR, borderValue=220)
    gray = cv2.GaussianBlur(gray, (0, 0), 1.2)
    guess = true.astype(np.float64)
    step = 120 / 21
    guess[2] += (2 * step, -2 * step)
    fitted = _fit_grid(gray, guess, 21)
    assert np.abs(fitted - true).max() < 0.5 * step
