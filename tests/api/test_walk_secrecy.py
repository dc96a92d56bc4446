"""The secrecy of a planned walk (四不两直, issue #16): until it starts, its destination is
seen by its planner and by nobody else. Every GET route of the app (enumerated from
``app.routes``, so a new route is covered by itself) is fetched as every persona and as the
public, before and after a walk is planned to a grid with a place holding a unique marker;
the marker shows to the planner only, the grid's code and name show nowhere more often than
before, and neither is in the notification outbox, the log or the figures. Once the walk
starts, it is seen within the destination's scope, and only there."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from sqlalchemy import select

from huying.cases.models import OutboxMessage
from tests.api.conftest import NOW, PERSONAS, T1_URBAN, Api

MARKER = "秘访标记Q7Z4"
DEST = "441900101001002"  # 测试1网格2, in community 1 of town 1
DEST_NAME = "测试1网格2"
PLANNER = "town"
#: Routes not fetched, with the reason (none: every GET route is fetched).
SKIP: dict[str, str] = {}
#: Values of the path parameters, by name, and by route where one name means different things.
PARAMS = {"level": "grid", "z": "14", "x": "13370", "y": "7120", "fmt": "json", "photo_id": "1",
          "service_code": "01", "token": "no-such-token", "deployment_id": "1", "member": "1",
          "meeting_id": "1", "need_id": "1", "match_id": "1", "community_code": "441900101001",
          "review_id": "1", "flag_id": "1", "evidence_id": "1", "key": "received", "node": DEST,
          "user_id": "1", "org_id": "1", "person_id": "1", "kind": "people"}
BY_ROUTE = {"/api/v1/categories/{code}": {"code": "01"}, "/api/v1/geo/nodes/{code}": {"code": DEST},
            "/api/v1/organisations/{code}": {"code": T1_URBAN},
            "/api/v1/register/households/{code}": {"code": "H1"}, "/register/households/{code}": {"code": "H1"},
            "/register/units/{code}": {"code": "U1"}}
#: More of the same routes with the queries that show walks and figures.
QUERIES = {"/api/v1/walks": ["?mine=true", "?limit=500"],
           "/api/v1/walks/figures": ["?node=441900101001&period=all", f"?node={DEST}&period=all",
                                     "?node=441900&period=all"],
           "/walks": ["?period=all"]}


def get_routes(app: Any) -> list[str]:
    """The paths of every GET route of ``app``, routers included at any depth."""
    out: set[str] = set()

    def walk(routes: Any) -> None:
        for r in routes:
            if hasattr(r, "effective_route_contexts"):
                for ctx in r.effective_route_contexts():
                    if "GET" in (getattr(ctx.original_route, "methods", None) or ()):
                        out.add(ctx.path)
            elif "GET" in (getattr(r, "methods", None) or ()):
                out.add(r.path)

    walk(app.routes)
    return sorted(out)


def urls(app: Any, api: Api, walk_id: int | None) -> list[str]:
    out = []
    for path in get_routes(app):
        if path in SKIP:
            continue
        values = {**PARAMS, "code": api.cases["c1"], "service_request_id": api.cases["c1"],
                  "walk_id": str(walk_id or 1), **BY_ROUTE.get(path, {})}
        url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)  # noqa: B023
        out += [url] + [url + q for q in QUERIES.get(path, [])]
    return out


#: The personas swept on PostgreSQL: the public, the planner, one seat inside the destination's
#: scope, one outside it, a resident and the city's. Every persona is swept on SQLite (the
#: rule is the same Python over the same queries; each sweep is 200 routes × 15 personas: 90
#: s a database, the suite's slowest test).
PG_PERSONAS = ["town", "community", "town2", "resident", "city"]


def sweep(api: Api, walk_id: int | None) -> dict[tuple[str | None, str], tuple[int, bytes]]:
    """(persona, url) → (status, body) of every GET route, for every persona and the public."""
    seen = {}
    postgres = api.engine.dialect.name == "postgresql"
    for persona in [None, *(PG_PERSONAS if postgres else PERSONAS)]:
        for url in urls(api.client.app, api, walk_id):
            r = api.client.get(url, headers=api.h(persona, accept="text/html,application/json"))
            assert r.status_code < 500, (persona, url, r.status_code)
            seen[(persona, url)] = (r.status_code, r.content)
    return seen


def count(body: bytes, text: str) -> int:
    return body.count(text.encode())


def outbox(api: Api) -> str:
    with api.session() as s:
        return "\n".join(f"{m.recipient} {m.subject} {m.body}" for m in s.scalars(select(OutboxMessage)))


def test_a_planned_walk_is_seen_by_its_planner_alone_until_it_starts(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    assert "/api/v1/walks/{walk_id}" in get_routes(api.client.app)  # the enumeration finds the walks
    assert "/walks/{walk_id}" in get_routes(api.client.app)
    before = sweep(api, None)
    caplog.set_level(logging.DEBUG)
    r = api.client.post("/api/v1/walks", json={"node": DEST, "planned_on": NOW.date().isoformat(),
                                               "place": f"{MARKER}菜市场"}, headers=api.h(PLANNER))
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    after = sweep(api, wid)

    for (persona, url), (_status, body) in after.items():
        if persona == PLANNER:
            continue
        assert count(body, MARKER) == 0, (persona, url)
        old = before.get((persona, url.replace(f"/walks/{wid}", "/walks/1")))
        if old is not None:
            for secret in (DEST, DEST_NAME):
                assert count(body, secret) <= count(old[1], secret), (persona, url, secret)
    mine = [url for (p, url), (_, body) in after.items() if p == PLANNER and count(body, MARKER)]
    assert {f"/api/v1/walks/{wid}", f"/walks/{wid}", "/api/v1/walks", "/walks"} <= set(mine)
    assert MARKER not in outbox(api) and DEST_NAME not in outbox(api)
    for rec in caplog.records:  # the log: no marker; the grid only in the lines of the URLs asking for it
        line = rec.getMessage()
        assert MARKER not in line, line
        if DEST in line:
            assert rec.name in ("httpx", "huying.request") and re.search(rf"(/|node=){DEST}\b", line), line

    # started: seen within the destination's scope (town 1, community 1, the city's seats)
    r = api.client.post(f"/api/v1/walks/{wid}/start", headers=api.h(PLANNER))
    assert r.status_code == 200 and MARKER in r.text
    for persona in PERSONAS:
        r = api.client.get(f"/api/v1/walks/{wid}", headers=api.h(persona))
        sees = persona in {"town", "community", "city", "leader"}
        assert r.status_code == (200 if sees else 404), (persona, r.text)
        assert (MARKER in r.text) == sees
        listed = api.client.get("/api/v1/walks", headers=api.h(persona))
        assert (MARKER in listed.text) == sees, persona
    figures = api.client.get("/api/v1/walks/figures?node=441900101001&period=all", headers=api.h("community"))
    assert figures.json()["total"]["walks"] == 1
