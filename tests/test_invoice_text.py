"""Field extraction from invoice text: Indian formats, Hindi labels, amounts in words."""

from __future__ import annotations

from datetime import date

import pytest

from claims.amount_words import hindi_words_to_paise, words_to_int, words_to_paise
from claims.amounts import arithmetic_confirms, find_amounts
from claims.dates import find_dates
from claims.invoice_text import extract_fields, tidy

TODAY = date(2026, 11, 23)

TALLY = """\
                         TAX INVOICE                         (ORIGINAL FOR RECIPIENT)
                                              Invoice No.               Dated
Shree Balaji Cement Agency                    GST-3447                  23-Sep-26
GSTIN/UIN: 29VZUPS7965V1ZQ                    Buyer's Order No.         Dated
State Name : Karnataka, Code : 29             PO/831                    14-Sep-26
Buyer (Bill to)
Yadav Infra Projects Pvt. Ltd.
GSTIN/UIN      : 08JTRCY0244U1ZY
 1   ACC Suraksha PPC Cement 50 Kg    25232930    79 Bag   311.00   1,59,823.15
                                                                    1,59,823.15
                                    IGST                               28,768.17
                                    Round Off                             (-)0.32
                                    Total                         Rs. 1,88,591.00
Amount Chargeable (in words)
INR One Lakh Eighty Eight Thousand Five Hundred Ninety One Only
Tax Amount (in words) : INR Twenty Eight Thousand Seven Hundred Sixty Eight and Seventeen paise Only
Company's PAN : VZUPS7965V
"""

SAAS = """\
Gupta Electricals & Traders                       Tax Invoice
                                    Invoice No      INV/2026-27/01341
                                    Invoice Date    8 Nov 2026
                                    Due Date        2026-11-15
Billed By                                  Billed To
Gupta Electricals & Traders                Mishra Constructions
GSTIN  22MZDFG0923Z1Z7                     GSTIN  22OYMPM1361I1Z3
Sub Total                 87,866.30
CGST (9%)                  7,907.97
SGST (9%)                  7,907.97
Total                  INR 103682.24
Total in words
Indian Rupee One Lakh Three Thousand Six Hundred Eighty Two and
Twenty Four Paise Only
"""

HINDI = """\
                          कर बीजक
               कृष्णा पाइप्स एंड फिटिंग्स
         जीएसटीआईएन: 08PGEPK6956P1Z6      राज्य: राजस्थान (08)
क्रेता का विवरण                                 चालान संख्या:   GST-1626
नाम: सिंह कंस्ट्रक्शन कंपनी                         दिनांक:         04/09/2026
क्रेता जीएसटीआईएन: 10XWOFS7305S1ZS
राशि शब्दों में:                                  कर योग्य राशि       26,193.40
रुपये तीस हज़ार नौ सौ आठ और इक्कीस पैसे मात्र     आईजीएसटी @ 18%      4,714.81
                                                कुल राशि          ₹ 30,908.21
"""


def test_tally_layout_all_fields_confirmed() -> None:
    f = extract_fields(TALLY, today=TODAY)
    assert f.supplier_gstin.value == "29VZUPS7965V1ZQ"
    assert f.buyer_gstin.value == "08JTRCY0244U1ZY"
    assert f.invoice_number.value == "GST-3447"
    assert f.invoice_date.value == "2026-09-23"
    assert f.total_paise.value == 18859100
    assert f.words_paise == 18859100
    assert f.total_confirmed
    assert min(x.confidence for x in (f.supplier_gstin, f.invoice_number, f.invoice_date, f.total_paise)) >= 0.9


def test_two_column_saas_layout_picks_seller_not_buyer() -> None:
    f = extract_fields(SAAS, today=TODAY)
    assert f.supplier_gstin.value == "22MZDFG0923Z1Z7"
    assert f.buyer_gstin.value == "22OYMPM1361I1Z3"
    assert f.invoice_number.value == "INV/2026-27/01341"
    assert f.invoice_date.value == "2026-11-08"  # not the due date
    assert f.total_paise.value == 10368224
    assert f.total_confirmed


