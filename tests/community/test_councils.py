"""Co-building councils (共建议事会), on SQLite and PostgreSQL: member organisations seated,
a meeting with its attendees, topics and decisions; a decision becomes a need on the needs
list (or waits for the exchange as a project); one transaction; who may."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from huying.community import council_service as cs
from huying.community import events
from huying.community import lists_service as ls
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from tests.cases.conftest import T0, World
from tests.community.councils_world import COMM1, council_world

DAY = T0.date()


@pytest.fixture
def world(session: Session) -> World:
    w = council_world(session)
    for key, role in (("comm1_party", "convener"), ("state", "member"), ("social", "member"), ("firm", "observer")):
        cs.seat(session, w["community"], node=COMM1, organisation=w.units[key].code, role=role, now=T0)
    return w


def meeting(world: World, *decisions: cs.DecisionData, orgs: tuple[str, ...] = ("sf-001", "so-001"),
            persona: str = "community") -> int:
    return cs.hold_meeting(world.session, world[persona], cs.MeetingData(
        node=COMM1, held_on=DAY, place="示例社区党群服务中心", topics=["长者助餐", "暑期托管"],
        organisations=orgs, users=["gridworker"], decisions=decisions), now=T0).id


def test_a_meeting_decides_a_need_and_a_project(world: World) -> None:
    s = world.session
    mid = meeting(world,
                  cs.DecisionData("为独居老人每周六送餐", "need",
                                  ls.NeedData(type="meal_help", household="H1", windows="Sa 11-13", people=2)),
                  cs.DecisionData("建设长者饭堂", "project"))
    view = cs.get_meeting(s, world["town"], mid)
    assert [o.code for o in view.organisations] == ["sf-001", "so-001"] and view.users == ["gridworker"]
    need_d, project_d = view.decisions
    assert (need_d.kind, project_d.kind, project_d.need_id, project_d.project_id) == ("need", "project", None, None)
    need = ls.get_need(s, world["community"], need_d.need_id)  # type: ignore[arg-type]
    assert (need.need.source, need.need.source_id, need.household, need.need.people) == ("council", need_d.id, "H1", 2)
    assert [e.action for e in events.history(s, "decision", need_d.id)] == ["decide"]
    assert [e.action for e in events.history(s, "meeting", mid)] == ["hold"]
    more = cs.add_decision(s, world["community"], mid, cs.DecisionData(
        "周末开放活动室", "need", ls.NeedData(type="venue", people=30)), now=T0)
    placed = ls.get_need(s, world["community"], more.need_id)  # type: ignore[arg-type]
    assert placed.household is None and placed.need.node_id == world.nodes["comm1"].id


def test_members_are_listed_convener_first_and_seated_once(world: World) -> None:
    s = world.session
    assert [(v.organisation.code, v.member.role) for v in cs.members(s, world["leader"], COMM1)][0] == \
        ("441900101001-party", "convener")
    assert len(cs.members(s, world["city"], COMM1)) == 4
    with pytest.raises(Refused):
        cs.seat(s, world["community"], node=COMM1, organisation="sf-001", now=T0)
    with pytest.raises(InvalidInput) as e:
        cs.seat(s, world["community"], node=COMM1, organisation="441900101001001-team", now=T0)
    assert e.value.field == "organisation"
    with pytest.raises(InvalidInput) as e:
        cs.seat(s, world["community"], node=COMM1, organisation="so-002", role="chair", now=T0)
    assert e.value.field == "role"


def test_a_bad_decision_stores_nothing_of_the_meeting(world: World) -> None:
    s = world.session
    before = cs.meetings(s, world["community"], COMM1)[0]
    with pytest.raises(InvalidInput) as e:
        meeting(world, cs.DecisionData("好事", "need", ls.NeedData(type="meal_help")),
                cs.DecisionData("坏事", "need", ls.NeedData(type="massage")))
    assert e.value.field == "type"
    with pytest.raises(InvalidInput) as e:
        meeting(world, cs.DecisionData("", "project"))
    assert e.value.field == "decisions.0.text"
    with pytest.raises(InvalidInput) as e:
        meeting(world, orgs=("so-002",))  # not a member of this council
    assert e.value.field == "organisations"
    with pytest.raises(InvalidInput) as e:
        cs.hold_meeting(s, world["community"], cs.MeetingData(node=COMM1, held_on=DAY + dt.timedelta(days=400),
                                                              place="x"), now=T0)
    assert e.value.field == "held_on"
    assert cs.meetings(s, world["community"], COMM1)[0] == before
    assert ls.list_needs(s, world["community"], COMM1)[0] == 0


def test_another_communitys_officer_and_residents_are_kept_out(world: World) -> None:
    s = world.session
    mid = meeting(world)
    with pytest.raises(NotVisible):
        cs.get_meeting(s, world["community2"], mid)
    with pytest.raises(NotVisible):
        cs.add_decision(s, world["community2"], mid, cs.DecisionData("x", "project"), now=T0)
    for persona in ("community2", "resident", "gridworker"):
        with pytest.raises(NotPermitted):
            cs.members(s, world[persona], COMM1)
    with pytest.raises(NotPermitted):
        meeting(world, persona="leader")  # leaders read, officers keep


def test_a_project_decision_is_posted_once_to_the_exchange_in_its_community(world: World) -> None:
    from huying.community import exchange_service as xs

    s = world.session
    mid = meeting(world, cs.DecisionData("建设长者饭堂", "project"), cs.DecisionData(
        "为独居老人每周六送餐", "need", ls.NeedData(type="meal_help", household="H1", windows="Sa 11-13")))
    project_d, need_d = cs.get_meeting(s, world["town"], mid).decisions

    def post(decision: int, community: str = COMM1) -> str:
        return xs.post(s, world["community"], xs.ProjectIn(
            title="长者饭堂", need="建设长者饭堂", type="elderly_canteen", beneficiaries=80,
            beneficiary_kind="elderly", community=community, budget="85000", decision=decision), now=T0).code

    with pytest.raises(InvalidInput, match="does not call for a project") as err:
        post(need_d.id)
    assert err.value.field == "decision"
    code = post(project_d.id)
    assert cs.get_meeting(s, world["town"], mid).decisions[0].project_id == xs.get_project(s, world["town"], code).project.id
    with pytest.raises(InvalidInput, match="posted already"):
        post(project_d.id)
    other = meeting(world, cs.DecisionData("修缮文体活动室", "project"))
    with pytest.raises(InvalidInput, match="another community"):
        xs.post(s, world["city"], xs.ProjectIn(
            title="活动室", need="修缮", type="culture_sports", beneficiaries=10, beneficiary_kind="residents",
            community="441900102001", budget="1000", decision=cs.get_meeting(s, world["town"], other).decisions[0].id),
            now=T0)
