"""The administration pages speak in names and pickers: users are found by name, role,
place and status and listed with the names of their place and organisation; fallbacks of a
routing rule are picked from lists, not typed in a code language; every destructive action
asks first, saying what it will do."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huying.geo.models import Node
from huying.triage.models import RoutingRule
from tests.web.scene import HTML, HUMEN_TOWN, post, sign_in


@pytest.fixture
def admin(city_client: TestClient) -> TestClient:
    sign_in(city_client, "admin")
    return city_client


def _rows(html: str) -> list[str]:
    body = html.split('id="users"', 1)[1].split("<tbody>", 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def test_users_are_found_by_name_role_and_place(admin: TestClient, city_session: Session) -> None:
    town = city_session.scalar(select(Node).where(Node.code == HUMEN_TOWN))
    assert town is not None
    page = admin.get("/admin/users", params={"q": "演示", "role": "town_officer"}, headers=HTML)
    assert page.status_code == 200
    rows = _rows(page.text)
    assert rows and all("演示" in r for r in rows)
    assert any("虎门" in r for r in rows)  # the place by its name
    under = admin.get("/admin/users", params={"node": HUMEN_TOWN}, headers=HTML).text
    assert f"title=\"{HUMEN_TOWN}" in under or town.name_zh in under
    # the pager keeps the search
    many = admin.get("/admin/users", params={"role": "grid_worker"}, headers=HTML).text
    assert "role=grid_worker&amp;page=2" in many
    none = admin.get("/admin/users", params={"q": "没有这个人"}, headers=HTML).text
    assert "没有匹配的用户" in none or "No user matches" in none


def test_a_bad_user_filter_is_refused_with_its_reason(admin: TestClient) -> None:
    r = admin.get("/admin/users", params={"role": "king"}, headers=HTML)
    assert r.status_code in (400, 422) and "role" in r.text
    r = admin.get("/admin/users", params={"node": "nowhere"}, headers=HTML)
    assert r.status_code in (400, 422)


def test_fallbacks_are_picked_row_by_row(admin: TestClient, city_session: Session) -> None:
    form = {"category": "", "node": HUMEN_TOWN, "org_kind": "department", "department": "housing",
            "level": "town", "priority": "3", "note": "挑选的后备", "active": "1",
            "fb_kind_0": "department", "fb_department_0": "housing", "fb_level_0": "city",
            "fb_kind_1": "party_committee", "fb_department_1": "", "fb_level_1": "town"}
    r = post(admin, "/admin/routing", form)
    assert r.status_code == 303, r.text
    try:
        rule = city_session.scalar(select(RoutingRule).where(RoutingRule.note == "挑选的后备"))
        assert rule is not None
        assert rule.fallbacks.replace(" ", "") == '[["department","housing","city"],["party_committee",null,"town"]]'
        page = admin.get(f"/admin/routing?edit={rule.id}", headers=HTML).text
        assert 'name="fb_level_1"' in page and "department:housing" not in page
        # a level without a kind is refused on its field, nothing stored
        bad = post(admin, "/admin/routing", {**form, "note": "坏的", "fb_kind_1": ""})
        assert bad.status_code == 422 and 'data-field="fallbacks"' in bad.text
        assert city_session.scalar(select(RoutingRule).where(RoutingRule.note == "坏的")) is None
    finally:
        city_session.execute(delete(RoutingRule).where(RoutingRule.note == "挑选的后备"))
        city_session.commit()


def test_destructive_admin_actions_ask_first(admin: TestClient) -> None:
    page = admin.get("/admin/categories", headers=HTML).text
    asks = re.findall(r'data-confirm="([^"]+)"', page)
    assert asks and any(re.search(r"\d+", a) for a in asks)  # says how many below go with it
    post(admin, "/admin/routing/adopt")
    for url in ("/admin/routing", "/admin/sla", "/admin/holidays"):
        html = admin.get(url, headers=HTML).text
        for form in re.findall(r'<form method="post" action="[^"]*/delete"[^>]*>', html):
            assert "data-confirm=" in form, (url, form)
