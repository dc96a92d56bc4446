"""Every request has an id (the client's ``X-Request-ID`` or a new one), echoed in the reply
and carried by every log line of the request, one JSON line per request; ``/metrics`` counts
requests per route template and reads the intake, the outbox and the open and overdue cases
from the database when scraped."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases import timing
from huying.cases.models import Case, OutboxMessage
from huying.db import make_engine
from huying.http.observe import configure_logging
from tests.api.conftest import NOW, make_client
from tests.ops.conftest import Filled

BODY = {"title": "路灯不亮", "description": "小区门口的路灯坏了三天", "lon": 113.05, "lat": 23.05}


TOKEN = "scrape-me"


@pytest.fixture
def client(filled: Filled, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("HUYING_METRICS_TOKEN", TOKEN)
    for c in make_client(filled.url):
        c.headers["Authorization"] = f"Bearer {filled.tokens['resident']}"
        yield c


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    out = io.StringIO()
    configure_logging("INFO", stream=out)
    yield out
    root = logging.getLogger()
    for h in [h for h in root.handlers if h.__class__.__name__ == "_JsonHandler"]:
        root.removeHandler(h)


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_the_client_request_id_is_echoed_and_logged(client: TestClient, filled: Filled,
                                                    logs: io.StringIO) -> None:
    code = filled.cases["c1"]
    r = client.get(f"/api/v1/cases/{code}", headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "abc-123"
    [line] = [x for x in lines(logs) if x.get("event") == "request"]
    assert line["request_id"] == "abc-123"
    assert line["route"] == "/api/v1/cases/{code}" and line["status"] == 200
    assert line["method"] == "GET" and line["level"] == "info"
    assert line["user_id"] == filled.user_ids["resident"]  # who asked
    anonymous = client.get("/healthz", headers={"Authorization": ""})
    assert lines(logs)[-1]["user_id"] is None and anonymous.status_code == 200
    assert str(line["timestamp"]).endswith("Z")  # UTC


def test_a_missing_or_unsafe_request_id_is_replaced(client: TestClient) -> None:
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    forged = client.get("/healthz", headers={"X-Request-ID": "x\" injected=1"}).headers["X-Request-ID"]
    assert forged != "x\" injected=1" and len(forged) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "a" * 129}).headers["X-Request-ID"] != "a" * 129


def test_log_lines_written_inside_a_request_carry_its_id(client: TestClient, logs: io.StringIO) -> None:
    def noisy() -> dict[str, str]:  # a sync route: it runs in the thread pool
        logging.getLogger("huying.test").warning("inside the request")
        return {}

    client.app.add_api_route("/noisy", noisy)  # type: ignore[attr-defined]
    client.get("/noisy", headers={"X-Request-ID": "r-1"})
    client.get("/noisy", headers={"X-Request-ID": "r-2"})
    inside = [x for x in lines(logs) if x.get("event") == "inside the request"]
    assert [x["request_id"] for x in inside] == ["r-1", "r-2"]
    assert inside[0]["logger"] == "huying.test" and inside[0]["level"] == "warning"
    logging.getLogger("huying.test").warning("outside")
    assert "request_id" not in lines(logs)[-1]


def scrape(client: TestClient) -> dict[str, float]:
    """``name{label=value,...}`` → value of every sample."""
    r = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            out[f"{s.name}{{{labels}}}"] = s.value
    return out


def test_metrics_count_requests_per_route_template(client: TestClient, filled: Filled) -> None:
    key = "huying_http_requests_total{method=GET,route=/api/v1/cases/{code},status=200}"
    before = scrape(client).get(key, 0.0)
    for code in filled.cases.values():
        r = client.get(f"/api/v1/cases/{code}", headers={"Authorization": f"Bearer {filled.tokens['city']}"})
        assert r.status_code == 200
    after = scrape(client)
    assert after[key] - before == 3
    assert after["huying_http_request_duration_seconds_count{method=GET,route=/api/v1/cases/{code}}"] >= 3


def test_metrics_read_the_figures_from_the_database(client: TestClient, filled: Filled) -> None:
    engine = make_engine(filled.url)
    with Session(engine) as s:
        cases = s.scalars(select(Case)).all()
        pending = s.execute(select(func.count(), func.min(OutboxMessage.created_at))
                            .where(OutboxMessage.status == "pending")).one()
    engine.dispose()
    got = scrape(client)
    assert got["huying_cases_created_total{}"] == 3
    levels = {c.handling_level for c in cases}
    assert len(levels) >= 2  # the world has cases at community, town and city level
    for level in levels:
        assert got[f"huying_cases_open{{level={level}}}"] == sum(
            1 for c in cases if c.handling_level == level and c.status in timing.OPEN_VALUES)
        assert got[f"huying_cases_overdue{{level={level}}}"] == sum(
            1 for c in cases if c.handling_level == level and timing.is_overdue(c, NOW))
    assert sum(v for k, v in got.items() if k.startswith("huying_cases_overdue")) >= 1
    assert got["huying_outbox_backlog{}"] == pending[0] > 0
    oldest = pending[1] if pending[1].tzinfo else pending[1].replace(tzinfo=NOW.tzinfo)
    assert got["huying_outbox_oldest_age_seconds{}"] == pytest.approx((NOW - oldest).total_seconds())
    assert client.post("/api/v1/cases", json=BODY).status_code == 201
    again = scrape(client)
    assert again["huying_cases_created_total{}"] == 4
    assert again["huying_outbox_backlog{}"] > got["huying_outbox_backlog{}"]


def test_metrics_need_the_token_when_one_is_set(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_without_a_token_metrics_answer_the_loopback_interface_only(filled: Filled) -> None:
    for c in make_client(filled.url):  # TestClient's address is "testclient", not loopback
        r = c.get("/metrics")
        assert r.status_code == 403 and "HUYING_METRICS_TOKEN" in r.text


def test_a_forged_line_in_the_path_stays_inside_one_json_line(client: TestClient,
                                                              logs: io.StringIO) -> None:
    client.get('/nothing%0A{"event": "request", "request_id": "forged"}')
    [line] = lines(logs)
    assert line["request_id"] != "forged" and line["status"] == 404
    assert line["route"] == "unmatched"
