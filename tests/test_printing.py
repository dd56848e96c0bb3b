"""Printed material speaks Hindi and Urdu too: real fonts, real shaping, catalog sentences."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, features

from bot.i18n import translate
from bot.poster import write_poster
from bot.typeset import line_image, missing_glyphs, runs
from claims.codes import make_code
from claims.sheets import Label, write_sheet_pdf

NAMES = {"hi": "इनाम रिवॉर्ड्स", "ur": "انعام ریوارڈز"}


def test_shaping_library_and_every_printed_sentence_has_its_glyphs() -> None:
    assert features.check("raqm"), "Pillow without libraqm cannot shape Devanagari or Urdu"
    for lang in ("en", "hi", "ur"):
        for msgid in ("print.scan_to_join", "print.label_cta"):
            assert missing_glyphs(translate(lang, msgid)) == []
        assert missing_glyphs(translate(lang, "print.rep", name="सुरेश वर्मा", code="AB12")) == []
    assert missing_glyphs(" · ".join(NAMES.values())) == []


def test_devanagari_is_shaped_not_drawn_letter_by_letter() -> None:
    # "कि": the i-sign is drawn before the consonant; shaped, the pair is as wide as it reads.
    shaped = line_image("क्षत्रिय", 60).width
    apart = sum(line_image(ch, 60).width for ch in "क्षत्रिय")
    assert shaped < apart * 0.8


def test_an_urdu_line_reads_right_to_left_around_latin_words() -> None:
    assert [r.script for r in runs("یا واٹس ایپ پر JOIN AB12 بھیجیں")] == ["arab", "latn", "arab"]
    line = line_image("یا واٹس ایپ پر JOIN AB12 بھیجیں", 40)
    first_urdu_word = line_image("یا", 40)
    assert line.width > 4 * first_urdu_word.width


def test_poster_with_a_devanagari_rep_name(tmp_path: Path) -> None:
    from claims.vision.qr import decode_image

    link = "https://wa.me/14155238886?text=JOIN%20AB12CD"
    path = write_poster(tmp_path / "p.png", link=link, program_name="Inaam Rewards", rep_name="सुरेश वर्मा",
                        rep_code="AB12CD", program_names=NAMES)
    with Image.open(path) as img:
        assert [h.text for h in decode_image(img)] == [link]
        gray = img.convert("L")
        top_band = gray.crop((0, 0, gray.width, 420))
        assert top_band.getextrema()[0] < 50  # the names and calls to action are printed above the QR


def test_label_sheet_carries_hindi_and_urdu_images(tmp_path: Path) -> None:
    labels = [Label(make_code(b"printing-secret!", 4, i).text, "OPC-53", 10) for i in range(3)]
    path = tmp_path / "sheet.pdf"
    write_sheet_pdf(path, labels, program_name="Inaam Rewards", program_names=NAMES)
    raw = path.read_bytes()
    for name in (b"/NameHi", b"/NameUr", b"/CtaHi", b"/CtaUr"):
        assert name in raw
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[0]
        text = page.get_textpage().get_text_range()
        image = page.render(scale=2).to_pil().convert("L")
    finally:
        doc.close()
    assert "Inaam Rewards" in text and "Scan the QR or type the code" in text
    assert image.getextrema()[0] < 50
