"""Redrawing grids: a split and a merge keep the codes of the grids that keep their place; the
open cases and households of a redrawn grid move to the grid that now holds their point, each
with its event; the figures, the locate index and the audit follow."""

from __future__ import annotations

import json

import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.audit import AdminEvent
from huying.cases.models import CaseEvent
from huying.contact.models import HouseholdMove
from huying.geo import service as geo
from huying.geo.models import Node
from huying.mapedit import service
from huying.metrics import rollup
from huying.orgs.models import Organisation, OrgKind
from tests.cases.conftest import T0, World
from tests.mapedit.helpers import COMM, GRID_A, GRID_B, household, merged, split_b

NEW = f"{COMM}003"


def codes(session: Session, world: World) -> list[str]:
    comm = geo.get_node(session, world.city_id, COMM)
    return [n.code for n in geo.children(session, comm)]


def test_a_split_keeps_the_codes_in_place_and_moves_what_lies_in_the_new_grid(session: Session,
                                                                               world: World) -> None:
    east = world.report("resident", lon=113.18, lat=23.1)   # in B's east: the new grid
    west = world.report("resident", lon=113.12, lat=23.1)   # in B's west: stays in B
    hh_east = household(session, world, "H-east", "grid1b", 113.19, 23.05)
    hh_west = household(session, world, "H-west", "grid1b", 113.11, 23.05)
    session.commit()
    b_id = world.nodes["grid1b"].id

    pv = service.preview(session, world["admin"], COMM, split_b())
    assert [k["code"] for k in pv.to_dict()["kept"]] == [GRID_A, GRID_B]
    assert pv.to_dict()["added"] == [NEW] and pv.to_dict()["retired"] == []
    assert [m.code for m in pv.cases] == [east.code] and [m.code for m in pv.households] == ["H-east"]
    assert codes(session, world) == [GRID_A, GRID_B]  # a preview stores nothing

    done = service.apply(session, world["admin"], COMM, split_b(), now=T0, expected_version=pv.plan.map_version)
    assert codes(session, world) == [GRID_A, GRID_B, NEW]
    b = geo.get_node(session, world.city_id, GRID_B)
    assert b.id == b_id and b.area_km2 is not None and abs(b.max_lon - 113.16) < 1e-9
    new = geo.get_node(session, world.city_id, NEW)
    assert (new.name_zh, new.name_en, new.path) == ("新网格", "New grid", f"{b.path[:-4]}003/")
    # the case in the new grid moved by the declared action, the other did not
    session.refresh(east)
    session.refresh(west)
    assert (east.grid_id, east.grid_path, east.status) == (new.id, new.path, "new")
    assert west.grid_id == b.id
    ev = session.scalars(select(CaseEvent).where(CaseEvent.case_id == east.id).order_by(CaseEvent.seq)).all()[-1]
    assert ev.action == "regrid" and ev.actor_id == world["admin"].user_id
    assert json.loads(ev.payload)["from_code"] == GRID_B and json.loads(ev.payload)["to_code"] == NEW
    assert not session.scalars(select(CaseEvent).where(CaseEvent.case_id == west.id,
                                                       CaseEvent.action == "regrid")).all()
    # the household likewise, in its own history
    session.refresh(hh_east)
    session.refresh(hh_west)
    assert hh_east.grid_id == new.id and hh_west.grid_id == b.id
    moves = session.scalars(select(HouseholdMove).where(HouseholdMove.household_id == hh_east.id)).all()
    assert [(m.kind, m.place) for m in moves] == [("regridded", f"grid={GRID_B}>{NEW}")]
    # locate answers from the new map; the figures count the moved case in its new grid
    assert geo.locate_grid(session, world.city_id, 113.18, 23.1) == (new.id, new.path)
    figs = rollup.tree_figures(session, world.city_id, now=T0)
    assert figs[NEW].received == 1 and figs[GRID_B].received == 1 and figs[COMM].received == 2
    assert done.map_version == pv.plan.map_version + 1
    # the audit: B's polygon before and after, the new grid, the summary
    rows = {(r.action, r.subject_id): r for r in session.scalars(select(AdminEvent).where(AdminEvent.subject == "node"))}
    redraw_b = rows[("redraw", b.id)].detail
    assert shapely.geometry.shape(redraw_b["before"]["geometry"]).bounds[2] == pytest.approx(113.2)
    assert shapely.geometry.shape(redraw_b["after"]["geometry"]).bounds[2] == pytest.approx(113.16)
    assert rows[("add", new.id)].detail["after"]["name_zh"] == "新网格"
    summary = rows[("redraw_children", world.nodes["comm1"].id)].detail
    assert summary["cases"] == [[east.code, GRID_B, NEW]] and summary["households"] == [["H-east", GRID_B, NEW]]


def test_a_merge_keeps_one_code_retires_the_other_and_moves_its_cases_households_and_teams(
        session: Session, world: World) -> None:
    in_b = world.report("resident", lon=113.15, lat=23.1)
    in_a = world.report("resident", lon=113.05, lat=23.1)
    hh = household(session, world, "H-b", "grid1b", 113.15, 23.05)
    team = Organisation(city_id=world.city_id, code=f"{GRID_B}-team", kind=OrgKind.GRID_TEAM.value,
                        node_id=world.nodes["grid1b"].id, name_zh="B组", name_en="B team")
    session.add(team)
    session.commit()
    b_id = world.nodes["grid1b"].id

    done = service.apply(session, world["admin"], COMM, merged(), now=T0)
    assert codes(session, world) == [GRID_A]  # ties keep the smaller code
    a = geo.get_node(session, world.city_id, GRID_A)
    assert a.name_zh == "合并网格" and a.area_km2 == pytest.approx(world.nodes["comm1"].area_km2, rel=1e-3)
    assert session.get(Node, b_id) is None
    assert done.preview.to_dict()["retired"] == [{"code": GRID_B, "successor": GRID_A}]
    session.refresh(in_b)
    session.refresh(in_a)
    assert in_b.grid_id == a.id and in_b.grid_path == a.path and in_a.grid_id == a.id
    assert [e.action for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == in_b.id))][-1] == "regrid"
    session.refresh(hh)
    session.refresh(team)
    assert hh.grid_id == a.id and team.node_id == a.id
    retire = session.scalar(select(AdminEvent).where(AdminEvent.action == "retire", AdminEvent.subject_id == b_id))
    assert retire is not None and retire.detail["after"] == {"successor": GRID_A}
    assert retire.detail["before"]["name_zh"] == world.nodes["grid1b"].name_zh
    figs = rollup.tree_figures(session, world.city_id, now=T0)
    assert figs[GRID_A].received == 2 and figs[COMM].received == 2


def test_a_rename_changes_both_names_with_its_audit_row(session: Session, world: World) -> None:
    service.rename(session, world["admin"], COMM, "岗贝社区", "Gangbei Community", now=T0)
    node = geo.get_node(session, world.city_id, COMM)
    assert (node.name_zh, node.name_en) == ("岗贝社区", "Gangbei Community")
    row = session.scalar(select(AdminEvent).where(AdminEvent.action == "rename"))
    assert row is not None and row.detail["before"]["name_en"] == "Community 1"
    assert row.detail["after"] == {"name_zh": "岗贝社区", "name_en": "Gangbei Community"}
