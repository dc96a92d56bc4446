"""Every count on the leader's page is a link to the work list of exactly its cases: the
node's figures and each child's, with the node, the figure and the period in the URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from huying.metrics.drill import FIGURES
from huying.web.queries import clear_cached
from tests.web.scene import HTML, HUMEN_TOWN, sign_in

LINK = re.compile(r'<a href="([^"]+)" class="fig" data-fig="(\w+)" data-n="(\d+)">')


def test_every_count_links_to_its_cases_for_the_period(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    html = city_client.get(f"/leader?node={HUMEN_TOWN}&period=quarter&from=2026-11-15", headers=HTML).text
    links = LINK.findall(html)
    kpis = html.split('id="kpis"', 1)[1].split('class="leader-grid"', 1)[0]
    assert {f for _, f, _ in LINK.findall(kpis)} == set(FIGURES)  # every figure of the node
    children = re.findall(r'<tr data-code="(\d+)">', html.split('id="figures"', 1)[1])
    assert children
    for href, figure, _ in links:
        url = urlsplit(href.replace("&amp;", "&"))
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        assert url.path == "/work" and q["tab"] == "all" and q["fig"] == figure
        assert q["period"] == "quarter" and q["from"] == "2026-10-01"
        assert q["node"] == HUMEN_TOWN or q["node"] in children
    for code in children:  # each child row links its counts with its own code
        row = html.split(f'<tr data-code="{code}">', 1)[1].split("</tr>", 1)[0]
        figs = {f for h, f, _ in LINK.findall(row) if f"node={code}" in h}
        assert {"received", "closed", "on_time", "satisfied", "reworked", "escalations", "open_now",
                "overdue_now"} <= figs


def test_all_time_links_say_so(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    html = city_client.get("/leader?period=all", headers=HTML).text
    hrefs = [h.replace("&amp;", "&") for h, _, _ in LINK.findall(html)]
    assert hrefs and all("period=all" in h for h in hrefs)


def test_each_figure_of_a_town_lists_as_many_cases(city_client: TestClient) -> None:
    """The list behind each count has that many cases."""
    sign_in(city_client, "leader")
    clear_cached()
    for period in ("period=year", "period=all", "period=custom&from=2026-03-01&to=2026-09-30"):
        html = city_client.get(f"/leader?node={HUMEN_TOWN}&{period}", headers=HTML).text
        kpis = html.split('id="kpis"', 1)[1].split('class="leader-grid"', 1)[0]
        for href, figure, n in LINK.findall(kpis):
            page = city_client.get(href.replace("&amp;", "&"), headers=HTML).text
            assert 'id="figure-heading"' in page, href  # the list says which figure it lists
            total = re.search(r'id="queue" data-total="(\d+)"', page)
            assert total is not None and int(total.group(1)) == int(n), (period, figure, n)
