"""Payout settings and program rules: a bad value stops start-up with one line naming it."""

from __future__ import annotations

import tomllib

import pytest

from bot.config import ConfigError, load_settings
from bot.program import DEFAULT_PROGRAM_FILE, ProgramError, parse_program
from storage import crypto


def test_razorpayx_keys_all_or_none(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = load_settings({}, instance_path=tmp_path)
    assert cfg["RAZORPAYX_STANDIN"] and cfg["RAZORPAYX_API_BASE_URL"] == "http://127.0.0.1:5098"
    with pytest.raises(ConfigError, match="RAZORPAYX_KEY_SECRET is required"):
        load_settings({"RAZORPAYX_KEY_ID": "rzp_live_x"}, instance_path=tmp_path)
    full = {"RAZORPAYX_KEY_ID": "rzp_live_x", "RAZORPAYX_KEY_SECRET": "s", "RAZORPAYX_ACCOUNT_NUMBER": "1",
            "RAZORPAYX_WEBHOOK_SECRET": "w"}
    with pytest.raises(ConfigError, match="INAAM_ENCRYPTION_KEY is required"):
        load_settings(full, instance_path=tmp_path)
    with pytest.raises(ConfigError, match="not a Fernet key"):
        load_settings({**full, "INAAM_ENCRYPTION_KEY": "short"}, instance_path=tmp_path)
    cfg = load_settings({**full, "INAAM_ENCRYPTION_KEY": crypto.DEV_ENCRYPTION_KEY}, instance_path=tmp_path)
    assert cfg["RAZORPAYX_API_BASE_URL"] == "https://api.razorpay.com" and not cfg["RAZORPAYX_STANDIN"]
    with pytest.raises(ConfigError, match="INAAM_PAYOUT_PROVIDER"):
        load_settings({"INAAM_PAYOUT_PROVIDER": "paytm"}, instance_path=tmp_path)


def test_encryption_masks_and_rotation() -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    try:
        crypto.configure([old])
        token = crypto.encrypt("ramesh.kumar@okaxis")
        crypto.configure([new, old])  # rotated: new key encrypts, the old one still decrypts
        assert crypto.decrypt(token) == "ramesh.kumar@okaxis"
        crypto.configure([new])
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token)
    finally:
        crypto.configure(None)
    assert crypto.mask_upi("ramesh.kumar@okaxis") == "ra••••ar@okaxis"
    assert crypto.mask_pan("ABCPK1234L") == "ABXXXXXX4L"


@pytest.mark.parametrize(("patch", "message"), [
    ({"tds": {"mode": "both"}}, "tds.mode"),
    ({"tds": {"rate_percent": 100}}, "below 100"),
    ({"rewards": [{"code": "x", "kind": "upi"}]}, "denominations_rupees or min_rupees"),
    ({"rewards": [{"code": "v", "kind": "voucher", "brand": "B"}]}, "needs brand, value_rupees and points"),
    ({"rewards": [{"code": "u", "kind": "upi", "max_rupees": 200000, "min_rupees": 10}]}, "₹1,00,000"),
    ({"redemption": {"max_points_per_day": -1}}, "redemption.max_points_per_day"),
    ({"expiry": {"reminder_days": ["soon"]}}, "expiry.reminder_days"),
    ({"kyc": {"colour": 1}}, "kyc: unknown setting"),
])
def test_bad_redemption_rules_stop_start_up(patch: dict, message: str) -> None:  # type: ignore[type-arg]
    data = tomllib.loads(DEFAULT_PROGRAM_FILE.read_text())
    data.update(patch)
    with pytest.raises(ProgramError, match=message):
        parse_program(data)


def test_shipped_program_has_upi_cash_out_enabled() -> None:
    program = parse_program(tomllib.loads(DEFAULT_PROGRAM_FILE.read_text()))
    upi = program.redemption.reward("upi")
    assert upi is not None and upi.kind == "upi" and upi.enabled
    assert [t.multiplier_percent for t in program.tiers] == [100, 110, 125]
