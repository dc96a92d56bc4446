"""The rankings of the nodes below a leader's node (best first, equal shares rank equal,
nothing to rate left out) and of the units with cases (most overdue first)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.geo import service as geo
from huying.metrics import rollup
from huying.metrics.cockpit import Row, rankings, unit_loads
from huying.web.queries import clear_cached
from tests.web.scene import HTML, HUMEN_TOWN, dispatched, sign_in, utcnow


def _row(code: str, **counts: int) -> Row:
    return Row(code, code, code, "town", rollup.Counts(**counts), {})


def test_rankings_order_best_first_and_tie() -> None:
    rows = [_row("a", on_time=5, closed=10, open_now=4, overdue_now=1, satisfied=9, dissatisfied=1),
            _row("b", on_time=9, closed=10, open_now=2, overdue_now=0, satisfied=1, dissatisfied=1),
            _row("c", on_time=1, closed=2, open_now=0, overdue_now=0),
            _row("d")]
    r = rankings(rows)
    assert [(x.rank, x.row.code) for x in r["on_time_rate"]] == [(1, "b"), (2, "a"), (2, "c")]
    assert [(x.rank, x.row.code, x.num, x.den) for x in r["overdue_share"]] == [(1, "b", 0, 2), (2, "a", 1, 4)]
    assert [x.row.code for x in r["satisfaction_rate"]] == ["a", "b"]


def test_units_most_overdue_first_and_the_page_shows_them(city_client: TestClient, city_session: Session) -> None:
    case = dispatched(city_session, title="单位排名测试")
    town = geo.get_node(city_session, case.city_id, HUMEN_TOWN)
    loads = unit_loads(city_session, town, now=utcnow())
    assert loads and all(u.closed is not None for u in loads)
    keys = [(-u.overdue_now, -u.open_now) for u in loads]
    assert keys == sorted(keys)
    sign_in(city_client, "leader")
    clear_cached()  # the figures of the town may have been read before this case
    html = city_client.get(f"/leader?node={HUMEN_TOWN}", headers=HTML).text
    assert 'id="rankings"' in html and f'data-unit="{loads[0].code}"' in html


def test_the_city_ranks_its_towns_and_steps_through_periods(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    html = city_client.get("/leader?period=month&from=2026-11-15", headers=HTML).text
    ranked = html.split('id="rankings"', 1)[1]
    assert "排名（镇街）" in html or "Rankings (Town)" in html
    assert HUMEN_TOWN in ranked  # the towns, not the areas
    assert 'id="period-prev"' in html and "from=2026-10-31" in html
    assert 'id="period-next"' in html and "from=2026-12-01" in html
