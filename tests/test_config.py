"""Settings and program rules: embedded defaults, and one clear line for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.config import ConfigError, load_settings
from bot.program import DEFAULT_PROGRAM_FILE, ProgramError, load_program


def test_embedded_defaults_need_no_accounts(tmp_path: Path) -> None:
    cfg = load_settings({}, instance_path=tmp_path)
    assert cfg["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inaam.db'}"
    assert cfg["REDIS_URL"] is None and cfg["TWILIO_STANDIN"] is True
    assert cfg["TWILIO_API_BASE_URL"].startswith("http://127.0.0.1:")
    assert cfg["PROGRAM"].welcome_bonus == 100


@pytest.mark.parametrize(("env", "message"), [
    ({"TWILIO_ACCOUNT_SID": "ACnope", "TWILIO_AUTH_TOKEN": "x", "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886"},
     "TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32}, "TWILIO_AUTH_TOKEN"),
    ({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t", "TWILIO_WHATSAPP_FROM": "+14155238886",
      "INAAM_COUPON_SECRET": "s" * 20}, "TWILIO_WHATSAPP_FROM"),
    ({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t",
      "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886"}, "INAAM_COUPON_SECRET"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL"),
    ({"PUBLIC_BASE_URL": "bot.example.in"}, "PUBLIC_BASE_URL"),
    ({"INAAM_MEDIA_MAX_BYTES": "lots"}, "INAAM_MEDIA_MAX_BYTES"),
    ({"INAAM_PROGRAM_FILE": "/nonexistent/program.toml"}, "INAAM_PROGRAM_FILE"),
])
def test_bad_setting_names_the_variable(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env, instance_path=tmp_path)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("edit", "message"), [
    (("welcome_bonus = 100", "welcome_bonus = -5"), "program.welcome_bonus"),
    (("point_value_paise = 25", 'point_value_paise = "25"'), "program.point_value_paise"),
    (("max_points_per_claim = 5000", "max_points_per_clam = 5000"), "unknown setting"),
    (("supplier_gstins = []", 'supplier_gstins = ["ABC"]'), "supplier_gstins"),
    (("[program]", "[program"), "not valid TOML"),
])
def test_program_file_is_validated(edit: tuple[str, str], message: str, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(DEFAULT_PROGRAM_FILE.read_text().replace(*edit))
    with pytest.raises(ProgramError) as err:
        load_program(path)
    assert message in str(err.value)


def test_start_up_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    monkeypatch.setenv("REDIS_URL", "nonsense")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert errors == ["Error: REDIS_URL must be a URL starting with redis:// or rediss:// or unix://"]


def test_tiers_and_points() -> None:
    program = load_program()
    assert program.tier_for(0).name == "Silver"
    assert program.tier_for(5000).name == "Gold"
    assert program.paise_for(100) == 2500
    assert program.invoice.points_for(1_23_456_00) == 1234
