"""The deployment pages in the demo city: the list, a roster by grid (team, members, the
local member marked, checked in or not) and its exports equal to it, "my team" with its
check-in button counting once a day, the new-deployment form's errors, and scope."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact import deploy_service as ds
from huying.contact.deploy_models import CheckIn, DeploymentMember
from huying.orgs.models import User
from tests.web.deploy_scene import active_deployment
from tests.web.scene import HTML, actor, post, sign_in, utcnow


def test_an_officer_reads_the_roster_by_grid_and_exports_it(city_client: TestClient, city_session: Session) -> None:
    dep = active_deployment(city_session)
    sign_in(city_client, "town")
    r = city_client.get("/deployments", headers=HTML)
    assert r.status_code == 200 and f'data-deployment="{dep}"' in r.text
    assert "台风“海葵”防御下沉" in r.text  # the demo's past deployment
    r = city_client.get(f"/deployments/{dep}", headers=HTML)
    assert r.status_code == 200
    roster = ds.roster(city_session, actor(city_session, "town"), dep, now=utcnow())
    # many grids: a list of them, each a link to its own roster
    assert len(re.findall(r'<li data-grid="', r.text)) == roster.figures.grids
    assert 'id="export-xlsx"' in r.text and 'id="end-deployment"' in r.text
    grid = roster.teams[0].grid.code
    one = city_client.get(f"/deployments/{dep}?grid={grid}", headers=HTML)
    teams = [t for t in roster.teams if t.grid.code == grid]
    assert len(re.findall(r'class="deploy-team" data-team=', one.text)) == len(teams)
    assert one.text.count('data-local="1"') >= len(teams)
    assert "441900121" not in re.sub(r'(href|data-grid|action)="[^"]*"', "", r.text)  # names, not codes
    book = load_workbook(io.BytesIO(city_client.get(f"/deployments/{dep}/roster.xlsx", headers=HTML).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) - 1 == roster.figures.staff
    names = {m.name for t in roster.teams for m in t.members}
    assert {row[4] for row in rows[1:]} == names
    assert all("****" in (row[6] or "****") for row in rows[1:])
    one = city_client.get(f"/deployments/{dep}/roster.csv?grid={grid}", headers=HTML)
    assert one.status_code == 200 and one.content.startswith("\ufeff".encode())
    assert len(one.content.decode("utf-8-sig").strip().splitlines()) - 1 == sum(
        len(t.members) for t in roster.teams if t.grid.code == grid)


def test_a_member_checks_in_once_a_day_from_my_team(city_client: TestClient, city_session: Session) -> None:
    dep = active_deployment(city_session)
    sign_in(city_client, "handler")
    r = city_client.get("/deployments/mine", headers=HTML)
    assert r.status_code == 200 and 'id="teammates"' in r.text
    assert r.text.count('class="deploy-member') == 3
    person = city_session.scalar(select(User.person_id).where(User.username == "handler"))
    member = city_session.scalar(select(DeploymentMember.id).where(DeploymentMember.deployment_id == dep,
                                                                   DeploymentMember.person_id == person))
    for _ in range(2):
        done = post(city_client, f"/deployments/{dep}/checkin", {"note": "已到社区"})
        assert done.status_code == 303 and done.headers["location"].startswith("/deployments/mine?done=")
    city_session.expire_all()
    assert city_session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.member_id == member)) == 1
    r = city_client.get("/deployments/mine", headers=HTML)
    assert 'id="already"' in r.text and 'id="check-in"' not in r.text
    r = city_client.get(f"/deployments/{dep}", headers=HTML)  # the roster: their own team only
    assert r.status_code == 200 and len(re.findall(r'class="deploy-team" data-team=', r.text)) == 1
    assert 'id="end-deployment"' not in r.text


def test_others_see_nothing(city_client: TestClient, city_session: Session) -> None:
    dep = active_deployment(city_session)
    sign_in(city_client, "town2")
    assert city_client.get(f"/deployments/{dep}", headers=HTML).status_code == 404
    assert city_client.get(f"/deployments/{dep}/roster.xlsx", headers=HTML).status_code == 404
    assert post(city_client, f"/deployments/{dep}/end").status_code == 404
    sign_in(city_client, "resident")
    assert city_client.get("/deployments", headers=HTML).status_code == 403
    assert city_client.get(f"/deployments/{dep}", headers=HTML).status_code == 404


def test_the_new_deployment_form_names_the_bad_field(city_client: TestClient, city_session: Session) -> None:
    active_deployment(city_session)
    sign_in(city_client, "town")
    r = city_client.get("/deployments/new", headers=HTML)
    assert r.status_code == 200 and "虎门镇" in r.text
    bad = post(city_client, "/deployments", {"node": "441900121", "name": "再次下沉", "teams": "abc"})
    assert bad.status_code == 422 and 'id="form-errors"' in bad.text
    none_left = post(city_client, "/deployments", {"node": "441900121", "name": "再次下沉"})
    assert none_left.status_code == 422  # every staff member of 虎门 is deployed already
    sign_in(city_client, "gridworker")
    assert city_client.get("/deployments/new", headers=HTML).status_code == 403
