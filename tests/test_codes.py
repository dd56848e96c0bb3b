"""Coupon codes: round trip, forgery, typo detection (exhaustive), forgiving input, chat parsing."""

from __future__ import annotations

import pytest

from claims.codes import (
    ALPHABET,
    CODE_LENGTH,
    CodeError,
    find_codes_in_text,
    is_well_formed,
    make_code,
    parse_code,
    printed,
)

SECRET = b"test-secret-0123456789abcdef"
SAMPLES = [(0, 0), (1, 1), (42, 99_999), (262_143, 1_048_575), (7, 123_456)]


@pytest.mark.parametrize(("batch", "serial"), SAMPLES)
def test_round_trip(batch: int, serial: int) -> None:
    code = make_code(SECRET, batch, serial)
    assert len(code.text) == CODE_LENGTH
    assert set(code.text) <= set(ALPHABET)
    assert parse_code(SECRET, code.text) == code
    assert (code.batch, code.serial) == (batch, serial)


def test_codes_unique_across_a_batch() -> None:
    texts = {make_code(SECRET, 3, s).text for s in range(100_000)}
    assert len(texts) == 100_000


def test_out_of_range_rejected() -> None:
    with pytest.raises(ValueError):
        make_code(SECRET, 1 << 18, 0)
    with pytest.raises(ValueError):
        make_code(SECRET, 0, 1 << 20)


def test_other_secret_is_signature_error() -> None:
    code = make_code(SECRET, 5, 5)
    with pytest.raises(CodeError) as err:
        parse_code(b"another-secret", code.text)
    assert err.value.reason == "signature"


def test_forged_body_with_valid_check_is_signature_error() -> None:
    from claims.codes import check_character

    body = make_code(SECRET, 5, 5).text[:-1]
    forged = body[:3] + ("A" if body[3] != "A" else "B") + body[4:]
    forged += check_character(forged)
    assert is_well_formed(forged)
    with pytest.raises(CodeError) as err:
        parse_code(SECRET, forged)
    assert err.value.reason == "signature"


@pytest.mark.parametrize(("batch", "serial"), SAMPLES)
def test_every_single_substitution_caught(batch: int, serial: int) -> None:
    text = make_code(SECRET, batch, serial).text
    for i, original in enumerate(text):
        for ch in ALPHABET:
            if ch != original:
                typo = text[:i] + ch + text[i + 1 :]
                assert not is_well_formed(typo), typo
                with pytest.raises(CodeError) as err:
                    parse_code(SECRET, typo)
                assert err.value.reason == "check"


@pytest.mark.parametrize(("batch", "serial"), SAMPLES)
def test_every_adjacent_transposition_caught(batch: int, serial: int) -> None:
    text = make_code(SECRET, batch, serial).text
    for i in range(len(text) - 1):
        if text[i] != text[i + 1]:
            swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            assert not is_well_formed(swapped), swapped


def test_check_scheme_exhaustive_over_all_symbol_pairs() -> None:
    """For every prefix state and every pair a != b: 'ab' and 'ba' never both pass (any position)."""
    from claims.codes import _damm

    for prefix in ("", "7", "Z9"):
        for a in ALPHABET:
            for b in ALPHABET:
                if a != b:
                    for tail in ("", "0", "K3"):
                        assert _damm(prefix + a + b + tail) != _damm(prefix + b + a + tail)


def test_typed_forms_forgiven() -> None:
    code = make_code(SECRET, 9, 31_337)
    variants = [
        printed(code.text),
        printed(code.text).lower(),
        " ".join(printed(code.text).split("-")),
        "  " + code.text + " ",
        code.text.replace("0", "O").replace("1", "I"),
        code.text.lower().replace("1", "l"),
    ]
    for typed in variants:
        assert parse_code(SECRET, typed) == code, typed


@pytest.mark.parametrize(
    "typed", ["", "ABCD", "ABCD-EFGH-JKMN-PQRS-TVWX", "ABCD-EFGH-JKMN-PQR#", "UUUU-UUUU-UUUU-UUUU"]
)
def test_malformed_is_format_error(typed: str) -> None:
    with pytest.raises(CodeError) as err:
        parse_code(SECRET, typed)
    assert err.value.reason == "format"


def test_printed_groups_of_four() -> None:
    code = make_code(SECRET, 1, 2).text
    assert printed(code) == "-".join([code[0:4], code[4:8], code[8:12], code[12:16]])


def test_find_codes_in_text() -> None:
    a, b, c = (make_code(SECRET, 1, s).text for s in (1, 2, 3))
    message = f"Code {printed(a).lower()}, {b}\n{' '.join(printed(c).split('-'))} thanks"
    assert find_codes_in_text(message) == [a, b, c]
    assert find_codes_in_text(f"{a} {b}") == [a, b]
    assert find_codes_in_text(a + b) == [a, b]
    assert find_codes_in_text("hello, balance please 9876543210") == []


def test_find_codes_keeps_typo_shaped_code() -> None:
    a = make_code(SECRET, 1, 1).text
    typo = a[:5] + ("X" if a[5] != "X" else "Y") + a[6:]
    assert find_codes_in_text("my code is " + " ".join(printed(typo).split("-"))) == [typo]
