"""Logs are JSON lines; phone numbers are masked and secrets never printed."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import configure, mask_phone


def test_mask_phone_keeps_country_code_and_last_four() -> None:
    assert mask_phone("from whatsapp:+919812345678 at 10:05") == "from whatsapp:+91******5678 at 10:05"
    assert mask_phone("order 123456 of 2026") == "order 123456 of 2026"


def test_structured_log_masks_phones_and_redacts_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure("INFO")
        logging.getLogger("inaam.test").warning("Inbound from %s", "+919812345678",
                                                extra={"auth_token": "s3cr3t-token", "phone": "+919812345678"})
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "Inbound from +91******5678"
    assert record["phone"] == "+91******5678" and record["auth_token"] == "[redacted]"
    assert "9812345678" not in line and "s3cr3t" not in line
