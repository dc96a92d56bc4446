"""A ledger's supervising leader is a leader whose scope covers the case (where it happened
or where it is handled); anyone else is refused and nothing is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from huying.cases import service as svc
from huying.cases.models import Ledger
from huying.errors import InvalidInput
from huying.orgs.models import Role, User
from huying.orgs.service import create_user
from tests.cases.conftest import World


def _in_progress(world: World, at: Callable[..., dt.datetime]):  # type: ignore[no-untyped-def]
    case = world.report()
    svc.dispatch(world.session, case, world["community"], unit="441900101001-party", now=at(hours=1))
    return svc.accept(world.session, case, world["community"], now=at(hours=1))


def _leader(world: World, name: str, node: str) -> int:
    user = create_user(world.session, username=name, password="", password_hash="x", role=Role.LEADER,
                       node=world.nodes[node])
    world.session.commit()
    return user.id


def _open(world: World, case, supervisor_id: int | None, at: Callable[..., dt.datetime]) -> Ledger:  # type: ignore[no-untyped-def]
    return svc.open_ledger(world.session, case, world["community"], plan="先排查，再维修",
                           milestones=[("排查", at(days=2))], supervisor_id=supervisor_id, now=at(hours=2))


def test_a_leader_of_the_city_or_of_the_cases_town_supervises(world: World, at) -> None:  # type: ignore[no-untyped-def]
    assert _open(world, _in_progress(world, at), world["leader"].user_id, at).supervisor_id == world["leader"].user_id
    town_leader = _leader(world, "townleader", "town1")
    assert _open(world, _in_progress(world, at), town_leader, at).supervisor_id == town_leader


@pytest.mark.parametrize("who", ["community", "town", "other_town_leader", "inactive_leader", "nobody"])
def test_anyone_else_is_refused(world: World, at, who: str) -> None:  # type: ignore[no-untyped-def]
    case = _in_progress(world, at)
    if who == "other_town_leader":
        supervisor = _leader(world, "town2leader", "town2")
    elif who == "inactive_leader":
        supervisor = _leader(world, "retired", "city")
        world.session.get(User, supervisor).active = False  # type: ignore[union-attr]
        world.session.commit()
    elif who == "nobody":
        supervisor = 10**6
    else:
        supervisor = world[who].user_id  # type: ignore[assignment]
    version = case.version
    with pytest.raises(InvalidInput) as err:
        _open(world, case, supervisor, at)
    assert err.value.field == "supervisor"
    world.session.rollback()
    assert world.session.scalar(select(Ledger.id).where(Ledger.case_id == case.id)) is None
    world.session.refresh(case)
    assert case.version == version
