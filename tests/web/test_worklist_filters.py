"""The work list's filters narrow the list, stay in the URL (the form, the paging and sorting
links, the export links) and a filter that cannot be used is a 400 page that says why."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.web import worklist
from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_GRID, HUMEN_TOWN, report, sign_in


def codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def word() -> str:
    return "标记" + uuid.uuid4().hex[:8]


def test_each_filter_narrows_the_list(city_client: TestClient, city_session: Session) -> None:
    w = word()
    by_resident = report(city_session, title=f"{w} 路灯不亮")
    by_worker = report(city_session, who="gridworker", title=f"{w} 井盖松动")
    sign_in(city_client, "town")
    r = city_client.get(f"/work?tab=all&q={w}", headers=HTML)
    assert r.status_code == 200
    assert sorted(codes(r.text)) == sorted([by_resident.code, by_worker.code])
    assert codes(city_client.get(f"/work?tab=all&q={w}&channel=grid_patrol", headers=HTML).text) == [by_worker.code]
    assert codes(city_client.get(f"/work?tab=all&q={w}&channel=hotline", headers=HTML).text) == []
    assert len(codes(city_client.get(f"/work?tab=all&q={w}&node={HUMEN_GRID}", headers=HTML).text)) == 2
    assert len(codes(city_client.get(f"/work?tab=all&q={w}&status=new", headers=HTML).text)) == 2
    assert codes(city_client.get(f"/work?tab=all&q={w}&status=closed", headers=HTML).text) == []
    assert codes(city_client.get(f"/work?tab=all&q={w}&overdue=1", headers=HTML).text) == []
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert codes(city_client.get(f"/work?tab=all&q={w}&from={tomorrow}", headers=HTML).text) == []
    week_ago = (dt.date.today() - dt.timedelta(days=7)).isoformat()
    assert len(codes(city_client.get(f"/work?tab=all&q={w}&from={week_ago}&to={tomorrow}",
                                     headers=HTML).text)) == 2


def test_a_unit_and_a_category_filter_the_cases_they_hold(city_client: TestClient, city_session: Session) -> None:
    w = word()
    from tests.web.scene import dispatched

    sent = dispatched(city_session, title=f"{w} 楼道堆放杂物", by="town", to=f"{HUMEN_TOWN}-dept-urban_management")
    report(city_session, title=f"{w} 另一件")
    sign_in(city_client, "town")
    r = city_client.get(f"/work?tab=all&q={w}&unit={HUMEN_TOWN}-dept-urban_management", headers=HTML)
    assert codes(r.text) == [sent.code]
    assert "虎门镇城市管理和综合执法分局" in r.text  # the picker shows the unit's name
    assert city_client.get(f"/work?tab=all&q={w}&category=01", headers=HTML).status_code == 200


def test_the_filters_stay_in_the_form_the_paging_and_the_export_links(
        city_client: TestClient, city_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    w = word()
    made = [report(city_session, who="gridworker", title=f"{w} 第{i}件") for i in range(3)]
    monkeypatch.setattr(worklist, "PAGE", 2)
    sign_in(city_client, "town")
    r = city_client.get(f"/work?tab=all&q={w}&channel=grid_patrol&node={HUMEN_TOWN}", headers=HTML)
    assert r.status_code == 200
    first = codes(r.text)
    assert len(first) == 2
    assert f'name="q" value="{w}"' in r.text
    assert '<option value="grid_patrol" selected>' in r.text
    assert f'name="node" value="{HUMEN_TOWN}"' in r.text and "虎门镇" in r.text
    nxt = re.search(r'<a href="/work\?([^"]+)" rel="next">', r.text)
    assert nxt is not None
    query = parse_qs(nxt.group(1).replace("&amp;", "&"))
    assert query["q"] == [w] and query["channel"] == ["grid_patrol"] and query["node"] == [HUMEN_TOWN]
    assert query["page"] == ["2"]
    second = codes(city_client.get("/work?" + nxt.group(1).replace("&amp;", "&"), headers=HTML).text)
    assert len(second) == 1 and set(first + second) == {c.code for c in made}
    export = re.search(r'id="export-xlsx"', r.text) and re.search(r'href="(/work/export\.xlsx\?[^"]+)"', r.text)
    assert export
    assert parse_qs(urlsplit(export.group(1).replace("&amp;", "&")).query)["channel"] == ["grid_patrol"]


def test_sorting_links_keep_the_filters(city_client: TestClient, city_session: Session) -> None:
    w = word()
    report(city_session, title=f"{w} 甲")
    report(city_session, title=f"{w} 乙")
    sign_in(city_client, "town")
    r = city_client.get(f"/work?tab=all&q={w}", headers=HTML)
    newest_first = codes(r.text)
    link = re.search(r'href="/work\?([^"]+)" data-sort="reported"', r.text)
    assert link is not None and parse_qs(link.group(1).replace("&amp;", "&"))["q"] == [w]
    flipped = codes(city_client.get("/work?" + link.group(1).replace("&amp;", "&"), headers=HTML).text)
    assert flipped == list(reversed(newest_first))


@pytest.mark.parametrize(("query", "reason", "words"), [
    ("status=bogus", "status", "没有这个状态"),
    ("channel=fax", "channel", "没有这个来源渠道"),
    ("from=2026-13-40", "date", "年-月-日"),
    ("from=2026-03-02&to=2026-03-01", "range", "结束日期早于开始日期"),
    ("sort=evil", "sort", "不能这样排序"),
    ("page=0", "page", "没有这一页"),
    ("page=abc", "page", "没有这一页"),
    ("tab=nope", "tab", "没有这个待办列表"),
    ("node=999999999", "node", "没有这个地点"),
    (f"node={CHANGAN_TOWN}", "node_scope", "不在您的辖区"),
    ("unit=nobody", "unit", "没有这个单位"),
    ("category=99.99", "category", "没有这个问题分类"),
    ("fig=everything", "fig", "没有这项统计数字"),
    ("fig=received&period=decade", "period", "统计期"),
    ("overdue=maybe", "flag", "超期筛选"),
])
def test_a_filter_that_cannot_be_used_is_a_400_page_with_the_reason(
        city_client: TestClient, query: str, reason: str, words: str) -> None:
    sign_in(city_client, "town")
    r = city_client.get(f"/work?{query}", headers=HTML)
    assert r.status_code == 400, r.text[:300]
    assert f'data-reason="{reason}"' in r.text
    assert words in r.text
    assert city_client.get(f"/work/export.csv?{query}", headers=HTML).status_code == 400


def test_the_filter_form_gets_the_reason_in_place_of_the_list(city_client: TestClient) -> None:
    """The form reloads only the list (htmx), which keeps the old list on an error status:
    the reason comes in the list's place instead."""
    sign_in(city_client, "town")
    r = city_client.get("/work?tab=all&from=2026-03-02&to=2026-03-01",
                        headers={**HTML, "hx-request": "true", "hx-target": "queue"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="queue" data-total="0" data-invalid="to">')
    assert "结束日期早于开始日期" in r.text


def test_the_url_of_the_filters_gives_the_same_filters_back() -> None:
    from urllib.parse import parse_qsl

    from huying.orgs.actor import Actor

    officer = Actor(city_id=1, role="town_officer", node_path="441900/441900-A1/441900121/")
    f = worklist.Filters(tab="mine", q="路灯 50%", node=HUMEN_GRID, unit=f"{HUMEN_TOWN}-party", category="01.02",
                         channel="hotline", status="in_progress", date_from="2026-03-01", date_to="2026-03-31",
                         overdue=True, sort="reported", dir="asc", page=3)
    assert worklist.parse(dict(parse_qsl(f.to_query())), officer) == f
    drill = worklist.Filters(tab="all", node=HUMEN_TOWN, fig="closed", period="month", date_from="2026-03-01")
    assert worklist.parse(dict(parse_qsl(drill.to_query())), officer, figures=("closed",)) == drill
