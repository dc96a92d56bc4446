"""``huying accountability ...``: the defaults imported, a bad file's lines named by line and
field with nothing stored, and a review taken from creation to publication."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cityconfig import config_cache
from huying.cli import app
from tests.cases.conftest import _reset_caches, build_world

NOW = "2026-01-12T10:00:00+08:00"
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


def test_import_review_and_weak_from_the_command_line(db: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    try:
        def run(*args: str, ok: bool = True) -> object:
            r = runner.invoke(app, ["accountability", *args])
            assert (r.exit_code == 0) == ok, (args, r.stdout, r.stderr)
            return json.loads(r.stdout) if r.stdout.strip().startswith(("{", "[")) else r.stderr

        bad = tmp_path / "bad.csv"
        bad.write_text("list,list_name,level,number,text\nx,清单,community,1,好的一条\nx,清单,community,二,坏序号\n",
                       encoding="utf-8")
        r = runner.invoke(app, ["accountability", "duties", "import", str(bad), "--as", "city", "--now", NOW])
        assert r.exit_code == 2 and "line 3: number: not a whole number" in r.stderr
        out = run("duties", "import", "--defaults", "--as", "city", "--now", NOW)
        assert isinstance(out, dict) and out["added"] == 45
        review = run("reviews", "create", COMM1, "--year", "2025", "--as", "town", "--now", NOW)
        assert isinstance(review, dict)
        rid = str(review["id"])
        run("reviews", "invite", rid, "resident", "--seat", "representative", "--as", "town", "--now", NOW)
        report = tmp_path / "report.txt"
        report.write_text("2025年述职报告", encoding="utf-8")
        run("reviews", "report", rid, "--file", str(report), "--as", "community", "--now", NOW)
        opened = run("reviews", "act", rid, "open", "--as", "town", "--now", NOW)
        assert isinstance(opened, dict)
        scores = tmp_path / "scores.csv"
        scores.write_text("item,score,comment\n" + "".join(f"{i['id']},90,\n" for i in opened["items"]),
                          encoding="utf-8")
        run("reviews", "score", rid, "--scores", str(scores), "--as", "resident", "--now", NOW)
        assert "scores once" in str(run("reviews", "score", rid, "--scores", str(scores), "--as", "resident",
                                        "--now", NOW, ok=False))
        assert "not among the reviewers" in str(run("reviews", "score", rid, "--scores", str(scores), "--as",
                                                    "city", "--now", NOW, ok=False))
        run("reviews", "act", rid, "close", "--as", "town", "--now", NOW)
        shown = run("reviews", "act", rid, "publish", "--as", "town", "--now", NOW)
        assert isinstance(shown, dict) and shown["results"]["grade"] == "excellent"
        run("weak", "flag", COMM1, "--reason", "班子软弱", "--as", "town", "--now", NOW)
        assert run("weak", "counts", "--as", "leader") == [
            {"year": 2026, "level": "community", "identified": 1, "rectified": 0, "still_open": 1}]
    finally:
        _reset_caches()
