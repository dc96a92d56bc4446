"""``HUYING_READ_DATABASE_URL``: the figures and reports read the database it names (on the
machine, a streaming replica: tests/ops/test_replica.py), every write and every other read
stays on the primary; unset, the figures read the primary. Here the "replica" is a copy of the
primary taken before a new report (``huying backup`` / ``restore``), so the two differ by that
report and the figures tell which one was read. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from huying import config, db
from huying.cases.models import Case
from huying.cli import app as cli_app
from huying.db import make_engine
from huying.ops import backup
from tests.api.conftest import NOW, free_port, make_client
from tests.conftest import Databases
from tests.ops.conftest import Filled
from tests.web.exports_kit import sign_in_as

CITY = "441900"
runner = CliRunner()


def _count_cases(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return int(c.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        engine.dispose()


@pytest.fixture
def copy_url(filled: Filled, databases: Databases, tmp_path: Path) -> str:
    """A copy of ``filled`` as it is now: what a replica holds while it lags."""
    dump = tmp_path / "copy.backup"
    backup.backup(filled.url, dump)
    url = databases.new_url(filled.backend)
    backup.restore(url, dump)
    return url


@pytest.fixture
def read_url() -> Iterator[Any]:
    """Set (or unset) ``HUYING_READ_DATABASE_URL`` for the app and the CLI built after it."""
    old = os.environ.get("HUYING_READ_DATABASE_URL")

    def point(url: str | None) -> None:
        if url is None:
            os.environ.pop("HUYING_READ_DATABASE_URL", None)
        else:
            os.environ["HUYING_READ_DATABASE_URL"] = url
        _forget_engines()

    yield point
    point(old)


def _forget_engines() -> None:
    if db.get_read_engine.cache_info().currsize:
        engine = db.get_read_engine()
        if engine is not None:
            engine.dispose()
    db.get_read_engine.cache_clear()
    config.get_settings.cache_clear()


def _client(url: str) -> Iterator[TestClient]:
    yield from make_client(url)


def _received(c: TestClient, token: str) -> tuple[int, int]:
    """The city's received count from ``/api/v1/stats`` and from ``/api/v1/indicators/values``."""
    h = {"Authorization": f"Bearer {token}"}
    stats = c.get(f"/api/v1/stats?node={CITY}&children=false", headers=h)
    assert stats.status_code == 200, stats.text
    values = c.get(f"/api/v1/indicators/values?node={CITY}&period=all", headers=h)
    assert values.status_code == 200, values.text
    return stats.json()["node"]["received"], values.json()["node"]["values"]["received"]["value"]


def _leader_map(c: TestClient) -> Any:
    """The leader's map of open and overdue cases per town (a page's figure read)."""
    sign_in_as(c, "leader", "secret-pass")
    r = c.get(f"/web/stats/map.json?node={CITY}")
    assert r.status_code == 200, r.text
    page = c.get(f"/leader?node={CITY}")
    assert page.status_code == 200, page.text[:300]
    c.cookies.clear()
    return r.json()["items"]


