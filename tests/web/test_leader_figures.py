"""The leader's figures (from the rollup) agree with the metrics service's per-node
queries on the demo city, for the city, an area, a town and a community. (How fast each
page answers is measured in ``bench/pages.py``, not here.)"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from huying.geo import service as geo
from huying.metrics import rollup
from huying.metrics.service import figures
from tests.web.scene import HUMEN_COMMUNITY, HUMEN_TOWN, utcnow


@pytest.mark.parametrize("code", [None, "441900-A1", HUMEN_TOWN, HUMEN_COMMUNITY])
def test_the_leader_figures_agree_with_the_metrics_service(city_session: Session, code: str | None) -> None:
    now = utcnow()
    city = geo.get_city(city_session)
    node = geo.get_node(city_session, city.id, code or city.code)
    assert rollup.figures(city_session, city.id, node.code, now=now) == figures(city_session, city.id, code, now=now)
