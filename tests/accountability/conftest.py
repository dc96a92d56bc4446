"""The report's scene: the small city of the closed-loop tests (two towns, one community and
two grids each) with cases of 2025 and of 2026 in town 1, run through the service.

    2025: town 1 receives 2 cases, closes 1 (on time, satisfied)
    2026: town 1 receives 3 cases, closes 2 (on time, satisfied); town 2 receives 1, open
"""

from __future__ import annotations

import datetime as dt

import pytest

from huying.cases import service as svc
from tests.cases.conftest import T0, World, api, api_db, api_engine, at, build_world, world  # noqa: F401  (fixtures)

#: The moment every report of the scene is made: 2026 is running.
NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
T25 = dt.datetime(2025, 3, 3, 1, 30, tzinfo=dt.UTC)
T26 = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def closed_case(w: World, start: dt.datetime, **kw: object) -> None:
    s = w.session
    case = w.report(now=start, **kw)
    h = lambda n: start + dt.timedelta(hours=n)  # noqa: E731
    svc.dispatch(s, case, w["town"], unit="441900101-dept-urban_management", now=h(1))
    svc.accept(s, case, w["handler"], now=h(2))
    svc.mark_handled(s, case, w["handler"], evidence="已处理", now=h(20))
    svc.follow_up(s, case, w["resident"], satisfaction="满意", method="online", now=h(22))
    svc.close(s, case, w["community"], resolution="已办结", now=h(23))


@pytest.fixture
def scene(world: World) -> World:  # noqa: F811
    closed_case(world, T25)
    world.report(now=T25 + dt.timedelta(days=30))
    closed_case(world, T26)
    closed_case(world, T26 + dt.timedelta(days=60))
    world.report(now=T26 + dt.timedelta(days=90))
    world.report(now=T26 + dt.timedelta(days=100), lon=113.25)  # town 2
    world.session.commit()
    return world
