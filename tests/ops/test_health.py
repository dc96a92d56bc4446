"""``/healthz`` says the process answers; ``/readyz`` that the database can be read and
written. A database that is read-only or unreachable gives 503 with ``Retry-After`` on every
path that needs it, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.conftest import free_port, make_client
from tests.ops.conftest import Filled

BODY = {"title": "路灯不亮", "description": "小区门口的路灯坏了三天", "lon": 113.05, "lat": 23.05}


def client_for(url: str) -> Iterator[TestClient]:
    yield from make_client(url)


def read_only_url(filled: Filled) -> str:
    if filled.backend == "postgresql":
        return filled.url + "?options=-c%20default_transaction_read_only%3Don"
    return filled.url


def make_read_only(filled: Filled) -> None:
    """SQLite: ``PRAGMA query_only`` on every connection (chmod does not stop root)."""
    if filled.backend != "sqlite":
        return
    from huying import db

    engine = db.get_engine()
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _ro(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = 1")


def test_a_working_database_is_ready(filled: Filled) -> None:
    for c in client_for(filled.url):
        assert c.get("/healthz").json()["status"] == "ok"
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["status"] == "ready"
        created = c.post("/api/v1/cases", json=BODY,
                         headers={"Authorization": f"Bearer {filled.tokens['resident']}"})
        assert created.status_code == 201, created.text


def test_a_read_only_database_is_alive_but_not_ready(filled: Filled) -> None:
    for c in client_for(read_only_url(filled)):
        make_read_only(filled)
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "5"
        assert r.json() == {"error": "unavailable", "detail": "the database is read-only",
                            "retry_after": 5}
        created = c.post("/api/v1/cases", json=BODY,
                         headers={"Authorization": f"Bearer {filled.tokens['resident']}"})
        assert created.status_code == 503, created.text
        assert created.headers["Retry-After"] == "5"


def test_an_unreachable_database_gives_503_not_500(backend: str, caplog: pytest.LogCaptureFixture) -> None:
    if backend != "postgresql":
        pytest.skip("a closed port is a PostgreSQL server's failure")
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/test?connect_timeout=2"
    for c in client_for(url):
        assert c.get("/healthz").status_code == 200
        for path in ("/readyz", "/api/v1/cases"):
            r = c.get(path, headers={"Authorization": "Bearer whatever"})
            assert r.status_code == 503, (path, r.text)
            assert r.headers["Retry-After"] == "5"
            assert r.json()["detail"] == "the database is unavailable"
            assert str(port) not in r.text  # no host or port in the reply
        r = c.post("/api/v1/cases", json=BODY, headers={"Authorization": "Bearer whatever"})
        assert r.status_code == 503
        page = c.get("/public", headers={"Accept": "text/html"})
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert page.headers["content-type"].startswith("text/html")
        assert str(port) not in page.text
    # the operator's log says what the client is not told
    logged = [r.getMessage() for r in caplog.records if r.name == "huying.http"]
    assert any("database unavailable on GET /readyz" in m and f"port {port}" in m for m in logged)

