"""``huying links solve|leave|list``: the same commands and scope as the API."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cityconfig import config_cache
from huying.cli import app
from tests.cases.conftest import _reset_caches, build_world
from tests.contact.link_city import LinkCity, seed


@pytest.fixture
def db(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, LinkCity]:
    _reset_caches()
    config_cache.clear()
    with Session(fresh_engine, expire_on_commit=False) as s:
        w = build_world(s)
        city = seed(s, w.city_id)
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    return fresh_engine, city


def test_solve_leave_and_list_from_the_command_line(db: tuple[Engine, LinkCity]) -> None:
    _, city = db
    runner = CliRunner()
    try:
        now = "2025-03-03T09:30:00+08:00"
        r = runner.invoke(app, ["links", "solve", "441900101", "--as", "town", "--now", now])
        assert r.exit_code == 0, r.stderr
        run = json.loads(r.stdout)
        assert run["optimal"] and run["linked"] == run["opened"] == 48
        r = runner.invoke(app, ["links", "solve", "441900101", "--as", "town2", "--now", now])
        assert r.exit_code != 0 and "outside your scope" in r.stderr
        r = runner.invoke(app, ["links", "list", "--as", "gridworker"])
        assert r.exit_code == 0, r.stderr
        mine = json.loads(r.stdout)
        assert mine["total"] > 0 and {i["member"] for i in mine["items"]} == {city.member1}
        r = runner.invoke(app, ["links", "leave", str(city.member1), "--as", "community",
                                "--now", "2025-03-04T09:30:00+08:00"])
        assert r.exit_code == 0, r.stderr
        [run] = json.loads(r.stdout)["runs"]
        assert run["optimal"] and run["ended"] <= run["changed"]
        r = runner.invoke(app, ["links", "list", "--as", "town", "--node", "441900101", "--history",
                                "--limit", "1000"])
        assert r.exit_code == 0, r.stderr
        out = json.loads(r.stdout)
        assert {i["end_reason"] for i in out["items"] if i["member"] == city.member1} == {"member_left"}
        assert out["figures"]["members"] == 7 and out["figures"]["linked"] == 7 * 6
        assert all("*" in i["member_name"] for i in out["items"])
        r = runner.invoke(app, ["links", "list", "--as", "resident"])
        assert r.exit_code != 0
    finally:
        _reset_caches()
