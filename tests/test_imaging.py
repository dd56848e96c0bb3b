"""Safe media loading: sniffing, decompression bombs, truncated files, PDFs, quality metrics."""

from __future__ import annotations

import io
import struct
import zlib
from unittest import mock

import pytest
from PIL import Image, ImageDraw, ImageFilter

from claims.vision import imaging
from claims.vision.exceptions import CorruptMedia, MediaError, MediaTooLarge, UnsupportedMedia


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares width x height but which carries (almost) no pixel data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def _jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).text((20, 20), "TAX INVOICE 1,23,456.00", fill="black")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_sniff_by_magic_bytes() -> None:
    assert imaging.sniff(_jpeg()) == "image/jpeg"
    assert imaging.sniff(_png_header_only(10, 10)) == "image/png"
    assert imaging.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert imaging.sniff(b"%PDF-1.7\n...") == "application/pdf"
    assert imaging.sniff(b"GIF89a....") is None
    assert imaging.sniff(b"") is None


def test_unknown_type_is_unsupported() -> None:
    with pytest.raises(UnsupportedMedia):
        imaging.load_pages(b"<html>not an image</html>")


def test_bomb_header_refused_without_decoding() -> None:
    data = _png_header_only(60000, 60000)
    with (
        mock.patch.object(Image.Image, "load", side_effect=AssertionError("pixels decoded")),
        pytest.raises(MediaTooLarge),
    ):
        imaging.load_pages(data)


def test_pixel_budget_is_ours_not_pillows() -> None:
    data = _png_header_only(8000, 6000)  # 48 MP: below Pillow's bomb limit, above our budget
    with (
        mock.patch.object(Image.Image, "load", side_effect=AssertionError("pixels decoded")),
        pytest.raises(MediaTooLarge),
    ):
        imaging.load_pages(data, max_pixels=40_000_000)


def test_truncated_jpeg_is_corrupt() -> None:
    data = _jpeg((800, 600))
    with pytest.raises(CorruptMedia):
        imaging.load_pages(data[: len(data) // 2])
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_errors_share_one_root() -> None:
    assert issubclass(CorruptMedia, MediaError)
    assert issubclass(MediaTooLarge, MediaError)
    assert issubclass(UnsupportedMedia, MediaError)


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (200, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    (page,) = imaging.load_pages(buf.getvalue())
    assert page.size == (100, 200)


def test_pdf_rendered_within_budget() -> None:
    img = Image.new("RGB", (595, 842), "white")
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=72)
    pages = imaging.load_pages(buf.getvalue(), max_pixels=2_000_000)
    assert len(pages) == 1
    assert pages[0].width * pages[0].height <= 2_000_000 * 1.01


def test_broken_pdf_is_corrupt() -> None:
    with pytest.raises(CorruptMedia):
        imaging.load_pages(b"%PDF-1.7\nthis is not a pdf body")


def test_blur_and_blank_metrics() -> None:
    sharp = Image.new("RGB", (800, 1000), "white")
    draw = ImageDraw.Draw(sharp)
    for y in range(50, 950, 30):
        draw.text((40, y), "GSTIN 29VZUPS7965V1ZQ  Total Rs. 1,88,589.00", fill="black")
    blurred = sharp.filter(ImageFilter.GaussianBlur(6))
    assert imaging.blur_score(sharp) > 5 * imaging.blur_score(blurred)
    assert not imaging.is_blank(sharp)
    assert imaging.is_blank(Image.new("RGB", (800, 1000), (230, 225, 210)))


def test_words_running_right_to_left_mean_an_upside_down_page() -> None:
    import numpy as np

    from claims.vision.ocr import Word, reads_backwards
    from claims.vision.preprocess import _filled

    def line(n: int, step: int) -> list[Word]:
        return [Word(f"w{i}", 500 + i * step, n * 40, 540 + i * step, n * 40 + 20, 90.0, (1, 1, n)) for i in range(4)]

    assert reads_backwards([w for n in range(5) for w in line(n, -60)])
    assert not reads_backwards([w for n in range(5) for w in line(n, 60)])
    strokes = np.zeros((30, 200), bool)
    strokes[8:22, 20:180] = (np.arange(160) % 6 < 2)[None, :]
    bar = np.where(strokes, 230, 40).astype(np.uint8)  # light text on a dark fill
    text = np.where(strokes, 30, 200).astype(np.uint8)  # dark text on shadowed paper
    assert _filled(bar) and not _filled(text)
