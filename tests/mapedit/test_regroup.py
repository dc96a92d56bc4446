"""Communities split and merged with their grids: a grid that lies in another community now
goes there with its code; its open cases get a ``regrid`` event, every stored path follows
(cases, routing rules, accounts' scope), the figures are rebuilt, each re-parented grid is an
audit row; a grid that would straddle two communities is refused with nothing stored."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.audit import AdminEvent
from huying.cases import policy
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.errors import NotPermitted
from huying.geo import service as geo
from huying.geo.models import Node
from huying.mapedit import service
from huying.metrics import rollup
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, OrgKind, Role, User
from huying.orgs.service import create_user
from huying.triage import routing
from tests.cases.conftest import T0, World
from tests.mapedit.helpers import COMM, GRID_A, GRID_B, fc, feature, household, snapshot, town_admin

TOWN = "441900101"
EAST = f"{TOWN}002"  # the community a split adds: the next free code of the town
WEST_BOX, EAST_BOX = box(113.0, 23.0, 113.1, 23.2), box(113.1, 23.0, 113.2, 23.2)


def split() -> dict[str, object]:
    """Community 001 split along the border of its two grids: the west keeps its code, the
    east is a new community (grid B goes there)."""
    return fc(feature(WEST_BOX), feature(EAST_BOX, name="东社区", name_en="East Community"))


def merged() -> dict[str, object]:
    return fc(feature(box(113.0, 23.0, 113.2, 23.2), name="合并社区", name_en="Merged Community"))


def node(session: Session, world: World, code: str) -> Node:
    return geo.get_node(session, world.city_id, code)


def sees(session: Session, user: User, case: Case) -> bool:
    return policy.can_see(session, Actor.of(session, user), case)


def test_a_split_moves_a_grid_with_its_code_cases_paths_and_figures_to_the_new_community(
        session: Session, world: World) -> None:
    in_b = world.report("resident", lon=113.15, lat=23.1)
    in_a = world.report("resident", lon=113.05, lat=23.1)
    team_b = Organisation(city_id=world.city_id, code=f"{GRID_B}-team", kind=OrgKind.GRID_TEAM.value,
                          node_id=world.nodes["grid1b"].id, name_zh="B组", name_en="B team")
    session.add(team_b)
    session.flush()
    svc.dispatch(session, in_b, world["community"], unit=team_b.code, now=T0)
    hh = household(session, world, "H-b", "grid1b", 113.15, 23.05)
    worker_b = create_user(session, username="worker_b", password="", password_hash="x", role=Role.GRID_WORKER,
                           node=world.nodes["grid1b"], organisation=team_b)
    rule = routing.add_rule(session, world.city_id, routing.RuleIn(category="", node=GRID_B, org_kind="grid_team",
                                                                   department="", level="grid"))
    session.commit()
    b_id, old_b_path = world.nodes["grid1b"].id, world.nodes["grid1b"].path
    officer = session.scalar(select(User).where(User.username == "community"))
    assert sees(session, officer, in_b)  # type: ignore[arg-type]

    pv = service.preview(session, world["admin"], TOWN, split())
    data = pv.to_dict()
    assert [k["code"] for k in data["kept"]] == [COMM] and data["added"] == [EAST] and data["retired"] == []
    assert data["regrouped"] == [{"code": GRID_B, "name_zh": "测试1网格2", "name_en": "Grid 2",
                                  "from_code": COMM, "to_code": EAST}]
    assert [(m.code, m.from_code, m.to_code) for m in pv.cases] == [(in_b.code, COMM, EAST)]
    assert [(m.code, m.from_code, m.to_code) for m in pv.households] == [("H-b", COMM, EAST)]
    assert node(session, world, GRID_B).path == old_b_path  # a preview stores nothing

    done = service.apply(session, world["admin"], TOWN, split(), now=T0, expected_version=pv.plan.map_version)
    east = node(session, world, EAST)
    b = node(session, world, GRID_B)
    assert (east.name_zh, east.parent_id) == ("东社区", world.nodes["town1"].id)
    # the grid kept its id, code and polygon; its parent and path changed
    assert (b.id, b.code, b.parent_id, b.path) == (b_id, GRID_B, east.id, f"{east.path}{GRID_B}/")
    assert [n.code for n in geo.children(session, east)] == [GRID_B]
    assert [n.code for n in geo.children(session, node(session, world, COMM))] == [GRID_A]
    # the open case: same grid, new path, by the declared action; its unit's path followed
    session.refresh(in_b)
    session.refresh(in_a)
    assert (in_b.grid_id, in_b.grid_path, in_b.unit_path) == (b.id, b.path, b.path)
    assert in_a.grid_path == world.nodes["grid1a"].path
    ev = session.scalars(select(CaseEvent).where(CaseEvent.case_id == in_b.id).order_by(CaseEvent.seq)).all()[-1]
    payload = json.loads(ev.payload)
    assert ev.action == "regrid" and (payload["from_community"], payload["to_community"]) == (COMM, EAST)
    assert not session.scalars(select(CaseEvent).where(CaseEvent.case_id == in_a.id,
                                                       CaseEvent.action == "regrid")).all()
    # the household stays in its grid; the routing rule and the worker's scope follow the grid
    session.refresh(hh)
    session.refresh(rule)
    assert hh.grid_id == b.id and rule.node_path == b.path
    assert Actor.of(session, worker_b).node_path == b.path and sees(session, worker_b, in_b)
    # the old community's officer no longer sees the case; the locate index and figures follow
    assert not sees(session, officer, in_b)  # type: ignore[arg-type]
    assert geo.locate_grid(session, world.city_id, 113.15, 23.1) == (b.id, b.path)
    figs = rollup.tree_figures(session, world.city_id, now=T0)
    assert figs[EAST].received == 1 and figs[COMM].received == 1 and figs[GRID_B].received == 1
    assert done.map_version == pv.plan.map_version + 1
    row = session.scalar(select(AdminEvent).where(AdminEvent.action == "reparent", AdminEvent.subject_id == b_id))
    assert row is not None and row.actor_id == world["admin"].user_id
    assert row.detail["before"] == {"parent": COMM, "path": old_b_path}
    assert row.detail["after"] == {"parent": EAST, "path": b.path}


def test_a_merge_keeps_one_code_retires_the_other_and_brings_its_grids_along(
        session: Session, world: World) -> None:
    service.apply(session, world["admin"], TOWN, split(), now=T0)
    east_id = node(session, world, EAST).id
    in_b = world.report("resident", lon=113.15, lat=23.1)
    hh = household(session, world, "H-b", "grid1b", 113.15, 23.05)
    east_party = Organisation(city_id=world.city_id, code=f"{EAST}-party", kind=OrgKind.PARTY_ORGANISATION.value,
                              node_id=east_id, name_zh="东社区党组织", name_en="East party")
    session.add(east_party)
    session.flush()
    officer = create_user(session, username="east_officer", password="", password_hash="x",
                          role=Role.COMMUNITY_OFFICER, node=node(session, world, EAST), organisation=east_party)
    svc.dispatch(session, in_b, Actor.of(session, officer), unit=east_party.code, now=T0)
    session.commit()
    assert in_b.unit_path == node(session, world, EAST).path

    # the merged polygon overlaps both halves alike: the tie keeps the smaller code
    pv = service.preview(session, world["admin"], TOWN, merged())
    data = pv.to_dict()
    assert [k["code"] for k in data["kept"]] == [COMM]
    assert data["retired"] == [{"code": EAST, "successor": COMM}]
    assert [(r["code"], r["from_code"], r["to_code"]) for r in data["regrouped"]] == [(GRID_B, EAST, COMM)]
    assert [(m.code, m.from_code, m.to_code) for m in pv.cases] == [(in_b.code, EAST, COMM)]
    assert [m.code for m in pv.households] == ["H-b"]

    service.apply(session, world["admin"], TOWN, merged(), now=T0)
    comm = node(session, world, COMM)
    b = node(session, world, GRID_B)
    assert session.get(Node, east_id) is None
    assert comm.name_zh == "合并社区" and [n.code for n in geo.children(session, comm)] == [GRID_A, GRID_B]
    assert (b.parent_id, b.path) == (comm.id, f"{comm.path}{GRID_B}/")
    session.refresh(in_b)
    session.refresh(east_party)
    session.refresh(officer)
    session.refresh(hh)
    # what hung on the retired community went to the survivor, and every path with it
    assert east_party.node_id == comm.id and officer.node_id == comm.id and hh.grid_id == b.id
    assert (in_b.grid_path, in_b.unit_path) == (b.path, comm.path)
    assert sees(session, officer, in_b)
    actions = [e.action for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == in_b.id)
                                                  .order_by(CaseEvent.seq))]
    assert actions[-1] == "regrid"
    figs = rollup.tree_figures(session, world.city_id, now=T0)
    assert EAST not in figs and figs[COMM].received == 1 and figs[GRID_B].received == 1
    retire = session.scalar(select(AdminEvent).where(AdminEvent.action == "retire", AdminEvent.subject_id == east_id))
    assert retire is not None and retire.detail["after"] == {"successor": COMM}
    reparents = session.scalars(select(AdminEvent).where(AdminEvent.action == "reparent")
                                .order_by(AdminEvent.id)).all()
    assert [(r.detail["before"]["parent"], r.detail["after"]["parent"]) for r in reparents] == \
        [(COMM, EAST), (EAST, COMM)]


def test_a_grid_that_would_straddle_two_communities_is_refused_by_name_and_nothing_is_stored(
        session: Session, world: World) -> None:
    in_a = world.report("resident", lon=113.02, lat=23.1)
    session.commit()
    cut = fc(feature(box(113.0, 23.0, 113.05, 23.2), name="西社区"), feature(box(113.05, 23.0, 113.2, 23.2)))
    before = snapshot(session, world.city_id)
    for call in (lambda: service.preview(session, world["admin"], TOWN, cut),
                 lambda: service.apply(session, world["admin"], TOWN, cut, now=T0)):
        with pytest.raises(geo.ImportRejected) as exc:
            call()
        [issue] = exc.value.report.errors
        assert (issue.kind, issue.code, issue.name) == ("grid_straddles", GRID_A, "测试1网格1")
        assert "redraw the grids first" in issue.message
    session.rollback()
    assert snapshot(session, world.city_id) == before
    session.refresh(in_a)
    assert in_a.grid_path == world.nodes["grid1a"].path


def test_only_an_administrator_of_the_town_splits_its_communities(session: Session, world: World) -> None:
    other = town_admin(session, world, "town2")
    before = snapshot(session, world.city_id)
    with pytest.raises(NotPermitted):
        service.preview(session, other, TOWN, split())
    with pytest.raises(NotPermitted):
        service.apply(session, other, TOWN, split(), now=T0)
    with pytest.raises(NotPermitted):  # an officer of the town is no administrator
        service.apply(session, world["town"], TOWN, split(), now=T0)
    session.rollback()
    assert snapshot(session, world.city_id) == before
    mine = town_admin(session, world, "town1")
    session.commit()
    service.apply(session, mine, TOWN, split(), now=T0)
    assert node(session, world, GRID_B).parent_id == node(session, world, EAST).id


def test_three_places_merged_keep_the_code_of_the_one_the_union_covers_most(session: Session, world: World) -> None:
    """No old place is half of the union (intersection over union below 0.5): the union still
    keeps a code, that of the largest place it covers, instead of asking for a new name."""
    thirds = fc(feature(box(113.0, 23.0, 113.08, 23.2)), feature(box(113.08, 23.0, 113.14, 23.2), name="中网格"),
                feature(box(113.14, 23.0, 113.2, 23.2)))
    service.apply(session, world["admin"], COMM, thirds, now=T0)
    middle = f"{COMM}003"
    assert [n.code for n in geo.children(session, node(session, world, COMM))] == [GRID_A, GRID_B, middle]
    done = service.apply(session, world["admin"], COMM, fc(feature(box(113.0, 23.0, 113.2, 23.2))), now=T0)
    data = done.preview.to_dict()
    assert [k["code"] for k in data["kept"]] == [GRID_A] and data["added"] == []
    assert {(r["code"], r["successor"]) for r in data["retired"]} == {(GRID_B, GRID_A), (middle, GRID_A)}
