"""A server worker builds before its first request what the first report would otherwise build
in the middle of one (docs/performance.md, P1: a cold worker's first report took 0.6 s): the
register's names, the city's classifier and category tree, the grid indexes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from huying.cases import redact
from huying.triage import versions
from tests.api.conftest import Served, make_client


def _statements_of(client: Any, token: str, body: dict[str, Any]) -> int:
    from huying import db

    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 201, r.text

    return len(seen)


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as a fresh worker finds it: no names read, no classifier loaded; and the
    warm start a server has (the suite turns it off, tests/conftest.py)."""
    monkeypatch.setenv("HUYING_WARM_START", "1")
    redact._held.clear()
    versions.forget_served()


def test_the_first_report_reads_no_more_than_the_next(served: Served, cold: None) -> None:
    for client in make_client(served.url):
        assert served.city_id in redact._held  # the register's names, read at start-up
        assert versions._served  # the city's classifier, loaded
        token = served.tokens["resident"]
        client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})  # the token's use
        body = {"title": "路灯不亮", "description": "门口的灯"}
        first = _statements_of(client, token, {**body, "lon": 113.05, "lat": 23.05})
        second = _statements_of(client, token, {**body, "lon": 113.15, "lat": 23.05})
        assert first <= second, (first, second)


def test_without_the_warm_start_the_first_report_builds_what_it_reads(served: Served) -> None:
    """The setting the suite runs with (HUYING_WARM_START=0): nothing is built before the first
    request, which then reads the register's names itself (the control of the test above)."""
    redact._held.clear()
    for _client in make_client(served.url):
        assert served.city_id not in redact._held


def _statements_and_commits(client: Any, token: str, body: dict[str, Any]) -> tuple[Any, list[str]]:
    from huying import db

    seen: list[str] = []

    def statement(_c: Any, _cu: Any, text: str, *_: Any) -> None:
        seen.append(text)

    def commit(_c: Any) -> None:
        seen.append("COMMIT")

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        r = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    return r, seen


def test_a_reports_answer_is_built_inside_its_transaction(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a started server nothing is read after the report's commit: its answer's category
    names and co-handlers are known (on PostgreSQL such a read cost a transaction of its own:
    BEGIN, two reads, ROLLBACK)."""
    monkeypatch.setenv("HUYING_WARM_START", "1")
    for client in make_client(served.url):
        r, seen = _statements_and_commits(client, served.tokens["resident"], {
            "title": "路灯不亮", "description": "门口的灯", "category": "01", "lon": 113.05, "lat": 23.05})
        assert r.status_code == 201, r.text
        assert r.json()["category_name"] and r.json()["cohandlers"] == []
        assert "COMMIT" in seen and seen[-1] == "COMMIT", seen[seen.index("COMMIT"):]
