"""A figure of the leader's page links to the work list of the cases it counts: with ``fig``
the list is exactly the cases of ``metrics.drill.cases_clause`` that the person may see, and
its heading names the figure, the place and the period."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.geo.models import Node
from huying.metrics.drill import FIGURES, cases_clause
from huying.metrics.period import parse_period
from tests.web.scene import HTML, HUMEN_TOWN, sign_in


def total(html: str) -> int:
    m = re.search(r'<div id="queue" data-total="(\d+)"', html)
    assert m, "no list"
    return int(m.group(1))


@pytest.mark.parametrize("figure", FIGURES)
def test_the_list_of_a_figure_counts_what_the_figure_counts(city_client: TestClient, city_session: Session,
                                                           figure: str) -> None:
    now = dt.datetime.now(dt.UTC)
    year = now.year
    town = city_session.scalar(select(Node).where(Node.code == HUMEN_TOWN))
    assert town is not None
    period = parse_period("year", f"{year}-01-01", "", now=now)
    expected = city_session.scalar(select(func.count()).select_from(Case).where(cases_clause(
        figure, city_id=town.city_id, node_path=town.path, now=now, since=period.since, until=period.until)))
    sign_in(city_client, "leader")
    r = city_client.get(f"/work?tab=all&node={HUMEN_TOWN}&fig={figure}&period=year&from={year}-01-01", headers=HTML)
    assert r.status_code == 200
    assert total(r.text) == expected
    assert f'data-figure="{figure}"' in r.text and "虎门镇" in r.text


def test_the_heading_names_the_figure_the_place_and_the_period(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    r = city_client.get(f"/work?tab=all&node={HUMEN_TOWN}&fig=received&period=custom&from=2026-01-01&to=2026-03-31",
                        headers=HTML)
    heading = re.search(r'<div class="notice figure-heading".*?</div>', r.text, flags=re.S)
    assert heading is not None
    text = re.sub(r"<[^>]+>|\s+", "", heading.group(0))
    assert text.startswith("受理数·虎门镇·2026-01-01至2026-03-31")
    # the export of the figure's list holds the same cases
    assert 'href="/work/export.xlsx?tab=all&amp;node=441900121&amp;fig=received&amp;period=custom' in r.text
