"""A bad file is refused with its reasons and nothing is stored; an administrator of one town
edits only inside it."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import box
from sqlalchemy.orm import Session

from huying.errors import InvalidInput, NotPermitted
from huying.geo import service as geo
from huying.mapedit import service
from tests.cases.conftest import T0, World
from tests.mapedit.helpers import COMM, A, fc, feature, snapshot, split_b, town_admin

BOWTIE = {"type": "Polygon", "coordinates": [[[113.1, 23.0], [113.2, 23.2], [113.2, 23.0], [113.1, 23.2],
                                              [113.1, 23.0]]]}
CASES: dict[str, tuple[dict[str, Any], str]] = {
    # B left half uncovered
    "gap": (fc(feature(A), feature(box(113.1, 23.0, 113.15, 23.2))), "gap"),
    # two new grids overlap by 0.01°
    "overlap": (fc(feature(A), feature(box(113.1, 23.0, 113.16, 23.2)),
                   feature(box(113.15, 23.0, 113.2, 23.2), name="新")), "overlap"),
    # beyond the community (and the town) to the north
    "outside": (fc(feature(A), feature(box(113.1, 23.0, 113.2, 23.3))), "outside_parent"),
    # a line is not a grid
    "not a polygon": (fc(feature(A), feature({"type": "LineString", "coordinates": [[113.1, 23.0], [113.2, 23.2]]})),
                      "not_polygon"),
    # coordinates that are no place on Earth
    "bad coordinates": (fc(feature(A), feature({"type": "Polygon", "coordinates": [[[113.1, 23.0], [913.2, 23.0],
                                                                                    [113.2, 93.2], [113.1, 23.0]]]})),
                        "bad_coordinates"),
    "not a collection": ({"type": "Feature", "properties": {}, "geometry": None}, "not_a_feature_collection"),
    "a code already used elsewhere": (fc(feature(A), feature(box(113.1, 23.0, 113.2, 23.2), code="441900102001001")),
                                      "bad_code"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_stored(session: Session, world: World,
                                                                    name: str) -> None:
    data, kind = CASES[name]
    before = snapshot(session, world.city_id)
    with pytest.raises(geo.ImportRejected) as exc:
        service.preview(session, world["admin"], COMM, data)
    assert kind in [i.kind for i in exc.value.report.errors], exc.value.report.lines()
    with pytest.raises(geo.ImportRejected):
        service.apply(session, world["admin"], COMM, data, now=T0)
    session.expire_all()
    assert snapshot(session, world.city_id) == before


def test_a_new_grid_needs_a_name(session: Session, world: World) -> None:
    data = fc(feature(A), feature(box(113.1, 23.0, 113.16, 23.2)), feature(box(113.16, 23.0, 113.2, 23.2)))
    with pytest.raises(geo.ImportRejected) as exc:
        service.apply(session, world["admin"], COMM, data, now=T0)
    assert [i.kind for i in exc.value.report.errors] == ["missing_name"]


def test_a_bowtie_is_repaired_with_a_warning_or_refused_but_never_stored_half(session: Session, world: World) -> None:
    before = snapshot(session, world.city_id)
    with pytest.raises(geo.ImportRejected) as exc:  # repaired, it leaves gaps in B
        service.apply(session, world["admin"], COMM, fc(feature(A), feature(BOWTIE, name="蝴蝶")), now=T0)
    assert "repaired" in [w.kind for w in exc.value.report.warnings]
    assert "gap" in [i.kind for i in exc.value.report.errors]
    session.expire_all()
    assert snapshot(session, world.city_id) == before


def test_a_stale_preview_is_refused(session: Session, world: World) -> None:
    pv = service.preview(session, world["admin"], COMM, split_b())
    service.rename(session, world["admin"], "441900101001001", "改名网格", "Renamed", now=T0)  # bumps the map
    before = snapshot(session, world.city_id)
    with pytest.raises(InvalidInput, match="preview again"):
        service.apply(session, world["admin"], COMM, split_b(), now=T0, expected_version=pv.plan.map_version)
    session.expire_all()
    assert snapshot(session, world.city_id) == before


def test_an_admin_of_one_town_edits_inside_it_and_is_refused_in_another(session: Session, world: World) -> None:
    mine = town_admin(session, world, "town1")
    session.commit()
    before = snapshot(session, world.city_id)
    other = fc(feature(box(113.2, 23.0, 113.4, 23.2), name="合并"))
    for call in (lambda: service.preview(session, mine, "441900102001", other),
                 lambda: service.apply(session, mine, "441900102001", other, now=T0),
                 lambda: service.rename(session, mine, "441900102001", "别人的", "Not mine", now=T0)):
        with pytest.raises(NotPermitted):
            call()
    session.expire_all()
    assert snapshot(session, world.city_id) == before
    # inside the town: allowed
    service.apply(session, mine, COMM, split_b(), now=T0)
    assert len(geo.children(session, geo.get_node(session, world.city_id, COMM))) == 3
    # and nobody but an administrator
    with pytest.raises(NotPermitted):
        service.preview(session, world["town"], COMM, split_b())


def test_communities_are_redrawn_only_where_their_grids_stay(session: Session, world: World) -> None:
    """A town's communities: moving a boundary across a grid is refused (grids do not change
    community here); adding a community where no grid lies is not refused for that."""
    town = "441900101"
    cut = fc(feature(box(113.0, 23.0, 113.05, 23.2), name="西社区"), feature(box(113.05, 23.0, 113.2, 23.2)))
    with pytest.raises(geo.ImportRejected) as exc:
        service.preview(session, world["admin"], town, cut)
    assert {i.kind for i in exc.value.report.errors} == {"grid_straddles"}