def test_hindi_labels() -> None:
    f = extract_fields(HINDI, today=TODAY)
    assert f.supplier_gstin.value == "08PGEPK6956P1Z6"
    assert f.buyer_gstin.value == "10XWOFS7305S1ZS"
    assert f.invoice_number.value == "GST-1626"
    assert f.invoice_date.value == "2026-09-04"
    assert f.total_paise.value == 3090821
    assert f.total_confirmed  # words and 26,193.40 + 4,714.81 both give the total


def test_total_disagreeing_with_words_is_not_confident() -> None:
    text = TALLY.replace("Rs. 1,88,591.00", "Rs. 1,88,691.00")
    f = extract_fields(text, today=TODAY)
    assert f.total_paise.confidence < 0.9
    assert "total_disagrees_with_words" in f.doubts


def test_future_date_is_implausible() -> None:
    f = extract_fields("Invoice No: A-1\nInvoice Date: 05/11/2027\n", today=TODAY)
    assert f.invoice_date.confidence < 0.9


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("05/11/2026", "2026-11-05"),
        ("05-11-2026", "2026-11-05"),
        ("5-Nov-26", "2026-11-05"),
        ("5 Nov 2026", "2026-11-05"),
        ("2026-11-05", "2026-11-05"),
        ("5 November 2026", "2026-11-05"),
        ("20/08/26", "2026-08-20"),
    ],
)
def test_date_formats(text: str, iso: str) -> None:
    assert [h.value.isoformat() for h in find_dates(f"Dated: {text}")] == [iso]


@pytest.mark.parametrize(
    ("text", "paise"),
    [
        ("₹ 1,23,456.00", 12345600),
        ("Rs. 1,23,456/-", 12345600),
        ("INR 123456.50", 12345650),
        ("₹4,36,870.00", 43687000),
        ("Rs. 15,33,060.00", 153306000),
        ("1,234,567.8", 123456780),
    ],
)
def test_amount_formats(text: str, paise: int) -> None:
    amounts = find_amounts(text)
    assert amounts[-1].paise == paise
    assert amounts[-1].marked


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("One Lakh Twenty Three Thousand Four Hundred Fifty Six", 123456),
        ("Two Crore Five Lakh", 20500000),
        ("Fifteen Lakh Thirty Three Thousand Sixty", 1533060),
        ("Ninety-Nine", 99),
        ("One Hundred and One", 101),
        ("Twelve Lacs", 1200000),
    ],
)
def test_words_to_int(words: str, value: int) -> None:
    assert words_to_int(words) == value


def test_words_to_paise_with_paise_and_wrapped_columns() -> None:
    assert words_to_paise("Rupees One Lakh Twenty Three Thousand Four Hundred Fifty Six and Fifty Paise Only") == (
        12345650
    )
    assert words_to_paise("INR Three Crore Only") == 3000000000
    wrapped = "Rupees One Lakh Fifty One     Add : SGST @ 2.5%   1,282.78\nThousand Five Hundred Sixty Six Only"
    assert words_to_paise(wrapped) == 15156600
    assert words_to_paise("Tax Amount (in words) : INR Five Hundred Only") is None
    assert words_to_paise("Rupees Onee Lakh Only") is None


def test_hindi_words_to_paise() -> None:
    assert hindi_words_to_paise("रुपये तीस हज़ार नौ सौ आठ और इक्कीस पैसे मात्र") == 3090821
    assert hindi_words_to_paise("रुपये चार लाख छत्तीस हज़ार आठ सौ सत्तर मात्र") == 43687000
    assert hindi_words_to_paise("रुपये दो करोड़ मात्र") == 2000000000
    assert hindi_words_to_paise("कोई राशि नहीं") is None
    assert hindi_words_to_paise("रुपये एक लाख उनासी हज़ार नौ सौ सड़सठ मात्र") == 17996700  # 79: a common spelling


