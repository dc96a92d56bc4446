"""``huying exchange post|publish|pledge|claim|agree|reach|start|complete|list|show``: the
same commands and rules as the API, from the command line (one database, SQLite and
PostgreSQL); a refusal names the reason and exits non-zero, nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cli import app
from tests.cases.conftest import _reset_caches
from tests.community.exchange_world import COMM1, ORG_A, exchange_world

NOW = "2025-03-03T09:30:00+08:00"


@pytest.fixture
def db(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    _reset_caches()
    with Session(fresh_engine, expire_on_commit=False) as s:
        exchange_world(s)
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    return fresh_engine


def test_a_project_from_the_command_line(db: Engine) -> None:
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> Any:
        r = runner.invoke(app, ["exchange", *args])
        assert (r.exit_code == 0) == ok, (args, r.stdout, r.stderr)
        return json.loads(r.stdout) if ok else r.stderr

    try:
        p = run("post", COMM1, "--as", "community", "--title", "长者饭堂", "--need", "老人午餐", "--type",
                "elderly_canteen", "--beneficiaries", "60", "--kind", "elderly", "--budget", "300.00",
                "--goods", "餐桌:4:张", "--milestone", "装修:50", "--milestone", "开餐:50", "--now", NOW)
        code = p["code"]
        assert p["status"] == "draft" and p["remaining"] == "300.00"
        assert run("list")["total"] == 0  # a draft is the officers' alone
        assert run("publish", code, "--as", "community", "--now", NOW)["status"] == "open"
        refused = run("pledge", code, "--as", "partner_a", "--amount", "300.01", "--now", NOW, ok=False)
        assert "exceeds what is still needed (300.00)" in refused
        half = run("pledge", code, "--as", "partner_a", "--amount", "100.10", "--goods", "餐桌:4", "--now", NOW)
        assert half["remaining"] == "199.90" and half["goods"][0]["remaining"] == 0
        assert "pledged" in run("claim", code, "--as", "partner_b", "--now", NOW, ok=False)
        full = run("pledge", code, "--as", "partner_b", "--amount", "199.90", "--now", NOW)
        assert full["status"] == "funded" and full["remaining"] == "0.00"
        run("agree", code, "--as", "community", "--org", ORG_A, "--signed", "2025-03-03", "--until", "2026-03-02",
            "--milestone", "出资:100", "--now", NOW)
        assert run("start", code, "--as", "community", "--now", NOW)["status"] == "in_progress"
        for m in run("show", code)["milestones"]:
            run("reach", code, str(m["id"]), "--as", "community", "--now", NOW)
        done = run("complete", code, "--as", "community", "--now", NOW)
        assert done["status"] == "completed" and done["progress"] == 100
        assert run("list", "--needing")["total"] == 0
    finally:
        _reset_caches()
