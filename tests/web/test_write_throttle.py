"""The write throttle on the web forms: past the account's burst a form post gets the error
page (429, ``Retry-After``) saying why and how long to wait, in the person's language, and
nothing of it is stored; another person signed in elsewhere goes on."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.http.ratelimit import WriteLimits
from tests.web.scene import HUMEN_GRID, csrf, point_in, post, sign_in


def _stored(session: Session, title: str) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Case).where(Case.title == title)) or 0)


def test_a_burst_of_form_posts_ends_on_the_error_page(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "resident")
    t = [0.0]
    city_client.app.state.write_limits = WriteLimits.of(60, 3, 10, clock=lambda: t[0])  # type: ignore[attr-defined]
    lon, lat = point_in(city_session, HUMEN_GRID)
    form = {"title": "表单连发 路灯不亮", "lon": str(lon), "lat": str(lat), "category": "01"}
    assert [post(city_client, "/report", form).status_code for _ in range(3)] == [303] * 3
    r = post(city_client, "/report", {**form, "title": "表单连发 第四件"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert 'data-status="429"' in r.text and "最后一次没有保存" in r.text and "1 秒" in r.text
    assert _stored(city_session, "表单连发 路灯不亮") == 3
    assert _stored(city_session, "表单连发 第四件") == 0
    # a client that does not take HTML gets the JSON answer
    r = city_client.post("/report", data={**form, "csrf_token": csrf(city_client)},
                         headers={"accept": "application/json"})
    assert r.status_code == 429 and r.json()["error"] == "rate_limited"
    # another account goes on (the address allows thirty at once)
    sign_in(city_client, "gridworker")
    assert post(city_client, "/report", {**form, "title": "网格员 表单"}).status_code == 303
