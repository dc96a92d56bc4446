"""``huying circle coverage|propose|import-network``: the same service and rules as the API,
from the command line; a bad network file is refused with its line named, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cli import app
from huying.community.circle_models import WalkNetwork
from huying.demo.network import lattice, to_geojson
from tests.cases.conftest import _reset_caches
from tests.community.circle_world import build


@pytest.fixture
def db(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    _reset_caches()
    with Session(fresh_engine, expire_on_commit=False) as s:
        build(s, n=120)
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    return fresh_engine


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["circle", *args])
    return r.exit_code, r.stdout, r.stderr


def test_coverage_proposals_and_a_network_from_the_command_line(db: Engine, tmp_path: Path) -> None:
    try:
        code, out, err = run("coverage", "elder_meals", "--as", "leader", "--node", "441900-A1")
        assert code == 0, err
        cov = json.loads(out)
        assert cov["total"]["households"] == 120 and cov["mode"] == "straight" and len(cov["children"]) == 2
        code, out, err = run("propose", "elder_meals", "--as", "town", "--node", "441900101", "--sites", "1")
        assert code == 0, err
        pr = json.loads(out)
        # the two grids' centres are far from every household outside: no site is worth proposing
        assert pr["optimal"] and pr["gap"] == 0 and pr["sites"] == [] and pr["newly_covered"] == 0
        code, _, err = run("coverage", "elder_meals", "--as", "resident")
        assert code != 0 and "officers and leaders" in err
        bad = tmp_path / "bad.osm"
        bad.write_text('<osm>\n<way id="1">\n<nd ref="7"/><nd ref="8"/>\n<tag k="highway" v="path"/>\n</way>\n</osm>\n')
        code, _, err = run("import-network", str(bad), "--as", "city")
        assert code != 0 and "line 2" in err
        with Session(db) as s:
            assert s.scalar(select(func.count()).select_from(WalkNetwork)) == 0
        good = tmp_path / "streets.geojson"
        good.write_text(to_geojson(lattice(113.0, 23.0, 113.4, 23.2, 600.0)))
        code, out, err = run("import-network", str(good), "--as", "city")
        assert code == 0, err
        assert json.loads(out)["source"] == "geojson"
        code, out, err = run("coverage", "elder_meals", "--as", "leader", "--node", "441900-A1")
        assert code == 0 and json.loads(out)["mode"] == "network"
    finally:
        _reset_caches()
