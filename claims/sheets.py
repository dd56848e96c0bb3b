"""Printable coupon labels (A4 PDF) and the matching CSV for ``inaam qr issue``.

Design: a print run is 100,000 labels or more, so the PDF is written directly, page by page, by a
small writer here instead of a layout library: each QR is a 1-bit inline image (one bit per
module, ASCII-hex, drawn scaled without interpolation so it stays sharp at any zoom), the text uses
the PDF base-14 fonts for Latin, and every page's content stream is Flate-compressed and written out
at once, so memory stays flat and 100,000 labels take well under a minute. The Hindi and Urdu lines
(programme name, call to action) are set once per sheet with the Noto fonts and libraqm shaping
(``bot.typeset``) as 600 dpi images that every label references: shaped Devanagari and Nastaliq
in a hand-written PDF would otherwise need a full CID-font and shaping pipeline.

Each QR uses error correction Q with a fixed mask pattern: segno's mask search is pure Python
(about 2 ms per symbol, over three minutes per 100,000) and any mask is valid per ISO/IEC 18004;
the penalty rules it optimises only avoid rare awkward patterns, which level Q absorbs.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
import segno

from claims.codes import printed

PAGE_WIDTH, PAGE_HEIGHT = 595.276, 841.89
"""A4 in PDF points."""

DEFAULT_COLUMNS, DEFAULT_ROWS = 3, 7
"""Labels per A4 page: 3 x 7 = 21 cells of about 63 x 40 mm."""

DEFAULT_MARGIN = 28.0
"""Page margin in points (10 mm), inside most printers' unprintable border."""

DEFAULT_QR_SIDE = 72.0
"""QR side in points (25.4 mm, quiet zone included): easy for any phone at arm's length."""

DEFAULT_QR_ERROR = "q"
"""Error correction level: Q survives scuffs and creases on cement bags."""

DEFAULT_QR_MASK = 2
"""Fixed mask pattern, see the module docstring."""

_FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Courier-Bold"}

IMAGE_DPI = 600
"""Resolution of the Hindi/Urdu text images: sharp at any print size a label is read at."""


class _Image(NamedTuple):
    """A grayscale image placed on every label: its XObject name, pixels and size in points."""

    name: str
    width_px: int
    height_px: int
    data: bytes
    width_pt: float
    height_pt: float


class Label(NamedTuple):
    """One printed coupon: the canonical code (QR payload), the product SKU and its points."""

    code_text: str
    sku: str
    points: int


def write_csv(path: str | Path, rows: Iterable[Label | tuple[str, str, int]]) -> int:
    """Write labels as CSV (code, printed code, SKU, points) for the printer's variable data.

    Returns:
        the number of rows written.
    """
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "printed_code", "sku", "points"])
        for row in rows:
            label = Label(*row)
            writer.writerow([label.code_text, printed(label.code_text), label.sku, label.points])
            count += 1
    return count


