"""The leader's figures are cached per node and period and computed again after a new event;
the value computed again replaces the one it supersedes, so that a worker keeps one value per
node and period however many reports come in (bench/soak.py found a worker keeping a whole
indicator tree per event it had seen: 413 → 965 MB in six minutes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo.models import Node
from huying.web import queries
from tests.web.scene import HUMEN_TOWN, report


def test_a_figure_computed_again_after_new_events_replaces_the_old_one(city_session: Session) -> None:
    node = city_session.scalar(select(Node).where(Node.code == HUMEN_TOWN))
    assert node is not None
    queries.clear_cached()
    computed = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    assert queries.cached(city_session, "soak-test", node, compute, period="year") == 1
    assert queries.cached(city_session, "soak-test", node, compute, period="year") == 1  # a hit
    for i in range(5):
        report(city_session, title=f"路灯不亮 {i}")  # a new event: the figure is stale
        city_session.commit()
        assert queries.cached(city_session, "soak-test", node, compute, period="year") == i + 2
    assert queries.cached_figures() == 1
    queries.clear_cached()
