"""``huying register assign`` and ``huying register visit-coverage``: the same commands and
scope as the API, from the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cityconfig import config_cache
from huying.cli import app
from huying.contact import visit_service as vs
from huying.orgs.actor import actor_for
from tests.cases.conftest import T0, _reset_caches, build_world
from tests.contact.conftest import ADDRESSES, HOUSEHOLDS, load


@pytest.fixture
def db(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    _reset_caches()
    config_cache.clear()
    with Session(fresh_engine, expire_on_commit=False) as s:
        w = build_world(s)
        assert load(s, w["city"], "addresses", ADDRESSES).stored
        assert load(s, w["city"], "households", HOUSEHOLDS).stored
        s.commit()
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    return fresh_engine


def test_assign_and_coverage_from_the_command_line(db: Engine) -> None:
    runner = CliRunner()
    try:
        now = "2025-03-03T09:30:00+08:00"
        r = runner.invoke(app, ["register", "assign", "H1", "gridworker", "--as", "community", "--now", now])
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["due_at"].startswith("2025-06-01")
        r = runner.invoke(app, ["register", "assign", "H3", "gridworker", "--as", "community", "--now", now])
        assert r.exit_code != 0 and "outside your scope" in r.stderr
        with Session(db) as s:
            vs.record_visit(s, actor_for(s, "gridworker"), vs.VisitIn("H1", "door"), now=T0)
        r = runner.invoke(app, ["register", "visit-coverage", "441900101", "--as", "town", "--now", now])
        assert r.exit_code == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["total"] == {"assigned": 1, "visited": 1, "coverage": 1.0, "overdue": 0,
                                "enterprises": {"assigned": 0, "visited": 0, "coverage": None, "overdue": 0}}
        assert out["cadres"][0]["cadre"] == "gridworker"
        r = runner.invoke(app, ["register", "visit-coverage", "441900101", "--as", "town2", "--now", now])
        assert r.exit_code != 0 and "outside your scope" in r.stderr
    finally:
        _reset_caches()
