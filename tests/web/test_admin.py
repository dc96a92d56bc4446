"""The administration pages edit the city's settings: the holiday calendar, the categories,
the SLA rules and the routing rules. Every mistake is told in the person's language with
nothing stored; an edit is used by the next deadline or route computed, through another
database connection than the server's (as another server process would)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from huying.cityconfig import deadlines
from huying.cityconfig.models import CalendarDayRow, Category, SlaRuleRow
from huying.geo.models import City, Node
from huying.triage import routing
from huying.triage.models import RoutingRule
from tests.web.scene import HTML, HUMEN_GRID, HUMEN_TOWN, post, shown_errors, sign_in

CST = dt.timezone(dt.timedelta(hours=8))


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST).astimezone(dt.UTC)


def city_id(s: Session) -> int:
    cid = s.scalar(select(City.id).where(City.code == "441900"))
    assert cid is not None
    return cid


def reasons(html: str) -> list[str]:
    import re

    return re.findall(r'role="alert"[^>]*data-reason="([^"]+)"', html)


@pytest.fixture
def admin(city_client: TestClient) -> TestClient:
    sign_in(city_client, "admin")
    return city_client


# --------------------------------------------------------------------------- holidays


@pytest.fixture
def spring_2031(city_session: Session) -> Iterator[None]:
    """The days the tests add are removed again (the city database is shared)."""
    yield
    city_session.rollback()
    city_session.execute(delete(CalendarDayRow).where(CalendarDayRow.day >= dt.date(2031, 1, 1)))
    city_session.commit()


def dispatch_due(s: Session, start: dt.datetime) -> dt.datetime:
    """The deadline the next request would compute: a new session sees what the server
    committed (a long-lived one within huying.freshness.RECHECK_SECONDS)."""
    with Session(s.get_bind()) as fresh:
        return deadlines.schedule(fresh, city_id(fresh), None, "normal", "dispatch", start).due_at


def test_an_admin_adds_a_holiday_and_the_next_deadline_skips_it(
        admin: TestClient, city_session: Session, spring_2031: None) -> None:
    friday_evening = cst(2031, 3, 7, 17, 0)  # 1 working hour on Friday, 1 on the next working day
    assert dispatch_due(city_session, friday_evening) == cst(2031, 3, 10, 10, 0)
    r = post(admin, "/admin/holidays", {"date": "2031-03-10", "kind": "holiday", "name": "城市纪念日"})
    assert r.status_code == 303
    page = admin.get("/admin/holidays", headers=HTML).text
    assert 'data-date="2031-03-10"' in page and "城市纪念日" in page
    assert dispatch_due(city_session, friday_evening) == cst(2031, 3, 11, 10, 0)
    assert post(admin, "/admin/holidays/delete", {"date": "2031-03-10"}).status_code == 303
    assert 'data-date="2031-03-10"' not in admin.get("/admin/holidays", headers=HTML).text
    assert dispatch_due(city_session, friday_evening) == cst(2031, 3, 10, 10, 0)


def test_a_makeup_working_sunday_counts(admin: TestClient, city_session: Session, spring_2031: None) -> None:
    saturday = cst(2031, 3, 8, 10, 0)
    assert dispatch_due(city_session, saturday) == cst(2031, 3, 10, 11, 0)
    assert post(admin, "/admin/holidays", {"date": "2031-03-09", "kind": "workday", "name": "调休"}).status_code == 303
    assert dispatch_due(city_session, saturday) == cst(2031, 3, 9, 11, 0)


@pytest.mark.parametrize(("form", "reason", "words"), [
    ({"date": "2031-3-10", "kind": "holiday"}, "date", "YYYY-MM-DD"),
    ({"date": "2031-02-30", "kind": "holiday"}, "date", "YYYY-MM-DD"),
    ({"date": "2031-03-10", "kind": "workday"}, "weekday", "星期六或星期日"),
    ({"date": "2031-03-10", "kind": "birthday"}, "kind", "请从列表中选择类型"),
    ({"date": "2026-10-01", "kind": "holiday"}, "duplicate", "已在日历中"),
    ({"date": "2026-10-03", "kind": "workday"}, "conflict", "先删除"),
])
def test_a_bad_day_is_refused_in_chinese_and_nothing_is_stored(
        admin: TestClient, city_session: Session, form: dict[str, str], reason: str, words: str) -> None:
    before = city_session.scalar(select(func.count()).select_from(CalendarDayRow))
    r = post(admin, "/admin/holidays", {**form, "name": "x"})
    assert r.status_code == 422 and reasons(r.text) == [reason]
    assert words in r.text
    assert f'value="{form["date"]}"' in r.text  # the form keeps what was typed
    city_session.rollback()
    assert city_session.scalar(select(func.count()).select_from(CalendarDayRow)) == before


def test_the_calendar_errors_are_english_in_english(admin: TestClient) -> None:
    admin.get("/admin/holidays?lang=en", headers=HTML)
    r = post(admin, "/admin/holidays", {"date": "2026-10-03", "kind": "workday"})
    assert r.status_code == 422 and "a day is either a day off or a working day" in r.text
    admin.get("/admin/holidays?lang=zh", headers=HTML)


# --------------------------------------------------------------------------- categories


@pytest.fixture
def scratch_categories(city_session: Session) -> Iterator[None]:
    yield
    city_session.rollback()
    city_session.execute(delete(Category).where(Category.code.like("%Z%")))
    city_session.execute(delete(Category).where(Category.name_zh.like("测试类别%")))
    city_session.commit()


def test_an_admin_adds_renames_and_disables_a_category(
        admin: TestClient, city_session: Session, scratch_categories: None) -> None:
    r = post(admin, "/admin/categories", {"parent": "01", "code": "Z1", "name_zh": "测试类别", "name_en": "Test"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/categories?parent=01"
    cat = city_session.scalar(select(Category).where(Category.code == "01.Z1"))
    assert cat is not None and cat.level == 2 and cat.path.endswith("/01/01.Z1/") and cat.active
    # A third level below it, with the next free number.
    assert post(admin, "/admin/categories", {"parent": "01.Z1", "name_zh": "测试类别三"}).status_code == 303
    leaf = city_session.scalar(select(Category).where(Category.parent_id == cat.id))
    assert leaf is not None and leaf.code == "01.Z1.001" and leaf.level == 3
    # Nothing goes below the third level.
    r = post(admin, "/admin/categories", {"parent": leaf.code, "name_zh": "测试类别四"})
    assert r.status_code == 422 and reasons(r.text) == ["depth"]
    assert "三级" in r.text
    # Rename.
    page = admin.get("/admin/categories?parent=01&edit=01.Z1", headers=HTML).text
    assert 'id="rename-form"' in page
    r = post(admin, "/admin/categories/01.Z1/rename", {"parent": "01", "name_zh": "测试类别改", "name_en": "Renamed"})
    assert r.status_code == 303
    city_session.expire_all()
    assert cat.name_zh == "测试类别改"
    # Disable: no longer offered (the report form's choices), the leaf below too.
    assert post(admin, "/admin/categories/01.Z1/active", {"parent": "01", "active": "0"}).status_code == 303
    city_session.expire_all()
    assert not cat.active and not leaf.active
    from huying.cityconfig import categories
    from huying.web.queries import category_choices

    offered = {c.code for top, kids in category_choices(city_session, cat.city_id) for c in (top, *kids)}
    assert "01.Z1" not in offered and categories.find(city_session, cat.city_id, "01.Z1.001") is None
    # The leaf cannot come back alone; with its parent it does.
    r = post(admin, "/admin/categories/01.Z1.001/active", {"parent": "01.Z1", "active": "1"})
    assert r.status_code == 422 and reasons(r.text) == ["parent_disabled"]
    assert post(admin, "/admin/categories/01.Z1/active", {"parent": "01", "active": "1"}).status_code == 303
    city_session.expire_all()
    assert cat.active and leaf.active


@pytest.mark.parametrize(("form", "reason"), [
    ({"parent": "01", "code": "01", "name_zh": "测试类别"}, "taken"),  # 01.01 exists
    ({"parent": "01", "code": "a.b", "name_zh": "测试类别"}, "code"),
    ({"parent": "01", "code": "", "name_zh": ""}, "name_missing"),
    ({"parent": "01", "code": "", "name_zh": "测" * 61}, "name_long"),
])
def test_a_bad_category_is_refused(admin: TestClient, city_session: Session, scratch_categories: None,
                                   form: dict[str, str], reason: str) -> None:
    before = city_session.scalar(select(func.count()).select_from(Category))
    r = post(admin, "/admin/categories", form)
    assert r.status_code == 422 and reasons(r.text) == [reason]
    city_session.rollback()
    assert city_session.scalar(select(func.count()).select_from(Category)) == before


def test_a_category_name_is_unique_among_its_siblings(admin: TestClient, city_session: Session) -> None:
    existing = city_session.scalar(select(Category).where(Category.code == "01.01"))
    assert existing is not None
    r = post(admin, "/admin/categories", {"parent": "01", "name_zh": existing.name_zh})
    assert r.status_code == 422 and reasons(r.text) == ["name_taken"]


# --------------------------------------------------------------------------- SLA rules


def test_an_admin_changes_an_sla_rule(admin: TestClient, city_session: Session) -> None:
    assert post(admin, "/admin/sla", {"step": "handle", "amount": "3", "unit": "working_days"}).status_code == 303
    rule = city_session.scalar(select(SlaRuleRow).order_by(SlaRuleRow.id.desc()))
    assert rule is not None
    try:
        page = admin.get(f"/admin/sla?edit={rule.id}", headers=HTML).text
        assert f'action="/admin/sla/{rule.id}"' in page and 'value="3"' in page
        r = post(admin, f"/admin/sla/{rule.id}", {"step": "handle", "amount": "2.5", "unit": "working_days"})
        assert r.status_code == 422 and 'data-field="working_days"' in r.text
        r = post(admin, f"/admin/sla/{rule.id}", {"step": "handle", "amount": "7", "unit": "working_days",
                                                  "priority": "low"})
        assert r.status_code == 303
        city_session.expire_all()
        assert (rule.amount, rule.priority) == (7, "low")
        # The next deadline uses it, through another connection than the server's.
        start = cst(2025, 3, 3, 10, 0)
        due = deadlines.schedule(city_session, rule.city_id, None, "low", "handle", start).due_at
        assert due == cst(2025, 3, 12, 18, 0)  # 7 working days after Monday 3-3
    finally:
        assert post(admin, f"/admin/sla/{rule.id}/delete").status_code == 303


# --------------------------------------------------------------------------- routing rules


def test_an_admin_adds_edits_and_deletes_a_routing_rule(admin: TestClient, city_session: Session) -> None:
    cid = city_id(city_session)
    cat = city_session.scalar(select(Category).where(Category.code == "01"))
    assert cat is not None
    grid_path = city_session.scalar(select(Node.path).where(Node.code == HUMEN_GRID))
    assert grid_path is not None
    before = routing.route(city_session, cid, cat.path, grid_path)
    form = {"category": "01", "node": HUMEN_TOWN, "org_kind": "party_committee", "department": "",
            "level": "town", "priority": "5", "fallbacks": "party_organisation::community", "note": "测试规则",
            "delegated": "1", "active": "1"}
    r = post(admin, "/admin/routing", form)
    assert r.status_code == 303
    rule = city_session.scalar(select(RoutingRule).where(RoutingRule.note == "测试规则"))
    assert rule is not None
    rule_id = rule.id
    try:
        assert rule.node_path.endswith(f"/{HUMEN_TOWN}/") and rule.delegated and rule.priority == 5
        page = admin.get("/admin/routing", headers=HTML).text
        assert f'data-rule="{rule.id}"' in page and 'id="shipped"' not in page
        with Session(city_session.get_bind()) as fresh:  # the router reads the rules per session
            after = routing.route(fresh, cid, cat.path, grid_path)
        assert after.rule is not None and after.rule.id == rule.id
        assert after.target == routing.Target("party_committee", None, "town")
        assert after.unit_code is not None and after.unit_code.startswith(HUMEN_TOWN)
        assert before.rule is None or before.rule.id != rule_id
        # Edit: an unknown node is refused, nothing changes.
        r = post(admin, f"/admin/routing/{rule.id}", {**form, "node": "999"})
        assert r.status_code == 422 and shown_errors(r.text) == ["node"]
        r = post(admin, f"/admin/routing/{rule.id}", {**form, "active": ""})
        assert r.status_code == 303
        city_session.expire_all()
        assert not rule.active
        with Session(city_session.get_bind()) as fresh:
            again = routing.route(fresh, cid, cat.path, grid_path)
        assert again.rule is None or again.rule.id != rule.id
    finally:
        assert post(admin, f"/admin/routing/{rule_id}/delete").status_code == 303
    city_session.rollback()
    assert city_session.scalar(select(RoutingRule.id).where(RoutingRule.id == rule_id)) is None


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "99"}, "category"),
    ({"node": "441900999"}, "node"),
    ({"org_kind": "guild"}, "org_kind"),
    ({"org_kind": "department", "department": ""}, "department"),
    ({"department": "space"}, "department"),
    ({"level": "county"}, "level"),
    ({"fallbacks": "department:housing"}, "fallbacks"),
    ({"fallbacks": "guild::town"}, "fallbacks"),
    ({"priority": "high"}, "priority"),
])
def test_a_bad_routing_rule_is_refused_and_nothing_is_stored(
        admin: TestClient, city_session: Session, change: dict[str, str], field: str) -> None:
    before = city_session.scalar(select(func.count()).select_from(RoutingRule))
    form = {"category": "01", "node": "", "org_kind": "party_committee", "department": "", "level": "town",
            "priority": "0", "fallbacks": "", "note": "", "active": "1"}
    r = post(admin, "/admin/routing", {**form, **change})
    assert r.status_code == 422 and shown_errors(r.text) == [field], r.text[:500]
    city_session.rollback()
    assert city_session.scalar(select(func.count()).select_from(RoutingRule)) == before


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize(("url", "form"), [
    ("/admin/holidays", {"date": "2031-03-10", "kind": "holiday"}),
    ("/admin/categories", {"parent": "01", "name_zh": "测试类别"}),
    ("/admin/routing", {"org_kind": "party_committee", "level": "town"}),
    ("/admin/categories/01/active", {"active": "0"}),
])
def test_only_an_administrator_edits_the_settings(city_client: TestClient, url: str, form: dict[str, str]) -> None:
    sign_in(city_client, "leader")
    assert post(city_client, url, form).status_code == 403
    sign_in(city_client, "admin")
    r = city_client.post(url, data=form, headers=HTML, follow_redirects=False)  # no CSRF token
    assert r.status_code == 403


def test_every_settings_page_opens(admin: TestClient) -> None:
    for url in ("/admin/holidays", "/admin/categories", "/admin/categories?parent=01", "/admin/sla",
                "/admin/routing"):
        r = admin.get(url, headers=HTML)
        assert r.status_code == 200, url
