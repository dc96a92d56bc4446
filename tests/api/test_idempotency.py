"""``Idempotency-Key`` on every create: a retry returns the same case and never makes a
second one, even when the retries arrive at once (threads against a live server, on
SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import event, func, select

from huying import db
from huying.api.models import Open311Request
from huying.cases.models import Case
from huying.cityconfig import categories
from huying.cityconfig.models import Category
from huying.intake.models import IdempotencyKey
from tests.api.conftest import Api, Served

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64  # what the upload check takes for a PNG
BODY = {"title": "重试测试", "description": "网络不好", "lon": 113.05, "lat": 23.05}


def _count(served_or_api: Api | Served, title: str) -> int:
    from sqlalchemy.orm import Session

    with Session(served_or_api.engine) as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.title == title)) or 0


def test_a_retry_returns_the_same_case(api: Api) -> None:
    key = uuid.uuid4().hex
    body = {**BODY, "title": f"重试-{key[:6]}"}
    h = api.h("resident", **{"Idempotency-Key": key})
    first = api.client.post("/api/v1/cases", json=body, headers=h)
    again = api.client.post("/api/v1/cases", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"
    assert _count(api, body["title"]) == 1


def test_a_key_is_per_client_and_refused_for_another_request(api: Api) -> None:
    key = uuid.uuid4().hex
    body = {**BODY, "title": f"另一个-{key[:6]}"}
    mine = api.client.post("/api/v1/cases", json=body, headers=api.h("resident", **{"Idempotency-Key": key}))
    theirs = api.client.post("/api/v1/cases", json=body, headers=api.h("resident2", **{"Idempotency-Key": key}))
    assert mine.json()["code"] != theirs.json()["code"]
    other = api.client.post("/api/v1/cases", json={**body, "title": "换了内容"},
                            headers=api.h("resident", **{"Idempotency-Key": key}))
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    for bad in ("", " ", "x" * 201):
        r = api.client.post("/api/v1/cases", json=body, headers=api.h("resident", **{"Idempotency-Key": bad}))
        assert r.status_code == 422, repr(bad)


def test_a_failed_create_does_not_burn_the_key(api: Api) -> None:
    key = uuid.uuid4().hex
    h = api.h("resident", **{"Idempotency-Key": key})
    bad = api.client.post("/api/v1/cases", json={**BODY, "lon": 100.0, "lat": 10.0}, headers=h)
    assert bad.status_code == 422
    good = api.client.post("/api/v1/cases", json={**BODY, "title": f"后来-{key[:6]}"}, headers=h)
    assert good.status_code == 201


def _key_lookups(api: Api, send: object) -> int:
    """How many times ``send()`` reads the idempotency keys (their look-up, not their INSERT)."""
    seen: list[str] = []

    def note(_c: object, _cur: object, stmt: str, *_a: object) -> None:
        if stmt.lstrip().upper().startswith("SELECT") and "FROM idempotency_keys" in stmt:
            seen.append(stmt)

    engine = db.get_engine()  # the app's (the test client runs it in this process)
    event.listen(engine, "before_cursor_execute", note)
    try:
        send()  # type: ignore[operator]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_a_first_try_looks_its_key_up_only_when_it_stores_files(api: Api) -> None:
    key = uuid.uuid4().hex
    body = {**BODY, "title": f"首次-{key[:6]}"}
    h = api.h("resident", **{"Idempotency-Key": key})
    got: list[httpx.Response] = []
    # no file: the key's unique constraint stops a retry, which then reads the earlier case
    assert _key_lookups(api, lambda: got.append(api.client.post("/api/v1/cases", json=body, headers=h))) == 0
    assert _key_lookups(api, lambda: got.append(api.client.post("/api/v1/cases", json=body, headers=h))) == 1
    assert [r.status_code for r in got] == [201, 201] and got[0].json()["code"] == got[1].json()["code"]
    assert got[1].headers["Idempotent-Replayed"] == "true" and _count(api, body["title"]) == 1
    # with a photo the key is looked up first: a retry then stores no file again
    photo = {"filename": "p.png", "content_base64": base64.b64encode(PNG).decode()}
    h2 = api.h("resident", **{"Idempotency-Key": uuid.uuid4().hex})
    with_photo = {**body, "title": f"带照片-{key[:6]}", "photos": [photo]}
    assert _key_lookups(api, lambda: got.append(api.client.post("/api/v1/cases", json=with_photo, headers=h2))) == 1
    assert got[2].status_code == 201


def test_a_retry_gets_its_case_though_a_rule_changed_since(api: Api) -> None:
    """The first try's category is disabled before the retry, which its intake alone would now
    refuse: the retry still gets the first try's case."""
    with api.session() as s:
        code = s.scalars(select(Category.code).where(Category.city_id == api.city_id, Category.level == 2,
                                                     Category.active.is_(True)).order_by(Category.code)).first()
    assert code is not None
    key = uuid.uuid4().hex
    body = {**BODY, "title": f"规则变了-{key[:6]}", "category": code}
    h = api.h("resident", **{"Idempotency-Key": key})
    first = api.client.post("/api/v1/cases", json=body, headers=h)
    assert first.status_code == 201, first.text
    with api.session() as s:
        categories.set_active(s, api.city_id, code, False)
    try:
        fresh = api.client.post("/api/v1/cases", json={**body, "title": f"新的-{key[:6]}"},
                                headers=api.h("resident", **{"Idempotency-Key": uuid.uuid4().hex}))
        assert fresh.status_code == 422 and fresh.json()["field"] == "category"  # the rule did change
        again = api.client.post("/api/v1/cases", json=body, headers=h)
        assert again.status_code == 201 and again.json()["code"] == first.json()["code"]
        assert again.headers["Idempotent-Replayed"] == "true" and _count(api, body["title"]) == 1
        # and a key used for another request is still refused as such
        other = api.client.post("/api/v1/cases", json={**body, "title": "换了内容"}, headers=h)
        assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    finally:
        with api.session() as s:
            categories.set_active(s, api.city_id, code, True)


