"""The report of a node on the web (/leader/report): a town officer downloads their town's
PDF under its Chinese name, reads it as a page, in Chinese or English; another town's is
refused with the reason, and so is a bad period; the leader's page links to it."""

from __future__ import annotations

import re
from urllib.parse import unquote

from fastapi.testclient import TestClient

from tests.web.conftest import DEMO_TODAY
from tests.web.scene import CHANGAN_TOWN, HTML, HUMEN_TOWN, sign_in


def test_a_town_officer_downloads_their_towns_report_as_a_pdf(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    r = city_client.get(f"/leader/report?node={HUMEN_TOWN}&period=2026&format=pdf", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    m = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    assert m, disposition
    assert unquote(m.group(1)) == "虎门镇2026年工作报告.pdf"
    assert 'filename="' in disposition  # and a plain-ASCII name for old clients


def test_the_report_as_a_page_in_chinese_and_in_english(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    r = city_client.get(f"/leader/report?node={HUMEN_TOWN}&period=2026Q3", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    for words in ("虎门镇", "2026年第3季度", "减负强能", "一贯到底", "强化联动", "统筹服务", "共受理群众诉求"):
        assert words in r.text, words
    assert 'id="report-pdf"' in r.text and "format=pdf" in r.text
    assert "<svg" in r.text and "<script" not in r.text  # charts drawn on the server
    en = city_client.get(f"/leader/report?node={HUMEN_TOWN}&period=2026Q3&lang=en", headers=HTML)
    assert en.status_code == 200 and "All the way down" in en.text and "Humen" in en.text
    city_client.get("/?lang=zh", headers=HTML)


def test_another_towns_report_is_refused_with_the_reason(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    r = city_client.get(f"/leader/report?node={CHANGAN_TOWN}&period=2026&format=pdf", headers=HTML)
    assert r.status_code in (403, 404), r.status_code
    assert r.headers["content-type"].startswith("text/html")
    assert "您没有查看此页面的权限" in r.text or "找不到" in r.text


def test_a_bad_period_is_a_400_that_says_what_is_wrong(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    r = city_client.get(f"/leader/report?node={HUMEN_TOWN}&period=2026X", headers=HTML)
    assert r.status_code == 400
    assert 'data-field="period"' in r.text and "2026Q3" in r.text
    r = city_client.get(f"/leader/report?node={HUMEN_TOWN}&from=2026-05-01&to=2026-04-01", headers=HTML)
    assert r.status_code == 400 and 'data-field="dates"' in r.text
    r = city_client.get(f"/leader/report?node={HUMEN_TOWN}&period=2026&format=docx", headers=HTML)
    assert r.status_code == 400 and 'data-field="format"' in r.text


def test_the_leaders_page_links_to_the_report_of_its_node_and_period(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    r = city_client.get(f"/leader?node={HUMEN_TOWN}&period=quarter&from=2026-07-01", headers=HTML)
    assert r.status_code == 200
    m = re.search(r'<a href="([^"]+)" id="report-download"', r.text)
    assert m, "no download link"
    href = m.group(1).replace("&amp;", "&")
    assert "format=pdf" in href and f"node={HUMEN_TOWN}" in href and "period=quarter" in href
    assert "下载报告" in r.text
    pdf = city_client.get(href, headers=HTML)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "%E7%AC%AC3%E5%AD%A3%E5%BA%A6" in pdf.headers["content-disposition"]  # 第3季度


def test_the_report_lists_the_towns_duties_with_their_review_scores(city_client: TestClient) -> None:
    """The town's checklist in its report: each item with its mean score from the town's
    published review of the period's year (the demo publishes one per town for last year)."""
    sign_in(city_client, "town")
    year = int(DEMO_TODAY[:4]) - 1
    r = city_client.get(f"/leader/report?node={HUMEN_TOWN}&period={year}", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    table = r.text.split('id="duties"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td class=\"n\">(\d+)</td><td>(.*?)</td><td>(.*?)</td><td class=\"n\">(.*?)</td>", table)
    assert len(rows) >= 20, len(rows)  # the town committee's checklist
    scores = [float(s) for *_, s in rows if s != "—"]
    assert scores and all(0 <= s <= 100 for s in scores), scores
