"""locate: inside, outside, on shared borders and vertices; the index follows the map."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.orm import Session

from huying.geo import service
from huying.geo.models import Level
from huying.geo.shapes import to_shape
from tests.geo.factories import CITY, COMMUNITY, grid_code, square, square_city


def test_a_point_inside_a_grid_gives_the_path_from_the_city(session: Session) -> None:
    sc = square_city(session)
    c = to_shape(sc.grids[grid_code(2, 1)].geometry).centroid
    path = service.locate(session, sc.city.id, c.x, c.y)
    assert [n.code for n in path] == [CITY, f"{CITY}-A1", f"{CITY}003", COMMUNITY, grid_code(2, 1)]


def test_a_point_outside_raises_outside_city_naming_the_point(session: Session) -> None:
    sc = square_city(session)
    with pytest.raises(service.OutsideCity, match=r"\(114\.5, 23\.5\).*441900"):
        service.locate(session, sc.city.id, 114.5, 23.5)


def test_a_shared_border_and_a_shared_vertex_go_to_the_smallest_code(session: Session) -> None:
    sc = square_city(session)
    g0 = to_shape(sc.grids[grid_code(0, 0)].geometry)
    g4 = to_shape(sc.grids[grid_code(1, 1)].geometry)
    minx, miny, maxx, maxy = g0.bounds
    # On the border between grids 001 and 002 (x = maxx), and between 001 and 004.
    assert service.locate(session, sc.city.id, maxx, (miny + maxy) / 2)[-1].code == grid_code(0, 0)
    assert service.locate(session, sc.city.id, (minx + maxx) / 2, maxy)[-1].code == grid_code(0, 0)
    # The vertex shared by 001, 002, 004 and 005.
    assert service.locate(session, sc.city.id, maxx, maxy)[-1].code == grid_code(0, 0)
    # The vertex shared by 005, 006, 008 and 009 goes to 005.
    _, _, x4, y4 = g4.bounds
    assert service.locate(session, sc.city.id, x4, y4)[-1].code == grid_code(1, 1)


def test_locate_many_is_vectorised_and_marks_outside_with_minus_one(session: Session) -> None:
    sc = square_city(session)
    cs = [to_shape(g.geometry).representative_point() for g in sc.grids.values()]
    lons = np.array([p.x for p in cs] + [0.0])
    lats = np.array([p.y for p in cs] + [0.0])
    got = service.locate_many(session, sc.city.id, lons, lats)
    assert got.tolist() == [g.id for g in sc.grids.values()] + [-1]


def test_the_index_is_cached_and_rebuilt_when_the_map_changes(session: Session) -> None:
    sc = square_city(session)
    first = service.grid_index(session, sc.city.id)
    assert service.grid_index(session, sc.city.id) is first
    with pytest.raises(service.OutsideCity):
        service.locate(session, sc.city.id, 113.735, 22.905)
    # add_node bumps the map version: the next locate sees the new grid.
    new = service.add_node(
        session, sc.city, Level.GRID, f"{COMMUNITY}010", sc.community, "网格10", "G10", square(3, 0)
    )
    assert service.grid_index(session, sc.city.id) is not first
    assert service.locate(session, sc.city.id, 113.735, 22.905)[-1].id == new.id


def test_an_explicit_bump_rebuilds_the_index(session: Session) -> None:
    sc = square_city(session)
    first = service.grid_index(session, sc.city.id)
    service.bump_map_version(session, sc.city.id)
    assert service.grid_index(session, sc.city.id) is not first


def test_cities_are_indexed_separately(session: Session) -> None:
    a = square_city(session)
    b = service.create_city(session, "440300", "深圳市", "Shenzhen")
    with pytest.raises(service.OutsideCity):
        service.locate(session, b.id, 113.705, 22.905)
    assert service.locate(session, a.city.id, 113.705, 22.905)[-1].code == grid_code(0, 0)