def _race(n: int, send: object) -> list[httpx.Response]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: send(), range(n)))  # type: ignore[operator]


def test_concurrent_retries_make_one_case(served: Served, live: str) -> None:
    for round_ in range(3):
        key = uuid.uuid4().hex
        body = {**BODY, "title": f"并发-{round_}-{key[:6]}"}
        headers = {"Authorization": f"Bearer {served.tokens['resident']}", "Idempotency-Key": key}
        answers = _race(8, lambda: httpx.post(f"{live}/api/v1/cases", json=body, headers=headers, timeout=30))  # noqa: B023
        assert [r.status_code for r in answers] == [201] * 8, [r.text for r in answers]
        assert len({r.json()["code"] for r in answers}) == 1
        assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 7
        assert _count(served, body["title"]) == 1


def test_concurrent_creates_with_distinct_keys_all_succeed(served: Served, live: str) -> None:
    title = f"各自-{uuid.uuid4().hex[:6]}"
    headers = {"Authorization": f"Bearer {served.tokens['resident']}"}

    def send() -> httpx.Response:
        return httpx.post(f"{live}/api/v1/cases", json={**BODY, "title": title}, timeout=30,
                          headers={**headers, "Idempotency-Key": uuid.uuid4().hex})

    answers = _race(6, send)
    assert [r.status_code for r in answers] == [201] * 6
    assert len({r.json()["code"] for r in answers}) == 6 == _count(served, title)


def test_concurrent_open311_retries_make_one_request(served: Served, live: str) -> None:
    key = uuid.uuid4().hex
    form = {"api_key": served.tokens["client"], "service_code": "01.01.001", "lat": "23.05",
            "long": "113.05", "description": f"Open311 并发 {key[:6]}", "media_url": "https://example.org/p.jpg"}
    answers = _race(8, lambda: httpx.post(f"{live}/open311/v2/requests.json", data=form, timeout=30,
                                          headers={"Idempotency-Key": key}))
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    ids = {r.json()[0]["service_request_id"] for r in answers}
    assert len(ids) == 1
    assert len({r.headers["Open311-Token"] for r in answers}) == 1
    from sqlalchemy.orm import Session

    with Session(served.engine) as s:
        case_id = s.scalar(select(Case.id).where(Case.code == ids.pop()))
        assert s.scalar(select(func.count()).select_from(Open311Request).where(Open311Request.case_id == case_id)) == 1
        assert s.scalar(select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.key == key)) == 1
        assert _count(served, f"Open311 并发 {key[:6]}") == 1
