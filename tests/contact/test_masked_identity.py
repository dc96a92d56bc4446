"""An identity number is stored as a keyed hash and a masked display: the full number never
appears in an API response, a page, a log line, an outbox row or any other stored row; the
masked display is shown only to staff whose scope covers the household's grid."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cityconfig import config_cache
from huying.db import import_all_models
from huying.intake.rows import Mode
from huying.orgs import tokens
from huying.orgs.models import User
from tests.cases.conftest import T0, _reset_caches, build_world
from tests.contact.conftest import ADDRESSES, load

NUMBER = "441900198505055671"
MASKED = "4419**********5671"


@pytest.fixture
def api(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    monkeypatch.setenv("HUYING_ID_HASH_KEY", "test-only-key")
    _reset_caches()
    config_cache.clear()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        city = world["city"]
        assert load(s, city, "addresses", ADDRESSES).stored
        assert load(s, city, "households", [{"code": "H1", "address": "测试1镇测试1社区人民路14号"}]).stored
        rep = load(s, city, "people", [{"name": "张三", "household": "H1", "id_number": NUMBER,
                                        "phone": "13800001234"},
                                       {"name": "李四", "household": "H1", "id_number": NUMBER[:-1] + "2"}],
                   mode=Mode.SKIP_BAD)
        assert rep.imported == 1 and rep.problems[0].field == "id_number"
        headers = {}
        for name, actor in world.actors.items():
            user = s.get(User, actor.user_id)
            assert user is not None
            headers[name] = {"Authorization": f"Bearer {tokens.create(s, user, 'test', now=T0)[1]}"}
        s.commit()
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    from huying.app import create_app
    from huying.http import clock

    app = create_app()
    app.dependency_overrides[clock.clock] = lambda: T0
    with TestClient(app) as client:
        yield client, headers
    _reset_caches()


def test_the_number_is_never_shown_and_its_mask_only_within_scope(
        api: tuple[TestClient, dict[str, dict[str, str]]], fresh_engine: Engine,
        caplog: pytest.LogCaptureFixture) -> None:
    client, h = api
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def get(url: str, persona: str | None = None, status: int = 200) -> str:
        r = client.get(url, headers=h[persona] if persona else {})
        assert r.status_code == status, (url, persona, r.text)
        seen.append(r.text)
        return r.text

    # staff whose scope covers the household's grid see the mask
    for persona in ("community", "town", "city", "admin", "leader"):
        body = get("/api/v1/register/households/H1", persona)
        assert MASKED in body and "138****1234" in body
    # others are refused: another town, a grid worker of another grid, residents, the public
    get("/api/v1/register/households/H1", "town2", 403)
    get("/api/v1/register/households/H1", "resident", 403)
    get("/api/v1/register/households/H1", None, 401)
    get("/api/v1/register/households/H9", "city", 404)
    # a hotline report by address, its case, and the public pages
    r = client.post("/api/v1/cases", headers=h["community"], json={
        "title": "路灯不亮", "description": "张三家门口路灯坏了", "address": "测试1镇人民路14号", "category": "城乡建设",
        "channel": "hotline"})
    assert r.status_code == 201, r.text
    seen.append(r.text)
    code = r.json()["code"]
    assert r.json()["grid"] == "441900101001002"
    for url in ("/", "/public", "/web/public/points.json", "/api/v1/public/cases",
                f"/api/v1/public/cases/{code}", f"/cases/{code}"):
        body = get(url)
        assert MASKED not in body
    get("/api/v1/register/locate?address=人民路12号", "community")
    # Open311: a request by address_string is placed through the register too
    token = h["client"]["Authorization"].removeprefix("Bearer ")
    form = {"api_key": token, "service_code": "01.01.001", "description": "路面塌陷"}
    r = client.post("/open311/v2/requests.json", data={**form, "address_string": "测试1镇人民路14号"})
    assert r.status_code == 200, r.text
    seen.append(r.text)
    assert get(f"/api/v1/public/cases/{r.json()[0]['service_request_id']}").count("441900101001002") >= 1
    r = client.post("/open311/v2/requests.json", data={**form, "address_string": "人民路12号"})
    assert r.status_code == 400 and "ambiguous" in r.text and "441900102001001" in r.text, r.text
    for text in seen:
        assert NUMBER not in text
    assert all(NUMBER not in rec.getMessage() for rec in caplog.records)
    # nothing stored holds the number: every text value of every table (the outbox included)
    import_all_models()
    meta = MetaData()
    meta.reflect(fresh_engine)
    with fresh_engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                assert not any(isinstance(v, str) and NUMBER in v for v in row), table.name
