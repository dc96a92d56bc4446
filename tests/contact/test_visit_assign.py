"""Officers give households to cadres (驻点联系), one or many at once, all or none; the
cadres offered are those on the place's branch; the API and the page call the same command."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact import visit_service as vs
from huying.contact.models import Household, VisitAssignment
from huying.db import get_engine
from huying.errors import InvalidInput, NotPermitted
from huying.geo.models import Node
from tests.cases.conftest import T0, World
from tests.cases.conftest import api as api  # noqa: F401 - the fixtures
from tests.cases.conftest import api_db as api_db  # noqa: F401
from tests.cases.conftest import api_engine as api_engine  # noqa: F401
from tests.contact.conftest import ADDRESSES, HOUSEHOLDS, load


def _open(s: Session) -> dict[str, str]:
    """household code → username of its cadre (open assignments)."""
    from huying.orgs.models import User

    rows = s.execute(select(Household.code, User.username).join(VisitAssignment, VisitAssignment.household_id == Household.id)
                     .join(User, User.id == VisitAssignment.cadre_id).where(VisitAssignment.ended_at.is_(None))).all()
    return dict(rows)


def test_many_at_once_all_or_none(registered: World) -> None:
    w, s = registered, registered.session
    assert load(s, w["city"], "households", HOUSEHOLDS).stored
    assert vs.assign_many(s, w["community"], ["H1", "H2", "H1"], "gridworker", now=T0) == 2
    assert _open(s) == {"H1": "gridworker", "H2": "gridworker"}
    # H3 is in town 2: the community officer of town 1 may not; nothing of the request is stored
    with pytest.raises(NotPermitted):
        vs.assign_many(s, w["community"], ["H1", "H3"], "community", now=T0)
    assert _open(s) == {"H1": "gridworker", "H2": "gridworker"}
    # the same cadre again changes nothing; another cadre takes over, the old assignment ends
    assert vs.assign_many(s, w["community"], ["H1"], "gridworker", now=T0) == 0
    assert vs.assign_many(s, w["community"], ["H1"], "community", now=T0) == 1
    assert _open(s)["H1"] == "community"
    assert s.scalar(select(func.count()).select_from(VisitAssignment)) == 3


@pytest.mark.parametrize(("codes", "cadre", "field"), [
    ([], "gridworker", "households"), (["  "], "gridworker", "households"),
    (["H1"], "resident", "cadre"), (["H1"], "nobody", "cadre"), (["H1"] * 1 + [f"X{i}" for i in range(500)], "gridworker", "households"),
])
def test_bad_requests_name_their_field(registered: World, codes: list[str], cadre: str, field: str) -> None:
    w, s = registered, registered.session
    assert load(s, w["city"], "households", HOUSEHOLDS).stored
    with pytest.raises(InvalidInput) as exc:
        vs.assign_many(s, w["community"], codes, cadre, now=T0)
    assert exc.value.field == field
    assert s.scalar(select(func.count()).select_from(VisitAssignment)) == 0


def test_only_officers_assign(registered: World) -> None:
    w, s = registered, registered.session
    assert load(s, w["city"], "households", HOUSEHOLDS).stored
    for who in ("resident", "gridworker", "handler", "leader"):
        with pytest.raises(NotPermitted):
            vs.assign_many(s, w[who], ["H1"], "gridworker", now=T0)


def test_the_cadres_offered_are_on_the_places_branch(registered: World) -> None:
    w, s = registered, registered.session
    grid = s.scalar(select(Node).where(Node.code == "441900101001001"))
    assert grid is not None
    # the grid's worker, its community's, town's and city's cadres; not town 2's
    assert {u.username for u in vs.cadres_for(s, w["town"], grid)} == {"city", "community", "gridworker", "leader", "town"}
    town2 = {u.username for u in vs.cadres_for(s, w["city"], s.scalar(select(Node).where(Node.code == "441900102")))}
    assert "gridworker" not in town2  # town 1's grid worker is not on town 2's branch


def test_the_households_of_a_place_unassigned_first(registered: World) -> None:
    w, s = registered, registered.session
    assert load(s, w["city"], "households", HOUSEHOLDS).stored
    vs.assign(s, w["community"], "H1", "gridworker", now=T0)
    comm = s.scalar(select(Node).where(Node.code == "441900101001"))
    assert comm is not None
    rows = vs.households_of(s, w["community"], comm, now=T0)
    assert [r.household.code for r in rows] == ["H2", "H1"]
    assert rows[0].cadre is None and rows[1].cadre is not None
    town2 = s.scalar(select(Node).where(Node.code == "441900102"))
    assert town2 is not None
    with pytest.raises(NotPermitted):
        vs.households_of(s, w["community"], town2, now=T0)


def test_the_api_assigns_all_or_none(api: tuple[TestClient, dict[str, dict[str, str]], World]) -> None:  # noqa: F811
    client, headers, world = api
    with Session(get_engine()) as s:
        city = world["city"]
        assert load(s, city, "addresses", ADDRESSES).stored
        assert load(s, city, "households", HOUSEHOLDS).stored
        s.commit()
    r = client.post("/api/v1/visits/assignments", json={"households": ["H1", "H2"], "cadre": "gridworker"},
                    headers=headers["community"])
    assert r.status_code == 200 and r.json() == {"assigned": 2, "cadre": "gridworker"}, r.text
    r = client.post("/api/v1/visits/assignments", json={"households": ["H1", "H3"], "cadre": "community"},
                    headers=headers["community"])
    assert r.status_code == 403
    for body in ({"households": [], "cadre": "gridworker"}, {"households": ["H1"]},
                 {"households": ["H1"], "cadre": "gridworker", "extra": 1}, {"households": ["H1"], "cadre": "resident"}):
        r = client.post("/api/v1/visits/assignments", json=body, headers=headers["community"])
        assert r.status_code in (400, 422) and r.json()["detail"], (body, r.text)
    r = client.post("/api/v1/visits/assignments", json={"households": ["H1"], "cadre": "gridworker"},
                    headers=headers["resident"])
    assert r.status_code == 403
    with Session(get_engine()) as s:
        assert _open(s) == {"H1": "gridworker", "H2": "gridworker"}
