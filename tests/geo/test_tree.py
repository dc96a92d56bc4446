"""The tree: strict levels, code forms, paths, ancestors, children, descendants."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy.orm import Session

from huying.geo import service
from huying.geo.models import Level, MapVersion
from tests.geo.factories import AREA, CITY, COMMUNITY, TOWN, grid_code, square, square_city


def test_paths_ancestors_children_and_descendants(session: Session) -> None:
    sc = square_city(session)
    g = sc.grids[grid_code(1, 1)]
    assert g.path == f"{CITY}/{AREA}/{TOWN}/{COMMUNITY}/{grid_code(1, 1)}/"
    chain = service.ancestors(session, g)
    assert [n.level for n in chain] == ["city", "area", "town", "community", "grid"]
    assert [n.code for n in service.children(session, sc.community)] == sorted(sc.grids)
    town_grids = session.scalars(service.descendants_query(sc.town, Level.GRID)).all()
    assert len(town_grids) == 9
    below_town = session.scalars(service.descendants_query(sc.town)).all()
    assert {n.level for n in below_town} == {"community", "grid"}
    assert g.centroid_lon is not None and g.area_km2 and g.area_km2 > 1.0


def test_get_city_needs_a_code_when_there_are_several(session: Session) -> None:
    with pytest.raises(service.CityNotFound, match="no city"):
        service.get_city(session)
    square_city(session)
    assert service.get_city(session).code == CITY
    service.create_city(session, "440300", "深圳市", "Shenzhen")
    with pytest.raises(service.CityNotFound, match="several cities"):
        service.get_city(session)
    assert service.get_city(session, "440300").name_en == "Shenzhen"
    with pytest.raises(service.CityNotFound, match="999999"):
        service.get_city(session, "999999")


@pytest.mark.parametrize(
    ("level", "parent", "code", "message"),
    [
        (Level.TOWN, "community", "441900003999", "cannot be the child"),
        (Level.GRID, "town", "441900003001010", "cannot be the child"),
        (Level.GRID, "community", "44190000300101", "15 digits"),
        (Level.GRID, "community", "441900004001010", "15 digits"),
        (Level.COMMUNITY, "town", "4419000030011", "12 digits"),
        (Level.TOWN, "area", "440300003", "starting with the city code"),
        (Level.AREA, "city", "441900-B1", "-A"),
        (Level.GRID, "community", grid_code(0, 0), "already used"),
    ],
)
def test_add_node_rejects(
    session: Session, level: Level, parent: str, code: str, message: str
) -> None:
    sc = square_city(session)
    parents = {
        "city": service.get_node(session, sc.city.id, CITY),
        "area": service.get_node(session, sc.city.id, AREA),
        "town": sc.town,
        "community": sc.community,
    }
    with pytest.raises(service.InvalidNode, match=message):
        service.add_node(session, sc.city, level, code, parents[parent], "名", "Name", square(5, 5))


def test_add_node_rejects_a_grid_without_polygon_or_with_a_bad_one(session: Session) -> None:
    sc = square_city(session)
    with pytest.raises(service.InvalidNode, match="needs a polygon"):
        service.add_node(session, sc.city, Level.GRID, f"{COMMUNITY}010", sc.community, "网格", "G")
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(service.InvalidNode, match="invalid geometry"):
        service.add_node(
            session, sc.city, Level.GRID, f"{COMMUNITY}010", sc.community, "网格", "G", bowtie
        )
    with pytest.raises(service.InvalidNode, match="LineString"):
        service.add_node(
            session,
            sc.city,
            Level.GRID,
            f"{COMMUNITY}010",
            sc.community,
            "网格",
            "G",
            shapely.LineString([(0, 0), (1, 1)]),
        )


def test_adding_a_polygon_bumps_the_map_version(session: Session) -> None:
    sc = square_city(session)
    mv = session.query(MapVersion).filter_by(city_id=sc.city.id).one()
    before = mv.version
    service.add_node(
        session, sc.city, Level.GRID, f"{COMMUNITY}010", sc.community, "网格10", "G10", square(3, 0)
    )
    session.refresh(mv)
    assert mv.version == before + 1
