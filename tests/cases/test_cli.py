"""The operators' command line: JSON out, clean errors, the same rules as everywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cli import app
from tests.cases.conftest import _reset_caches, build_world

runner = CliRunner()


@pytest.fixture
def cli(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _reset_caches()
    with Session(fresh_engine, expire_on_commit=False) as s:
        build_world(s)
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    yield
    _reset_caches()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


NOW = "2025-03-03T09:30:00+08:00"


def test_report_act_show_list_over_the_cli(cli: None) -> None:
    code_, out, err = run("case", "report", "--lon", "113.05", "--lat", "23.05", "--title", "路灯不亮",
                          "--detail", "三天了", "--as", "resident", "--now", NOW)
    assert code_ == 0, err
    case = json.loads(out)
    assert case["status"] == "new" and case["grid"] == "441900101001001"
    code = case["code"]
    code_, out, err = run("case", "act", code, "dispatch", "--as", "community", "--unit", "441900101001-party",
                          "--now", "2025-03-03T10:00:00+08:00")
    assert code_ == 0, err
    assert json.loads(out)["status"] == "dispatched"
    code_, out, err = run("case", "act", code, "close", "--as", "community")
    assert code_ == 1 and "allowed:" in err and "accept" in err
    code_, out, err = run("case", "act", code, "accept", "--as", "nobody")
    assert code_ == 2 and "no user 'nobody'" in err
    code_, out, err = run("case", "show", code)
    assert code_ == 0 and [e["action"] for e in json.loads(out)["events"]] == ["report", "dispatch"]
    code_, out, err = run("case", "show", code, "--as", "town2")
    assert code_ == 1 and "no case" in err
    code_, out, err = run("case", "list", "--status", "dispatched")
    assert code_ == 0 and [json.loads(line)["code"] for line in out.splitlines()] == [code]
    code_, out, err = run("case", "list", "--status", "bogus")
    assert code_ == 2 and "--status" in err
    code_, out, err = run("case", "report", "--lon", "1", "--lat", "1", "--title", "x", "--as", "resident")
    assert code_ == 2 and "location" in err


def test_sweep_and_stats_over_the_cli(cli: None) -> None:
    for _ in range(3):
        assert run("case", "report", "--lon", "113.05", "--lat", "23.05", "--title", "占道经营",
                   "--as", "gridworker", "--channel", "grid_patrol", "--now", NOW)[0] == 0
    code_, out, err = run("sla", "sweep", "--now", "2025-03-04T09:30:00+08:00")
    assert code_ == 0, err
    assert json.loads(out)["overdue"] == 3
    assert json.loads(run("sla", "sweep", "--now", "2025-03-04T09:30:00+08:00")[1])["overdue"] == 0
    code_, out, err = run("sla", "sweep", "--now", "yesterday")
    assert code_ == 2 and "ISO" in err
    code_, out, err = run("stats", "--node", "441900101", "--now", "2025-03-04T09:30:00+08:00")
    assert code_ == 0, err
    figures = json.loads(out)
    assert figures["node"]["received"] == 3 and figures["node"]["overdue_now"] == 3
    assert [c["code"] for c in figures["children"]] == ["441900101001"]
    assert run("stats", "--node", "999")[0] == 2


def test_tokens_over_the_cli(cli: None) -> None:
    code_, out, err = run("token", "create", "handler", "--name", "hotline bridge")
    assert code_ == 0, err
    created = json.loads(out)
    assert created["token"].startswith("hy_")
    code_, out, err = run("token", "revoke", str(created["id"]))
    assert code_ == 0 and json.loads(out)["revoked_at"]
    assert run("token", "create", "ghost")[0] == 2
