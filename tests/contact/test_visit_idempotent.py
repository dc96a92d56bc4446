"""A visit POSTed again with the same ``Idempotency-Key`` (a phone retrying after the
network dropped) is stored once: the retry gets the first visit back; the same key with
another visit is refused; a concurrent pair stores one."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.contact import visit_service as vs
from huying.contact.models import Visit
from tests.cases.conftest import World
from tests.cases.conftest import api as api  # noqa: F401 - the fixtures
from tests.cases.conftest import api_db as api_db  # noqa: F401
from tests.cases.conftest import api_engine as api_engine  # noqa: F401
from tests.contact.conftest import ADDRESSES, HOUSEHOLDS, T0, load

Api = tuple[TestClient, dict[str, dict[str, str]], World]
BODY = {"household": "H1", "how": "door", "notes": "入户", "needs": ["elder_alone"], "problems": ["楼道灯坏了"]}


def setup(api: Api) -> tuple[TestClient, dict[str, dict[str, str]], Any]:
    client, headers, world = api
    with Session(world.session.get_bind(), expire_on_commit=False) as s:
        from huying.orgs.actor import actor_for

        city = actor_for(s, "city")
        assert load(s, city, "addresses", ADDRESSES).stored
        assert load(s, city, "households", HOUSEHOLDS).stored
        vs.assign(s, actor_for(s, "community"), "H1", "gridworker", now=T0)
    return client, headers, world.session.get_bind()


def counts(bind: Any) -> tuple[int, int]:
    with Session(bind) as s:
        return (int(s.scalar(select(func.count()).select_from(Visit)) or 0),
                int(s.scalar(select(func.count()).select_from(Case)) or 0))


def test_a_retry_with_the_same_key_stores_one_visit(api: Api) -> None:
    client, headers, bind = setup(api)
    h = {**headers["gridworker"], "Idempotency-Key": "draft-7f3a"}
    first = client.post("/api/v1/visits", json=BODY, headers=h)
    assert first.status_code == 201, first.text
    assert len(first.json()["cases"]) == 1
    again = client.post("/api/v1/visits", json=BODY, headers=h)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert counts(bind) == (1, 1)
    other = client.post("/api/v1/visits", json={**BODY, "notes": "另一次"}, headers=h)
    assert other.status_code == 422 and "different visit" in other.json()["detail"]
    fresh = client.post("/api/v1/visits", json={**BODY, "problems": []},
                        headers={**headers["gridworker"], "Idempotency-Key": "draft-2"})
    assert fresh.status_code == 201
    assert counts(bind) == (2, 1)


def test_bad_keys_and_bodies_are_4xx_with_reasons(api: Api) -> None:
    client, headers, _ = setup(api)
    gw = headers["gridworker"]
    for h, body in ((({**gw, "Idempotency-Key": "x" * 201}), BODY), (gw, {**BODY, "how": "fax"}),
                    (gw, {**BODY, "at": "yesterday"}), (gw, {"how": "door"}), (gw, {**BODY, "needs": "x"}),
                    (gw, {**BODY, "notes": "a\u0007b"})):
        r = client.post("/api/v1/visits", json=body, headers=h)
        assert 400 <= r.status_code < 500, (body, r.text)
        assert r.json()["detail"]


def test_two_concurrent_first_tries_store_one_visit(api: Api) -> None:
    client, headers, bind = setup(api)
    h = {**headers["gridworker"], "Idempotency-Key": "same"}
    codes: list[int] = []

    def post() -> None:
        codes.append(client.post("/api/v1/visits", json={**BODY, "problems": []}, headers=h).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 201]
    assert counts(bind)[0] == 1
