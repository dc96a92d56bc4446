"""``huying community ...`` and ``huying community council ...``: the same commands and rules
as the API, from the command line (a bad field is named, a refusal exits non-zero)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cityconfig import config_cache
from huying.cli import app
from tests.cases.conftest import _reset_caches, build_world

NOW = "2025-03-03T09:30:00+08:00"
COMM1 = "441900101001"


@pytest.fixture
def db(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    _reset_caches()
    config_cache.clear()
    with Session(fresh_engine, expire_on_commit=False) as s:
        build_world(s)
        s.commit()
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    return fresh_engine


def test_a_council_decides_a_need_that_is_matched_from_the_command_line(db: Engine) -> None:
    runner = CliRunner()
    try:
        def run(*args: str, ok: bool = True) -> dict:  # type: ignore[type-arg]
            r = runner.invoke(app, ["community", *args])
            assert (r.exit_code == 0) == ok, (args, r.stdout, r.stderr)
            return json.loads(r.stdout) if ok else {"err": r.stderr}

        run("council", "seat", COMM1, "441900101001-party", "--as", "community", "--role", "convener", "--now", NOW)
        meeting = run("council", "meet", COMM1, "--as", "community", "--on", "2025-03-01", "--place", "示例会议室",
                      "--topic", "长者助餐", "--org", "441900101001-party", "--now", NOW)
        decision = run("council", "decide", str(meeting["id"]), "--as", "community", "--text", "周六送餐",
                       "--kind", "need", "--need-type", "meal_help", "--when", "周六 11-13", "--now", NOW)
        assert decision["need_id"]
        run("add-service", COMM1, "--as", "community", "--type", "meal_help", "--name", "示例长者饭堂",
            "--capacity", "5", "--when", "Sa 10-14", "--now", NOW)
        (proposed,) = run("propose", COMM1, "--as", "community", "--now", NOW)
        assert "养老助餐" in proposed["explanation"] and "周六 11:00–13:00" in proposed["explanation"]
        assert run("act", str(proposed["id"]), "accept", "--as", "community", "--now", NOW)["status"] == "accepted"
        bad = run("add-need", COMM1, "--as", "community", "--type", "massage", "--now", NOW, ok=False)
        assert "type" in bad["err"]
        assert run("needs", COMM1, "--as", "leader")["total"] == 1
        run("needs", COMM1, "--as", "resident", ok=False)
    finally:
        _reset_caches()
