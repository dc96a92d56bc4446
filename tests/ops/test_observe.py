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


def test_the_request_id_reaches_the_events_the_request_wrote(client: TestClient, filled: Filled,
                                                             logs: io.StringIO) -> None:
    """One id in the reply, the request's log line and the case's event row (issue 19)."""
    from huying.cases.models import CaseEvent

    r = client.post("/api/v1/cases", json=BODY, headers={"X-Request-ID": "report-42"})
    assert r.status_code == 201 and r.headers["X-Request-ID"] == "report-42"
    [line] = [x for x in lines(logs) if x.get("event") == "request" and x.get("request_id") == "report-42"]
    assert line["route"] == "/api/v1/cases" and line["status"] == 201
    engine = make_engine(filled.url)
    with Session(engine) as s:
        case_id = s.scalar(select(Case.id).where(Case.code == r.json()["code"]))
        events = s.execute(select(CaseEvent.action, CaseEvent.request_id).where(CaseEvent.case_id == case_id)).all()
        earlier = s.scalars(select(CaseEvent.request_id).join(Case, Case.id == CaseEvent.case_id)
                            .where(Case.code == filled.cases["c1"])).all()
    engine.dispose()
    assert events and all(rid == "report-42" for _, rid in events), events
    assert earlier and set(earlier) == {None}  # written outside any request (the fixture's service calls)


def test_the_shared_history_names_the_request(session: Session) -> None:
    """``huying.history.append`` (the community's and the accountability's events) puts the
    request's id in the event's detail while a request is answered, and nothing outside one."""
    from huying import history, requestctx
    from huying.community.models import CommunityEvent
    from huying.geo import service as geo
    from tests.cases.conftest import T0, build_world

    build_world(session)
    city = geo.get_city(session)
    token = requestctx.bind("hist-7")
    try:
        inside = history.append(session, CommunityEvent, city.id, "project", 1, "posted", actor_id=None, now=T0,
                                detail={"title": "x"})
    finally:
        requestctx.reset(token)
    outside = history.append(session, CommunityEvent, city.id, "project", 1, "claimed", actor_id=None, now=T0,
                             detail={"title": "x"})
    assert inside.detail == {"title": "x", "request_id": "hist-7"}
    assert outside.detail == {"title": "x"}