def test_garbled_hindi_number_word_is_guessed_only_when_fuzzy_and_unique() -> None:
    garbled = "रुपये एक लाख उनयासी हज़ार नौ सौ सड़सठ मात्र"  # उन्यासी without its virama
    assert hindi_words_to_paise(garbled) is None
    assert hindi_words_to_paise(garbled, fuzzy=True) == 17996700
    assert hindi_words_to_paise("रुपये दो लाख तेंतालिस हजार मात्र", fuzzy=True) == 24300000
    # short words are one letter apart from other numbers (दो/दस): never guessed
    assert hindi_words_to_paise("रुपये दा लाख मात्र", fuzzy=True) is None


def test_guessed_hindi_words_need_the_figures_to_confirm_them() -> None:
    text = """\
                                            कर योग्य राशि          1,52,514.07
रुपये एक लाख उनयासी हज़ार नौ सौ सड़सठ मात्र      सीजीएसटी @ 9%          13,726.27
                                            एसजीएसटी @ 9%          13,726.27
                                            पूर्णांकन                      0.39
                                            कुल राशि                    00
"""
    f = extract_fields(text, today=TODAY, from_ocr=True)
    assert f.total_paise.value == 17996700
    assert f.total_confirmed  # the tax arithmetic closes on the guessed words
    unconfirmed = extract_fields(text.replace("13,726.27", "13,762.27"), today=TODAY, from_ocr=True)
    assert not unconfirmed.total_confirmed
    assert unconfirmed.total_paise.confidence < 0.9


@pytest.mark.parametrize(
    ("ocr", "fixed"),
    [
        ("$B/1345/26", "SB/1345/26"),
        ("S$B/1345/26", "SB/1345/26"),
        ("MBSI26-27/2228", "MBS/26-27/2228"),
        ("T1-02071", "TI-02071"),
        ("INV/2026-27/02182", "INV/2026-27/02182"),
        ("GST-1577", "GST-1577"),
        ("246", "246"),
    ],
)
def test_invoice_number_lookalikes_fixed_but_unsure(ocr: str, fixed: str) -> None:
    f = extract_fields(f"Invoice No: {ocr}\nDate: 05/11/2026\n", today=TODAY, from_ocr=True)
    assert f.invoice_number.value == fixed
    if ocr != fixed:
        assert f.invoice_number.confidence < 0.9


def test_value_under_label_stops_at_other_text() -> None:
    text = "Invoice No.          Dated\nVehicle No.          \nDL63 EG 2966\n"
    assert extract_fields(text, today=TODAY).invoice_number.value is None


def test_two_tax_slabs_and_garbled_round_off_still_confirm_the_total() -> None:
    # taxable + CGST/SGST at 2.5 % and at 9 %; the round-off line came out as "049"
    amounts = [58417443, 198718, 198718, 4542186, 4542186, 4900]
    assert arithmetic_confirms(67899300, amounts)
    assert not arithmetic_confirms(67899300 + 500, amounts)


def test_zero_read_as_at_sign_inside_numbers_only() -> None:
    assert tidy("Round Off @.09 Dt:@5-11-2026 IGST @18%") == "Round Off 0.09 Dt:05-11-2026 IGST @18%"


def test_garbled_hindi_number_label_still_labels_but_shop_number_does_not() -> None:
    text = "पघातान संख्या:   SB/2621/26\nदिनांक: 22/10/2026\n"
    assert extract_fields(text, today=TODAY).invoice_number.value == "SB/2621/26"
    assert extract_fields("दुकान संख्या 12\nदिनांक: 22/10/2026\n", today=TODAY).invoice_number.value is None


def test_exact_arithmetic_needs_the_round_off_printed() -> None:
    parts = [15251407, 1372627, 1372627]
    assert arithmetic_confirms(17996700, parts)  # 0.39 of round-off assumed
    assert not arithmetic_confirms(17996700, parts, exact=True)
    assert arithmetic_confirms(17996700, [*parts, 39], exact=True)
