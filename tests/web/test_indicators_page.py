"""The leader's indicators page: the catalogue's values of a node and of the nodes under it,
each listable figure a link to its records page whose count is the figure; a ranking by any
indicator; a bad period or indicator is a 400 that says so; every label is translated."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from huying.accountability import indicators as ind
from huying.web.pages.indicators import LABELS
from tests.web.scene import HTML, HUMEN_TOWN, sign_in

FIG = re.compile(r'<a href="(/leader/indicators/records\?[^"]*)" class="fig" data-key="(\w+)" data-n="(\d+)">')


def test_every_label_of_the_catalogue_is_extracted_for_translation() -> None:
    assert {i.label for i in ind.CATALOGUE} <= set(LABELS)


def test_each_figure_links_to_as_many_records_as_it_shows(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    r = city_client.get(f"/leader/indicators?node={HUMEN_TOWN}&period=all", headers=HTML)
    assert r.status_code == 200, r.text[:500]
    links = FIG.findall(r.text)
    assert links
    checked = 0
    for url, key, n in links[:40]:
        page = city_client.get(url.replace("&amp;", "&"), headers=HTML)
        assert page.status_code == 200, (key, page.text[:300])
        total = re.search(r'id="records-total" data-total="(\d+)"', page.text)
        assert total is not None and total.group(1) == n, (key, n)
        checked += 1
    assert checked > 5
    r = city_client.get(f"/leader/indicators?node={HUMEN_TOWN}&period=all&rank=response_rate", headers=HTML)
    assert r.status_code == 200 and 'id="ranking"' in r.text


def test_a_bad_period_or_indicator_is_a_400_with_its_reason(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    for url in ("/leader/indicators?period=decade", "/leader/indicators?period=all&rank=nope"):
        r = city_client.get(url, headers=HTML)
        assert r.status_code == 400 and 'id="indicators-error"' in r.text
    r = city_client.get("/leader/indicators/records?key=composite&period=all", headers=HTML)
    assert r.status_code == 400
