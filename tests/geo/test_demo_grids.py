"""The demo city's grids: the representative point of every grid locates to that grid."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo import service
from huying.geo.models import Level, Node

build = pytest.importorskip("huying.demo.build")


@pytest.mark.slow
def test_the_representative_point_of_every_demo_grid_locates_to_that_grid(
    session: Session,
) -> None:
    # Few households and no enterprises: the map is what this test is about.
    sizes = build.Sizes(households_per_grid=0.0, enterprises_per_community=0.0)
    summary = build.build(session, seed=1, progress=False, sizes=sizes)
    city_id = summary.city_id
    rows = session.execute(
        select(Node.id, Node.code, Node.centroid_lon, Node.centroid_lat).where(
            Node.city_id == city_id, Node.level == Level.GRID.value
        )
    ).all()
    assert len(rows) == summary.nodes["grid"] > 900
    lons = np.array([r[2] for r in rows])
    lats = np.array([r[3] for r in rows])
    got = service.locate_many(session, city_id, lons, lats)
    wrong = [r[1] for r, g in zip(rows, got, strict=True) if g != r[0]]
    assert wrong == []
    # And one through the full path.
    path = service.locate(session, city_id, float(lons[0]), float(lats[0]))
    assert [n.level for n in path] == ["city", "area", "town", "community", "grid"]
    assert path[-1].code == rows[0][1]
