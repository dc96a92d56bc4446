"""Fixtures of the web tests.

- ``client``: a ``TestClient`` over ``create_app()`` for the fast page tests (no browser).
- ``city_db``: a SQLite database with a city in it: the demo city (``huying demo build``)
  when the demo package has its command, otherwise a tiny city of three real towns, each one
  community split into two grids. ``HUYING_WEB_TEST_CITY=tiny|demo`` forces one.
- ``live_server``: ``uvicorn`` serving ``create_app`` on a free 127.0.0.1 port in a
  subprocess (so the settings and engine caches of this process do not leak into it) with
  ``HUYING_DATABASE_URL`` pointing at ``city_db``.
- ``browser`` / ``page``: Playwright (sync API) driving Debian's Chromium at
  ``/usr/bin/chromium`` with a new empty profile; never a downloaded browser. When Chromium
  or Playwright is missing the browser tests are skipped with the reason, except with
  ``CI=true``, where they fail. ``scripts/ensure-test-tools.sh`` installs Chromium.
- ``phone_page``: the same on a 390×844 touch screen.
- ``shot(page, name)``: saves a screenshot under the test's ``tmp_path``.

The browser tests live in ``tests/web/browser/`` and are marked ``browser``; without the
playwright package they are skipped as modules (with ``CI=true`` they fail to import).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.db import Base, import_all_models, make_engine
from huying.geo.models import Level
from huying.orgs.actor import Actor
from huying.orgs.models import User
from tests.api.conftest import NOW, T1_URBAN, make_client, populate
from tests.conftest import copy_sqlite

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
TOWNS_GEOJSON = SHARED_DATA / "dongguan-towns.geojson"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
#: The towns of the tiny city: (statistical code, name as in the town polygons, English).
TINY_TOWNS = [
    ("441900003", "东城街道", "Dongcheng Subdistrict"),
    ("441900004", "南城街道", "Nancheng Subdistrict"),
    ("441900006", "莞城街道", "Guancheng Subdistrict"),
]
#: The town the browser tests click in: present in the tiny city and in the demo city.
KNOWN_TOWN = TINY_TOWNS[0]
#: A point well outside Dongguan (the Pearl River estuary, west of the city).
OUTSIDE = (113.30, 22.50)


@dataclass(frozen=True)
class KnownPlace:
    code: str
    name_zh: str
    name_en: str
    lon: float
    lat: float


def town_polygon(name_zh: str) -> Any:
    data = json.loads(TOWNS_GEOJSON.read_text(encoding="utf-8"))
    for f in data["features"]:
        if f["properties"]["name"] == name_zh:
            return shape(f["geometry"])
    raise LookupError(name_zh)


@pytest.fixture(scope="session")
def known_town() -> KnownPlace:
    """A point well inside a real town (its polygon's representative point)."""
    code, name_zh, name_en = KNOWN_TOWN
    # Inward buffer: the point stays inside the town even after the demo's precision rounding.
    point = town_polygon(name_zh).buffer(-0.005).representative_point()
    return KnownPlace(code, name_zh, name_en, round(point.x, 6), round(point.y, 6))


# --- fast page tests ----------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[TestClient]:
    from huying.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def _clear_caches() -> None:
    from huying import db
    from huying.config import get_settings

    get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture
def city_client(city_db: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A ``TestClient`` over the city database (the demo city unless forced tiny). The
    sign-in failures of earlier tests are forgotten (the limiter counts them in the shared
    database, and every test client comes from the same address)."""
    from huying.app import create_app

    forget_login_failures(city_db)
    monkeypatch.setenv("HUYING_DATABASE_URL", city_db)
    monkeypatch.setenv("HUYING_DATA_DIR", str(data_dir))
    _clear_caches()
    try:
        with TestClient(create_app(), raise_server_exceptions=False) as c:
            yield c
    finally:
        monkeypatch.undo()
        _clear_caches()


def forget_login_failures(url: str) -> None:
    from sqlalchemy import delete

    from huying.orgs.models import LoginFailure

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(delete(LoginFailure))
    engine.dispose()


@pytest.fixture
def city_session(city_db: str) -> Iterator[Session]:
    """A session on the city database, for a test to set the scene through the services."""
    engine = make_engine(city_db)
    with Session(engine, expire_on_commit=False) as s:
        yield s
    engine.dispose()


# --- a database with a city -----------------------------------------------------------------


def build_tiny_city(url: str) -> None:
    """City → one area → three real towns → one community each → two grids each (the
    community split in two along its centre's longitude), through the geo service."""
    from huying.geo import service

    import_all_models()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    towns = {name: town_polygon(name) for _, name, _ in TINY_TOWNS}
    with Session(engine) as s:
        city = service.create_city(s, "441900", "东莞市", "Dongguan")
        root = service.get_node(s, city.id, "441900")
        area = service.add_node(s, city, Level.AREA, "441900-A1", root, "中心片区", "Central Area")
        for code, name_zh, name_en in TINY_TOWNS:
            poly = towns[name_zh]
            town = service.add_node(s, city, Level.TOWN, code, area, name_zh, name_en, poly)
            short_zh, short_en = name_zh.removesuffix("街道"), name_en.split()[0]
            comm = service.add_node(
                s,
                city,
                Level.COMMUNITY,
                code + "001",
                town,
                f"{short_zh}社区",
                f"{short_en} Community",
                poly,
            )
            minx, miny, maxx, maxy = poly.bounds
            mid = poly.centroid.x
            halves = [
                poly.intersection(box(minx - 1, miny - 1, mid, maxy + 1)),
                poly.intersection(box(mid, miny - 1, maxx + 1, maxy + 1)),
            ]
            for i, half in enumerate(halves, start=1):
                service.add_node(
                    s,
                    city,
                    Level.GRID,
                    f"{comm.code}{i:03d}",
                    comm,
                    f"{short_zh}社区第{i}网格",
                    f"{short_en} Community Grid {i}",
                    half,
                )
        s.commit()
    engine.dispose()


def _huying(*args: str, env: dict[str, str]) -> None:
    """Run the ``huying`` command (through the interpreter: no console script needed)."""
    subprocess.run(
        [sys.executable, "-c", "from huying.cli import app; app()", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )


#: Cases of the demo year in the web tests' city: enough for every page to have data, few
#: enough to build in seconds (``--cases`` runs them through the service, ~10 ms each).
DEMO_CASES = 300
#: The day the web tests' demo year ends (``--today``: the same cases every day), all of its
#: cases through the service (``--live-days 365``: the pages' stories among a few hundred).
DEMO_TODAY = "2026-11-20"


def build_demo_city(url: str) -> None:
    """The demo city with a few hundred cases. The tables come from the models in the tree
    (as for the tiny city): the web tests test the pages, the migrations have their own."""
    import_all_models()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    env = {**os.environ, "HUYING_DATABASE_URL": url}
    _huying("demo", "build", "--seed", "1", "--cases", str(DEMO_CASES), "--today", DEMO_TODAY,
            "--live-days", "365", "--no-progress", env=env)


def _city_kind() -> str:
    kind = os.environ.get("HUYING_WEB_TEST_CITY", "auto")
    if kind == "auto":
        return "demo" if importlib.util.find_spec("huying.demo.cli") else "tiny"
    return kind


@pytest.fixture(scope="session")
def city_db(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """The city of the web tests: built once per run (30 s), by the first worker to need it,
    in the run's temporary directory that the workers share; each worker writes to a copy
    of its own."""
    run = tmp_path_factory.getbasetemp()
    shared = run if worker_id == "master" else run.parent  # xdist: <run>/popen-gwN
    built = shared / f"web-city-{_city_kind()}.db"
    with (shared / "web-city.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the build
        if not built.with_suffix(".done").exists():
            built.unlink(missing_ok=True)
            (build_demo_city if _city_kind() == "demo" else build_tiny_city)(f"sqlite:///{built.as_posix()}")
            built.with_suffix(".done").touch()
    own = tmp_path_factory.mktemp("web") / "city.db"
    copy_sqlite(built, own)
    return f"sqlite:///{own.as_posix()}"


# --- a live server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the servers of the tests store attachments (never the checkout's ``var``)."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def live_server(city_db: str, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    env = {**os.environ, "HUYING_DATABASE_URL": city_db, "HUYING_SLA_SWEEP_INTERVAL": "0",
           "HUYING_DATA_DIR": str(data_dir)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "huying.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- the browser ------------------------------------------------------------------------------


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (scripts/ensure-test-tools.sh installs it)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    reason = _browser_missing()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests to run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # How long an assertion waits for the page to show what it expects (Playwright's 5 s
    # default is short when two test workers and Chromium share two cores): a wait, not a measure.
    expect.set_options(timeout=20_000)
    # launch() gives Chromium a new, empty profile directory of its own (Playwright refuses
    # --user-data-dir here); each test then gets a fresh context without cookies.
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _new_page(browser: Browser, base_url: str, **options: Any) -> tuple[Any, Page, list[str]]:
    context = browser.new_context(base_url=base_url, locale="zh-CN", **options)
    context.set_default_timeout(30_000)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    # Console errors count (a script or style refused by the CSP, …), except the browser's
    # note on an HTTP error status: the page handles those (422 outside the city).
    p.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource: the server")
            else None
        ),
    )
    return context, p, errors


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh context (no cookies) on a desk-sized viewport; the test fails on JavaScript
    errors and console errors (a blocked script, a failed request)."""
    context, p, errors = _new_page(browser, live_server, viewport={"width": 1280, "height": 800})
    yield p
    context.close()
    assert not errors, f"errors on the page: {errors}"


@pytest.fixture
def phone_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A 390×844 touch screen (a phone), otherwise as ``page``."""
    context, p, errors = _new_page(
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield p
    context.close()
    assert not errors, f"errors on the page: {errors}"


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """``shot(page, name)`` saves a full-page screenshot under the test's ``tmp_path``."""

    def take(page: Page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- the export and wall-screen tests: the small city on both databases -------------------------


@dataclass(frozen=True)
class ExportScene:
    """The small city of ``tests.api.conftest`` (its three cases and a supervision notice)
    plus a case of town 1 titled like a formula, on a ledger whose plan names a phone
    number (``ledger_case``); built once per database for the export and wall tests."""

    url: str
    ledger_case: str


EXPORT_FORMULA = "=HYPERLINK(\"http://x\",\"点我\") 路灯"


@pytest.fixture(scope="session")
def export_scene(backend: str, databases: Any) -> Iterator[ExportScene]:
    url = databases.new_url(backend)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        populate(s)

        def who(name: str) -> Actor:
            user = s.scalar(select(User).where(User.username == name))
            assert user is not None
            return Actor.of(s, user)
        at = NOW - dt.timedelta(hours=2)
        case = svc.report(s, who("resident"), svc.ReportIn(title=EXPORT_FORMULA, description="门口", lon=113.05,
                                                             lat=23.05), channel="resident_web", now=at)
        svc.dispatch(s, case, who("town"), unit=T1_URBAN, now=at)
        svc.open_ledger(s, case, who("town"), plan="先换灯，再查线路，联系13800138000",
                        milestones=[("换灯", NOW + dt.timedelta(days=2)), ("查线路", NOW + dt.timedelta(days=9))],
                        now=at + dt.timedelta(minutes=5))
        code = case.code
    yield ExportScene(url, code)
    engine.dispose()


@pytest.fixture(scope="module")
def web(export_scene: ExportScene) -> Iterator[TestClient]:
    """An app on the export scene (one per module and database), its clock ``tests.api.conftest.NOW``."""
    yield from make_client(export_scene.url)
