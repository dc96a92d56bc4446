"""The units along a place are kept by the process (a report's routing read some thirty rows
of organisations every time) and read again as soon as an organisation, the towns a
department serves or the map changes, whichever session or process made the change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.geo import service as geo
from huying.geo.models import Node
from huying.orgs import chart
from huying.orgs.models import Organisation
from huying.triage import routing
from tests.cases.conftest import T0, build_world

GRID = "441900/441900-A1/441900101/441900101001/441900101001001/"
CONSTRUCTION = "/01/"  # 城乡建设: the town's urban management by the shipped rules
TOWN_URBAN = "441900101-dept-urban_management"
CITY_URBAN = "441900-dept-urban_management"


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _route(engine: Engine, city_id: int) -> tuple[str | None, int]:
    """The unit a new request's session routes a construction case to at GRID, and how many
    of its statements read the organisations."""
    with statements(engine) as seen, Session(engine) as s:
        unit = routing.route(s, city_id, CONSTRUCTION, GRID).unit_code
    return unit, sum("FROM organisations" in q for q in seen)


def _unit(s: Session, city_id: int, code: str) -> Organisation:
    org = s.scalar(select(Organisation).where(Organisation.city_id == city_id, Organisation.code == code))
    assert org is not None
    return org


def test_an_organisation_edit_routes_the_next_request_and_nothing_is_read_in_between(fresh_engine: Engine) -> None:
    geo.clear_index_cache()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        routing.adopt_default_rules(s, world.city_id)
        s.commit()
    city = world.city_id
    assert _route(fresh_engine, city) == (TOWN_URBAN, 1)  # read once...
    assert _route(fresh_engine, city) == (TOWN_URBAN, 0)  # ...then kept by the process

    with Session(fresh_engine) as s:  # the department dissolved (another request)
        chart.dissolve(s, _unit(s, city, TOWN_URBAN), None, now=T0)
        s.commit()
    unit, reads = _route(fresh_engine, city)
    assert unit != TOWN_URBAN and reads == 1  # the rule's fallback, read again at once
    assert _route(fresh_engine, city) == (unit, 0)


def test_the_towns_a_department_serves_and_a_map_edit_are_seen_at_once(fresh_engine: Engine) -> None:
    geo.clear_index_cache()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        city = world.city_id
        routing.add_rule(s, city, routing.RuleIn("01", "", "department", "urban_management", "city",
                                                 priority="9", fallbacks="party_committee::town"))
        s.commit()
    assert _route(fresh_engine, city)[0] == CITY_URBAN

    with Session(fresh_engine) as s:  # serves town 2 only: town 1's grid goes to the fallback
        town2 = s.get(Node, world.nodes["town2"].id)
        chart.set_towns(s, _unit(s, city, CITY_URBAN), None, towns=[town2], now=T0)
        s.commit()
    assert _route(fresh_engine, city) == ("441900101-party", 1)
    with Session(fresh_engine) as s:  # no town listed again (rows deleted only): every town
        chart.set_towns(s, _unit(s, city, CITY_URBAN), None, towns=[], now=T0)
        s.commit()
    assert _route(fresh_engine, city) == (CITY_URBAN, 1)

    with Session(fresh_engine) as s:  # the map changed: its nodes may have moved
        geo.bump_map_version(s, city)
        s.commit()
    assert _route(fresh_engine, city) == (CITY_URBAN, 1)
    assert _route(fresh_engine, city) == (CITY_URBAN, 0)


def test_the_sessions_own_edit_is_seen_before_it_is_flushed(fresh_engine: Engine) -> None:
    """The units were read by a query, which flushed the session's own edits first; kept, they
    are still read again after the session's own edit, flushed or not."""
    geo.clear_index_cache()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        routing.adopt_default_rules(s, world.city_id)
        s.commit()
        assert routing.route(s, world.city_id, CONSTRUCTION, GRID).unit_code == TOWN_URBAN
        _unit(s, world.city_id, TOWN_URBAN).active = False  # pending: no flush yet
        assert routing.route(s, world.city_id, CONSTRUCTION, GRID).unit_code != TOWN_URBAN
        s.rollback()
