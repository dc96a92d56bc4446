"""分配走访户: an officer ticks households of a grid and gives them to a cadre; they are then
in the cadre's 我的走访户. A bad form says what is wrong and stores nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact.models import VisitAssignment
from tests.web.scene import HTML, HUMEN_GRID, SECOND_GRID, post, sign_in


def test_an_officer_gives_households_to_a_cadre(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "community")
    mine = city_client.get("/visits", headers=HTML)
    assert 'id="assign-link"' in mine.text
    page = city_client.get(f"/visits/assign?node={SECOND_GRID}", headers=HTML)
    assert page.status_code == 200 and "分配走访户" in page.text
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-household="([^"]+)">(.*?)</tr>', page.text, re.S)}
    # the grid's households all have demo cadres: two of them are given to the community officer
    unassigned = [code for code, row in rows.items() if "演示社区干部" not in row][-2:]
    assert len(unassigned) == 2
    assert 'value="community"' in page.text  # the community's cadre is offered
    assert 'value="gridworker"' not in page.text  # another grid's worker is not
    before = city_session.scalar(select(func.count()).select_from(VisitAssignment))
    bad = post(city_client, "/visits/assign", {"node": SECOND_GRID, "cadre": "community"})
    assert bad.status_code == 422 and "请至少勾选一户" in bad.text
    bad = post(city_client, "/visits/assign", {"node": SECOND_GRID, "cadre": "nobody", "households": unassigned})
    assert bad.status_code == 422 and "请从列表中选择驻点干部" in bad.text
    assert city_session.scalar(select(func.count()).select_from(VisitAssignment)) == before
    done = post(city_client, "/visits/assign", {"node": SECOND_GRID, "cadre": "community", "households": unassigned})
    assert done.status_code == 303 and done.headers["location"] == f"/visits/assign?node={SECOND_GRID}&done=2"
    assert "已为 2 户分配驻点干部" in city_client.get(done.headers["location"], headers=HTML).text
    theirs = city_client.get("/visits", headers=HTML).text
    for code in unassigned:
        assert f'data-household="{code}"' in theirs


def test_only_officers_open_it(city_client: TestClient) -> None:
    for who in ("resident", "gridworker", "handler", "leader"):
        sign_in(city_client, who)
        assert city_client.get(f"/visits/assign?node={HUMEN_GRID}", headers=HTML).status_code == 403, who
    sign_in(city_client, "town2")
    assert city_client.get(f"/visits/assign?node={HUMEN_GRID}", headers=HTML).status_code == 403
