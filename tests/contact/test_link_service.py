"""Member–household links stored: the links equal the solver's certified optimum; a rerun
changes nothing; a member leaving or a household moving changes no more links than the
solver reports and keeps the rest; ended links stay as history; figures recount the rows;
scope: a member sees only their own households, officers their scope."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact import link_models
from huying.contact import link_service as ls
from huying.contact import linking as L
from huying.contact.link_models import EndReason, LinkMember, MemberLink
from huying.contact.models import Household
from huying.errors import InvalidInput, NotPermitted, NotVisible
from huying.geo.models import Node
from tests.cases.conftest import T0, World
from tests.contact.link_city import LinkCity, seed

T1 = T0 + dt.timedelta(days=1)
T2 = T0 + dt.timedelta(days=2)


@pytest.fixture
def city(world: World) -> LinkCity:
    return seed(world.session, world.city_id)


def node(s: Session, code: str) -> Node:
    n = s.scalar(select(Node).where(Node.code == code))
    assert n is not None
    return n


def open_links(s: Session) -> dict[int, tuple[int, int]]:
    """household → (link id, person) of the open links."""
    return {h: (i, p) for i, p, h in s.execute(select(MemberLink.id, MemberLink.person_id, MemberLink.household_id)
                                               .where(MemberLink.ended_at.is_(None)))}


def stored_assignment(s: Session, np_: ls.NodeProblem) -> np.ndarray:
    links = open_links(s)
    index = {int(p): i for i, p in enumerate(np_.person_ids)}
    return np.array([index.get(links.get(int(h), (0, -1))[1], -1) for h in np_.household_ids], dtype=np.int64)


def test_the_default_capacity_is_the_solvers() -> None:
    assert link_models.DEFAULT_CAPACITY == L.DEFAULT_CAPACITY


def test_the_links_stored_are_the_solvers_certified_optimum(world: World, city: LinkCity) -> None:
    s = world.session
    run = ls.link_node(s, world["town"], "441900101", now=T0)
    assert run.optimal and run.lower_bound == run.cost
    assert run.members == 8 and run.households == 60 and run.linked == 48 and run.opened == 48
    assert run.greedy_cost is not None and run.greedy_cost >= run.cost
    np_ = ls.build_problem(s, world.city_id, node(s, "441900101"))
    got = stored_assignment(s, np_)
    fresh = L.solve(np_.problem)
    assert L.cost_of(np_.problem, got) == fresh.cost == run.cost
    assert got.tolist() == fresh.member_of.tolist()
    for link in s.scalars(select(MemberLink)):  # each row's distance and need as the solver sees them
        h = int(np.flatnonzero(np_.household_ids == link.household_id)[0])
        m = int(np.flatnonzero(np_.person_ids == link.person_id)[0])
        assert link.distance_m == int(np.rint(np.hypot(*(np_.problem.household_xy[h] - np_.problem.member_xy[m]))))
        need = int(np_.problem.household_need[h])
        assert link.need == (ls.NEEDS[need].value if need >= 0 else None)
        assert link.need_matched == (need >= 0 and bool(int(np_.problem.member_skills[m]) >> need & 1))
    # town 2 is untouched
    t2 = {h.id for h in s.scalars(select(Household).where(Household.code.in_(city.town2_households)))}
    assert not t2 & set(open_links(s))


def test_linking_again_changes_nothing(world: World, city: LinkCity) -> None:
    s = world.session
    ls.link_node(s, world["town"], "441900101", now=T0)
    before = open_links(s)
    run = ls.link_node(s, world["town"], "441900101", now=T1)
    assert (run.changed, run.ended, run.opened, run.enrolled) == (0, 0, 0, 0)
    assert open_links(s) == before


def test_a_member_leaving_changes_at_most_what_the_solver_reports_and_keeps_the_rest(
        world: World, city: LinkCity) -> None:
    s = world.session
    ls.link_node(s, world["town"], "441900101", now=T0)
    before = open_links(s)
    load: dict[int, int] = {}
    for _, p in before.values():
        load[p] = load.get(p, 0) + 1
    leaving = max(load, key=lambda p: (load[p], p))
    [run] = ls.member_leaves(s, world["community"], leaving, now=T1)
    assert run.optimal
    after = open_links(s)
    ended = {lid for h, (lid, _) in before.items() if after.get(h, (None,))[0] != lid}
    assert len(ended) == run.ended <= run.changed
    assert load[leaving] <= run.changed
    # every other link is the same row as before
    for h, (lid, p) in before.items():
        if lid not in ended:
            assert after[h] == (lid, p)
    assert leaving not in {p for _, p in after.values()}
    reasons = dict(s.execute(select(MemberLink.id, MemberLink.end_reason).where(MemberLink.id.in_(ended))).all())
    assert {reasons[lid] for h, (lid, p) in before.items() if p == leaving} == {EndReason.MEMBER_LEFT.value}
    # the result is the optimum without the member, and the ended links stay as history
    np_ = ls.build_problem(s, world.city_id, node(s, "441900101"))
    assert L.cost_of(np_.problem, stored_assignment(s, np_)) == L.solve(np_.problem).cost == run.cost
    assert s.scalar(select(func.count()).select_from(MemberLink)) == len(before) + run.opened
    m = s.scalar(select(LinkMember).where(LinkMember.person_id == leaving))
    assert m is not None and not m.active and m.left_at == T1
    with pytest.raises(InvalidInput):
        ls.member_leaves(s, world["community"], leaving, now=T2)


def test_a_household_moving_is_reoptimised_around_it(world: World, city: LinkCity) -> None:
    s = world.session
    ls.link_node(s, world["town"], "441900101", now=T0)
    before = open_links(s)
    hh = s.scalar(select(Household).where(Household.id == min(before)))
    assert hh is not None
    hh.lon, hh.lat = 113.128, 23.072  # across the town
    s.commit()
    run = ls.household_moved(s, world["town"], hh.code, now=T1)
    assert run is not None and run.optimal
    after = open_links(s)
    changed = {h for h in before if after.get(h) != before[h]} | {h for h in after if h not in before}
    assert len(changed) <= run.changed
    np_ = ls.build_problem(s, world.city_id, node(s, "441900101"))
    assert L.cost_of(np_.problem, stored_assignment(s, np_)) == L.solve(np_.problem).cost == run.cost


def test_a_household_moving_out_of_the_town_ends_its_link(world: World, city: LinkCity) -> None:
    s = world.session
    ls.link_node(s, world["town"], "441900101", now=T0)
    before = open_links(s)
    hh = s.get(Household, min(before))
    assert hh is not None
    hh.lon, hh.lat, hh.grid_id = 113.31, 23.10, node(s, "441900102001002").id
    s.commit()
    run = ls.household_moved(s, world["city"], hh.code, now=T1)
    assert run is not None and run.optimal and run.ended >= 1
    assert hh.id not in open_links(s)
    assert s.scalar(select(MemberLink.end_reason).where(MemberLink.id == before[hh.id][0])) == "household_moved"


def test_figures_recount_the_open_links(world: World, city: LinkCity) -> None:
    s = world.session
    ls.link_node(s, world["town"], "441900101", now=T0)
    f = ls.figures(s, world["town"], node(s, "441900101"))
    links = list(s.scalars(select(MemberLink).where(MemberLink.ended_at.is_(None))))
    assert f.members == 8 and f.households == 60 + 2 * 0 and f.linked == len(links) == 48
    assert f.linked_members == len({lk.person_id for lk in links})
    assert f.with_need == sum(lk.need is not None for lk in links)
    assert f.need_matched == sum(lk.need_matched for lk in links)
    assert f.mean_distance_m == round(sum(lk.distance_m for lk in links) / len(links))


def test_a_member_sees_only_their_own_households_never_another_towns(world: World, city: LinkCity) -> None:
    s = world.session
    ls.link_node(s, world["town"], "441900101", now=T0)
    ls.link_node(s, world["town2"], "441900102", now=T0)
    links = open_links(s)
    mine = {h for h, (_, p) in links.items() if p == city.member1}
    assert mine
    member, rows = ls.my_links(s, world["gridworker"])
    assert member is not None and {r.household.id for r in rows} == mine
    _, listed = ls.list_links(s, world["gridworker"])
    assert {r.household.id for r in listed} == mine
    t2 = {h.code for h in s.scalars(select(Household).where(Household.code.in_(city.town2_households)))}
    assert not t2 & {r.household.code for r in listed}
    _, rows = ls.member_households(s, world["gridworker"], city.member1)
    assert {r.household.id for r in rows} == mine
    with pytest.raises(NotPermitted):  # another member's households: not theirs, not a reader
        ls.member_households(s, world["gridworker"], city.member2)
    # heads masked
    assert all(r.head.startswith("户") and "*" in r.head for r in rows)


def test_officers_see_and_link_only_within_scope(world: World, city: LinkCity) -> None:
    s = world.session
    with pytest.raises(NotPermitted):
        ls.link_node(s, world["town2"], "441900101", now=T0)
    for persona in ("gridworker", "resident", "handler", "leader"):
        with pytest.raises(NotPermitted):
            ls.link_node(s, world[persona], "441900101", now=T0)
    with pytest.raises(InvalidInput):
        ls.link_node(s, world["city"], "441900", now=T0)
    ls.link_node(s, world["community"], "441900101001", now=T0)
    with pytest.raises(NotPermitted):
        ls.reader_node(s, world["town2"], "441900101")
    with pytest.raises(NotPermitted):
        ls.member_households(s, world["town2"], city.member1)
    with pytest.raises(NotPermitted):
        ls.member_leaves(s, world["town2"], city.member1, now=T1)
    with pytest.raises(NotVisible):
        ls.member_households(s, world["town"], 999_999)
    _, rows = ls.list_links(s, world["town2"])
    assert rows == []
    total, rows = ls.list_links(s, world["leader"])
    assert total == len(rows) > 0
    with pytest.raises(NotPermitted):
        ls.list_links(s, world["handler"])


def test_the_registers_move_out_ends_the_link_and_gives_the_place_to_another(world: World, city: LinkCity) -> None:
    from huying.contact import service as register

    s = world.session
    ls.link_node(s, world["town"], "441900101", now=T0)
    before = open_links(s)
    unlinked = {h.id for h in s.scalars(select(Household).where(Household.code.in_(city.town1_households)))} \
        - set(before)
    assert unlinked  # 60 households, 48 places
    hh = s.get(Household, min(before))
    assert hh is not None
    register.move_out(s, world["town"], hh.code, at=T1, place="广州市")
    s.commit()
    after = open_links(s)
    assert hh.id not in after
    assert s.scalar(select(MemberLink.end_reason).where(MemberLink.id == before[hh.id][0])) == "household_moved"
    assert len(after) == len(before)  # its member's place went to a household left unlinked before
    np_ = ls.build_problem(s, world.city_id, node(s, "441900101"))
    assert L.cost_of(np_.problem, stored_assignment(s, np_)) == L.solve(np_.problem).cost


def test_links_written_at_the_same_time_by_another_are_a_conflict_and_nothing_is_stored(
        world: World, city: LinkCity, monkeypatch: pytest.MonkeyPatch) -> None:
    from huying.errors import Conflict

    s = world.session
    real = ls.build_problem

    def raced(*a: object, **kw: object) -> ls.NodeProblem:
        np_ = real(*a, **kw)  # type: ignore[arg-type]
        for hid in np_.household_ids.tolist():  # another request links every household meanwhile
            s.add(MemberLink(city_id=world.city_id, person_id=city.member1, household_id=hid, node_id=np_.node.id,
                             since=T0, distance_m=0, need_matched=False))
        return np_

    monkeypatch.setattr(ls, "build_problem", raced)
    with pytest.raises(Conflict):
        ls.link_node(s, world["town"], "441900101", now=T0)
    assert s.scalar(select(func.count()).select_from(MemberLink)) == 0
