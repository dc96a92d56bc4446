"""The organisation chart administered (issue 22), on SQLite and PostgreSQL: organisations
created, renamed, moved and re-kinded with their audit rows (before → after in names), a
department's towns, people; refusals with the field and nothing stored; an administrator of
one town refused in another; bulk import with the row contract of ``import cases``; and, last,
a dissolved unit's open cases handed to its successor, each with an event."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import func, select

from huying.audit import AdminEvent
from huying.cases.models import Case, CaseEvent
from huying.db import make_engine
from huying.geo.models import Node
from huying.intake import directory
from huying.intake.bulk import savepoint_engine
from huying.intake.rows import Mode
from huying.orgs import accounts, tokens
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, OrganisationTown, Person, User
from tests.api.conftest import NOW, T1_URBAN, Api

A = "/api/v1/admin"
HTML = {"accept": "text/html"}


def _town_admin(api: Api, town: str) -> dict[str, str]:
    with api.session() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        user = accounts.create(s, Actor.of(s, admin), username=f"a{uuid.uuid4().hex[:8]}", password="a-long-passphrase-9",
                               role="admin", node=s.scalar(select(Node).where(Node.code == town)), now=NOW,
                               must_change=False)
        token = tokens.create(s, user, "t", now=NOW)[1]
        s.commit()
    return {"Authorization": f"Bearer {token}"}


def _audit(api: Api, code: str) -> list[AdminEvent]:
    with api.session() as s:
        org_id = s.scalar(select(Organisation.id).where(Organisation.code == code))
        return list(s.scalars(select(AdminEvent).where(AdminEvent.subject == "organisation",
                                                       AdminEvent.subject_id == org_id).order_by(AdminEvent.id)))


def test_an_organisation_is_created_renamed_moved_and_rekinded_with_its_audit(api: Api) -> None:
    h = api.h("admin")
    r = api.client.post(f"{A}/organisations", headers=h, json={
        "code": "441900101-alliance", "name_zh": "测试1镇党群服务联盟", "name_en": "Town 1 alliance",
        "kind": "service_alliance", "node": "441900101"})
    assert r.status_code == 201, r.text
    r = api.client.post(f"{A}/organisations", headers=h, json={
        "code": "441900101-team-patrol", "name_zh": "治安巡防队", "kind": "alliance_team", "node": "441900101",
        "parent": "441900101-alliance", "team_kind": "security_patrol"})
    assert r.status_code == 201, r.text
    assert r.json()["parent"] == "测试1镇党群服务联盟 (441900101-alliance)"
    r = api.client.post(f"{A}/organisations/441900101-team-patrol/rename", headers=h,
                        json={"name_zh": "平安巡防队", "name_en": "Safety patrol"})
    assert r.status_code == 200 and r.json()["name_zh"] == "平安巡防队"
    r = api.client.post(f"{A}/organisations/441900101-team-patrol/move", headers=h, json={"node": "441900101001"})
    assert r.status_code == 200 and r.json()["node"] == "测试1社区 (441900101001)"
    r = api.client.post(f"{A}/organisations/441900101-team-patrol/kind", headers=h,
                        json={"kind": "social_organisation", "parent": ""})
    assert r.status_code == 200 and r.json()["team_kind"] is None and r.json()["parent"] is None
    rows = _audit(api, "441900101-team-patrol")
    assert [e.action for e in rows] == ["create", "rename", "move", "change"]
    assert rows[1].detail["before"] == {"name_zh": "治安巡防队", "name_en": "治安巡防队"}
    assert rows[1].detail["after"] == {"name_zh": "平安巡防队", "name_en": "Safety patrol"}
    assert rows[2].detail["before"] == {"node": "测试1镇 (441900101)"}
    assert rows[2].detail["after"] == {"node": "测试1社区 (441900101001)"}


def test_bad_organisations_are_refused_with_the_field_and_nothing_stored(api: Api) -> None:
    h = api.h("admin")
    with api.session() as s:
        before = s.scalar(select(func.count()).select_from(Organisation))
        events = s.scalar(select(func.count()).select_from(AdminEvent))
    for body, fld in (({"code": T1_URBAN, "name_zh": "重复", "kind": "department", "node": "441900101",
                        "department": "housing"}, "code"),
                      ({"code": "x-1", "name_zh": " ", "kind": "enterprise", "node": "441900101"}, "name_zh"),
                      ({"code": "x-2", "name_zh": "某部门", "kind": "department", "node": "441900101"}, "department"),
                      ({"code": "x-3", "name_zh": "某队", "kind": "alliance_team", "node": "441900101",
                        "team_kind": "security_patrol"}, "parent"),
                      ({"code": "x-4", "name_zh": "某单位", "kind": "castle", "node": "441900101"}, "kind"),
                      ({"code": "x 5", "name_zh": "某单位", "kind": "enterprise", "node": "441900101"}, "code"),
                      ({"code": "x-6", "name_zh": "某单位", "kind": "enterprise", "node": "999"}, "node")):
        r = api.client.post(f"{A}/organisations", headers=h, json=body)
        assert r.status_code == 422 and r.json()["detail"].startswith(f"{fld}:"), (body, r.text)
    with api.session() as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == before
        assert s.scalar(select(func.count()).select_from(AdminEvent)) == events


def test_a_departments_towns_and_people(api: Api) -> None:
    h = api.h("admin")
    r = api.client.post(f"{A}/organisations/441900-dept-urban_management/towns", headers=h,
                        json={"towns": ["441900101"]})
    assert r.status_code == 200 and r.json()["serves"] == "测试1镇 (441900101)"
    r = api.client.post(f"{A}/organisations/441900-dept-urban_management/towns", headers=h,
                        json={"towns": ["441900101001"]})  # a community is not a town
    assert r.status_code == 422 and r.json()["detail"].startswith("towns:")
    r = api.client.post(f"{A}/organisations/441900101-party/towns", headers=h, json={"towns": ["441900101"]})
    assert r.status_code == 422  # not a department
    with api.session() as s:
        assert s.scalar(select(func.count()).select_from(OrganisationTown)) == 1
    r = api.client.post(f"{A}/people", headers=h, json={"name": "王芳", "node": "441900101001001",
                                                       "organisation": "441900101001001-team", "is_party_member": True,
                                                       "phone_masked": "138****0001"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = api.client.post(f"{A}/people/{pid}", headers=h, json={"name": "王芳", "node": "441900101001002"})
    assert r.status_code == 200 and r.json()["node"] == "测试1网格2 (441900101001002)"
    assert api.client.post(f"{A}/people", headers=h, json={"name": "无处"}).status_code == 422
    assert api.client.post(f"{A}/people", headers=h, json={"name": "张三", "phone_masked": "call me",
                                                          "node": "441900101"}).status_code == 422


def test_an_administrator_of_a_town_is_refused_in_another_towns_chart(api: Api) -> None:
    h = _town_admin(api, "441900102")
    for url, body in ((f"{A}/organisations/{T1_URBAN}/rename", {"name_zh": "改名"}),
                      (f"{A}/organisations/441900102-dept-housing/move", {"node": "441900101"}),
                      (f"{A}/organisations/{T1_URBAN}/dissolve", {"successor": "441900102-dept-housing"}),
                      (f"{A}/organisations", {"code": "t2-x", "name_zh": "越权", "kind": "enterprise",
                                              "node": "441900101"}),
                      (f"{A}/people", {"name": "越权", "node": "441900101"})):
        r = api.client.post(url, headers=h, json=body)
        assert r.status_code == 403, (url, r.text)
    r = api.client.post(f"{A}/organisations/441900102-dept-housing/rename", headers=h,
                        json={"name_zh": "测试2镇住建", "name_en": "Town 2 housing"})
    assert r.status_code == 200
    with api.session() as s:
        assert s.scalar(select(Organisation.name_zh).where(Organisation.code == T1_URBAN)) == T1_URBAN
        assert s.scalar(select(Organisation.active).where(Organisation.code == T1_URBAN))


def _csv(tmp: Path, text: str) -> Path:
    p = tmp / f"{uuid.uuid4().hex[:6]}.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_bulk_import_names_bad_rows_and_stores_nothing_all_or_nothing(api: Api, tmp_path: Path) -> None:
    engine = savepoint_engine(make_engine(api.url))
    orgs = _csv(tmp_path, "代码,名称,类型,所在节点,部门\n"
                          "441900101-dept-fire,测试1镇消防,department,441900101,fire\n"
                          "441900101-dept-bad,测试1镇某部门,department,441900101,\n"
                          "441900101-dept-ghost,幽灵部门,department,441900999,fire\n")
    try:
        rep = directory.run(engine, lambda s: None, lambda s: api.city_id, orgs, directory.Kind.ORGANISATIONS, now=NOW)
        assert not rep.stored and rep.imported == 0
        assert [(p.line, p.field) for p in rep.problems] == [(3, "department"), (4, "node")]
        with api.session() as s:
            assert s.scalar(select(Organisation.id).where(Organisation.code == "441900101-dept-fire")) is None
        rep = directory.run(engine, lambda s: None, lambda s: api.city_id, orgs, directory.Kind.ORGANISATIONS,
                            now=NOW, mode=Mode.SKIP_BAD)
        assert rep.stored and rep.imported == 1
        people = _csv(tmp_path, "姓名,单位,党员\n李四,441900101-dept-fire,是\n王五,,maybe\n")
        rep = directory.run(engine, lambda s: None, lambda s: api.city_id, people, directory.Kind.PEOPLE, now=NOW,
                            mode=Mode.SKIP_BAD)
        assert rep.imported == 1 and [(p.line, p.field) for p in rep.problems] == [(3, "party_member")]
        accts = _csv(tmp_path, "username,display_name,role,node,organisation,password\n"
                               f"u{uuid.uuid4().hex[:6]},消防员,department_handler,441900101,441900101-dept-fire,\n"
                               f"v{uuid.uuid4().hex[:6]},,department_handler,441900101,,\n")
        rep = directory.run(engine, lambda s: None, lambda s: api.city_id, accts, directory.Kind.ACCOUNTS, now=NOW)
        assert not rep.stored and [(p.line, p.field) for p in rep.problems] == [(3, "organisation")]
        assert rep.resets == {}
        rep = directory.run(engine, lambda s: None, lambda s: api.city_id, accts, directory.Kind.ACCOUNTS, now=NOW,
                            mode=Mode.SKIP_BAD)
        assert rep.imported == 1 and len(rep.resets) == 1  # a one-time code, never a password
        [(username, code)] = rep.resets.items()
        with api.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None and user.organisation_id is not None
            person = s.scalar(select(Person).where(Person.name == "李四"))
            assert person is not None and person.is_party_member
        api.client.cookies.clear()
        assert api.client.get(f"/reset/{code}", headers={"accept": "text/html"}).status_code == 200
    finally:
        engine.dispose()


def _sign_in(api: Api, town: str) -> None:
    import re

    name = f"w{uuid.uuid4().hex[:8]}"
    with api.session() as s:
        accounts.create(s, None, username=name, password="a-long-passphrase-9", role="admin",
                        node=s.scalar(select(Node).where(Node.code == town)), now=NOW, must_change=False)
        s.commit()
    api.client.cookies.clear()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', api.client.get("/login", headers=HTML).text)
    assert csrf
    r = api.client.post("/login", data={"username": name, "password": "a-long-passphrase-9",
                                        "csrf_token": csrf.group(1)}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303


def _form(api: Api, url: str, data: dict[str, str]) -> object:
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', api.client.get("/login", headers=HTML).text)
    assert csrf
    return api.client.post(url, data={**data, "csrf_token": csrf.group(1)}, headers=HTML, follow_redirects=False)


def test_the_pages_create_rename_and_dissolve_an_organisation_in_the_persons_language(api: Api) -> None:
    _sign_in(api, "441900101")
    page = api.client.get("/admin/tree?node=441900101", headers=HTML)
    assert page.status_code == 200 and 'id="org-form"' in page.text and "/admin/organisations/" in page.text
    r = _form(api, "/admin/organisations", {"node": "441900101", "code": "t1-mediation", "name_zh": "调解队",
                                            "kind": "alliance_team", "team_kind": "dispute_mediation"})
    assert r.status_code == 422 and "联盟队伍须隶属于一个党群服务联盟" in r.text  # type: ignore[attr-defined]
    r = _form(api, "/admin/organisations", {"node": "441900101", "code": "t1-volunteers", "name_zh": "志愿者协会",
                                            "kind": "social_organisation"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    page = api.client.get("/admin/organisations/t1-volunteers", headers=HTML)
    assert page.status_code == 200 and "志愿者协会" in page.text and "data-confirm" in page.text
    r = _form(api, "/admin/organisations/t1-volunteers/rename", {"name_zh": "", "name_en": "x"})
    assert r.status_code == 422 and "请填写组织的中文名称" in r.text  # type: ignore[attr-defined]
    r = _form(api, "/admin/organisations/t1-volunteers/dissolve", {})
    assert r.status_code == 200 and 'id="handed"' in r.text  # type: ignore[attr-defined]
    assert api.client.get("/admin/organisations/441900102-dept-housing", headers=HTML).status_code == 200
    r = _form(api, "/admin/organisations/441900102-dept-housing/rename", {"name_zh": "越权改名"})
    assert r.status_code == 403  # type: ignore[attr-defined]
    r = _form(api, "/admin/people", {"name": "赵六", "node": "441900101001001", "phone": "call"})
    assert r.status_code == 422 and "手机号码" in r.text  # type: ignore[attr-defined]
    r = _form(api, "/admin/people", {"name": "赵六", "node": "441900101001001", "party_member": "1"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    page = api.client.get("/admin/people?node=441900101", headers=HTML)
    assert page.status_code == 200 and "赵六" in page.text
    assert api.client.get("/admin/people?node=441900102", headers=HTML).status_code == 403
    audit_page = api.client.get("/admin/audit?subject=organisation", headers=HTML)
    assert audit_page.status_code == 403  # the whole city's trail is for the city's administrators


def test_zz_a_dissolved_units_open_cases_go_to_its_successor_with_events(api: Api) -> None:
    """Last in the module: it dissolves town 1's urban management (c1's unit)."""
    h = api.h("admin")
    with api.session() as s:
        before = s.scalar(select(func.count()).select_from(CaseEvent))
        c1 = s.scalar(select(Case).where(Case.code == api.cases["c1"]))
        assert c1 is not None
        status, due = c1.status, c1.due_at
    r = api.client.post(f"{A}/organisations/{T1_URBAN}/dissolve", headers=h, json={})
    assert r.status_code == 422 and r.json()["detail"].startswith("successor:")  # it has open cases
    r = api.client.post(f"{A}/organisations/{T1_URBAN}/dissolve", headers=h,
                        json={"successor": "441900101-dept-housing", "note": "机构改革"})
    assert r.status_code == 200, r.text
    assert r.json()["cases"] == [api.cases["c1"]] and r.json()["accounts"] == ["handler"]
    with api.session() as s:
        c1 = s.scalar(select(Case).where(Case.code == api.cases["c1"]))
        heir = s.scalar(select(Organisation).where(Organisation.code == "441900101-dept-housing"))
        assert c1 is not None and heir is not None
        assert c1.unit_id == heir.id and c1.status == status and c1.due_at == due
        event = s.scalar(select(CaseEvent).where(CaseEvent.case_id == c1.id).order_by(CaseEvent.seq.desc()))
        assert event is not None and event.action == "hand_over" and event.note == "机构改革"
        new = list(s.scalars(select(CaseEvent.action).order_by(CaseEvent.id).offset(before)))
        assert new.count("hand_over") == 1 and set(new) <= {"hand_over", "overdue"}  # a late case is marked too
        assert not s.scalar(select(Organisation.active).where(Organisation.code == T1_URBAN))
    [row] = [e for e in _audit(api, T1_URBAN) if e.action == "dissolve"]
    assert row.detail["before"] == {"active": True} and row.detail["after"] == {"active": False}
    assert row.detail["cases"] == [api.cases["c1"]] and "441900101-dept-housing" in row.detail["successor"]
    # the case's timeline says so, and twice is refused
    r = api.client.get(f"/api/v1/cases/{api.cases['c1']}", headers=h)
    assert r.status_code == 200 and "hand_over" in r.text
    r = api.client.post(f"{A}/organisations/{T1_URBAN}/dissolve", headers=h,
                        json={"successor": "441900101-dept-housing"})
    assert r.status_code == 422
