"""One-stop service requests have their own counts in the rollup (accepted, handled), apart
from the problems' figures, and the same after a rebuild from the events alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from huying.accountability import indicators as ind
from huying.cases import service as svc
from huying.cases.workflow import FINAL_VALUES
from huying.metrics import rollup
from tests.cases.conftest import T0, World
from tests.community.onestop_world import accept, build_onestop_world


@pytest.fixture
def world(session: Session) -> World:
    return build_onestop_world(session)


def test_service_requests_are_counted_apart_from_problems(world: World) -> None:
    s = world.session
    world.report("resident")
    case = accept(world)
    accept(world, materials=["身份证"], pending=True)
    h = world["civil2"]
    for action, params in (("accept", {}), ("mark_handled", {"evidence": "已办"}), ("deliver", {}),
                           ("follow_up", {"satisfaction": "满意"})):
        svc.perform(s, case, world["bob"] if action == "follow_up" else h, action, now=T0, params=params)
    later = T0 + dt.timedelta(days=60)
    v = ind.node_values(s, world.nodes["city"], now=later)
    closed = int(case.status in FINAL_VALUES)
    assert v["service_requests"].value == 2 and v["service_requests_handled"].value == closed
    assert v["received"].value == 1 and v["on_time_handling_rate"].den == 0  # the problem alone
    # each figure lists its requests, and only them (the problem is not among them)
    for key in ("service_requests", "service_requests_handled"):
        rows, total = ind.records(s, world["city"], world.nodes["city"], key, now=later)
        assert total == v[key].value == len(rows), key
        assert all(r.kind == "service" for r in rows)
    assert [r.id for r in ind.records(s, world["city"], world.nodes["city"], "service_requests_handled",
                                      now=later)[0]] == ([case.id] if closed else [])
    before = ind.tree_values(s, world.city_id, now=later)
    rollup.rebuild(s, world.city_id)
    s.commit()
    assert ind.tree_values(s, world.city_id, now=later) == before
