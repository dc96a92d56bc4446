"""A ``HUYING_*`` setting that cannot be used is named, with what is wrong and the value
given (never a secret's), and a command stops with exit code 2 instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from huying import config
from huying.cli import app


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


def test_a_bad_setting_is_named_with_the_value_given(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    monkeypatch.setenv("HUYING_REPORT_THREADS", "0")
    monkeypatch.setenv("HUYING_PORT", "eighty")
    with pytest.raises(config.SettingsError) as err:
        config.get_settings()
    text = str(err.value)
    assert "HUYING_REPORT_THREADS: Input should be greater than or equal to 1 (given: '0')" in text
    assert "HUYING_PORT:" in text and "'eighty'" in text


def test_a_secret_s_value_is_not_repeated() -> None:
    problem = config._setting_problem({"loc": ("secret_key",), "msg": "too short", "input": "hunter2"})
    assert problem == "HUYING_SECRET_KEY: too short"
    problem = config._setting_problem({"loc": ("database_url",), "msg": "bad", "input": "postgresql://u:pw@h/db"})
    assert "pw" not in problem


def test_a_command_stops_with_the_setting_s_name(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    monkeypatch.setenv("HUYING_REPORT_THREADS", "0")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "error: HUYING_REPORT_THREADS: Input should be greater than or equal to 1" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
