"""GSTIN checksum, state codes and OCR-tolerant discovery."""

from __future__ import annotations

import pytest

from claims.gstin import check_char, find_gstins, is_valid, repair

VALID = ["29VZUPS7965V1ZQ", "08JTRCY0244U1ZY", "08PGEPK6956P1Z6", "27AAPFU0939F1ZV"]


@pytest.mark.parametrize("gstin", VALID)
def test_valid_gstins_pass(gstin: str) -> None:
    assert is_valid(gstin)
    assert check_char(gstin[:14]) == gstin[14]


@pytest.mark.parametrize(
    "gstin",
    [
        "29VZUPS7965V1ZR",  # wrong check character
        "00VZUPS7965V1ZQ",  # state code 00 does not exist
        "29VZUPS7965V1Z",  # too short
        "29VZUP57965V1ZQ",  # digit where the PAN has a letter
        "",
    ],
)
def test_invalid_gstins_fail(gstin: str) -> None:
    assert not is_valid(gstin)


def test_state_code_range() -> None:
    base = "VZUPS7965V1Z"
    assert is_valid("37" + base + check_char("37" + base))
    assert not is_valid("39" + base + check_char("39" + base))


def test_repair_fixes_look_alikes_only_when_checksum_passes() -> None:
    assert repair("O8PGEPK6956P1Z6") == ("08PGEPK6956P1Z6", 1)  # O read for 0 in the state code
    assert repair("08PGEPK6956P1Z6") == ("08PGEPK6956P1Z6", 0)
    assert repair("2gVZUPS7965V1ZQ") is None  # 'g' has no digit look-alike in our table
    assert repair("29VZUPS7965V1ZX") is None  # no look-alike fix makes the checksum pass


def test_find_gstins_in_text_keeps_order_and_repairs() -> None:
    text = (
        "GSTIN/UIN: 29VZUPS7965VIZQ\n"  # I for 1 in the entity digit
        "Buyer (Bill to)\nGSTIN/UIN : O8JTRCY0244U1ZY\n"
        "Consignee GSTIN 08JTRCY0244U1ZY\n"
    )
    assert find_gstins(text) == ["29VZUPS7965V1ZQ", "08JTRCY0244U1ZY"]


def test_find_gstins_joins_a_split_token_and_ignores_noise() -> None:
    assert find_gstins("GSTIN 29VZUPS7965 V1ZQ") == ["29VZUPS7965V1ZQ"]
    assert find_gstins("Phone 9876543210 A/c 123456789012345") == []


def test_gstin_split_by_wide_ocr_gaps_is_rejoined_only_when_checksum_passes() -> None:
    assert find_gstins("GSTIN: O7RWFCM3936Y   1ZP  / PAN: RWFCM3936Y") == ["07RWFCM3936Y1ZP"]
    assert find_gstins("GSTIN: 07RWFCM3936Y   1ZQ  / PAN") == []
