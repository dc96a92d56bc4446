"""Setting the scene of a web test through the services (never raw inserts): named
persons of the demo city, a point inside a grid, and cases brought to a state."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cases.models import Case
from huying.geo.models import Node
from huying.orgs.actor import Actor
from huying.orgs.models import User

HTML = {"accept": "text/html,application/xhtml+xml"}
#: The grid of the demo resident and grid worker (东方社区第1网格, 虎门镇), their community, and
#: another town (长安镇) with its first community (长盛社区).
HUMEN_GRID = "441900121004001"
HUMEN_COMMUNITY = HUMEN_GRID[:12]
HUMEN_TOWN = "441900121"
CHANGAN_TOWN = "441900119"
CHANGAN_COMMUNITY = "441900119002"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return Actor.of(session, user)


def point_in(session: Session, code: str) -> tuple[float, float]:
    """A point well inside a node's polygon."""
    node = session.scalar(select(Node).where(Node.code == code))
    assert node is not None and node.geometry, code
    p = shape(json.loads(node.geometry)).representative_point()
    return round(p.x, 6), round(p.y, 6)


def report(session: Session, *, who: str = "resident", title: str = "楼道灯坏了", grid: str = HUMEN_GRID,
           at: dt.datetime | None = None, **kw: Any) -> Case:
    lon, lat = point_in(session, grid)
    channel = "resident_web" if who == "resident" else "grid_patrol"
    return svc.report(session, actor(session, who), svc.ReportIn(title=title, description="测试用例", lon=lon,
                                                                  lat=lat, **kw), channel=channel, now=at or utcnow())


def dispatched(session: Session, *, to: str = f"{HUMEN_GRID}-team", by: str = "community",
               at: dt.datetime | None = None, **kw: Any) -> Case:
    at = at or utcnow()
    case = report(session, at=at, **kw)
    return svc.dispatch(session, case, actor(session, by), unit=to, now=at)


def in_progress(session: Session, **kw: Any) -> Case:
    case = dispatched(session, **kw)
    return svc.accept(session, case, actor(session, "gridworker"), now=utcnow())


def handled(session: Session, **kw: Any) -> Case:
    case = in_progress(session, **kw)
    return svc.mark_handled(session, case, actor(session, "gridworker"), evidence="已修好", now=utcnow())


# --- the client side --------------------------------------------------------------------------


def csrf(client: TestClient) -> str:
    m = CSRF.search(client.get("/login", headers=HTML).text)
    assert m, "no CSRF token on the sign-in page"
    return m.group(1)


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": f"demo-{username}",
                                    "csrf_token": csrf(client)}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Response:
    """A form post as the browser sends it: with the session's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, headers=HTML,
                       follow_redirects=False, **kw)


def shown_errors(html: str) -> list[str]:
    """The fields whose error the page shows beside them."""
    return re.findall(r'class="field-error" role="alert"[^>]*data-field="([^"]+)"', html)


def assigned_households(session: Session, n: int, *, since: dt.datetime | None = None,
                        to: str = "gridworker", grid: str = HUMEN_GRID) -> list[str]:
    """``n`` households of ``grid`` not yet assigned, assigned to ``to`` by the community
    officer at ``since`` (a long time ago: they are overdue); their codes."""
    from huying.contact import visit_service as vs
    from huying.contact.models import Household, VisitAssignment

    taken = select(VisitAssignment.household_id).where(VisitAssignment.household_id.is_not(None))
    codes = list(session.scalars(
        select(Household.code).join(Node, Node.id == Household.grid_id)
        .where(Node.code == grid, Household.moved_out_at.is_(None), Household.id.not_in(taken))
        .order_by(Household.id).limit(n)))
    assert len(codes) == n, "the grid has too few households left"
    for code in codes:
        vs.assign(session, actor(session, "community"), code, to, now=since or utcnow())
    return codes


#: The demo resident's community's second grid: all its households have demo cadres.
SECOND_GRID = HUMEN_GRID[:-1] + "2"


def reassigned_households(session: Session, n: int, *, since: dt.datetime | None = None,
                          to: str = "gridworker") -> tuple[list[str], str]:
    """``n`` households of one grid not visited in the last 100 days and not ``to``'s (a
    grid of a town whose cadres lag, wherever the demo has them), given to ``to`` by the city
    officer at ``since``: (their codes, the grid's code). Tests that need unassigned
    households take them from :func:`assigned_households`; these come from elsewhere."""
    from huying.contact import visit_service as vs
    from huying.contact.models import Household, Visit, VisitAssignment
    from huying.orgs.models import User

    theirs = (select(VisitAssignment.household_id).join(User, User.id == VisitAssignment.cadre_id)
              .where(User.username == to, VisitAssignment.ended_at.is_(None), VisitAssignment.household_id.is_not(None)))
    recent = select(Visit.household_id).where(Visit.household_id.is_not(None),
                                              Visit.at >= utcnow() - dt.timedelta(days=100))
    rows = session.execute(
        select(Node.code, Household.code).join(Node, Node.id == Household.grid_id)
        .where(Household.moved_out_at.is_(None), Household.id.not_in(theirs), Household.id.not_in(recent),
               Household.lon.is_not(None))
        .order_by(Node.code.desc(), Household.id.desc())).all()
    by_grid: dict[str, list[str]] = {}
    for grid, code in rows:
        by_grid.setdefault(grid, []).append(code)
    grid = next((g for g, codes in by_grid.items() if len(codes) >= n), None)
    assert grid is not None, "no grid has enough households left"
    codes = by_grid[grid][:n]
    for code in codes:
        vs.assign(session, actor(session, "city"), code, to, now=since or utcnow())
    return codes, grid
