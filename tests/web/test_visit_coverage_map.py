"""The map of the households not visited: per grid, the households assigned and visited in
the period (their sums the page's coverage), each grid's class of the legend's scale, and a
dot for every unvisited household with a point, equal to a recount from the tables; only for
those who see visits, within their scope."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact import visit_service as vs
from huying.contact import visits
from huying.contact.models import Address, Household, Visit, VisitAssignment
from huying.geo.models import Node
from tests.web.scene import HTML, HUMEN_GRID, actor, reassigned_households, sign_in, utcnow

COMMUNITY = HUMEN_GRID[:12]
TOTAL = "已走访 {visited} / {assigned} 户"


def _recount(s: Session, since: dt.datetime, community: str) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """(grid code → (assigned, visited since)), and the unvisited households with a point,
    straight from the tables."""
    comm = s.scalar(select(Node).where(Node.code == community))
    assert comm is not None
    rows = s.execute(
        select(Node.code, Household.code, Household.id, func.coalesce(Household.lon, Address.lon))
        .select_from(VisitAssignment).join(Household, Household.id == VisitAssignment.household_id)
        .join(Node, Node.id == Household.grid_id).outerjoin(Address, Address.id == Household.address_id)
        .where(VisitAssignment.ended_at.is_(None), Node.path.like(comm.path + "%"))).all()
    seen = set(s.scalars(select(Visit.household_id).where(Visit.at >= since, Visit.household_id.is_not(None))))
    grids: dict[str, tuple[int, int]] = {}
    unvisited: set[str] = set()
    for grid, code, hid, lon in rows:
        a, v = grids.get(grid, (0, 0))
        grids[grid] = (a + 1, v + (hid in seen))
        if hid not in seen and lon is not None:
            unvisited.add(code)
    return grids, unvisited


def test_the_map_counts_what_the_tables_hold(city_client: TestClient, city_session: Session) -> None:
    s = city_session
    now = utcnow()
    codes, grid = reassigned_households(s, 3, since=now - dt.timedelta(days=200))
    community = grid[:12]
    vs.record_visit(s, actor(s, "gridworker"), vs.VisitIn(codes[0], "door", at=now - dt.timedelta(hours=1)),
                    now=now)
    s.commit()
    since = now - dt.timedelta(days=60)
    # the city's own days (UTC+8): after 16:00 UTC, today in Dongguan is tomorrow in UTC
    local = dt.timezone(dt.timedelta(hours=8))
    since_day, today = since.astimezone(local).date(), now.astimezone(local).date()
    period = f"period=custom&from={since_day.isoformat()}&to={today.isoformat()}"
    sign_in(city_client, "city")
    page = city_client.get(f"/visits/coverage?node={community}&{period}", headers=HTML)
    assert page.status_code == 200
    assert 'id="coverage-map"' in page.text and "未走访" in page.text  # the map and its legend
    r = city_client.get(f"/web/visits/map.json?node={community}&{period}")
    assert r.status_code == 200, r.text
    data = r.json()
    start = dt.datetime.combine(since_day, dt.time(), tzinfo=local)
    grids, unvisited = _recount(s, start, community)
    assert {g: (i["assigned"], i["visited"]) for g, i in data["items"].items()} == grids
    assert {h["code"] for h in data["households"]} == unvisited and not data["more"]
    assert codes[0] not in unvisited and codes[1] in unvisited
    overdue = {h["code"] for h in data["households"] if h["overdue"]}
    assert {codes[1], codes[2]} <= overdue  # assigned 200 days ago, never visited
    for item in data["items"].values():
        assert item["unvisited"] == item["assigned"] - item["visited"]
        assert item["grade"] == visits.grade(item["assigned"], item["unvisited"])
    assert len(data["scale"]) == len(visits.COVERAGE_SCALE)
    # the page's total is the sum of the grids
    assigned = sum(a for a, _ in grids.values())
    visited = sum(v for _, v in grids.values())
    assert TOTAL.format(visited=visited, assigned=assigned) in page.text


def test_the_grade_follows_the_share_not_visited() -> None:
    keys = [visits.COVERAGE_SCALE[visits.grade(a, u)].key for a, u in
            ((0, 0), (10, 0), (10, 1), (10, 2), (10, 5), (10, 6), (10, 10))]
    assert keys == ["none_assigned", "all_visited", "upto_10", "upto_25", "upto_50", "over_50", "over_50"]


def test_only_those_who_see_visits_within_scope(city_client: TestClient, city_session: Session) -> None:
    for who, status in (("resident", 403), ("handler", 403), ("town2", 403)):  # a node out of scope: refused, as every page of a node
        sign_in(city_client, who)
        r = city_client.get(f"/web/visits/map.json?node={COMMUNITY}&period=all")
        assert r.status_code == status, (who, r.text)
    sign_in(city_client, "community")
    assert city_client.get("/web/visits/map.json?node=441900999&period=all").status_code == 404
    assert city_client.get(f"/web/visits/map.json?node={COMMUNITY}&period=fortnight").status_code in (400, 422)
