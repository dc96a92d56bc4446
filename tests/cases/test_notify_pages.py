"""A person's own notification settings on their page (Chinese first) and through the API;
the administrator's outbox page (counts, dead letters with their reason, re-queue; phone
numbers masked); the dead letters and retries on ``/metrics``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import notify
from huying.cases.models import OutboxMessage
from huying.cases.senders import Channels
from huying.config import Settings, get_settings
from huying.orgs import contacts
from huying.orgs.models import User
from tests.cases.conftest import T0, World
from tests.cases.test_notify_channels import Gateway, gateway  # noqa: F401 - the local SMS gateway fixture

HTML = {"accept": "text/html,application/xhtml+xml"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
Api = tuple[TestClient, dict[str, dict[str, str]], World]


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    token = CSRF.search(client.get("/login", headers=HTML).text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": username, "password": "secret-pass", "csrf_token": token},
                    headers=HTML, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def post(client: TestClient, url: str, data: dict[str, Any] | None = None) -> Response:
    token = CSRF.search(client.get("/me/notifications", headers=HTML).text).group(1)  # type: ignore[union-attr]
    return client.post(url, data={**(data or {}), "csrf_token": token}, headers=HTML, follow_redirects=False)


def last_code(engine: Any, address: str) -> str:
    with Session(engine) as s:
        body = s.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == address)
                         .order_by(OutboxMessage.id.desc())).first()
    assert body is not None
    return re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]


def test_a_person_adds_verifies_and_chooses_on_their_page(api: Api) -> None:
    client, headers, world = api
    engine = world.session.get_bind()
    sign_in(client, "resident")
    page = client.get("/me/notifications", headers=HTML)
    assert page.status_code == 200 and "我的通知设置" in page.text
    r = post(client, "/me/notifications/address", {"channel": "sms", "address": "12345"})
    assert r.status_code == 422 and "手机号码格式不正确" in r.text
    r = post(client, "/me/notifications/address", {"channel": "sms", "address": "138 0013 8001"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=sent")
    page = client.get("/me/notifications", headers=HTML).text
    assert "13800138001" in page and "尚未验证" in page  # the owner sees the number in full
    r = post(client, "/me/notifications/channels", {"channels": ["sms"]})
    assert r.status_code == 422 and "验证通过后才能开启" in r.text
    r = post(client, "/me/notifications/verify", {"channel": "sms", "code": "000000x"})
    assert r.status_code == 422 and "验证码不正确" in r.text
    r = post(client, "/me/notifications/verify", {"channel": "sms", "code": last_code(engine, "13800138001")})
    assert r.status_code == 303
    assert 'data-state="verified"' in client.get("/me/notifications", headers=HTML).text
    # the API tells the same, to the owner only
    got = client.get("/api/v1/me/notifications", headers=headers["resident"]).json()
    assert got["channels"] == ["sms"] and got["addresses"]["sms"] == {
        "address": "13800138001", "verified": True, "enabled": True, "code_pending": False}
    assert client.get("/api/v1/me/notifications", headers=headers["resident2"]).json()["addresses"] == {}
    # in-app only, and English
    r = post(client, "/me/notifications/channels", {"locale": "en"})
    assert r.status_code == 303
    with Session(engine) as s:
        user = s.get(User, world["resident"].user_id)
        assert user is not None and user.locale == "en"
        assert contacts.routes_of(s, [user.id]) == []


def test_the_api_verification_flow_and_its_refusals(api: Api) -> None:
    client, headers, world = api
    engine = world.session.get_bind()
    h = headers["handler"]
    assert client.put("/api/v1/me/notifications/email", json={"address": "not-mail"}, headers=h).status_code == 422
    assert client.put("/api/v1/me/notifications/fax", json={"address": "x"}, headers=h).status_code == 422
    r = client.put("/api/v1/me/notifications/email", json={"address": "handler@example.org"}, headers=h)
    assert r.status_code == 202 and r.json()["addresses"]["email"]["verified"] is False
    for _ in range(contacts.MAX_TRIES):
        assert client.post("/api/v1/me/notifications/email/verify", json={"code": "999999"},
                           headers=h).status_code == 422
    right = last_code(engine, "handler@example.org")
    r = client.post("/api/v1/me/notifications/email/verify", json={"code": right}, headers=h)
    assert r.status_code == 422 and "expired" in r.json()["detail"]  # too many wrong tries
    for _ in range(contacts.MAX_CODES - 1):
        assert client.post("/api/v1/me/notifications/email/code", headers=h).status_code == 202
    assert client.post("/api/v1/me/notifications/email/code", headers=h).status_code == 422  # five an hour
    r = client.post("/api/v1/me/notifications/email/verify", json={"code": last_code(engine, "handler@example.org")},
                    headers=h)
    assert r.status_code == 200 and r.json()["channels"] == ["email"]
    assert client.put("/api/v1/me/notifications", json={"channels": []}, headers=h).json()["channels"] == []
    assert client.put("/api/v1/me/notifications", json={"channels": ["pigeon"]}, headers=h).status_code == 422
    assert client.delete("/api/v1/me/notifications/email", headers=h).status_code == 204
    assert client.get("/api/v1/me/notifications").status_code == 401


def scrape(client: TestClient) -> dict[str, float]:
    r = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert r.status_code == 200, r.text
    return {f"{s.name}{{{','.join(f'{k}={v}' for k, v in sorted(s.labels.items()))}}}": s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def test_the_outbox_page_and_metrics_show_dead_letters_and_an_admin_requeues(
        api: Api, gateway: tuple[Gateway, str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    client, headers, world = api
    engine = world.session.get_bind()
    gw, url = gateway
    monkeypatch.setenv("HUYING_METRICS_TOKEN", "scrape-me")
    get_settings.cache_clear()
    for persona, phone in (("resident", "13800138001"), ("resident2", "13800138002")):
        with Session(engine) as s:
            user = s.get(User, world[persona].user_id)
            assert user is not None
            row = contacts.set_address(s, user, "sms", phone, now=T0)
            contacts.confirm(s, user, "sms", contacts.new_code(row, now=T0), now=T0)
            s.commit()
        assert client.post("/api/v1/cases", json={"title": "路灯不亮", "description": "门口路灯坏了",
                                                  "lon": 113.05, "lat": 23.05}, headers=headers[persona]).status_code == 201
    before = scrape(client)
    assert before["huying_outbox_backlog{}"] == 2 and before["huying_outbox_dead_letters{channel=sms}"] == 0
    gw.plan = [400, 503]
    sender = Channels(Settings(sms_url=url))
    report = notify.deliver(engine, sender, now=T0)
    assert (report.routed, report.failed, report.dead) == (2, 2, 1)
    got = scrape(client)
    assert got["huying_outbox_dead_letters{channel=sms}"] == 1
    assert got["huying_outbox_retrying{channel=sms}"] == 1
    assert got["huying_outbox_backlog{}"] == 1  # the one waiting for its retry
    sign_in(client, "town")
    assert client.get("/admin/outbox", headers=HTML).status_code == 403
    sign_in(client, "admin")
    page = client.get("/admin/outbox", headers=HTML).text
    assert "死信" in page and "138****8001" in page and "13800138001" not in page
    assert "invalid number" in page
    dead = re.search(r'action="/admin/outbox/(\d+)/requeue"', page)
    assert dead is not None
    r = client.post(f"/admin/outbox/{dead.group(1)}/requeue", headers=HTML, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    r = client.post(f"/admin/outbox/{dead.group(1)}/requeue", data={"csrf_token": token}, headers=HTML,
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/admin/outbox/{dead.group(1)}/requeue", data={"csrf_token": token}, headers=HTML,
                    follow_redirects=False)
    assert r.status_code == 404  # no longer a dead letter
    with Session(engine) as s:
        row = s.get(OutboxMessage, int(dead.group(1)))
        assert row is not None and (row.status, row.attempts) == ("pending", 0)
    after = scrape(client)
    assert after["huying_outbox_dead_letters{channel=sms}"] == 0 and after["huying_outbox_backlog{}"] == 2
