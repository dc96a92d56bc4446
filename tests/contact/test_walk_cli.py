"""``huying walk plan|start|problem|end|list|figures``: the same commands and rules as the
API, from the command line."""

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


def test_a_walk_from_the_command_line(db: Engine) -> None:
    runner = CliRunner()
    try:
        def run(*args: str) -> dict:  # type: ignore[type-arg]
            r = runner.invoke(app, ["walk", *args, "--now", NOW] if args[0] not in ("list",) else ["walk", *args])
            assert r.exit_code == 0, (args, r.stdout, r.stderr)
            return json.loads(r.stdout)

        walk = run("plan", "441900101001001", "--as", "town", "--place", "东门市场")
        wid = str(walk["id"])
        assert walk["status"] == "planned" and walk["place"] == "东门市场"
        assert run("list", "--as", "city")["total"] == 0  # planned: nobody else sees it
        assert run("start", wid, "--as", "town")["status"] == "started"
        assert run("list", "--as", "city")["total"] == 1
        fixed = run("problem", wid, "--as", "town", "--what", "井盖松动", "--lon", "113.05", "--lat", "23.05",
                    "--fixed", "已固定")
        assert fixed["status"] == "closed"
        ledger = run("problem", wid, "--as", "town", "--what", "路面破损", "--lon", "113.05", "--lat", "23.05",
                     "--ledger", "重新铺设", "--due", "2025-03-20")
        assert ledger["status"] == "dispatched" and ledger["outcome"] == "ledger"
        assert run("end", wid, "--as", "town")["status"] == "ended"
        fig = run("figures", "441900101", "--as", "town", "--period", "all")
        assert fig["total"] == {"walks": 1, "problems": 2, "fixed_on_spot": 1, "ledger": 1, "closed": 1}

        bad = runner.invoke(app, ["walk", "problem", wid, "--as", "town", "--what", "x", "--now", NOW])
        assert bad.exit_code != 0 and "--fixed" in bad.stderr
        other = runner.invoke(app, ["walk", "start", wid, "--as", "town2", "--now", NOW])
        assert other.exit_code != 0 and "no such walk" in other.stderr
        past = runner.invoke(app, ["walk", "plan", "441900101", "--as", "town", "--on", "2025-03-01", "--now", NOW])
        assert past.exit_code != 0 and "planned_on" in past.stderr
    finally:
        _reset_caches()
