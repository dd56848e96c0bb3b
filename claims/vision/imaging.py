"""Safe loading of claim media: sniff the real type, refuse bombs and truncated files, render PDFs.

Why: every photo or PDF a member sends is untrusted. The pixel budget is checked from the
header before any pixel is decoded, truncated files are refused instead of silently padded,
and PDF pages are rendered at a resolution good enough for OCR but capped by the same budget.
"""

from __future__ import annotations

import io
import logging
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps

from claims.vision.exceptions import CorruptMedia, MediaTooLarge, UnsupportedMedia

logger = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 40_000_000
"""Largest image (width x height) we agree to decode; a 48 MP phone photo still fits after a resize."""

DEFAULT_MAX_PAGES = 5
"""Only the first pages of a PDF are rendered; an invoice is rarely longer."""

DEFAULT_PDF_DPI = 250
"""Render resolution for PDF pages: enough for Tesseract on 8 pt text."""

BLUR_NORMAL_SIDE = 1000
"""Longer side of the grayscale copy used by `blur_score`, so scores compare across photo sizes."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff(data: bytes) -> str | None:
    """Return the media type judged from magic bytes (never from a name or a declared type).

    Returns:
        ``image/jpeg``, ``image/png``, ``image/webp``, ``application/pdf`` or ``None``.
    """
    head = data[:1024]
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    # Some PDF writers put junk (e.g. a BOM) before the header; the spec allows 1 KiB.
    if b"%PDF-" in head:
        return "application/pdf"
    return None


def load_pages(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_pages: int = DEFAULT_MAX_PAGES
) -> list[Image.Image]:
    """Decode an image or render a PDF into upright RGB pages.

    Args:
        data: the raw bytes received.
        max_pixels: refuse images whose header declares more pixels than this.
        max_pages: render at most this many PDF pages.

    Returns:
        One RGB image per page (an image file gives one page).

    Raises:
        UnsupportedMedia: not JPEG/PNG/WebP/PDF.
        MediaTooLarge: the header declares more than ``max_pixels``.
        CorruptMedia: the file is truncated or cannot be decoded.
    """
    mime = sniff(data)
    if mime is None:
        raise UnsupportedMedia("unknown file type")
    if mime == "application/pdf":
        return _render_pdf(data, max_pixels=max_pixels, max_pages=max_pages)
    return [_load_image(data, max_pixels=max_pixels)]


def _load_image(data: bytes, *, max_pixels: int) -> Image.Image:
    """Open (header only), check the pixel budget, then decode fully."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(str(exc)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMedia(f"cannot read image header: {exc}") from exc
    width, height = img.size
    if width <= 0 or height <= 0:
        raise CorruptMedia("image declares no pixels")
    if width * height > max_pixels:
        raise MediaTooLarge(f"image declares {width}x{height} pixels (limit {max_pixels})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img.load()
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMedia(f"cannot decode image: {exc}") from exc
    try:
        img = ImageOps.exif_transpose(img)
    except (OSError, ValueError, KeyError) as exc:  # broken EXIF must not lose the picture
        logger.warning("Image %sx%s: ignoring unreadable EXIF: %s", width, height, exc)
    return img.convert("RGB")


def _open_pdf(data: bytes) -> object:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CorruptMedia(f"cannot open PDF: {exc}") from exc


def _render_pdf(data: bytes, *, max_pixels: int, max_pages: int) -> list[Image.Image]:
    """Render the first pages at about 250 dpi, lower when a page would exceed the budget."""
    import pypdfium2 as pdfium

    pdf = _open_pdf(data)
    pages: list[Image.Image] = []
    try:
        count = len(pdf)  # type: ignore[arg-type]
        if count == 0:
            raise CorruptMedia("PDF has no pages")
        for index in range(min(count, max_pages)):
            page = pdf[index]  # type: ignore[index]
            width_pt, height_pt = page.get_size()
            if width_pt <= 0 or height_pt <= 0:
                raise CorruptMedia("PDF page has no size")
            scale = DEFAULT_PDF_DPI / 72
            if width_pt * height_pt * scale * scale > max_pixels:
                scale = (max_pixels / (width_pt * height_pt)) ** 0.5
            try:
                bitmap = page.render(scale=scale)
                pages.append(bitmap.to_pil().convert("RGB"))
            except pdfium.PdfiumError as exc:
                raise CorruptMedia(f"cannot render PDF page {index + 1}: {exc}") from exc
    finally:
        pdf.close()  # type: ignore[attr-defined]
    return pages


def pdf_words(data: bytes, *, max_pages: int = DEFAULT_MAX_PAGES) -> list[list[tuple[str, float, float, float, float]]]:
    """Words of a PDF's text layer with boxes, per page, in top-down page points.

    Why: the text layer is exact (no OCR errors); boxes let the field parser see columns.

    Returns:
        Per page, ``(text, left, top, right, bottom)`` tuples; empty pages mean "scanned".

    Raises:
        CorruptMedia: the PDF cannot be opened.
    """
    pdf = _open_pdf(data)
    result: list[list[tuple[str, float, float, float, float]]] = []
    try:
        for index in range(min(len(pdf), max_pages)):  # type: ignore[arg-type]
            page = pdf[index]  # type: ignore[index]
            _, height = page.get_size()
            textpage = page.get_textpage()
            words: list[tuple[str, float, float, float, float]] = []
            chars: list[str] = []
            box: list[float] = []
            last_right = None
            for i in range(textpage.count_chars()):
                ch = textpage.get_text_range(i, 1)
                if not ch or ch.isspace():
                    if chars:
                        words.append(("".join(chars), *box))  # type: ignore[arg-type]
                    chars, box, last_right = [], [], None
                    continue
                left, bottom, right, top = textpage.get_charbox(i)
                top, bottom = height - top, height - bottom
                gap = (left - last_right) if last_right is not None else 0.0
                size = max(bottom - top, (box[3] - box[1]) if box else 0.0)
                centre = (top + bottom) / 2
                if chars and (gap > size * 0.5 or not box[1] - size < centre < box[3] + size):
                    words.append(("".join(chars), *box))  # type: ignore[arg-type]
                    chars, box = [], []
                if not chars:
                    box = [left, top, right, bottom]
                else:
                    box = [min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom)]
                chars.append(ch)
                last_right = right
            if chars:
                words.append(("".join(chars), *box))  # type: ignore[arg-type]
            result.append(words)
    finally:
        pdf.close()  # type: ignore[attr-defined]
    return result


def _gray_normalized(img: Image.Image, side: int) -> np.ndarray:
    gray = np.asarray(img.convert("L"))
    scale = side / max(gray.shape)
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return gray


def blur_score(img: Image.Image) -> float:
    """Sharpness as the variance of the Laplacian on a 1000 px grayscale copy (higher = sharper).

    Why: a blurry photo gives wrong digits, and asking for a retake is cheaper than a review.
    The score uses the strongest edges (text), so a plain table around the paper does not
    make a sharp invoice look blurry.
    """
    gray = _gray_normalized(img, BLUR_NORMAL_SIDE)
    lap = cv2.Laplacian(gray, cv2.CV_64F)
    return float(lap.var())


def is_blank(img: Image.Image) -> bool:
    """True when the picture holds no ink: flat paper, a wall, a dark frame.

    Why: a blank picture gets "nothing to read" rather than a long OCR pass and a vague error.
    Lighting gradients are divided out first, then dark specks larger than noise are counted.
    """
    gray = _gray_normalized(img, 800).astype(np.float32)
    background = cv2.medianBlur(gray.astype(np.uint8), 31).astype(np.float32) + 1.0
    ratio = gray / background
    ink = (ratio < 0.75).astype(np.uint8)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return float(ink.mean()) < 0.002
