"""The duplicate look-up compares a report with a bounded number of open cases: the most
recent of its categories around it (``duplicates.MAX_COMPARED``), so that a spot where cases
pile up does not make every new report slower than the last."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from huying.geo import shapes
from huying.intake.service import ReportIn, intake
from huying.triage import duplicates as dup
from huying.triage.classifier import Prediction
from tests.cases.conftest import T0, World
from tests.intake import conftest as intake_fixtures

world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir

LON, LAT = 113.05, 23.05
TITLE, DETAIL = "小区门口路灯不亮", "东门口的三盏路灯坏了三天，晚上很黑，老人出门不安全"


def _in(world: World, *, hours: float, label: str = "城乡建设", lon: float = LON):  # type: ignore[no-untyped-def]
    return intake(world.session, world["resident"], ReportIn(title=TITLE, description=DETAIL, lon=lon, lat=LAT),
                  channel="resident_web", now=T0 + dt.timedelta(hours=hours),
                  prediction=Prediction(label, 0.9, [(label, 0.9)]))


def _candidates(world: World, hours: float, level1: set[str] | None, limit: int = 10) -> list[str]:
    return [c.code for c in dup.find_candidates(
        world.session, world.city_id, lon=LON, lat=LAT, title=TITLE, detail=DETAIL, level1=level1,
        now=T0 + dt.timedelta(hours=hours), radius_m=250, limit=limit)]


def _codes(world: World, label: str) -> set[str]:
    from huying.intake.service import _level1

    return {_level1(world.session, world.city_id)[label].code}


def test_a_report_is_compared_with_the_most_recent_open_cases_only(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [_in(world, hours=h).case.code for h in range(5)]
    monkeypatch.setattr(dup, "MAX_COMPARED", 3)
    found = _candidates(world, 10, _codes(world, "城乡建设"))
    assert sorted(found) == sorted(cases[-3:])  # the two oldest, as similar, are not compared
    monkeypatch.setattr(dup, "MAX_COMPARED", 200)
    assert sorted(_candidates(world, 10, _codes(world, "城乡建设"))) == sorted(cases)


def test_cases_of_other_categories_do_not_use_up_the_bound(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    same = _in(world, hours=0).case.code
    for h in range(1, 4):
        _in(world, hours=h, label="教育文体")
    monkeypatch.setattr(dup, "MAX_COMPARED", 2)
    assert _candidates(world, 10, _codes(world, "城乡建设")) == [same]
    # asked for any category, the bound takes the newest whatever their category
    assert same not in _candidates(world, 10, None)


def test_cases_outside_the_radius_do_not_use_up_the_bound(world: World, monkeypatch: pytest.MonkeyPatch) -> None:

    near = _in(world, hours=0).case.code
    east_400m = LON + 400 / (111_320 * math.cos(math.radians(LAT)))  # in the ring of cells, beyond 250 m
    for h in range(1, 4):
        _in(world, hours=h, lon=east_400m)
    monkeypatch.setattr(dup, "MAX_COMPARED", 1)
    assert _candidates(world, 10, _codes(world, "城乡建设")) == [near]


def test_the_box_holds_the_circle() -> None:
    for lat in (0.0, 23.05, 60.0, -45.0):
        box = dup._box(113.0, lat, 250)
        for bearing in range(0, 360, 15):
            b = math.radians(bearing)
            dlat = 250 * math.cos(b) / 111_195
            dlon = 250 * math.sin(b) / (111_195 * math.cos(math.radians(lat + dlat)))
            assert box["south"] < lat + dlat < box["north"]
            assert box["west"] < 113.0 + dlon < box["east"]
            assert shapes.haversine_m(113.0, lat, 113.0 + dlon, lat + dlat) == pytest.approx(250, rel=0.01)


def test_distances_to_many_points_are_the_great_circle_ones() -> None:
    import numpy as np

    lons, lats = np.array([113.0, 113.002, 112.99, -70.0]), np.array([23.05, 23.051, 23.04, -33.4])
    assert shapes.haversine_many(113.0, 23.05, lons, lats) == pytest.approx(
        [shapes.haversine_m(113.0, 23.05, a, b) for a, b in zip(lons, lats, strict=True)], rel=1e-9)


def test_the_look_up_reads_its_window_not_every_case_ever_reported_there(world: World) -> None:
    """The cases around a point are found by their cells *and* the window's moments: a spot
    with years of closed cases costs a report no more than one with a month's."""
    from sqlalchemy import inspect

    conn = world.session.connection()
    indexed = {tuple(ix["column_names"]) for ix in inspect(conn).get_indexes("cases")}
    assert ("city_id", "h3_cell", "created_at") in indexed
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL's plan follows its statistics; the index is what it is offered
    stmt = dup._nearby(1, 7)
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.construct_params({
        "city": world.city_id, **{f"cell_{i}": f"cell{i}" for i in range(7)}, "since": T0 - dt.timedelta(days=30),
        "now": T0, "limit": dup.MAX_COMPARED, "exclude": -1, "l1_0": "/01/", **dup._box(LON, LAT, 500.0)})
    processors = compiled._bind_processors
    args = [processors[n](params[n]) if n in processors else params[n] for n in compiled.positiontup]
    plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, tuple(args)).all()
    search = next(row[3] for row in plan if "cases" in row[3])
    assert "h3_cell=?" in search and "created_at>?" in search and "created_at<?" in search, search
