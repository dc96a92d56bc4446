"""The floor of P1: an endpoint that parses the same request as ``POST /api/v1/cases`` and
writes the same rows as intake does for it — the case, its report event, the reporter's
outbox message, the idempotency key and the two rollup rows (the grid's month and day) —
with plain statements in one transaction, and nothing else: no classifier, no duplicate
look-up, no routing, no policy, no locate (the grid is the one the bench reports in). What
intake costs above this is what its rules cost; the floor is what its writes cost.

    HUYING_DATABASE_URL=... FLOOR_GRID=441900121004001 uvicorn bench._floor_app:app --workers 2
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Header, Response
from pydantic import BaseModel
from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from huying.cases.models import Case, CaseCounter, CaseEvent, OutboxMessage, h3_cell_of
from huying.cityconfig.models import Category
from huying.db import make_engine
from huying.geo.models import City, Node
from huying.http.threads import in_report_thread
from huying.intake.models import IdempotencyKey
from huying.orgs.models import ApiToken


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """The thread pool huying's workers run with (``HUYING_THREADS``): the same server."""
    import anyio.to_thread

    from huying.config import get_settings

    # (a checkout older than the setting: anyio's default, as its own server had)
    anyio.to_thread.current_default_thread_limiter().total_tokens = getattr(get_settings(), "worker_threads", 40)
    yield


app = FastAPI(lifespan=_lifespan)
_state: dict[str, Any] = {}
CASES: Table = Case.__table__  # type: ignore[assignment]
EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
KEYS: Table = IdempotencyKey.__table__  # type: ignore[assignment]
COUNTERS: Table = CaseCounter.__table__  # type: ignore[assignment]
UPSERT = text(
    "INSERT INTO metrics_grid_month (city_id, grid_path, month, day, received, closed, fixed_on_spot, "
    "on_time, reworked, satisfied, dissatisfied, escalations, close_seconds) "
    "VALUES (:c, :g, :m, :d, 1, 0, 0, 0, 0, 0, 0, 0, 0) "
    "ON CONFLICT (city_id, grid_path, month, day) DO UPDATE SET received = metrics_grid_month.received + 1")


# Each statement built once (as intake's hot path does), run with the request's values: the
# floor writes, it does not build statements (it built ``insert(...).values(row)`` per
# request until 7 December 2026: about 2 ms of Python per report, docs/performance.md).
_NEXT = (update(COUNTERS).where(COUNTERS.c.city_id == bindparam("c"), COUNTERS.c.year == bindparam("y"))
         .values(last=COUNTERS.c.last + 1).returning(COUNTERS.c.last))
_FIRST = insert(COUNTERS)
_CASE = insert(CASES).returning(CASES.c.id)
_EVENT = insert(EVENTS).returning(EVENTS.c.id)
_OUTBOX = insert(OUTBOX)
_KEY = insert(KEYS)


class Report(BaseModel):
    title: str
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    channel: str | None = None
    category: str | None = None


def level1_of(c: Connection, city_id: int, category: str | None, title: str) -> tuple[str, int]:
    """The first-level category (code, id) a report's case is filed under here: the body's
    when given, else one picked from the title, as the classifier's choice would be. The
    city's first-level categories are read once per process. Intake files every case under
    a category, and its look-up of the open cases around a point reads the uncategorised
    ones too: the floor's cases filed under none matched every later look-up."""
    rows: list[tuple[str, int]] | None = _state.get("level1")
    if rows is None:
        rows = _state["level1"] = sorted((str(r[0]), int(r[1])) for r in c.execute(
            select(Category.code, Category.id).where(Category.city_id == city_id, Category.level == 1)))
    given = category.split(".")[0] if category else None
    found = next((r for r in rows if r[0] == given), None)
    return found or rows[zlib.crc32(title.encode()) % len(rows)]


def _engine() -> Engine:
    eng = _state.get("engine")
    if eng is None:
        eng = _state["engine"] = make_engine(os.environ["HUYING_DATABASE_URL"])
        with eng.connect() as c:
            city = c.execute(select(City.id, City.code)).first()
            assert city is not None
            grid = c.execute(select(Node.id, Node.path).where(Node.code == os.environ["FLOOR_GRID"])).first()
            assert grid is not None
            token = c.execute(select(ApiToken.user_id)).first()
        _state.update(city=city, grid=grid, user_id=token[0] if token else None)
    return eng


