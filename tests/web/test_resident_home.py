"""The home page: a signed-in resident finds a large 我要反映 and their reports, each with
the five steps; a visitor who is not signed in is first told what the site is and how to
report; the staff keep the map."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.cases.present import progress
from tests.web.scene import HTML, csrf, dispatched, report, sign_in


def test_a_signed_in_resident_lands_on_a_home_with_report_and_their_reports(
        city_client: TestClient, city_session: Session) -> None:
    new = report(city_session, title="家门口的路灯不亮")
    sent = dispatched(city_session, title="小区垃圾没人清")
    sign_in(city_client, "resident")
    page = city_client.get("/", headers=HTML).text
    assert re.search(r'<a class="button big" id="report-cta" href="/report">\s*我要反映\s*</a>', page)
    assert "登录" not in page and "退出" in page  # signed in: no "sign in" link
    for case, step in ((new, 0), (sent, 1)):
        item = re.search(rf'<li data-code="{case.code}">(.*?)</li>\s*(?=<li data-code|</ul>)', page, re.S)
        assert item, case.code
        bar = item.group(1)
        shown = re.search(r'<ol class="steps" data-step="(\d)"', bar)
        assert shown and int(shown.group(1)) == step == progress(case.status).step
        assert [m for m in re.findall(r"<span>(.*?)</span>", bar)][:5] == ["受理", "派单", "处置", "回访", "办结"]
        assert bar.count('class="done"') == step and 'aria-current="step"' in bar
    # staff words stay off it
    for word in ("可办理事项", "记录回访", "待签收", "待分派"):
        assert word not in page


def test_a_resident_who_signs_in_is_sent_home(city_client: TestClient) -> None:
    city_client.cookies.clear()

    r = city_client.post("/login", data={"username": "resident", "password": "demo-resident",
                                         "csrf_token": csrf(city_client)}, headers=HTML,
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_a_visitor_is_told_what_the_site_is_and_how_to_report(city_client: TestClient) -> None:
    city_client.cookies.clear()
    page = city_client.get("/", headers=HTML).text
    intro = re.search(r'<section class="intro" id="intro".*?</section>', page, re.S)
    assert intro, "no introduction for a first visitor"
    text = intro.group(0)
    assert "问题反映平台" in text and "我要反映" in text and 'href="/report"' in text
    assert 'href="/public"' in text
    assert 'id="map"' in page  # the map stays, below


def test_the_staff_keep_the_map_without_the_introduction(city_client: TestClient) -> None:
    sign_in(city_client, "community")
    page = city_client.get("/", headers=HTML).text
    assert 'id="map"' in page and 'id="intro"' not in page