def write_sheet_pdf(
    path: str | Path,
    labels: Iterable[Label],
    *,
    program_name: str,
    program_names: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write A4 pages of labels: QR, printed code, SKU, points, programme name and call to action.

    Args:
        path: the PDF to create.
        labels: consumed lazily, one page at a time.
        program_name: printed on every label in Latin letters (Latin-1; other characters print as "?").
        program_names: the programme's name per language; Hindi and Urdu ones are printed under it.
        progress: called after each page with the number of labels written so far.

    Returns:
        the number of labels written.
    """
    per_page = DEFAULT_COLUMNS * DEFAULT_ROWS
    count = 0
    images = _text_images(program_name, program_names or {})
    with open(path, "wb") as fh:
        pdf = _PdfWriter(fh, images)
        page: list[Label] = []
        for label in labels:
            page.append(Label(*label))
            if len(page) == per_page:
                pdf.add_page(_page_content(page, program_name, images))
                count += len(page)
                page = []
                if progress:
                    progress(count)
        if page or not count:
            pdf.add_page(_page_content(page, program_name, images))
            count += len(page)
            if progress:
                progress(count)
        pdf.finish()
    return count


def _text_images(program_name: str, names: dict[str, str]) -> list[_Image]:
    """The Hindi/Urdu lines of every label, set once: local programme names, then the call to action."""
    from bot.i18n import translate

    cell_w = (PAGE_WIDTH - 2 * DEFAULT_MARGIN) / DEFAULT_COLUMNS
    room = cell_w - DEFAULT_QR_SIDE - 18
    out = [_image(f"Name{lang.title()}", names[lang], 8.0 if lang == "hi" else 10.0, room) for lang in ("hi", "ur")
           if names.get(lang) and names[lang] != program_name]
    half = (cell_w - 16) / 2
    out += [_image("CtaHi", translate("hi", "print.label_cta"), 7.5, half),
            _image("CtaUr", translate("ur", "print.label_cta"), 10.0, half)]
    return out


def _image(name: str, text: str, height_pt: float, max_width_pt: float) -> _Image:
    """``text`` set at 600 dpi, cropped to its ink, ``height_pt`` tall (narrower if it would be too wide)."""
    from PIL import Image, ImageOps

    from bot.typeset import line_image

    px = round(height_pt / 72 * IMAGE_DPI)
    line = line_image(text, px)
    flat = Image.new("L", line.size, 255)
    flat.paste(line.convert("L"), (0, 0), line)
    box = ImageOps.invert(flat).getbbox() or (0, 0, flat.width, flat.height)
    flat = flat.crop(box)
    width_pt = height_pt * flat.width / flat.height
    scale = min(1.0, max_width_pt / width_pt)
    return _Image(name, flat.width, flat.height, zlib.compress(flat.tobytes(), 9), width_pt * scale,
                  height_pt * scale)


def _page_content(labels: list[Label], program_name: str, images: list[_Image] | None = None) -> bytes:
    cell_w = (PAGE_WIDTH - 2 * DEFAULT_MARGIN) / DEFAULT_COLUMNS
    cell_h = (PAGE_HEIGHT - 2 * DEFAULT_MARGIN) / DEFAULT_ROWS
    room = cell_w - DEFAULT_QR_SIDE - 18
    program_size, program = _fit(program_name, room, 8.0)
    parts: list[str] = ["0.75 G 0.3 w [2 2] 0 d"]
    for i in range(len(labels)):
        row, col = divmod(i, DEFAULT_COLUMNS)
        x = DEFAULT_MARGIN + col * cell_w
        y = PAGE_HEIGHT - DEFAULT_MARGIN - (row + 1) * cell_h
        parts.append(f"{x:.2f} {y:.2f} {cell_w:.2f} {cell_h:.2f} re S")
    parts.append("[] 0 d 0 g")
    for i, label in enumerate(labels):
        row, col = divmod(i, DEFAULT_COLUMNS)
        x = DEFAULT_MARGIN + col * cell_w
        top = PAGE_HEIGHT - DEFAULT_MARGIN - row * cell_h
        qr_x, qr_y = x + 6, top - 6 - DEFAULT_QR_SIDE
        parts.append(_qr_image(label.code_text, qr_x, qr_y, DEFAULT_QR_SIDE))
        tx = qr_x + DEFAULT_QR_SIDE + 6
        by_name = {im.name: im for im in images or []}
        y = top - 14
        parts.append(f"BT /F2 {program_size:.1f} Tf {tx:.2f} {y:.2f} Td ({program}) Tj ET")
        y -= 3
        for key in ("NameHi", "NameUr"):
            if key in by_name:
                y -= by_name[key].height_pt
                parts.append(_place(by_name[key], tx, y))
                y -= 2.5
        y -= 9
        sku = _pdf_string(str(label.sku)[: int(room / (8 * 0.56)) - 4])
        parts.append(f"BT /F1 8 Tf {tx:.2f} {y:.2f} Td (SKU {sku}) Tj ET")
        y -= 16
        parts.append(f"BT /F2 14 Tf {tx:.2f} {y:.2f} Td ({int(label.points)} PTS) Tj ET")
        y -= 10
        parts.append(f"BT /F1 6 Tf {tx:.2f} {y:.2f} Td ({_pdf_string(_english_cta())}) Tj ET")
        band = qr_y - 1.5  # under the QR, above the printed code: the call to action in Hindi and Urdu
        for key, cx in (("CtaHi", x + 8), ("CtaUr", x + 8 + (cell_w - 16) / 2)):
            if key in by_name:
                parts.append(_place(by_name[key], cx, band - by_name[key].height_pt))
        parts.append(
            f"BT /F3 11 Tf {x + 8:.2f} {top - cell_h + 10:.2f} Td "
            f"({_pdf_string(printed(label.code_text))}) Tj ET"
        )
    return "\n".join(parts).encode("latin-1")


def _place(image: _Image, x: float, y: float) -> str:
    return f"q {image.width_pt:.2f} 0 0 {image.height_pt:.2f} {x:.2f} {y:.2f} cm /{image.name} Do Q"


def _english_cta() -> str:
    from bot.i18n import translate

    return translate("en", "print.label_cta")


def _qr_image(text: str, x: float, y: float, side: float) -> str:
    """Inline 1-bit image of the QR (quiet zone of 2 modules; the label margin adds the rest)."""
    qr = segno.make_qr(text, error=DEFAULT_QR_ERROR, boost_error=False, mask=DEFAULT_QR_MASK)
    dark = np.array(qr.matrix, dtype=bool)
    dark = np.pad(dark, 2)
    n = dark.shape[0]
    bits = np.packbits(~dark, axis=1).tobytes().hex()
    return (
        f"q {side:.2f} 0 0 {side:.2f} {x:.2f} {y:.2f} cm "
        f"BI /W {n} /H {n} /BPC 1 /CS /G /I false /F /AHx ID {bits}> EI Q"
    )


def _fit(text: str, room: float, size: float, minimum: float = 5.0) -> tuple[float, str]:
    """Shrink the font (down to ``minimum``), then cut, so ``text`` fits ``room`` points.

    Uses 0.6 em per character, a safe upper bound for Helvetica-Bold's Latin text.
    """
    em = 0.6
    size = max(minimum, min(size, room / (em * max(len(text), 1))))
    return size, _pdf_string(text[: int(room / (em * size))])


def _pdf_string(text: str) -> str:
    raw = text.encode("latin-1", errors="replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


class _PdfWriter:
    """Minimal streaming PDF 1.4 writer: fixed catalog/fonts, pages appended, xref at the end."""

    _PAGES, _RESOURCES, _FIRST_FREE = 2, 3, 4 + len(_FONTS)

    def __init__(self, fh: BinaryIO, images: list[_Image] | None = None) -> None:
        self.fh = fh
        self.offsets: dict[int, int] = {}
        self.pages: list[int] = []
        self.next_id = self._FIRST_FREE
        fh.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        fonts = " ".join(f"/{name} {4 + i} 0 R" for i, name in enumerate(_FONTS))
        xobjects = []
        for image in images or []:
            (obj_id,) = self._ids(1)
            self._object(obj_id, (
                f"<< /Type /XObject /Subtype /Image /Width {image.width_px} /Height {image.height_px} "
                f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Interpolate true /Filter /FlateDecode "
                f"/Length {len(image.data)} >>\nstream\n").encode() + image.data + b"\nendstream")
            xobjects.append(f"/{image.name} {obj_id} 0 R")
        extra = f" /XObject << {' '.join(xobjects)} >>" if xobjects else ""
        self._object(self._RESOURCES, f"<< /Font << {fonts} >>{extra} >>".encode())
        for i, base in enumerate(_FONTS.values()):
            self._object(
                4 + i,
                f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>".encode(),
            )

    def add_page(self, content: bytes) -> None:
        data = zlib.compress(content, 6)
        content_id, page_id = self._ids(2)
        self._object(
            content_id, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        )
        self._object(
            page_id,
            (
                f"<< /Type /Page /Parent {self._PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH} "
                f"{PAGE_HEIGHT}] /Resources {self._RESOURCES} 0 R /Contents {content_id} 0 R >>"
            ).encode(),
        )
        self.pages.append(page_id)

    def finish(self) -> None:
        kids = " ".join(f"{p} 0 R" for p in self.pages)
        self._object(self._PAGES, f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>".encode())
        self._object(1, f"<< /Type /Catalog /Pages {self._PAGES} 0 R >>".encode())
        xref_at = self.fh.tell()
        size = self.next_id
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        lines.extend(f"{self.offsets[i]:010d} 00000 n \n" for i in range(1, size))
        lines.append(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n")
        self.fh.write("".join(lines).encode())

    def _ids(self, n: int) -> Iterator[int]:
        start = self.next_id
        self.next_id += n
        return iter(range(start, start + n))

    def _object(self, obj_id: int, body: bytes) -> None:
        self.offsets[obj_id] = self.fh.tell()
        self.fh.write(b"%d 0 obj\n" % obj_id + body + b"\nendobj\n")
