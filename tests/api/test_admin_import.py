"""The bulk import of organisations, people and accounts from the web and the API (issue 22),
on SQLite and PostgreSQL: a dry run first (nothing stored, every refused row named by line,
field and reason), then the confirmation applies it with one audit row per object; a
confirmation whose outcome would differ from its dry run (another import meanwhile, a changed
file) stores nothing; a bad file is a 4xx with its reason; an administrator of one town is
refused row by row in another; XLSX works like CSV."""

from __future__ import annotations

import io
import re
import uuid

import openpyxl
from sqlalchemy import func, select

from huying.audit import AdminEvent
from huying.config import get_settings
from huying.geo.models import Node
from huying.orgs import accounts
from huying.orgs.models import Organisation, Person, User
from tests.api.conftest import NOW, Api

HTML = {"accept": "text/html"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a-long-passphrase-9"
ORG_HEADER = "code,name_zh,name_en,kind,node\n"


def _admin(api: Api, node: str = "441900") -> tuple[str, str]:
    """A new administrator of ``node``: (username, API token)."""
    from huying.orgs import tokens

    name = f"m{uuid.uuid4().hex[:8]}"
    with api.session() as s:
        user = accounts.create(s, None, username=name, password=PASSWORD, role="admin",
                               node=s.scalar(select(Node).where(Node.code == node)), now=NOW, must_change=False)
        clear = tokens.create(s, user, "import", now=NOW)[1]
        s.commit()
    return name, clear


def _send(api: Api, token: str, kind: str, body: bytes, name: str = "file.csv", **query: str) -> object:
    return api.client.post(f"/api/v1/admin/import/{kind}", params=query, files={"file": (name, body)},
                           headers={"Authorization": f"Bearer {token}"})


def _orgs(api: Api, *codes: str) -> list[str]:
    with api.session() as s:
        return list(s.scalars(select(Organisation.code).where(Organisation.code.in_(codes))))


def _audit_count(api: Api) -> int:
    with api.session() as s:
        return s.scalar(select(func.count()).select_from(AdminEvent)) or 0


def test_the_api_dry_run_stores_nothing_then_the_confirmation_stores_each_row_with_its_audit_row(api: Api) -> None:
    _, token = _admin(api)
    a, b = f"imp-{uuid.uuid4().hex[:6]}", f"imp-{uuid.uuid4().hex[:6]}"
    body = (ORG_HEADER + f"{a},甲协会,Assoc A,social_organisation,441900101\n"
            f"{b},乙协会,,social_organisation,441900102\n"
            f"{a}-x,丙协会,,no_such_kind,441900101\n").encode()
    events = _audit_count(api)
    r = _send(api, token, "organisations", body, dry_run="true")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    rep = r.json()  # type: ignore[attr-defined]
    assert rep["dry_run"] and not rep["stored"] and rep["would_import"] == 0  # all-or-nothing: a row is bad
    assert [(x["line"], x["name"]) for x in rep["added"]] == [(2, f"甲协会 ({a})"), (3, f"乙协会 ({b})")]
    assert [(p["line"], p["field"], p["key"]) for p in rep["problems"]] == [(4, "kind", "kind")]
    assert "no_such_kind" in rep["problems"][0]["message"]
    assert _orgs(api, a, b) == [] and _audit_count(api) == events  # the savepoints of a dry run stored nothing
    # applied all-or-nothing: refused, nothing stored
    r = _send(api, token, "organisations", body, dry_run="false")
    assert r.status_code == 422 and not r.json()["stored"]  # type: ignore[attr-defined]
    assert _orgs(api, a, b) == []
    # leaving the bad row out, confirming the dry run it showed
    dry = _send(api, token, "organisations", body, dry_run="true", mode="skip-bad").json()  # type: ignore[attr-defined]
    assert dry["would_import"] == 2
    r = _send(api, token, "organisations", body, dry_run="false", mode="skip-bad", expect=dry["fingerprint"])
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    assert r.json()["imported"] == 2 and r.json()["bad_rows"] == 1  # type: ignore[attr-defined]
    assert sorted(_orgs(api, a, b)) == sorted([a, b])
    with api.session() as s:
        ids = list(s.scalars(select(Organisation.id).where(Organisation.code.in_((a, b)))))
        created = s.scalars(select(AdminEvent).where(AdminEvent.subject == "organisation",
                                                     AdminEvent.subject_id.in_(ids))).all()
        assert sorted(e.action for e in created) == ["create", "create"]
    # the same confirmation again does not do what its dry run showed (the codes are taken now)
    r = _send(api, token, "organisations", body, dry_run="false", mode="skip-bad", expect=dry["fingerprint"])
    assert r.status_code == 409 and r.json()["error"] == "stale"  # type: ignore[attr-defined]
    assert {p["key"] for p in r.json()["report"]["problems"]} == {"taken", "kind"}  # type: ignore[attr-defined]


def test_an_administrator_of_one_town_is_refused_row_by_row_in_another(api: Api) -> None:
    _, token = _admin(api, "441900101")
    mine, theirs = f"张{uuid.uuid4().hex[:4]}", f"李{uuid.uuid4().hex[:4]}"
    body = f"姓名,节点,电话,党员\n{mine},441900101001,138****0001,是\n{theirs},441900102001,,否\n".encode()
    r = _send(api, token, "people", body, dry_run="true")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert [(p["line"], p["field"], p["key"]) for p in r.json()["problems"]] == [(3, "node", "scope")]  # type: ignore[attr-defined]
    r = _send(api, token, "people", body, dry_run="false", mode="skip-bad")
    assert r.status_code == 201 and r.json()["imported"] == 1  # type: ignore[attr-defined]
    with api.session() as s:
        assert s.scalar(select(Person.is_party_member).where(Person.name == mine)) is True
        assert s.scalar(select(Person.id).where(Person.name == theirs)) is None
    # an organisation placed in the other town, too
    r = _send(api, token, "organisations", (ORG_HEADER + "t2-x,越权组织,,social_organisation,441900102\n").encode())
    assert [(p["field"], p["key"]) for p in r.json()["problems"]] == [("node", "scope")]  # type: ignore[attr-defined]


def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_stored(api: Api) -> None:
    _, token = _admin(api)
    events = _audit_count(api)
    cases = [
        (b"%PDF-1.4 binary", "file.pdf", 422, "format"),
        (b"nom,genre\nx,y\n", "file.csv", 422, "header"),
        ("代码,名称,类型,节点\nx,协会,social_organisation,441900101\n".encode("gbk"), "gbk.csv", 422, "encoding"),
        (b"PK\x03\x04 not a workbook", "file.xlsx", 422, "xlsx"),
        (ORG_HEADER.encode(), "header-only.csv", 422, "empty"),
        (b"code,name_zh,kind,node\nx\x00y,a,b,c\n", "nul.csv", 422, "format"),
        (b"x" * (get_settings().max_attachment_bytes + 1), "big.csv", 413, "too_large"),
    ]
    for body, name, status, key in cases:
        r = _send(api, token, "organisations", body, name, dry_run="false")
        assert r.status_code == status, (name, r.text[:200])  # type: ignore[attr-defined]
        assert r.json()["key"] == key, (name, r.json())  # type: ignore[attr-defined]
    assert r.json()["error"] == "invalid_file"  # type: ignore[attr-defined]
    assert _send(api, token, "elephants", b"a\n").status_code == 422  # type: ignore[attr-defined]
    assert _send(api, api.tokens["town"], "organisations", ORG_HEADER.encode()).status_code == 403  # type: ignore[attr-defined]
    assert _audit_count(api) == events


def test_an_xlsx_file_imports_accounts_with_a_reset_code_shown_once_or_a_first_password(api: Api) -> None:
    _, token = _admin(api)
    coded, passworded = f"x{uuid.uuid4().hex[:7]}", f"y{uuid.uuid4().hex[:7]}"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["用户名", "显示名", "角色", "节点", "单位", "密码"])
    ws.append([coded, "导入一", "town_officer", 441900101, None, None])  # a number cell, as Excel keeps codes
    ws.append([passworded, "导入二", "community_officer", "441900101001", None, PASSWORD])
    ws.append([f"z{uuid.uuid4().hex[:7]}", None, "wizard", "441900101", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = _send(api, token, "accounts", buf.getvalue(), "accounts.xlsx", dry_run="true", mode="skip-bad")
    assert r.status_code == 200 and r.json()["resets"] == {}  # type: ignore[attr-defined]  # no code before confirming
    assert [(p["line"], p["field"]) for p in r.json()["problems"]] == [(4, "role")]  # type: ignore[attr-defined]
    r = _send(api, token, "accounts", buf.getvalue(), "accounts.xlsx", dry_run="false", mode="skip-bad",
              expect=r.json()["fingerprint"])  # type: ignore[attr-defined]
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    assert list(r.json()["resets"]) == [coded]  # type: ignore[attr-defined]
    with api.session() as s:
        first = s.scalar(select(User).where(User.username == coded))
        second = s.scalar(select(User).where(User.username == passworded))
        assert first is not None and second is not None
        assert second.must_change_password and not first.must_change_password  # the code sets their own
        assert s.scalar(select(func.count()).select_from(AdminEvent).where(
            AdminEvent.subject == "user", AdminEvent.subject_id == first.id)) == 2  # created, reset code issued
    api.client.cookies.clear()
    assert api.client.get(f"/reset/{r.json()['resets'][coded]}", headers=HTML).status_code == 200  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the pages


def _sign_in(api: Api, username: str, password: str = PASSWORD) -> None:
    api.client.cookies.clear()
    token = _csrf(api)
    r = api.client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                        headers=HTML, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def _csrf(api: Api) -> str:
    m = CSRF.search(api.client.get("/login", headers=HTML).text)
    assert m
    return m.group(1)


def _hidden(page: str) -> dict[str, str]:
    form = page[page.index('id="import-confirm"'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))


def test_the_page_shows_a_dry_run_then_applies_it_on_confirmation(api: Api) -> None:
    name, _ = _admin(api)
    _sign_in(api, name)
    page = api.client.get("/admin/import?kind=organisations", headers=HTML)
    assert page.status_code == 200 and "从文件导入" in page.text and 'id="import-form"' in page.text
    assert '/admin/import"' in api.client.get("/admin", headers=HTML).text  # linked from the index
    assert "/admin/import?kind=people" in api.client.get("/admin/people?node=441900101", headers=HTML).text
    assert "/admin/import?kind=accounts" in api.client.get("/admin/users", headers=HTML).text
    a = f"web-{uuid.uuid4().hex[:6]}"
    body = (ORG_HEADER + f"{a},网页协会,,social_organisation,441900101\n{a},重复协会,,social_organisation,441900101\n")
    r = api.client.post("/admin/import", data={"kind": "organisations", "mode": "skip-bad", "csrf_token": _csrf(api)},
                        files={"file": ("orgs.csv", body.encode())}, headers=HTML)
    assert r.status_code == 200, r.text[:500]
    assert 'data-line="3" data-field="code" data-key="taken"' in r.text and "该代码已被使用" in r.text
    assert f"网页协会 ({a})" in r.text and _orgs(api, a) == []  # shown, not stored
    carry = _hidden(r.text)
    # a changed file under the dry run's fingerprint is refused
    import base64

    other = base64.b64encode(body.replace("网页协会", "改过的协会").encode()).decode()
    r2 = api.client.post("/admin/import/apply", data={**carry, "data": other}, headers=HTML)
    assert r2.status_code == 409 and 'id="import-stale"' in r2.text and _orgs(api, a) == []
    r = api.client.post("/admin/import/apply", data=carry, headers=HTML)
    assert r.status_code == 201 and 'id="import-done"' in r.text, r.text[:500]
    assert _orgs(api, a) == [a]
    # a second administrator confirming the same dry run afterwards stores nothing more
    r = api.client.post("/admin/import/apply", data=carry, headers=HTML)
    assert r.status_code == 409 and 'id="import-stale"' in r.text
    with api.session() as s:
        assert s.scalar(select(func.count()).select_from(Organisation).where(Organisation.name_zh == "网页协会")) == 1


def test_the_page_refuses_a_bad_file_in_the_persons_language_and_offers_a_template(api: Api) -> None:
    name, _ = _admin(api)
    _sign_in(api, name)

    def post(body: bytes, filename: str, kind: str = "people") -> object:
        return api.client.post("/admin/import", data={"kind": kind, "csrf_token": _csrf(api)},
                               files={"file": (filename, body)}, headers=HTML)

    r = post("姓名,节点\n王五,441900101\n".encode("gb18030"), "people.csv")
    assert r.status_code == 422 and "不是 UTF-8 文本" in r.text  # type: ignore[attr-defined]
    r = post(b"x" * (get_settings().max_attachment_bytes + 1), "people.csv")
    assert r.status_code == 413 and "文件过大" in r.text  # type: ignore[attr-defined]
    r = post(b"phone\n1\n", "people.csv")
    assert r.status_code == 422 and "缺少必需的列：姓名" in r.text  # type: ignore[attr-defined]
    r = post(b"a,b", "people.docx")
    assert r.status_code == 422 and 'data-key="format"' in r.text  # type: ignore[attr-defined]
    # the template: a Chinese header and a synthetic row that passes a dry run
    for kind in ("organisations", "people", "accounts"):
        t = api.client.get(f"/admin/import/template/{kind}.csv", headers=HTML)
        assert t.status_code == 200 and t.headers["content-type"].startswith("text/csv")
        assert t.content.startswith("\ufeff".encode())
        r = post(t.content, f"{kind}.csv", kind)
        assert r.status_code == 200 and 'id="import-confirm"' in r.text, (kind, r.text[:300])  # type: ignore[attr-defined]
    assert api.client.get("/admin/import/template/people.csv", headers=HTML).text.lstrip("\ufeff").startswith("姓名,")
    # not an administrator: refused
    _sign_in(api, "town", "secret-pass")
    assert api.client.get("/admin/import", headers=HTML).status_code == 403
    r = api.client.post("/admin/import", data={"kind": "people", "csrf_token": _csrf(api)},
                        files={"file": ("people.csv", "姓名,节点\n王五,441900101\n".encode())}, headers=HTML)
    assert r.status_code == 403
    assert api.client.get("/admin/import/template/people.csv", headers=HTML).status_code == 403
