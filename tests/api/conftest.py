"""Fixtures of the API tests: a committed database per backend with the small city of
``tests.cases.conftest`` (one persona per seat), an API token per persona, a few cases in
known states, and ``create_app()`` pointed at it with a fixed clock.

    c1  town 1, grid 1a, reported by resident, dispatched to town 1's urban management
    c2  town 2, grid 2a, reported by town2, accepted by handler2 (in progress), supervised
    c3  town 1, grid 1b, reported by resident2, escalated community → town → city
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.db import Base, make_engine
from huying.geo import service as geo
from huying.http import ratelimit
from huying.orgs import tokens
from huying.orgs.models import User
from tests.cases.conftest import T0, World, build_world
from tests.conftest import Databases

#: The clock of every request: a week after T0 (a Monday 09:30 in Dongguan).
NOW = T0 + dt.timedelta(days=7)
PERSONAS = ["resident", "resident2", "gridworker", "community", "community2", "town", "town2",
            "city", "handler", "handler2", "cityhandler", "leader", "admin", "client"]
T1_URBAN = "441900101-dept-urban_management"
T2_URBAN = "441900102-dept-urban_management"


@dataclass
class Api:
    url: str
    engine: Engine
    client: TestClient
    tokens: dict[str, str]
    cases: dict[str, str]
    city_id: int
    notice_id: int
    extra: dict[str, Any] = field(default_factory=dict)

    def h(self, persona: str | None, **more: str) -> dict[str, str]:
        out = dict(more)
        if persona is not None:
            out["Authorization"] = f"Bearer {self.tokens[persona]}"
        return out

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def reset_caches() -> None:
    from huying import config, db
    from huying.cityconfig import deadlines

    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    db.get_read_engine.cache_clear()
    db._factory.cache_clear()
    geo.clear_index_cache()
    deadlines.invalidate()


def populate(session: Session) -> tuple[World, dict[str, str], dict[str, str], int]:
    geo.clear_index_cache()
    world = build_world(session)
    toks: dict[str, str] = {}
    for name in PERSONAS:
        user = session.scalar(select(User).where(User.username == name))
        assert user is not None
        toks[name] = tokens.create(session, user, "tests", now=T0)[1]
    session.commit()
    w, s = world, session
    at = lambda h: T0 + dt.timedelta(hours=h)  # noqa: E731
    c1 = w.report("resident", now=at(0))
    svc.dispatch(s, c1, w["town"], unit=T1_URBAN, now=at(1))
    c2 = w.report("town2", lon=113.25, lat=23.05, title="井盖缺失", now=at(2))
    svc.dispatch(s, c2, w["town2"], unit=T2_URBAN, now=at(3))
    svc.accept(s, c2, w["handler2"], now=at(4))
    notice = svc.supervise(s, c2, w["leader"], reason="请尽快处理", now=at(5))
    c3 = w.report("resident2", lon=113.15, lat=23.05, title="垃圾堆放", now=at(6))
    svc.escalate(s, c3, w["town"], now=at(7))
    svc.escalate(s, c3, w["city"], now=at(8))
    return world, toks, {"c1": c1.code, "c2": c2.code, "c3": c3.code}, notice.id


@dataclass
class Served:
    url: str
    engine: Engine
    tokens: dict[str, str]
    cases: dict[str, str]
    city_id: int
    notice_id: int


def filled_url(backend: str, databases: Databases) -> tuple[str, dict[str, Any]]:
    """A new committed database with the city, tokens and cases of :func:`populate` (a copy of
    one built once per process), and what the tests need to know of it."""

    def build(url: str) -> dict[str, Any]:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as s:
            world, toks, cases, notice_id = populate(s)
            s.commit()
            users = {u.username: u.id for u in s.scalars(select(User))}
            known = {"tokens": toks, "cases": cases, "city_id": world.city_id, "notice_id": notice_id,
                     "user_ids": users}
        engine.dispose()
        return known

    url, known = databases.copy_of(backend, "api-populated", build)
    return url, known


@pytest.fixture(scope="module")
def served(backend: str, databases: Databases) -> Iterator[Served]:
    """A committed database with the city, tokens and cases (one per module and backend)."""
    url, known = filled_url(backend, databases)
    engine = make_engine(url)
    yield Served(url, engine, dict(known["tokens"]), dict(known["cases"]), known["city_id"],
                 known["notice_id"])
    engine.dispose()
    databases.release(url)


def make_client(url: str) -> Iterator[TestClient]:
    from huying.app import create_app
    from huying.http.clock import clock

    old = os.environ.get("HUYING_DATABASE_URL")
    os.environ["HUYING_DATABASE_URL"] = url
    reset_caches()
    ratelimit.configure(0)
    app = create_app()
    # the tests walk every command for every persona at machine speed: no write throttle
    # (tests/api/test_write_throttle.py sets its own)
    app.state.write_limits = ratelimit.WriteLimits.of(0, 1)
    app.dependency_overrides[clock] = lambda: NOW
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c
    finally:
        if old is None:
            os.environ.pop("HUYING_DATABASE_URL", None)
        else:
            os.environ["HUYING_DATABASE_URL"] = old
        ratelimit.configure(None)
        from huying import db

        db.get_engine().dispose()
        reset_caches()


@pytest.fixture
def api(served: Served) -> Iterator[Api]:
    for c in make_client(served.url):
        yield Api(served.url, served.engine, c, served.tokens, served.cases, served.city_id,
                  served.notice_id)


@pytest.fixture(scope="module")
def module_api(served: Served) -> Iterator[Api]:
    """One app for a whole module, for the modules whose tests each send a few requests with a
    persona's token and change nothing of the app's (no sign-in, no throttle, the fixed clock):
    an app per test cost more than its test, since a new app's first request builds the state
    of every route it walks past (FastAPI 0.165): 0.16 s against 5 ms. A module takes it as
    its own module-scoped ``api`` fixture, which returns it."""
    for c in make_client(served.url):
        yield Api(served.url, served.engine, c, served.tokens, served.cases, served.city_id,
                  served.notice_id)


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(url: str, data_dir: Path) -> Iterator[str]:
    """``uvicorn`` serving ``create_app`` on a free 127.0.0.1 port, in a subprocess (its own
    settings and engine), against the database at ``url``; no rate limit, no write throttle."""
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    env = {**os.environ, "HUYING_DATABASE_URL": url, "HUYING_ANON_RATE_PER_MINUTE": "0",
           "HUYING_WRITE_RATE_PER_MINUTE": "0",
           "HUYING_DATA_DIR": str(data_dir), "HUYING_SLA_SWEEP_INTERVAL": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "huying.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        # a wait for readiness, not a measure: a loaded machine (two test workers, Chromium)
        # may take half a minute to import and build the app
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def live(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(served.url, tmp_path_factory.mktemp("live")) as base:
        yield base
