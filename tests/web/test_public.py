"""The public list and map: no personal data, approximate places."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.web.scene import HTML, report


def test_public_points_are_rounded_and_carry_no_reporter(city_client: TestClient, city_session: Session) -> None:
    case = report(city_session, title="公开测试", contact="13800000000", address="某小区3栋")
    data = city_client.get("/web/public/points.json").json()
    mine = next(p for p in data["points"] if p["code"] == case.code)
    assert set(mine) == {"code", "title", "status", "step", "lon", "lat"}
    assert mine["step"] == 0  # received (present.progress): the dot's colour
    assert mine["lon"] == round(case.lon or 0, 3) and mine["lat"] == round(case.lat or 0, 3)
    page = city_client.get(f"/public/cases/{case.code}", headers=HTML).text
    assert "公开测试" in page and "13800000000" not in page and "某小区3栋" not in page
    assert "测试用例" not in page  # the description stays private
    listing = city_client.get("/public", headers=HTML).text
    assert case.code in listing and "13800000000" not in listing


def test_a_phone_in_a_title_is_hidden_on_the_public_pages_and_the_reporter_is_told(
        city_client: TestClient, city_session: Session) -> None:
    from tests.web.scene import sign_in

    case = report(city_session, title="楼道灯坏了，电话13812345678")
    for url in ("/public", f"/public/cases/{case.code}", "/web/public/points.json"):
        assert "13812345678" not in city_client.get(url, headers=HTML).text, url
    sign_in(city_client, "resident")
    mine = city_client.get(f"/cases/{case.code}", headers=HTML).text
    assert "13812345678" in mine and 'id="hidden-publicly"' in mine
    sign_in(city_client, "community")
    assert 'id="hidden-publicly"' not in city_client.get(f"/cases/{case.code}", headers=HTML).text
