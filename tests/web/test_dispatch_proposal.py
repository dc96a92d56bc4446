"""The dispatch form starts on the unit the routing table proposes, and says why; after the
dispatch the case page says to whom it went."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.triage import routing
from tests.web.scene import HTML, HUMEN_TOWN, post, report, sign_in


def dispatch_form(html: str) -> str:
    m = re.search(r'<details class="action" data-action="dispatch".*?</details>', html, flags=re.S)
    assert m, "no dispatch form"
    return m.group(0)


def test_the_dispatch_form_preselects_the_routed_unit_with_its_reason(city_client: TestClient,
                                                                      city_session: Session) -> None:
    case = report(city_session, title="人行道护栏被撞坏", category="城乡建设")
    route = routing.route(city_session, case.city_id, "/01/", case.grid_path)  # what intake would say
    assert route.unit_code == f"{HUMEN_TOWN}-dept-urban_management", route
    sign_in(city_client, "town")
    form = dispatch_form(city_client.get(f"/cases/{case.code}", headers=HTML).text)
    selected = re.findall(r'<option value="([^"]+)" selected>', form)
    assert selected == [f"{HUMEN_TOWN}-dept-urban_management"]
    reason = re.search(r'<p class="hint" id="route-reason"[^>]*>(.*?)</p>', form, flags=re.S)
    assert reason is not None
    text = re.sub(r"<[^>]+>|\s+", "", reason.group(1))
    assert text == "按路由表：城乡建设→虎门镇城市管理和综合执法分局"


def test_after_the_dispatch_the_page_says_to_whom_it_went(city_client: TestClient, city_session: Session) -> None:
    case = report(city_session, title="路口信号灯不亮")
    sign_in(city_client, "community")
    r = post(city_client, f"/cases/{case.code}/act/dispatch", {"unit": "441900121004-party", "version": "1"})
    assert r.status_code == 303
    page = city_client.get(r.headers["location"], headers=HTML).text
    done = re.search(r'<p class="notice ok" role="status" id="done"[^>]*>(.*?)</p>', page, flags=re.S)
    assert done is not None and done.group(1).strip() == "已派单给东方社区党委。"
    # the message is not repeated on a later visit of the page
    assert 'id="done"' not in city_client.get(f"/cases/{case.code}", headers=HTML).text
