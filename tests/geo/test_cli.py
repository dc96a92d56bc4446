"""``huying geo`` against a database made in the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying import config, db
from huying.cli import app
from huying.geo import service
from huying.geo.models import Level
from tests.geo.factories import COMMUNITY, STEP, X0, Y0, grid_code, square_city

runner = CliRunner()


@pytest.fixture
def cli_db(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The square city committed in a database of its own, which the CLI opens."""
    with Session(fresh_engine) as s:
        square_city(s)
        s.commit()
    url = fresh_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("HUYING_DATABASE_URL", url)
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield fresh_engine
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def test_locate_prints_one_json_object_with_the_path(cli_db: Engine) -> None:
    res = runner.invoke(app, ["geo", "locate", str(X0 + 0.015), str(Y0 + 0.005)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["lon"] == X0 + 0.015 and out["lat"] == Y0 + 0.005
    assert out["path"][0] == {"code": "441900", "name": "测试市", "level": "city"}
    assert out["path"][-1] == {"code": grid_code(1, 0), "name": "网格2", "level": "grid"}
    assert [p["level"] for p in out["path"]] == ["city", "area", "town", "community", "grid"]


def test_locate_outside_exits_non_zero_with_a_message(cli_db: Engine) -> None:
    res = runner.invoke(app, ["geo", "locate", "100.5", "30.5", "--city", "441900"])
    assert res.exit_code == 1
    assert res.stdout == ""
    assert "(100.5, 30.5) is outside city 441900" in res.stderr


def test_locate_in_an_unknown_city_says_so(cli_db: Engine) -> None:
    res = runner.invoke(app, ["geo", "locate", "113.7", "22.9", "--city", "999999"])
    assert res.exit_code == 1 and "no city with code '999999'" in res.stderr


def _community_file(tmp_path: Path, features: list[dict]) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def test_import_rejects_a_file_with_one_bad_feature_and_imports_nothing(
    cli_db: Engine, tmp_path: Path
) -> None:
    with Session(cli_db) as s:
        city = service.get_city(s)
        town = service.get_node(s, city.id, "441900003")
        service.add_node(
            s,
            city,
            Level.COMMUNITY,
            "441900003002",
            town,
            "新社区",
            "N",
            shapely.box(X0, Y0, X0 + STEP, Y0 + 3 * STEP),
        )
        s.commit()
    good = {
        "type": "Feature",
        "properties": {"code": "441900003002001", "name_zh": "好"},
        "geometry": mapping(shapely.box(X0, Y0, X0 + STEP, Y0 + STEP)),
    }
    bad = {
        "type": "Feature",
        "properties": {"code": "441900003002002", "name": "出界"},
        "geometry": mapping(shapely.box(X0, Y0 + STEP, X0 + 3 * STEP, Y0 + 2 * STEP)),
    }
    path = _community_file(tmp_path, [good, bad])
    res = runner.invoke(
        app, ["geo", "import", str(path), "--level", "grid", "--parent", "441900003002"]
    )
    assert res.exit_code == 1
    assert "feature 1 (出界) [441900003002002]: outside_parent" in res.stderr
    assert "nothing imported" in res.stderr
    with Session(cli_db) as s:
        assert service.node_count(s, service.get_city(s).id, Level.GRID) == 9
    # Without the bad feature the file goes in.
    path = _community_file(tmp_path, [good])
    res = runner.invoke(
        app, ["geo", "import", str(path), "--level", "grid", "--parent", "441900003002"]
    )
    assert res.exit_code == 0, res.output
    assert "1 imported" in res.stdout
    with Session(cli_db) as s:
        assert service.node_count(s, service.get_city(s).id, Level.GRID) == 10


def test_export_writes_geojson(cli_db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "grids.geojson"
    res = runner.invoke(
        app, ["geo", "export", "--level", "grid", "--under", COMMUNITY, "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text("utf-8"))
    assert len(data["features"]) == 9 and data["huying:crs"] == "GCJ-02"
    res = runner.invoke(app, ["geo", "export", "--level", "town"])
    assert json.loads(res.stdout)["features"][0]["properties"]["code"] == "441900003"
