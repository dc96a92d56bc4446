"""An account's open work, listed for reassignment when it is deactivated (issue 22), on
SQLite and PostgreSQL: the last active handler of a unit answers for the unit's open cases,
listed with a link to each case's page by the page, the API and the command line alike
(``huying.contact.workload.open_work``, one query); a handler with a colleague still active
leaves nothing behind."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from huying.cli import app
from huying.geo.models import Node
from huying.orgs import accounts
from huying.orgs.models import Organisation, User
from tests.api.conftest import NOW, T1_URBAN, Api, reset_caches

HTML = {"accept": "text/html"}
PASSWORD = "a-long-passphrase-9"


def _id(api: Api, username: str) -> int:
    with api.session() as s:
        return int(s.scalar(select(User.id).where(User.username == username)))  # type: ignore[arg-type]


def _account(api: Api, username: str, role: str, node: str, unit: str | None = None) -> None:
    with api.session() as s:
        accounts.create(s, None, username=username, password=PASSWORD, role=role, now=NOW, must_change=False,
                        node=s.scalar(select(Node).where(Node.code == node)),  # type: ignore[arg-type]
                        organisation=s.scalar(select(Organisation).where(Organisation.code == unit)) if unit else None)
        s.commit()


def _cases_listed(api: Api, username: str) -> list[dict[str, str]]:
    r = api.client.get(f"/api/v1/admin/accounts/{_id(api, username)}", headers=api.h("admin"))
    assert r.status_code == 200, r.text
    return [i for i in r.json()["open_work"] if i["kind"] == "case"]


def test_a_handler_with_an_active_colleague_leaves_no_case_behind(api: Api) -> None:
    assert [i["link"] for i in _cases_listed(api, "handler")] == [f"/cases/{api.cases['c1']}"]
    _account(api, "handlerb", "department_handler", "441900101", T1_URBAN)
    assert _cases_listed(api, "handler") == []


def test_the_last_handler_of_a_unit_lists_its_open_cases_on_the_page_the_api_and_the_cli(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    c2 = api.cases["c2"]  # town 2's urban management: handler2 its only handler
    listed = {"kind": "case", "label": f"{c2} 井盖缺失", "link": f"/cases/{c2}"}
    assert _cases_listed(api, "handler2") == [listed]
    monkeypatch.setenv("HUYING_DATABASE_URL", api.url)
    reset_caches()
    try:
        out = CliRunner().invoke(app, ["admin", "deactivate", "handler2"])
    finally:
        reset_caches()
    assert out.exit_code == 0, out.stderr
    assert listed in json.loads(out.stdout)["open_work"]
    assert _cases_listed(api, "handler2") == [listed]  # still listed, deactivated
    # the page: each case linked to its own page, where it is sent on
    _account(api, "pageadmin", "admin", "441900")
    api.client.cookies.clear()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', api.client.get("/login", headers=HTML).text)
    assert csrf
    r = api.client.post("/login", data={"username": "pageadmin", "password": PASSWORD, "csrf_token": csrf.group(1)},
                        headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    page = api.client.get(f"/admin/users/{_id(api, 'handler2')}", headers=HTML).text
    assert f'<li data-kind="case"><a href="/cases/{c2}">' in page and "本单位的未结案件" in page
