"""Every page asks the policy: a case of another town is a 404 page, a section that is not
the person's is a 403 page, both in the person's language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_TOWN, post, report, sign_in


def test_an_officer_of_another_town_gets_the_404_page_for_a_case(city_client: TestClient,
                                                                   city_session: Session) -> None:
    case = report(city_session)
    sign_in(city_client, "town")
    assert city_client.get(f"/cases/{case.code}", headers=HTML).status_code == 200
    sign_in(city_client, "town2")
    r = city_client.get(f"/cases/{case.code}", headers=HTML)
    assert r.status_code == 404 and 'data-status="404"' in r.text
    assert "找不到" in r.text and case.title not in r.text
    r = city_client.get(f"/cases/{case.code}?lang=en", headers=HTML)
    assert r.status_code == 404 and "Page not found" in r.text
    # Acting by URL is refused the same way, and changes nothing.
    r = post(city_client, f"/cases/{case.code}/act/dispatch", {"unit": f"{CHANGAN_TOWN}-party"})
    assert r.status_code == 404
    assert city_client.get(f"/cases/{case.code}/actions", headers=HTML).status_code == 404


def test_a_resident_sees_only_their_own_reports(city_client: TestClient, city_session: Session) -> None:
    staff_case = report(city_session, who="gridworker", title="网格员上报的问题")
    sign_in(city_client, "resident")
    assert city_client.get(f"/cases/{staff_case.code}", headers=HTML).status_code == 404
    assert f'data-code="{staff_case.code}"' not in city_client.get("/my", headers=HTML).text


def test_the_workbench_lists_only_the_towns_own_cases(city_client: TestClient, city_session: Session) -> None:
    case = report(city_session, title="虎门的井盖松动")
    sign_in(city_client, "town2")
    r = city_client.get(f"/work?tab=all&q={case.code}", headers=HTML)
    assert r.status_code == 200 and f'data-code="{case.code}"' not in r.text
    sign_in(city_client, "town")
    assert f'data-code="{case.code}"' in city_client.get(f"/work?tab=new&q={case.code}", headers=HTML).text


def test_sections_of_other_roles_are_403_pages(city_client: TestClient) -> None:
    sign_in(city_client, "resident")
    for url in ("/work", "/notices", "/ledger", "/leader", "/admin", "/admin/users", "/web/stats/map.json"):
        r = city_client.get(url, headers=HTML)
        assert r.status_code == 403, url
    sign_in(city_client, "leader")
    assert city_client.get("/admin/sla", headers=HTML).status_code == 403
    r = post(city_client, "/admin/sla", {"step": "handle", "amount": "3", "unit": "working_days"})
    assert r.status_code == 403


def test_the_figures_of_another_town_are_refused(city_client: TestClient) -> None:
    sign_in(city_client, "town2")
    assert city_client.get(f"/leader?node={CHANGAN_TOWN}", headers=HTML).status_code == 200
    assert city_client.get(f"/leader?node={HUMEN_TOWN}", headers=HTML).status_code == 403
    assert city_client.get(f"/web/stats/map.json?node={HUMEN_TOWN}").status_code == 403
    assert city_client.get(f"/web/stats/trend.json?node={HUMEN_TOWN}").status_code == 403
    assert city_client.get("/leader?node=441900", headers=HTML).status_code == 403


def test_only_the_actions_the_policy_allows_are_offered(city_client: TestClient, city_session: Session) -> None:
    case = report(city_session)
    sign_in(city_client, "community")
    html = city_client.get(f"/cases/{case.code}", headers=HTML).text
    assert 'data-action="dispatch"' in html and 'data-action="reject"' in html
    assert 'data-action="mark_handled"' not in html and 'data-action="close"' not in html
    sign_in(city_client, "resident")
    html = city_client.get(f"/cases/{case.code}", headers=HTML).text
    assert 'data-action="dispatch"' not in html and 'data-action="reject"' not in html
    r = post(city_client, f"/cases/{case.code}/act/dispatch", {"unit": "441900121004-party"})
    assert r.status_code == 403
