"""Deployments stored from the solver: the rosters are its optimum (every team of three with
a local member), a check-in counts once a day, the figures add up, scope is the one rule,
and bad input stores nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import func, select

from huying.contact import deploy as D
from huying.contact import deploy_service as ds
from huying.contact.deploy_models import CheckIn, Deployment, DeploymentMember, DeploymentTeam
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from tests.cases.conftest import T0, World
from tests.contact.deploy_world import add_staff


@pytest.fixture
def staffed(world: World) -> World:
    world.extra = add_staff(world.session, world)  # type: ignore[attr-defined]
    return world


def deploy(w: World, persona: str = "town", node: str = "441900101", **kw: object) -> Deployment:
    return ds.create(w.session, w[persona], ds.DeploymentIn(node=node, name="防汛下沉", reason="台风", **kw),  # type: ignore[arg-type]
                     now=T0)


def test_the_stored_rosters_are_the_solvers_optimum(staffed: World) -> None:
    w, s = staffed, staffed.session
    found = ds.pool(s, w.city_id, w.nodes["town1"])
    assert len(found.staff) == 12 and found.without_home == 1
    problem = found.problem()
    solved = D.solve(problem)
    dep = deploy(w)
    assert dep.travel_m == solved.cost and dep.bound_m == solved.cost  # certified optimal
    teams = s.execute(select(DeploymentTeam).where(DeploymentTeam.deployment_id == dep.id)
                      .order_by(DeploymentTeam.number)).scalars().all()
    assert [t.grid_id for t in teams] == [found.grids[g].id for g in solved.team_grid]
    assert [t.grid_id for t in teams] == [w.nodes["grid1a"].id] * 3 + [w.nodes["grid1b"].id]
    person_index = {st.person_id: i for i, st in enumerate(found.staff)}
    stored = np.full((len(teams), 3), -1)
    local = np.zeros(len(found.staff), dtype=bool)
    for t in teams:
        members = s.scalars(select(DeploymentMember).where(DeploymentMember.team_id == t.id)
                            .order_by(DeploymentMember.slot)).all()
        assert len(members) == 3
        assert sum(m.is_local for m in members) >= 1 and members[0].is_local
        for m in members:
            stored[t.number - 1, m.slot] = person_index[m.person_id]
            local[person_index[m.person_id]] = m.is_local
    assert stored.tolist() == solved.teams.tolist()
    grid_of = np.full(len(found.staff), -1)
    for row, g in zip(stored, solved.team_grid, strict=True):
        grid_of[row] = g
    D.check(problem, D.Deployment(grid_of, local, stored, solved.team_grid, int(dep.travel_m)))
    distances = s.scalar(select(func.sum(DeploymentMember.distance_m)).where(DeploymentMember.deployment_id == dep.id))
    assert distances == dep.travel_m


def test_a_check_in_counts_once_a_day(staffed: World) -> None:
    w, s = staffed, staffed.session
    dep = deploy(w)
    first = ds.check_in(s, w["handler"], dep.id, ds.CheckInIn(113.05, 23.1, "到岗"), now=T0 + dt.timedelta(hours=1))
    again = ds.check_in(s, w["handler"], dep.id, ds.CheckInIn(note="again"), now=T0 + dt.timedelta(hours=5))
    assert again.replayed and again.checkin.id == first.checkin.id and again.checkin.note == "到岗"
    # the next local day (T0 is 09:30 in Dongguan; 15 hours later is past midnight there)
    nxt = ds.check_in(s, w["handler"], dep.id, ds.CheckInIn(), now=T0 + dt.timedelta(hours=15))
    assert not nxt.replayed and nxt.checkin.day == dt.date(2025, 3, 4)
    assert s.scalar(select(func.count()).select_from(CheckIn)) == 2
    r = ds.roster(s, w["town"], dep.id, now=T0 + dt.timedelta(hours=15))
    assert r.figures.checked_in == 1 and r.figures.checked_in_today == 1
    with pytest.raises(NotPermitted):  # an officer is not in a team
        ds.check_in(s, w["town"], dep.id, ds.CheckInIn(), now=T0)
    with pytest.raises(NotVisible):
        ds.check_in(s, w["handler2"], dep.id, ds.CheckInIn(), now=T0)
    with pytest.raises(InvalidInput, match="lat"):
        ds.check_in(s, w["handler"], dep.id, ds.CheckInIn(lon=113.0), now=T0)
    ds.end(s, w["town"], dep.id, now=T0 + dt.timedelta(days=2))
    with pytest.raises(Refused):
        ds.check_in(s, w["handler"], dep.id, ds.CheckInIn(), now=T0 + dt.timedelta(days=2))
    with pytest.raises(Refused):
        ds.end(s, w["town"], dep.id, now=T0 + dt.timedelta(days=3))


def test_the_figures_add_up(staffed: World) -> None:
    w, s = staffed, staffed.session
    dep = deploy(w)
    r = ds.roster(s, w["city"], dep.id, now=T0)
    f = r.figures
    assert (f.teams, f.staff, f.grids, f.checked_in) == (4, 12, 2, 0)
    assert f.travel_m == dep.travel_m and f.mean_travel_m == round(dep.travel_m / 12)
    assert f.local >= 4
    one = ds.roster(s, w["city"], dep.id, now=T0, grid="441900101001002")
    assert one.figures.teams == 1 and one.teams[0].grid.code == "441900101001002"


def test_scope_is_the_one_rule(staffed: World) -> None:
    w, s = staffed, staffed.session
    dep = deploy(w)
    for persona in ("town2", "resident", "community2", "handler2", "gridworker", "cityhandler"):
        with pytest.raises(NotVisible):
            ds.roster(s, w[persona], dep.id, now=T0)
        if persona == "resident":
            with pytest.raises(NotPermitted):
                ds.list_deployments(s, w[persona])
        else:
            assert ds.list_deployments(s, w[persona])[0] == 0, persona
    for persona in ("town", "city", "admin", "leader"):
        assert ds.list_deployments(s, w[persona])[0] == 1
        assert len(ds.roster(s, w[persona], dep.id, now=T0).teams) == 4
    mine = ds.roster(s, w["handler"], dep.id, now=T0)  # a member: their team only
    assert len(mine.teams) == 1 and mine.my_team_id == mine.teams[0].team.id and not mine.manage
    with pytest.raises(NotPermitted):
        ds.end(s, w["handler"], dep.id, now=T0)
    with pytest.raises(NotPermitted):
        ds.end(s, w["leader"], dep.id, now=T0)
    with pytest.raises(NotPermitted):
        deploy(w, "town2", "441900101")
    with pytest.raises(NotPermitted):
        deploy(w, "community", "441900101001")


def test_a_city_deployment_shows_a_town_officer_their_towns_teams(staffed: World) -> None:
    w, s = staffed, staffed.session
    dep = deploy(w, "city", "441900")
    town2 = ds.roster(s, w["town2"], dep.id, now=T0)
    assert town2.teams and all(t.town is not None and t.town.code == "441900102" for t in town2.teams)
    assert not town2.manage
    assert len(ds.roster(s, w["city"], dep.id, now=T0).teams) == 18 // 3


def test_staff_in_an_active_deployment_are_not_deployed_twice(staffed: World) -> None:
    w, s = staffed, staffed.session
    deploy(w)
    with pytest.raises(InvalidInput, match="0 staff"):
        deploy(w)
    assert len(ds.pool(s, w.city_id, w.nodes["city"]).staff) == 6  # town 2's


@pytest.mark.parametrize(("kw", "field"), [({"teams": 5}, "teams"), ({"teams": 0}, "teams"),
                                           ({"node": "nowhere"}, "node"), ({"name": " "}, "name"),
                                           ({"name": "x" * 121}, "name"), ({"reason": "a\x00b"}, "reason"),
                                           ({"started_at": T0 + dt.timedelta(days=1)}, "started_at"),
                                           ({"started_at": dt.datetime(2025, 3, 1)}, "started_at"),
                                           ({"node": ""}, "node")])
def test_bad_input_stores_nothing(staffed: World, kw: dict[str, object], field: str) -> None:
    w, s = staffed, staffed.session
    data = {"node": "441900101", "name": "防汛", **kw}
    with pytest.raises(InvalidInput) as exc:
        ds.create(s, w["town"], ds.DeploymentIn(**data), now=T0)  # type: ignore[arg-type]
    assert exc.value.field == field
    assert s.scalar(select(func.count()).select_from(Deployment)) == 0
