"""Two organisations pledge the last of what a project needs at the same moment: one pledge
is stored, the other refused with the reason — against real commits in two sessions on
SQLite and PostgreSQL (where the project's row is locked)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.community import exchange_service as xs
from huying.community.exchange_models import Pledge
from huying.errors import Refused
from tests.cases.conftest import T0, World
from tests.community.exchange_world import canteen, exchange_world


@pytest.fixture
def committed(fresh_engine: Engine) -> Iterator[tuple[Engine, World]]:
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = exchange_world(s)
        code = canteen(world, budget="1000.00")
        world.nodes["_code"] = code  # type: ignore[assignment]
        yield fresh_engine, world


def test_two_pledges_for_the_last_of_the_need_one_is_refused(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    code = str(world.nodes["_code"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(persona: str) -> None:
        with Session(engine, expire_on_commit=False) as s:
            xs.get_project(s, world[persona], code)  # both have seen 1000.00 still needed
            barrier.wait()
            try:
                xs.pledge(s, world[persona], code, xs.PledgeIn(amount="600.00"), now=T0)
                outcomes.append("ok")
            except Refused as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=act, args=(p,)) for p in ("partner_a", "partner_b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(outcomes) == 2 and outcomes.count("ok") == 1, outcomes
    refused = next(o for o in outcomes if o != "ok")
    assert "exceeds what is still needed (400.00)" in refused or "changed meanwhile" in refused
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Pledge)) == 1
        assert xs.get_project(s, world["city"], code).remaining.money == Decimal("400.00")
