"""分配走访户: an officer ticks households of a grid and gives them to a cadre; they are then
in the cadre's 我的走访户. A bad form says what is wrong and stores nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact.models import VisitAssignment
from tests.web.scene import HTML, HUMEN_GRID, post, sign_in


def test_an_officer_gives_households_to_a_cadre(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "community")
    mine = city_client.get("/visits", headers=HTML)
    assert 'id="assign-link"' in mine.text
    page = city_client.get(f"/visits/assign?node={HUMEN_GRID}", headers=HTML)
    assert page.status_code == 200 and "分配走访户" in page.text
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-household="([^"]+)">(.*?)</tr>', page.text, re.S)}
    unassigned = [code for code, row in rows.items() if "未分配" in row][:2]
    assert len(unassigned) == 2, "the demo grid should have households without a cadre"
    assert 'value="gridworker"' in page.text  # the grid's worker is offered
    before = city_session.scalar(select(func.count()).select_from(VisitAssignment))
    bad = post(city_client, "/visits/assign", {"node": HUMEN_GRID, "cadre": "gridworker"})
    assert bad.status_code == 422 and "请至少勾选一户" in bad.text
    bad = post(city_client, "/visits/assign", {"node": HUMEN_GRID, "cadre": "nobody", "households": unassigned})
    assert bad.status_code == 422 and "请从列表中选择驻点干部" in bad.text
    assert city_session.scalar(select(func.count()).select_from(VisitAssignment)) == before
    done = post(city_client, "/visits/assign", {"node": HUMEN_GRID, "cadre": "gridworker", "households": unassigned})
    assert done.status_code == 303 and done.headers["location"] == f"/visits/assign?node={HUMEN_GRID}&done=2"
    assert "已为 2 户分配驻点干部" in city_client.get(done.headers["location"], headers=HTML).text
    sign_in(city_client, "gridworker")
    theirs = city_client.get("/visits", headers=HTML).text
    for code in unassigned:
        assert f'data-household="{code}"' in theirs


def test_only_officers_open_it(city_client: TestClient) -> None:
    for who in ("resident", "gridworker", "handler", "leader"):
        sign_in(city_client, who)
        assert city_client.get(f"/visits/assign?node={HUMEN_GRID}", headers=HTML).status_code == 403, who
    sign_in(city_client, "town2")
    assert city_client.get(f"/visits/assign?node={HUMEN_GRID}", headers=HTML).status_code == 403