@app.get("/healthz")
def healthz() -> dict[str, str]:
    _engine()
    return {"status": "ok"}


@app.post("/api/v1/cases", status_code=201)
async def report(body: Report, response: Response, authorization: str = Header(""),
                 idempotency_key: str | None = Header(None)) -> dict[str, object]:
    # in the threads intake's reports run in (huying.http.threads): the two compare one server
    return await in_report_thread(_report, body, response, idempotency_key)


def _report(body: Report, response: Response, idempotency_key: str | None) -> dict[str, object]:
    eng = _engine()
    now = dt.datetime.now(dt.UTC)
    with eng.begin() as c:
        level1 = level1_of(c, _state["city"][0], body.category, body.title)
        code = write_report(c, _state["city"], _state["grid"], _state["user_id"], body.title,
                            body.description, body.lon, body.lat, body.channel, idempotency_key, now,
                            category_id=level1[1])
    response.headers["Location"] = f"/api/v1/cases/{code}"
    return {"code": code, "title": body.title, "status": "new"}


def write_report(c: Connection, city: Any, grid: Any, user_id: int | None, title: str, description: str,
                 lon: float | None, lat: float | None, channel: str | None, idempotency_key: str | None,
                 now: dt.datetime, *, category_id: int | None = None) -> str:
    """The rows of one report, with plain statements on ``c`` (in the caller's transaction):
    the year's counter, the case (filed under ``category_id``: :func:`level1_of`), its event,
    the reporter's outbox message, the idempotency key, the grid's two rollup rows. Returns
    the case's code. Also the floor inside the product's server (bench/_floor_product.py)."""
    (city_id, city_code), (grid_id, grid_path) = city, grid
    seq = c.execute(_NEXT, {"c": city_id, "y": now.year}).scalar()
    if seq is None:
        c.execute(_FIRST, {"city_id": city_id, "year": now.year, "last": 1})
        seq = 1
    code = f"{city_code}-{now.year}-{seq:06d}"
    row = {"city_id": city_id, "code": code, "title": title, "description": description,
           "category_id": category_id, "priority": "normal", "channel": channel or "resident_web",
           "lon": lon, "lat": lat, "h3_cell": h3_cell_of(lon, lat), "address": None,
           "grid_id": grid_id, "grid_path": grid_path, "reporter_kind": "resident",
           "reporter_id": user_id, "reporter_contact": None, "unit_id": None, "unit_path": None,
           "handling_level": "community", "status": "new", "due_at": now + dt.timedelta(days=1),
           "sweep_at": now + dt.timedelta(hours=20), "warned": False, "overdue_periods": 0,
           "ever_overdue": False, "rework_count": 0, "escalations": 0, "extension_days": None,
           "resolution": None, "reject_reason": None, "satisfaction": None, "duplicate_of_id": None,
           "version": 1, "created_at": now, "updated_at": now, "closed_at": None}
    case_id = c.execute(_CASE, row).scalar_one()
    payload = json.dumps({"set": {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                                  for k, v in row.items() if k != "city_id"}}, ensure_ascii=False)
    event_id = c.execute(_EVENT, dict(
        city_id=city_id, case_id=case_id, seq=1, at=now, actor_id=user_id, actor_role="resident",
        action="report", from_status=None, to_status="new", note=None, payload=payload, request_id=None,
    )).scalar_one()
    subject = f"您反映的问题已受理，编号 {code}"
    c.execute(_OUTBOX, dict(
        city_id=city_id, event_id=event_id, idempotency_key=f"ev{event_id}:user:{user_id}",
        recipient_kind="user", recipient=str(user_id), subject=subject, body=subject,
        status="pending", attempts=0, available_at=now, created_at=now,
        expires_at=now + dt.timedelta(days=7)))
    if idempotency_key:
        c.execute(_KEY, dict(city_id=city_id, user_id=user_id, key=idempotency_key,
                             scope="cases", fingerprint="floor", case_id=case_id, created_at=now))
    month = now.year * 100 + now.month
    c.execute(UPSERT, [{"c": city_id, "g": grid_path, "m": month, "d": 0},
                       {"c": city_id, "g": grid_path, "m": month, "d": now.day}])
    return code


if __name__ == "__main__":  # a helper, not a benchmark
    raise SystemExit(0)