def _report(c: TestClient, token: str) -> str:
    r = c.post("/api/v1/cases", json={"title": "路灯不亮", "description": "门口", "lon": 113.05, "lat": 23.05},
               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


def test_unset_the_figures_read_the_primary(filled: Filled, read_url: Any) -> None:
    read_url(None)
    for c in _client(filled.url):
        assert db.get_read_engine() is None
        before = _received(c, filled.tokens["city"])
        _report(c, filled.tokens["resident"])
        assert _received(c, filled.tokens["city"]) == (before[0] + 1, before[1] + 1)


def test_the_figures_read_the_read_database_and_writes_stay_on_the_primary(
        filled: Filled, copy_url: str, read_url: Any) -> None:
    read_url(copy_url)
    cases = _count_cases(filled.url)
    for c in _client(filled.url):
        engine = db.get_read_engine()
        assert engine is not None and engine.url.render_as_string(hide_password=False) == copy_url
        before = _received(c, filled.tokens["city"])
        map_before = _leader_map(c)
        code = _report(c, filled.tokens["resident"])
        # the report is on the primary (its own page reads the primary) and not in the copy
        got = c.get(f"/api/v1/cases/{code}", headers={"Authorization": f"Bearer {filled.tokens['resident']}"})
        assert got.status_code == 200, got.text
        assert _count_cases(filled.url) == cases + 1
        assert _count_cases(copy_url) == cases
        # the figures read the copy, which has not seen it
        assert _received(c, filled.tokens["city"]) == before
        assert _leader_map(c) == map_before
        rep = c.get(f"/api/v1/reports/{CITY}?format=html", headers={"Authorization": f"Bearer {filled.tokens['leader']}"})
        assert rep.status_code == 200, rep.text[:300]
    # the same figures from the primary count the new report
    read_url(None)
    for c in _client(filled.url):
        assert _received(c, filled.tokens["city"]) == (before[0] + 1, before[1] + 1)
        after = _leader_map(c)
        assert sum(i["open"] for i in after.values()) == sum(i["open"] for i in map_before.values()) + 1


def test_a_write_through_the_read_path_is_refused(filled: Filled, copy_url: str, read_url: Any) -> None:
    read_url(copy_url)
    os.environ["HUYING_DATABASE_URL"] = filled.url
    config.get_settings.cache_clear()
    try:
        with db.read_session_scope() as s, pytest.raises(DBAPIError) as err:
            s.execute(text("UPDATE cases SET title = 'x'"))
            s.commit()
        assert "read" in str(err.value).lower()  # "read-only transaction" / "readonly database"
        with db.read_session_scope() as s:  # reading is fine
            assert s.scalar(select(func.count()).select_from(Case)) == _count_cases(copy_url)
    finally:
        os.environ.pop("HUYING_DATABASE_URL", None)
        _forget_engines()
    assert "x" not in {t for (t,) in _titles(copy_url)} | {t for (t,) in _titles(filled.url)}


def _titles(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return list(c.execute(select(Case.title)).all())
    finally:
        engine.dispose()


def _cli(args: list[str], primary: str, read: str | None) -> str:
    env = {"HUYING_DATABASE_URL": primary}
    old = {k: os.environ.get(k) for k in ("HUYING_DATABASE_URL", "HUYING_READ_DATABASE_URL")}
    os.environ.update(env)
    if read is None:
        os.environ.pop("HUYING_READ_DATABASE_URL", None)
    else:
        os.environ["HUYING_READ_DATABASE_URL"] = read
    _forget_engines()
    db.get_engine.cache_clear()
    try:
        res = runner.invoke(cli_app, args)
        assert res.exit_code == 0, res.output
        return res.output
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        db.get_engine().dispose()
        db.get_engine.cache_clear()
        _forget_engines()


def test_the_cli_figures_and_report_read_the_read_database(
        filled: Filled, copy_url: str, tmp_path: Path) -> None:
    for c in _client(filled.url):  # one more report on the primary only
        _report(c, filled.tokens["resident"])
    at = ["--now", NOW.isoformat()]
    values = ["indicators", "values", "--node", CITY, "--period", "all", "--json", *at]
    stats = ["stats", "--node", CITY, *at]
    # through the read URL: what the copy says when it is the only database
    assert _cli(values, filled.url, copy_url) == _cli(values, copy_url, None) != _cli(values, filled.url, None)
    assert _cli(stats, filled.url, copy_url) == _cli(stats, copy_url, None) != _cli(stats, filled.url, None)
    outs = {}
    for name, primary, read in (("via", filled.url, copy_url), ("copy", copy_url, None), ("primary", filled.url, None)):
        path = tmp_path / f"{name}.html"
        _cli(["report", "--node", CITY, "--period", str(NOW.year), "--format", "html", "--out", str(path), *at],
             primary, read)
        outs[name] = path.read_bytes()
    assert outs["via"] == outs["copy"] != outs["primary"]


def test_an_unreachable_read_database_stops_the_figures_only(filled: Filled, read_url: Any) -> None:
    """The replica down: the figures answer 503 with ``Retry-After`` (never a 500), the rest
    of the app, on the primary, goes on."""
    read_url(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone")
    h = {"Authorization": f"Bearer {filled.tokens['city']}"}
    for c in _client(filled.url):
        for url in (f"/api/v1/stats?node={CITY}", f"/api/v1/indicators/values?node={CITY}",
                    f"/api/v1/reports/{CITY}?format=html"):
            r = c.get(url, headers=h)
            assert r.status_code == 503 and r.headers.get("Retry-After"), (url, r.status_code, r.text[:200])
        code = _report(c, filled.tokens["resident"])
        assert c.get(f"/api/v1/cases/{code}", headers=h).status_code == 200
