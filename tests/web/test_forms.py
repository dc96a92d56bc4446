"""Each form shows its validation error on the page, beside the form, in the person's
language; nothing changes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.cityconfig.models import SlaRuleRow
from tests.web.scene import (
    HTML,
    HUMEN_GRID,
    dispatched,
    handled,
    in_progress,
    point_in,
    post,
    report,
    shown_errors,
    sign_in,
)


def version_of(session: Session, code: str) -> int:
    session.expire_all()
    return session.scalar(select(Case.version).where(Case.code == code)) or 0


def test_a_report_without_a_place_or_with_a_bad_photo_is_refused(city_client: TestClient,
                                                                  city_session: Session) -> None:
    sign_in(city_client, "resident")
    r = post(city_client, "/report", {"title": "垃圾没人清"})
    assert r.status_code == 422 and shown_errors(r.text) == ["location"]
    assert "请在地图上" in r.text and 'value="垃圾没人清"' in r.text
    lon, lat = point_in(city_session, HUMEN_GRID)
    r = post(city_client, "/report", {"title": "垃圾没人清", "lon": str(lon), "lat": str(lat)},
             files={"photo": ("x.txt", b"not an image", "text/plain")})
    assert r.status_code == 422 and shown_errors(r.text) == ["attachments"]
    r = post(city_client, "/report", {"title": "", "lon": str(lon), "lat": str(lat)})
    assert r.status_code == 422 and shown_errors(r.text) == ["title"]
    r = post(city_client, "/report", {"title": "x", "lon": "113.3", "lat": "22.5"})  # in the estuary
    assert r.status_code == 422 and shown_errors(r.text) == ["location"]


def test_a_valid_report_redirects_to_the_case(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "resident")
    lon, lat = point_in(city_session, HUMEN_GRID)
    r = post(city_client, "/report", {"title": "路灯不亮", "lon": str(lon), "lat": str(lat), "category": "01"})
    assert r.status_code == 303 and r.headers["location"].startswith("/cases/441900-")
    page = city_client.get(r.headers["location"], headers=HTML).text
    assert "路灯不亮" in page and "待分派" in page and 'id="reported"' in page
    r = post(city_client, "/report", {"title": "匿名反映", "lon": str(lon), "lat": str(lat), "anonymous": "1"})
    assert r.status_code == 303 and r.headers["location"].startswith("/public/cases/")
    assert "匿名反映" in city_client.get(r.headers["location"], headers=HTML).text


CASE_FORMS = [
    # (state, who, action, form, field shown)
    ("new", "community", "dispatch", {}, "unit"),
    ("new", "community", "dispatch", {"unit": "441900119-party"}, "unit"),
    ("new", "community", "reject", {"reason": ""}, "reason"),
    ("dispatched", "gridworker", "return", {"note": ""}, "note"),
    ("in_progress", "gridworker", "request_extension", {"days": "0", "note": "等材料"}, "days"),
    ("in_progress", "gridworker", "mark_handled", {"evidence": " "}, "evidence"),
    ("handled", "community", "follow_up", {"method": "phone"}, "satisfaction"),
    ("handled", "community", "close", {}, "no_followup_reason"),
]


@pytest.mark.parametrize(("state", "who", "action", "form", "field"), CASE_FORMS,
                         ids=[f"{c[2]}-{c[4]}" for c in CASE_FORMS])
def test_each_case_form_shows_its_error(city_client: TestClient, city_session: Session, state: str,
                                        who: str, action: str, form: dict[str, str], field: str) -> None:
    make = {"new": report, "dispatched": dispatched, "in_progress": in_progress, "handled": handled}[state]
    case = make(city_session)
    before = version_of(city_session, case.code)
    sign_in(city_client, who)
    r = post(city_client, f"/cases/{case.code}/act/{action}", {**form, "version": str(before)})
    assert r.status_code == 422, r.text[:500]
    assert shown_errors(r.text) == [field]
    assert f'<details class="action" data-action="{action}" open>' in r.text
    assert version_of(city_session, case.code) == before


def test_a_stale_form_is_a_conflict_page(city_client: TestClient, city_session: Session) -> None:
    case = report(city_session)
    sign_in(city_client, "community")
    r = post(city_client, f"/cases/{case.code}/act/dispatch",
             {"unit": f"{HUMEN_GRID}-team", "version": str(case.version - 1)})
    assert r.status_code == 409 and "案件已有变化" in r.text


def test_an_admin_sees_why_a_user_cannot_be_created(city_client: TestClient) -> None:
    sign_in(city_client, "admin")
    base = {"username": "new-officer", "password": "secret-1", "role": "community_officer",
            "node": "441900121004"}
    for change, error in [({"username": "resident"}, "taken"), ({"node": "999"}, "node"),
                          ({"password": "123"}, "password"), ({"role": "king"}, "role"),
                          ({"role": "department_handler"}, "unit"), ({"organisation": "nope"}, "organisation")]:
        r = post(city_client, "/admin/users", {**base, **change})
        assert r.status_code == 422, change
        assert f'data-field="{error}"' in r.text, (change, r.text[:2000])
    r = post(city_client, "/admin/users", {**base, "username": "web-test-officer"})
    assert r.status_code == 303
    assert post(city_client, "/admin/users", {**base, "username": "web-test-officer"}).status_code == 422


def test_an_admin_adds_and_deletes_an_sla_rule(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "admin")
    for form, error in [({"step": "handle", "amount": "x", "unit": "hours"}, "amount"),
                        ({"step": "handle", "amount": "1.5", "unit": "working_days"}, "working_days"),
                        ({"step": "handle", "amount": "-1", "unit": "hours"}, "amount"),
                        ({"step": "nap", "amount": "2", "unit": "hours"}, "step"),
                        ({"step": "handle", "amount": "2", "unit": "hours", "category": "99"}, "category")]:
        r = post(city_client, "/admin/sla", form)
        assert r.status_code == 422 and f'data-field="{error}"' in r.text, form
    r = post(city_client, "/admin/sla", {"step": "handle", "amount": "3", "unit": "working_days",
                                         "priority": "urgent", "category": "01"})
    assert r.status_code == 303
    rule = city_session.scalar(select(SlaRuleRow).order_by(SlaRuleRow.id.desc()))
    assert rule is not None and rule.amount == 3 and rule.priority == "urgent"
    assert f'data-rule="{rule.id}"' in city_client.get("/admin/sla", headers=HTML).text
    rule_id = rule.id
    assert post(city_client, f"/admin/sla/{rule_id}/delete").status_code == 303
    city_session.expunge_all()
    assert city_session.get(SlaRuleRow, rule_id) is None


def test_the_holiday_calendar_lists_the_citys_days_with_a_form_to_add_one(city_client: TestClient) -> None:
    sign_in(city_client, "admin")
    r = city_client.get("/admin/holidays", headers=HTML)
    assert r.status_code == 200 and 'data-date="2026-10-01"' in r.text and 'id="holiday-form"' in r.text
    assert 'id="shipped"' not in r.text  # the demo city has a calendar of its own
