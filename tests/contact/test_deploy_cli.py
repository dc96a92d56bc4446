"""``huying deploy create|list|roster|checkin|export|end``: the same commands and scope as
the API, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cityconfig import config_cache
from huying.cli import app
from tests.cases.conftest import _reset_caches, build_world
from tests.contact.deploy_world import add_staff

NOW = "2025-03-03T09:30:00+08:00"


@pytest.fixture
def db(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    _reset_caches()
    config_cache.clear()
    with Session(fresh_engine, expire_on_commit=False) as s:
        add_staff(s, build_world(s))
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    return fresh_engine


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["deploy", *args])
    return r.exit_code, r.stdout, r.stderr


def test_a_deployment_from_the_command_line(db: Engine, tmp_path: Path) -> None:
    try:
        code, out, err = run("create", "441900101", "--name", "防汛下沉", "--as", "town", "--now", NOW)
        assert code == 0, err
        dep = json.loads(out)
        assert dep["figures"]["teams"] == 4 and dep["status"] == "active"
        i = str(dep["id"])
        code, out, err = run("create", "441900101", "--name", "again", "--as", "town2", "--now", NOW)
        assert code == 1 and "outside your scope" in err
        code, out, err = run("create", "441900101", "--name", "x", "--teams", "9", "--as", "city", "--now", NOW)
        assert code == 2 and "0 staff are available" in err  # all of them are deployed already
        code, out, _ = run("list", "--as", "town")
        assert json.loads(out)["total"] == 1
        code, out, _ = run("list", "--as", "town2")
        assert json.loads(out)["total"] == 0
        code, out, _ = run("roster", i, "--as", "city", "--grid", "441900101001002")
        assert [t["grid"] for t in json.loads(out)["teams"]] == ["441900101001002"]
        code, _, err = run("roster", i, "--as", "town2")
        assert code == 1 and "no deployment" in err
        code, out, err = run("checkin", i, "--as", "handler", "--note", "到岗", "--now", NOW)
        assert code == 0, err
        first = json.loads(out)
        code, out, _ = run("checkin", i, "--as", "handler", "--now", "2025-03-03T18:00:00+08:00")
        assert json.loads(out)["replayed"] and json.loads(out)["id"] == first["id"]
        xlsx = tmp_path / "roster.xlsx"
        code, out, err = run("export", i, "--as", "town", "--out", str(xlsx), "--lang", "en", "--now", NOW)
        assert code == 0, err
        assert json.loads(out)["rows"] == 12
        rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
        assert len(rows) == 13 and rows[1][3] == "Grid 1" and sum(r[9] for r in rows[1:]) == 1
        code, _, err = run("export", i, "--as", "town", "--out", str(tmp_path / "roster.pdf"))
        assert code == 2
        code, _, err = run("end", i, "--as", "handler", "--now", NOW)
        assert code == 1 and "end only" in err
        code, out, err = run("end", i, "--as", "town", "--now", "2025-03-05T09:30:00+08:00")
        assert code == 0, err
        assert json.loads(out)["status"] == "ended"
        code, _, err = run("checkin", i, "--as", "handler", "--now", "2025-03-05T10:00:00+08:00")
        assert code == 1 and "ended" in err
    finally:
        _reset_caches()
