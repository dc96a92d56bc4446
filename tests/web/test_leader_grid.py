"""At a grid, the leader sees the grid's cases (open first), and links to the whole list."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.web.scene import HTML, report, sign_in

#: A grid no other web test reports in (the demo resident's grid collects dozens of open
#: cases over the suite, and the grid's page lists the most urgent first).
QUIET_GRID = "441900121017002"


def test_the_grid_level_lists_its_cases(city_client: TestClient, city_session: Session) -> None:
    case = report(city_session, title="网格层面看得到的案件", grid=QUIET_GRID)
    sign_in(city_client, "leader")
    r = city_client.get(f"/leader?node={QUIET_GRID}", headers=HTML)
    assert r.status_code == 200
    table = r.text.split('id="grid-cases"', 1)[1].split("</table>", 1)[0]
    assert f'data-code="{case.code}"' in table and "网格层面看得到的案件" in table
    assert 'id="figures"' not in r.text  # no empty table of the nodes below
    assert f"node={QUIET_GRID}&amp;fig=open_now" in r.text
