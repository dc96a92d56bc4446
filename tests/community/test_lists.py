"""The three lists and their matches, on SQLite and PostgreSQL: needs at households of the
register, services and resources, matches proposed by the solver and then accepted (never
over an offer's places), fulfilled and evaluated, with their history; who may read and
change them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from huying.community import events
from huying.community import lists_service as ls
from huying.community.lists_workflow import IllegalMove
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from tests.cases.conftest import T0, World
from tests.community.councils_world import COMM1, COMM2, council_world, need, service


@pytest.fixture
def world(session: Session) -> World:
    return council_world(session)


def test_needs_are_matched_explained_accepted_fulfilled_and_evaluated(world: World) -> None:
    s, officer = world.session, world["community"]
    offer = service(world, capacity=3)
    n1, n2 = need(world, "H1", people=2), need(world, "H2", people=2)  # only one fits
    proposed = ls.propose(s, officer, COMM1, now=T0)
    assert len(proposed) == 1 and proposed[0].need_id == n1  # H1 is 424 m away; H2 9.7 km: too far
    view = ls.get_match(s, officer, proposed[0].id)
    assert view.explain("zh") == "养老助餐 · 424 m · 周六 10:00–11:00 · 还剩 3/3 个名额"
    assert view.allowed == ["accept", "decline"]
    ls.act(s, officer, view.match.id, "accept", now=T0)
    assert ls.get_match(s, officer, view.match.id).explain("en").endswith("1 of 3 places left")
    ls.act(s, officer, view.match.id, "fulfil", now=T0)
    with pytest.raises(InvalidInput) as e:
        ls.act(s, officer, view.match.id, "evaluate", rating=6, now=T0)
    assert e.value.field == "rating"
    ls.act(s, officer, view.match.id, "evaluate", rating=5, comment="饭菜可口", now=T0)
    done = ls.get_match(s, officer, view.match.id)
    assert (done.match.status, done.match.rating) == ("evaluated", 5)
    assert [h["action"] for h in done.history] == ["propose", "accept", "fulfil", "evaluate"]
    assert [e.action for e in events.history(s, "need", n2)] == ["add"]
    assert ls.propose(s, officer, COMM1, now=T0) == []  # n2 is still too far; n1 is held
    statuses = {v.need.id: v.status for v in ls.list_needs(s, officer, COMM1)[1]}
    assert statuses == {n1: "evaluated", n2: "open"}
    assert [v.left for v in ls.list_offers(s, officer, COMM1, "services")[1]] == [3]
    assert offer


def test_capacity_is_never_over_committed_by_accepted_matches(world: World) -> None:
    s, officer = world.session, world["community"]
    service(world, capacity=2)
    assert ls.propose(s, officer, COMM1, now=T0) == []  # no needs yet
    need(world, "H1", people=2)
    m1 = ls.propose(s, officer, COMM1, now=T0)[0]
    ls.act(s, officer, m1.id, "decline", now=T0)  # declined: the need is open again
    m2 = ls.propose(s, officer, COMM1, now=T0)[0]
    assert m2.need_id == m1.need_id and m2.id != m1.id
    # a second need proposed while m2 waits: the solver leaves it no place …
    need(world, "H1", people=1, windows="Sa 9-10")
    assert ls.propose(s, officer, COMM1, now=T0) == []
    # … and accepting over the places is refused with the reason, even when proposed elsewhere
    ls.act(s, officer, m2.id, "accept", now=T0)
    ls.act(s, officer, m2.id, "decline", now=T0)
    other = ls.propose(s, officer, COMM1, now=T0)
    assert len(other) == 1
    m3 = ls.propose(s, officer, COMM1, now=T0)
    assert m3 == []
    ls.act(s, officer, other[0].id, "accept", now=T0)
    # the first need again: 2 people, 1 place left
    again = ls.propose(s, officer, COMM1, now=T0)
    assert again == []
    with pytest.raises(IllegalMove, match="allowed: decline, fulfil"):
        ls.act(s, officer, other[0].id, "accept", now=T0)


def test_accepting_beyond_the_places_left_is_refused_and_nothing_changes(world: World) -> None:
    s, officer = world.session, world["community"]
    offer = service(world, capacity=2)
    need(world, "H1", people=2)
    m1 = ls.propose(s, officer, COMM1, now=T0)[0]
    # the officer widens the offer's lid by hand, proposes again, then both are accepted
    s.get(ls.Offer, offer).capacity = 4  # type: ignore[union-attr]
    s.commit()
    need(world, "H1", people=2, windows="Sa 9-10")
    m2 = ls.propose(s, officer, COMM1, now=T0)[0]
    s.get(ls.Offer, offer).capacity = 2  # type: ignore[union-attr]
    s.commit()
    ls.act(s, officer, m1.id, "accept", now=T0)
    with pytest.raises(Refused, match="0 of 2 places left"):
        ls.act(s, officer, m2.id, "accept", now=T0)
    assert ls.get_match(s, officer, m2.id).match.status == "proposed"
    assert [h["action"] for h in ls.get_match(s, officer, m2.id).history] == ["propose"]


def test_who_may_read_and_change_the_lists(world: World) -> None:
    s = world.session
    service(world)
    nid = need(world)
    m = ls.propose(s, world["community"], COMM1, now=T0)[0]
    for persona in ("community", "town", "city", "leader", "admin"):
        assert ls.list_needs(s, world[persona], COMM1)[0] == 1
        assert ls.get_match(s, world[persona], m.id).match.id == m.id
    for persona in ("resident", "gridworker", "handler"):
        with pytest.raises(NotPermitted):
            ls.list_needs(s, world[persona], COMM1)
        with pytest.raises(NotPermitted):
            ls.get_need(s, world[persona], nid)
    for persona in ("community2", "town2"):
        with pytest.raises(NotPermitted):
            ls.list_needs(s, world[persona], COMM1)
        with pytest.raises(NotVisible):
            ls.get_need(s, world[persona], nid)
        with pytest.raises(NotVisible):
            ls.get_match(s, world[persona], m.id)
        with pytest.raises(NotVisible):
            ls.act(s, world[persona], m.id, "accept", now=T0)
    with pytest.raises(NotPermitted):
        ls.act(s, world["leader"], m.id, "accept", now=T0)
    with pytest.raises(NotPermitted):
        need(world, persona="leader")
    with pytest.raises(InvalidInput) as e:
        need(world, "H3")  # a household of another community
    assert e.value.field == "household"


BAD_NEEDS: list[tuple[dict[str, Any], str]] = [
    ({"type": "massage"}, "type"), ({"people": 0}, "people"), ({"windows": "周六上午"}, "windows"),
    ({"household": "NOPE"}, "household"), ({"source": "rumour"}, "source"), ({"note": "x" * 1001}, "note"),
    ({"household": None, "node": "441900101"}, "node"),
    ({"household": None, "node": COMM1, "lon": 114.0, "lat": 23.1}, "location"),
]


def test_a_bad_need_names_its_field_and_stores_nothing(world: World) -> None:
    for change, field in BAD_NEEDS:
        data = {"type": "meal_help", "household": "H1", **change}
        with pytest.raises(InvalidInput) as e:
            ls.add_need(world.session, world["community"], ls.NeedData(**data), now=T0)
        assert e.value.field == field, change
    with pytest.raises(NotPermitted):  # another community's list
        ls.add_need(world.session, world["community"], ls.NeedData(type="venue", node=COMM2), now=T0)
    assert ls.list_needs(world.session, world["community"], COMM1)[0] == 0


def test_a_resource_has_a_kind_and_a_service_has_none(world: World) -> None:
    s, officer = world.session, world["community"]
    with pytest.raises(InvalidInput) as e:
        ls.add_offer(s, officer, ls.OfferData(list_kind="resources", type="venue", name="活动室", node=COMM1), now=T0)
    assert e.value.field == "kind"
    with pytest.raises(InvalidInput) as e:
        ls.add_offer(s, officer, ls.OfferData(list_kind="services", type="venue", name="活动室", node=COMM1,
                                              kind="venue"), now=T0)
    assert e.value.field == "kind"
    ls.add_offer(s, officer, ls.OfferData(list_kind="resources", type="venue", name="示例活动室", node=COMM1,
                                          kind="venue", capacity=40, windows=[[5, 14, 18]]), now=T0)
    (view,) = ls.list_offers(s, officer, COMM1, "resources")[1]
    assert view.as_dict()["windows_text"] == "Sa 14-18"
