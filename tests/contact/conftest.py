"""The register's tests run in the closed loop's small city (tests/cases/conftest.py), with a
few standard addresses:

    测试1镇测试1社区人民路12号 (+ its building 3栋 and room 3栋201室)   grid 441900101001001
    测试1镇测试1社区人民路14号                                        grid 441900101001002
    测试2镇测试2社区人民路12号                                        grid 441900102001001
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from huying.cases.policy import Actor
from huying.cityconfig import config_cache
from huying.config import get_settings
from huying.contact import service as register
from huying.geo import service as geo
from huying.intake.rows import Mode
from tests.cases.conftest import T0, World, build_world

ADDRESSES = [
    {"address": "测试1镇测试1社区人民路12号", "lon": "113.05", "lat": "23.05"},
    {"address": "测试1镇测试1社区人民路12号3栋", "lon": "113.051", "lat": "23.051"},
    {"address": "测试1镇测试1社区人民路12号3栋201室"},
    {"address": "测试1镇测试1社区人民路14号", "lon": "113.15", "lat": "23.05"},
    {"address": "测试2镇测试2社区人民路12号", "lon": "113.25", "lat": "23.05"},
]


def rows(dicts: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """Rows as a file gives them: the header is line 1."""
    return list(enumerate(dicts, start=2))


def load(session: Session, actor: Actor, kind: str, dicts: list[dict[str, str]],
         mode: Mode = Mode.ALL_OR_NOTHING) -> register.RegisterReport:
    return register.import_register(session, actor, kind, rows(dicts), now=T0, mode=mode)


@pytest.fixture
def id_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A key for identity numbers (production sets HUYING_ID_HASH_KEY)."""
    monkeypatch.setattr(get_settings(), "id_hash_key", "test-only-key")
    yield "test-only-key"


@pytest.fixture
def world(session: Session) -> World:
    geo.clear_index_cache()
    config_cache.clear()
    return build_world(session)


@pytest.fixture
def registered(world: World) -> World:
    """The world with the register's addresses."""
    rep = load(world.session, world["city"], "addresses", ADDRESSES)
    assert rep.stored and rep.imported == len(ADDRESSES), rep.problems
    return world


HOUSEHOLDS = [
    {"code": "H1", "address": "测试1镇测试1社区人民路12号3栋201室", "size": "3"},  # grid 1a
    {"code": "H2", "address": "测试1镇测试1社区人民路14号"},  # grid 1b
    {"code": "H3", "address": "测试2镇测试2社区人民路12号"},  # town 2
]


@pytest.fixture
def visiting(registered: World) -> World:
    """The register's world with households H1, H2 (town 1) and H3 (town 2), H1's head
    张三丰; H1 and H2 assigned to the grid worker, H3 to community2 (a cadre in town 2)."""
    from huying.contact import visit_service as vs

    w, s = registered, registered.session
    assert load(s, w["city"], "households", HOUSEHOLDS).stored
    assert load(s, w["city"], "people", [{"name": "张三丰", "household": "H1"},
                                         {"name": "李四", "household": "H1"}]).stored
    vs.assign(s, w["community"], "H1", "gridworker", now=T0)
    vs.assign(s, w["community"], "H2", "gridworker", now=T0)
    vs.assign(s, w["town2"], "H3", "community2", now=T0)
    return w
