"""The yearly review (述职评议): its table walked state by action, a reviewer outside the
review's scope refused with the reason, scoring twice refused (in turn and at once), the
results aggregated and published inside the tree only."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying.accountability import duty_service as duties
from huying.accountability import review_service as rs
from huying.accountability import review_workflow as rw
from huying.accountability.models import ReviewScore
from huying.errors import IllegalTransition, InvalidInput, NotVisible, Refused
from huying.orgs.actor import Actor
from huying.orgs.models import User
from tests.accountability.world import COMM1, NOW, duty_world
from tests.cases.conftest import World


@pytest.fixture
def world(session: Session) -> World:
    return duty_world(session)


def opened(world: World) -> int:
    s = world.session
    review = rs.create(s, world["town"], COMM1, 2025, now=NOW)
    rs.invite(s, world["town"], review.id, ["town", "leader"], "officer", now=NOW)
    rs.invite(s, world["town"], review.id, ["resident"], "representative", now=NOW)
    rs.invite(s, world["town"], review.id, ["councillor"], "council", now=NOW)
    rs.submit_report(s, world["community"], review.id, "2025年，本社区党组织……", now=NOW)
    rs.act(s, world["town"], review.id, "open", now=NOW)
    return review.id


def all_items(world: World, rid: int, value: int) -> dict[int, tuple[int, str | None]]:
    view = rs.get(world.session, world["town"], rid)
    return {i.id: (value, "落实较好" if value >= 90 else None) for i in view.items}


def test_the_table_is_sound_and_every_state_action_pair_is_decided() -> None:
    assert rw.TABLE.problems() == []
    organiser = rw.State(reviewers=2, has_report=True, scored=1, organiser=True)
    legal = {(m.source, m.action) for m in rw.TABLE.moves}
    for status in rw.ReviewStatus:
        for action in rw.ReviewAction:
            role = "resident" if action is rw.ReviewAction.SCORE else "town_officer"
            st = rw.State(invited=True) if action is rw.ReviewAction.SCORE else \
                (rw.State(secretary=True) if action is rw.ReviewAction.SUBMIT_REPORT else organiser)
            if action is rw.ReviewAction.SUBMIT_REPORT:
                role = "community_officer"
            if (status.value, action.value) in legal:
                assert rw.TABLE.next(status, action, role, st)
            else:
                with pytest.raises(IllegalTransition) as exc:
                    rw.TABLE.next(status, action, role, st)
                assert exc.value.allowed == rw.TABLE.allowed(status, role)


def test_a_reviewer_outside_the_scope_is_refused_with_the_reason(world: World) -> None:
    s = world.session
    rid = opened(world)
    with pytest.raises(Refused, match="not among the reviewers"):
        rs.score(s, world["city"], rid, all_items(world, rid, 80), now=NOW)
    with pytest.raises(NotVisible):  # an officer of another town does not even see it
        rs.score(s, world["town2"], rid, all_items(world, rid, 80), now=NOW)
    with pytest.raises(InvalidInput, match="resident of the node"):
        rs.invite(s, world["town"], rid, ["gridworker"], "representative", now=NOW)
    with pytest.raises(InvalidInput, match="levels above the node"):
        rs.invite(s, world["town"], rid, ["community2"], "officer", now=NOW)


def test_a_reviewer_scores_once(world: World) -> None:
    s = world.session
    rid = opened(world)
    rs.score(s, world["resident"], rid, all_items(world, rid, 95), now=NOW)
    with pytest.raises(Refused, match="scores once"):
        rs.score(s, world["resident"], rid, all_items(world, rid, 10), now=NOW)
    view = rs.get(s, world["resident"], rid)
    assert {sc.score for sc in view.mine.values()} == {95} and view.results is None
    one = next(iter(view.mine.values()))
    s.add(ReviewScore(city_id=world.city_id, review_id=rid, user_id=one.user_id, item_id=one.item_id, score=1, at=NOW))
    with pytest.raises(IntegrityError):  # the database's own guard
        s.flush()
    s.rollback()


def test_results_are_aggregated_graded_and_published_inside_the_tree(world: World) -> None:
    s = world.session
    rid = opened(world)
    with pytest.raises(Refused, match="no reviewer has scored"):
        rs.act(s, world["town"], rid, "close", now=NOW)
    rs.score(s, world["resident"], rid, all_items(world, rid, 90), now=NOW)
    rs.score(s, world["councillor"], rid, all_items(world, rid, 70), now=NOW)
    with pytest.raises(IllegalTransition, match="allowed: invite, submit_report, score, close"):
        rs.act(s, world["town"], rid, "publish", now=NOW)
    rs.act(s, world["town"], rid, "close", now=NOW)
    assert rs.get(s, world["community"], rid).results is None  # not yet published
    review = rs.act(s, world["town"], rid, "publish", now=NOW + dt.timedelta(hours=1))
    assert (review.overall, review.grade) == (80.0, "good")
    res = rs.get(s, world["community"], rid).results
    assert res is not None and res.reviewers == 2 and {r.mean for r in res.items} == {80.0}
    assert rs.get(s, world["leader"], rid).results is not None
    with pytest.raises(NotVisible):
        rs.get(s, world["community2"], rid)
    assert [r.id for r, _ in rs.list_reviews(s, world["town"], year=2025)] == [rid]
    assert rs.list_reviews(s, world["town2"], year=2025) == []


def test_two_scorings_at_once_store_one(fresh_engine: Engine) -> None:
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = duty_world(s)
        rid = opened(world)
        items = all_items(world, rid, 88)
    results: list[str] = []

    def go() -> None:
        with Session(fresh_engine, expire_on_commit=False) as s2:
            try:
                rs.score(s2, world["resident"], rid, items, now=NOW)
                results.append("ok")
            except Refused:
                results.append("refused")

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    with Session(fresh_engine) as s:
        assert len(s.scalars(select(ReviewScore).where(ReviewScore.review_id == rid)).all()) == len(items)


def test_the_api_refuses_a_second_scoring_and_a_reviewer_outside_the_scope(api, api_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = api
    with Session(api_engine, expire_on_commit=False) as s:
        duties.load_defaults(s, Actor.of(s, s.scalars(select(User).where(User.username == "city")).one()), now=NOW)
    client.clock["now"] = NOW
    r = client.post("/api/v1/accountability/reviews", json={"node": COMM1, "year": 2025}, headers=headers["town"])
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    base = f"/api/v1/accountability/reviews/{rid}"
    assert client.post(f"{base}/reviewers", json={"users": ["resident"], "seat": "representative"},
                       headers=headers["town"]).status_code == 200
    assert client.post(f"{base}/report", json={"text": "述职报告"}, headers=headers["community"]).status_code == 200
    opened = client.post(f"{base}/actions/open", headers=headers["town"]).json()
    body = {"scores": [{"item": i["id"], "score": 75} for i in opened["items"]]}
    assert client.post(f"{base}/scores", json=body, headers=headers["resident"]).status_code == 200
    twice = client.post(f"{base}/scores", json=body, headers=headers["resident"])
    assert twice.status_code == 409 and "scores once" in twice.json()["detail"]
    outside = client.post(f"{base}/scores", json=body, headers=headers["city"])
    assert outside.status_code == 409 and "not among the reviewers" in outside.json()["detail"]
    illegal = client.post(f"{base}/actions/publish", headers=headers["town"])
    assert illegal.status_code == 409 and "allowed:" in illegal.json()["detail"]
    assert client.get(base, headers=headers["town2"]).status_code == 404
