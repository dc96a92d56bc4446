"""The report of a node on SQLite and PostgreSQL: its figures are the catalogue's for the
period and the same period a year before, its months add up to the period, its units below
are ranked by the catalogue's rule, and a batch's shared figures give every node the report
it would get alone. The PDF's text survives ``pdftotext`` with every Chinese character."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from huying.accountability import indicators
from huying.accountability import report as R
from huying.accountability import report_data as D
from huying.errors import InvalidInput
from huying.web import report_doc
from tests.accountability.conftest import NOW, World

TOWN1, TOWN2, CITY = "441900101", "441900102", "441900"
HEADINGS = ("减负强能", "一贯到底", "强化联动", "统筹服务")


def _report(w: World, code: str, period: str = "2026", **kw: object) -> D.Report:
    return R.node_report(w.session, w.city_id, code, R.report_period(period, now=NOW), now=NOW, **kw)  # type: ignore[arg-type]


def test_the_figures_are_the_catalogues_this_year_and_the_year_before(scene: World) -> None:
    r = _report(scene, TOWN1)
    prev = r.previous
    assert prev is not None and prev.start is not None and prev.start.year == 2025
    p = R.report_period("2026", now=NOW)
    want = indicators.tree_values(scene.session, scene.city_id, now=NOW, since=p.since, until=p.until)[TOWN1]
    assert {k: (f.value, f.num, f.den, f.per_10k) for k, f in r.values.items()} == \
        {k: (v.value, v.num, v.den, v.per_10k) for k, v in want.items()}
    assert (r.values["received"].value, r.values["closed"].value) == (3, 2)
    assert r.before is not None and (r.before["received"].value, r.before["closed"].value) == (2, 1)
    rec = next(s for s in r.sections[0].statements if s.key == "received")
    assert rec.change == D.Change("up", 1, 0.5)
    assert [s.key for s in r.sections] == ["load", "through", "linkage", "service"]
    # the months of the trend add up to the period's figures
    assert sum(r.trend.received) == 3 and sum(r.trend.closed) == 2
    assert r.trend.months[0] == "2026-01" and r.trend.months[-1] == "2026-11"  # nothing after now


def test_a_year_with_nothing_the_year_before_compares_nothing(scene: World) -> None:
    r = _report(scene, TOWN1, "2025")
    assert r.before is None
    assert all(s.change.direction == "none" for sec in r.sections for s in sec.statements)
    text = " ".join(p for ps in report_doc.paragraphs(r, report_doc.i18n.translations("zh").gettext, "zh").values()
                    for p in ps)
    assert "上年无数据，不作比较。" in text
    assert "较上年" not in text and "NaN" not in text and "None" not in text


def test_the_city_ranks_its_towns_and_a_grid_ranks_nothing(scene: World) -> None:
    r = _report(scene, CITY)
    assert {row.node.code for row in r.children} == {TOWN1, TOWN2}  # the towns, not the area between
    ranked = [row for row in r.children if row.rank is not None]
    # town 2 closed nothing: no composite score, listed after the ranked, unranked
    assert [row.node.code for row in ranked] == [TOWN1] and r.children[-1].node.code == TOWN2
    assert r.children[-1].rank is None
    assert _report(scene, "441900101001001").children == []


def test_a_batch_gives_every_node_the_report_it_gets_alone(scene: World) -> None:
    p = R.report_period("2026Q1", now=NOW)
    ctx = R.batch_context(scene.session, scene.city_id, p, now=NOW)
    assert len(D.level_codes(ctx, "all")) == 10 and D.level_codes(ctx, "town") == [TOWN1, TOWN2]
    for code in (CITY, TOWN1, TOWN2, "441900101001"):
        alone = R.node_report(scene.session, scene.city_id, code, p, now=NOW)
        together = D.build(ctx, code)
        assert (together.values, together.before, together.trend) == (alone.values, alone.before, alone.trend)


def test_an_unknown_node_is_named(scene: World) -> None:
    ctx = R.batch_context(scene.session, scene.city_id, R.report_period("2026", now=NOW), now=NOW)
    with pytest.raises(InvalidInput, match="node"):
        R.build_or_refuse(ctx, "nowhere")


def _pdftotext(pdf: bytes, tmp: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: scripts/ensure-test-tools.sh")
    (tmp / "r.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_pdf_text_keeps_every_chinese_character_and_agrees_with_the_html(scene: World, tmp_path: Path) -> None:
    duties = [D.DutyLine("建立镇街党委抓基层党建责任清单", "已完成", 9.5, 2, ("会议纪要", "责任清单台账"))]
    r = _report(scene, TOWN1, duties=duties)
    pdf = report_doc.pdf(r, "zh")
    assert pdf.startswith(b"%PDF")
    text = _pdftotext(pdf, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert r.node.name_zh in flat and "测试1镇" in flat
    for heading in HEADINGS:
        assert heading in flat, heading
    assert "2026年，测试1镇共受理群众诉求3件，较上年增长50.0%" in flat
    assert "建立镇街党委抓基层党建责任清单" in flat and "责任清单台账" in flat
    html = report_doc.html(r, "zh")
    shown = re.findall(r'<tr data-key="(\w+)"><th scope="row">[^<]*</th>\s*<td class="n" data-v="([^"]*)"', html)
    assert len(shown) == len(report_doc.KEY_FIGURES)
    for key, value in shown:
        assert value in text, (key, value)  # the same figure in the page and in the PDF
    assert "\ufffd" not in text  # no character lost on the way


def test_the_english_report_is_english(scene: World) -> None:
    html = report_doc.html(_report(scene, TOWN1), "en")
    assert 'lang="en"' in html and "Lighter loads, stronger capacity" in html
    assert "In 2026, Town 1 received 3 requests from the public, up 50.0% on the year before" in html
    assert "减负强能" not in html
