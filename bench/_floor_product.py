"""The floor of P1 inside the product's own server: ``POST /api/v1/cases`` answered, at the
place of intake's route (the first route tried), by a route that writes the floor's rows
(bench/_floor_app.py ``write_report``) after the reads intake's rules need, each as one plain
statement of the product's own (the idempotency key's look-up, the map's and the
configuration's versions, the open cases of one first-level category around the point; the
units along the grid's path are kept by each process, as intake keeps them), with everything the product puts around a route: its
middlewares, its guards (rate limits, body checks), the request's session, the caller's token
and actor (``ActorInThread``: all its work in one hand-off in the reports' own threads, as
intake's route), the same body schema (``CaseCreate``). No rule is computed on what is read:
no classification, no similarity, no routing choice, no deadline; the case goes to the
floor's one grid.

So intake minus this is what the rules and the ORM cost, and this minus the bare floor is
what the server around the route and the reads cost (docs/performance.md, "The floor
corrected, and the floor in the product's server").

    uvicorn bench._floor_product:create_app --factory   # HUYING_DATABASE_URL, FLOOR_GRID
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Response
from sqlalchemy import select

from bench._floor_app import level1_of, write_report
from huying.cases.schemas import CaseCreate
from huying.deps import SessionDep
from huying.geo.models import City, Node
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.ratelimit import limit_anonymous
from huying.http.threads import in_report_thread
from huying.orgs.auth import ActorInThread

_state: dict[str, Any] = {}


def _reads(session: Any, actor: Any, body: CaseCreate, level1: str, key: str | None, now: dt.datetime) -> None:
    """The reads intake makes for one report, with the statements and parameters it uses."""
    from huying.config import get_settings
    from huying.geo import locate
    from huying.intake import create, service
    from huying.triage import duplicates

    c = session.connection()
    city = actor.city_id
    if key is not None:
        c.execute(create._KEY, {"city": city, "user": actor.user_id, "key": key}).first()
    c.execute(locate._MAP_AND_CONFIG, {"city": city}).all()
    if body.lon is not None and body.lat is not None:
        # intake looks among one first-level category's open cases (two when undecided): the
        # body's, else one chosen by the text, as a classifier's choice would be, not all of them
        radius = get_settings().duplicate_radius_m
        radius_cells = duplicates.nearby_cells(body.lon, body.lat, radius)
        c.execute(duplicates._nearby(1, len(radius_cells)), {
            "city": city, **{f"cell_{i}": cell for i, cell in enumerate(radius_cells)},
            "since": now - dt.timedelta(days=service._settings_window()),
            "now": now, "limit": duplicates.MAX_COMPARED, "exclude": -1, "l1_0": f"/{level1}/",
            **duplicates._box(body.lon, body.lat, radius)}).all()


def create_app() -> FastAPI:
    from huying.app import create_app as product

    app = product()
    router = APIRouter(prefix="/api/v1", dependencies=[Depends(limit_anonymous), Depends(reject_nul_body)])

    @router.post("/cases", status_code=201)
    async def report(body: CaseCreate, session: SessionDep, actor_of: ActorInThread, now: Now, response: Response,
                     idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> dict[str, object]:
        # as intake's route: all its work, the caller's look-up included, in one hand-off
        return await in_report_thread(
            lambda: _report(body, session, actor_of(), now, response, idempotency_key))

    def _report(body: CaseCreate, session: Any, actor: Any, now: dt.datetime, response: Response,
                idempotency_key: str | None) -> dict[str, object]:
        if "grid" not in _state:
            c = session.connection()
            _state["city"] = tuple(c.execute(select(City.id, City.code).where(City.id == actor.city_id)).one())
            _state["grid"] = tuple(c.execute(select(Node.id, Node.path)
                                             .where(Node.code == os.environ["FLOOR_GRID"])).one())
        level1 = level1_of(session.connection(), actor.city_id, body.category, body.title)
        _reads(session, actor, body, level1[0], idempotency_key, now)
        code = write_report(session.connection(), _state["city"], _state["grid"], actor.user_id, body.title,
                            body.description, body.lon, body.lat, body.channel, idempotency_key, now,
                            category_id=level1[1])
        session.commit()
        response.headers["Location"] = f"/api/v1/cases/{code}"
        return {"code": code, "title": body.title, "status": "new"}

    app.include_router(router)
    app.router.routes.insert(0, app.router.routes.pop())  # where intake's router is: tried first
    return app
