"""The report form while the resident writes: the category picker takes the classifier's
suggestion (the resident may choose another), "is it one of these?" lists the open cases
nearby that look the same, and joining one makes the resident its co-reporter."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.geo import service as geo
from huying.intake.service import suggest
from tests.web.scene import HTML, HUMEN_GRID, actor, point_in, post, shown_errors, sign_in, utcnow

LAMP = ("小区门口的路灯坏了", "晚上一片漆黑，老人出入不安全。")


def selected(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', html)


def hidden_suggested(html: str) -> str:
    m = re.search(r'name="suggested" value="([^"]*)"', html)
    assert m, html[:500]
    return m.group(1)


def test_the_picker_preselects_the_category_intake_would_set(city_client: TestClient,
                                                             city_session: Session) -> None:
    sign_in(city_client, "resident")
    r = post(city_client, "/report/suggest", {"title": LAMP[0], "description": LAMP[1]})
    assert r.status_code == 200 and 'name="category"' in r.text
    expected = suggest(city_session, geo.get_city(city_session).id, *LAMP)
    assert expected.category is not None  # a clear text: intake would decide by itself
    code = ".".join(expected.category.split(".")[:2])
    assert selected(r.text) == [code] and hidden_suggested(r.text) == code
    assert 'id="category-suggestion"' in r.text and "城乡建设" in r.text and "已为您选好" in r.text
    top_percent = round(expected.suggestions[0][2] * 100)
    assert f"城乡建设 {top_percent}%" in r.text


def test_the_residents_own_choice_stays(city_client: TestClient) -> None:
    sign_in(city_client, "resident")
    r = post(city_client, "/report/suggest", {"title": LAMP[0], "description": LAMP[1]})
    code = hidden_suggested(r.text)
    other = next(c for c in re.findall(r'<option value="(\d\d)"', r.text) if c != code)
    r = post(city_client, "/report/suggest", {"title": LAMP[0] + "，一直没修", "description": LAMP[1],
                                              "category": other, "suggested": code})
    assert selected(r.text) == [other] and hidden_suggested(r.text) == "-"
    # "not sure" chosen after a suggestion stays too
    r = post(city_client, "/report/suggest", {"title": LAMP[0], "category": "", "suggested": code})
    assert selected(r.text) == [] and hidden_suggested(r.text) == "-"
    r = post(city_client, "/report/suggest", {"title": LAMP[0], "category": "", "suggested": "-"})
    assert selected(r.text) == []


def test_an_unclear_text_is_not_chosen_for_and_no_text_suggests_nothing(city_client: TestClient) -> None:
    sign_in(city_client, "resident")
    r = post(city_client, "/report/suggest", {"title": "你好", "description": "请问一下"})
    assert r.status_code == 200 and selected(r.text) == [] and hidden_suggested(r.text) == ""
    assert "把握不足" in r.text
    r = post(city_client, "/report/suggest", {"title": "", "description": ""})
    assert r.status_code == 200 and 'id="category-suggestion"' not in r.text


def test_a_report_with_the_preselected_category_is_classified_by_intake(city_client: TestClient,
                                                                        city_session: Session) -> None:
    sign_in(city_client, "resident")
    lon, lat = point_in(city_session, HUMEN_GRID)
    code = hidden_suggested(post(city_client, "/report/suggest", {"title": LAMP[0], "description": LAMP[1]}).text)
    r = post(city_client, "/report", {"title": LAMP[0], "description": LAMP[1], "lon": str(lon),
                                      "lat": str(lat), "category": code, "suggested": code})
    assert r.status_code == 303, r.text[:500]
    case_code = r.headers["location"].split("/")[2].split("?")[0]
    triage = _triage_of(city_session, case_code)
    assert triage["category_source"] == "classifier" and triage["category"].startswith(code)


def test_the_report_page_works_without_scripts(city_client: TestClient) -> None:
    sign_in(city_client, "resident")
    page = city_client.get("/report", headers=HTML).text
    assert 'id="category-picker"' in page and 'id="similar"' in page
    assert 'name="suggested" value=""' in page and 'id="similar-cases"' not in page


def _triage_of(session: Session, code: str) -> dict:
    session.expire_all()
    case = session.scalar(select(Case).where(Case.code == code))
    assert case is not None
    payload = session.scalar(select(CaseEvent.payload).where(CaseEvent.case_id == case.id,
                                                             CaseEvent.action == "report"))
    return json.loads(payload or "{}")["triage"]


# --------------------------------------------------------------------------- is it one of these?


def _earlier(session: Session, title: str, detail: str, who: str = "gridworker") -> Case:
    lon, lat = point_in(session, HUMEN_GRID)
    return svc.report(session, actor(session, who), svc.ReportIn(title=title, description=detail, lon=lon, lat=lat), channel="grid_patrol", now=utcnow())


def _draft(session: Session, title: str, detail: str, **more: str) -> dict[str, str]:
    lon, lat = point_in(session, HUMEN_GRID)
    return {"title": title, "description": detail, "lon": str(lon + 0.0003), "lat": str(lat), **more}


def test_similar_open_cases_nearby_are_offered(city_client: TestClient, city_session: Session) -> None:
    case = _earlier(city_session, "三号楼下井盖松动", "三号楼下的井盖松动了，踩上去会翻，很危险")
    sign_in(city_client, "resident")
    draft = _draft(city_session, "井盖松动", "三号楼下井盖松动，踩上去会翻")
    r = post(city_client, "/report/similar", draft)
    assert r.status_code == 200 and 'id="similar-cases"' in r.text and "是不是这些问题之一" in r.text
    assert f'data-code="{case.code}"' in r.text and "三号楼下井盖松动" in r.text
    assert f'formaction="/report/join/{case.code}"' in r.text
    assert "踩上去会翻，很危险" not in r.text  # the other report's details are not shown
    # nothing without a place, and nothing for another problem
    assert 'id="similar-cases"' not in post(city_client, "/report/similar", {**draft, "lon": "", "lat": ""}).text
    other = post(city_client, "/report/similar", {**draft, "title": "广场舞噪音", "description": "晚上十点后还在跳"})
    assert f'data-code="{case.code}"' not in other.text


def test_the_resident_joins_and_follows_it_in_my_reports(city_client: TestClient, city_session: Session) -> None:
    case = _earlier(city_session, "菜市场后门污水外溢", "菜市场后门的下水道堵了，污水流到路上，很臭")
    sign_in(city_client, "resident")
    draft = _draft(city_session, "菜市场后门污水外溢", "后门下水道堵塞，污水流到路上")
    r = post(city_client, f"/report/join/{case.code}", draft)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.code}?joined=1"
    page = city_client.get(r.headers["location"], headers=HTML).text
    assert 'id="joined"' in page and case.code in page and 'id="case-status"' in page
    assert "污水流到路上，很臭" not in page  # another resident's report, read as the public does
    mine = city_client.get("/my", headers=HTML).text
    row = re.search(rf'<li data-code="{case.code}">(.*?)</li>', mine, re.S)
    assert row is not None and 'data-joined="1"' in row.group(1) and "共同反映人" in row.group(1)
    city_session.expire_all()
    assert [r.user_id for r in svc.coreporters_of(city_session, case)] == [actor(city_session, "resident").user_id]
    # once is enough: the second time the form says why, and nothing is stored
    r = post(city_client, f"/report/join/{case.code}", draft)
    assert r.status_code == 422 and shown_errors(r.text) == ["case"] and 'value="菜市场后门污水外溢"' in r.text
    # the candidates are shown again; Enter in a field still sends the report, not a join
    assert f'formaction="/report/join/{case.code}"' in r.text
    form = r.text[r.text.index('id="report-form"'):]
    first_submit = re.search(r'<button type="submit"[^>]*>', form)
    assert first_submit is not None and "formaction" not in first_submit.group(0)
    city_session.expire_all()
    assert len(svc.coreporters_of(city_session, case)) == 1


def test_joining_anonymously_asks_for_a_contact(city_client: TestClient, city_session: Session) -> None:
    case = _earlier(city_session, "公园东门路面塌陷", "公园东门口路面塌陷了一个大坑，电动车容易摔倒")
    sign_in(city_client, "resident")
    draft = _draft(city_session, "公园东门路面塌陷", "东门口路面塌了一个坑", anonymous="1")
    panel = post(city_client, "/report/similar", draft).text
    assert 'name="contact"' in panel
    r = post(city_client, f"/report/join/{case.code}", draft)
    assert r.status_code == 422 and shown_errors(r.text) == ["contact"]
    assert 'id="similar-cases"' in r.text and 'name="contact"' in r.text
    r = post(city_client, f"/report/join/{case.code}", {**draft, "contact": "13700000000"})
    assert r.status_code == 303 and r.headers["location"] == f"/public/cases/{case.code}?joined=1"
    page = city_client.get(r.headers["location"], headers=HTML).text
    assert 'id="joined"' in page and case.code in page
    assert f'data-code="{case.code}"' not in city_client.get("/my", headers=HTML).text


def test_a_case_far_away_cannot_be_joined(city_client: TestClient, city_session: Session) -> None:
    case = _earlier(city_session, "小学门口斑马线褪色", "小学门口的斑马线褪色看不清，车不让人")
    sign_in(city_client, "resident")
    far = _draft(city_session, "小学门口斑马线褪色", "斑马线看不清")
    far["lon"] = str(float(far["lon"]) + 0.02)
    r = post(city_client, f"/report/join/{case.code}", far)
    assert r.status_code == 422 and shown_errors(r.text) == ["case"]
    city_session.expire_all()
    assert svc.coreporters_of(city_session, case) == []


def test_a_report_merged_into_another_stays_in_my_reports(city_client: TestClient, city_session: Session) -> None:
    primary = _earlier(city_session, "健身器材扶手断了", "小区健身器材的扶手断了，老人锻炼容易摔")
    lon, lat = point_in(city_session, HUMEN_GRID)
    mine = svc.report(city_session, actor(city_session, "resident"), svc.ReportIn(title="健身器材坏了", description="扶手断了", lon=lon, lat=lat), channel="resident_web", now=utcnow())
    svc.merge(city_session, mine, actor(city_session, "community"), into=primary.code, now=utcnow())
    sign_in(city_client, "resident")
    page = city_client.get("/my", headers=HTML).text
    row = re.search(rf'<li data-code="{mine.code}">(.*?)</li>', page, re.S)
    assert row is not None and "已并入同一问题的诉求" in row.group(1) and "data-joined" not in row.group(1)
