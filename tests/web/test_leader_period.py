"""The leader's period selector: the period is kept in the URL, a bad one is a 400 that
says what is wrong, and the figures shown are those of ``metrics.service.figures`` for the
same period, the node's and each child's."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.metrics import service
from huying.metrics.period import parse_period
from huying.orgs.models import User
from huying.web.queries import clear_cached
from tests.web.scene import HTML, HUMEN_TOWN, sign_in

FIG = re.compile(r'<a href="[^"]*" class="fig" data-fig="(\w+)" data-n="(\d+)">')


def _city(session: Session) -> int:
    user = session.query(User).filter(User.username == "leader").one()
    return user.city_id


def test_a_bad_period_is_refused_with_its_reason(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    r = city_client.get("/leader?period=fortnight", headers=HTML)
    assert r.status_code == 400
    assert 'id="period-error"' in r.text and 'data-field="period"' in r.text
    assert "请选择统计期" in r.text or "Choose a period" in r.text
    r = city_client.get("/leader?period=custom&from=2026-05-01&to=2026-04-01", headers=HTML)
    assert r.status_code == 400 and 'id="period-error"' in r.text
    assert 'id="period-form"' in r.text  # the leader can correct it on the spot


def test_the_period_is_kept_in_the_form_and_the_links(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    r = city_client.get("/leader?period=custom&from=2026-01-01&to=2026-03-31", headers=HTML)
    assert r.status_code == 200, r.text[:500]
    assert '<option value="custom" selected>' in r.text
    assert 'name="from" value="2026-01-01"' in r.text and 'name="to" value="2026-03-31"' in r.text
    assert "period=custom&amp;from=2026-01-01&amp;to=2026-03-31" in r.text  # drill-down keeps it


def _shown(html: str, section: str) -> dict[str, int]:
    return {k: int(v) for k, v in FIG.findall(html.split(section, 1)[1].split('class="leader-grid"', 1)[0])}


def test_the_figures_of_a_period_are_those_of_the_service(city_client: TestClient, city_session: Session) -> None:
    now = dt.datetime.now(dt.UTC)
    sign_in(city_client, "leader")
    clear_cached()  # cases added by earlier tests: the figures read now
    for kind, frm, to in (("year", "", ""), ("quarter", "", ""), ("custom", "2025-06-01", now.date().isoformat()),
                          ("all", "", "")):
        p = parse_period(kind, frm, to, now=now)
        r = city_client.get(f"/leader?node={HUMEN_TOWN}&period={kind}&from={frm}&to={to}", headers=HTML)
        assert r.status_code == 200, r.text[:500]
        want = service.figures(city_session, _city(city_session), HUMEN_TOWN, now=now, since=p.since, until=p.until)
        node = want["node"]
        shown = _shown(r.text, 'id="kpis"')
        for k in ("received", "closed", "fixed_on_spot", "escalations", "open_now", "overdue_now"):
            assert shown[k] == node[k], (kind, k)
        if node["closed"]:
            assert round(shown["on_time"] / node["closed"], 4) == node["on_time_rate"]
            assert round(shown["reworked"] / node["closed"], 4) == node["rework_rate"]
        if shown["satisfied"] + shown["dissatisfied"]:
            assert round(shown["satisfied"] / (shown["satisfied"] + shown["dissatisfied"]), 4) \
                == node["satisfaction_rate"]
        rows = re.findall(r'<tr data-code="(\d+)">(.*?)</tr>', r.text.split('id="figures"', 1)[1], re.S)
        assert [c for c, _ in rows] == [c["code"] for c in want["children"]]
        for (code, html), child in zip(rows, want["children"], strict=True):
            got = {k: int(v) for k, v in FIG.findall(html)}
            for k in ("received", "closed", "escalations", "open_now", "overdue_now"):
                assert got[k] == child[k], (kind, code, k)


def test_rates_are_named_as_rates_and_time_to_close_in_days_and_hours(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    html = city_client.get("/leader?period=all", headers=HTML).text
    kpis = html.split('id="kpis"', 1)[1].split('class="leader-grid"', 1)[0]
    assert "满意率" in kpis and "按时办结率" in kpis and "返工率" in kpis
    shown = re.search(r"平均办结用时</span><span class=\"v\">([^<]*)</span>", kpis)
    assert shown is not None
    assert re.fullmatch(r"\d+ 天( \d+ 小时)?|\d+ 小时|—", shown.group(1)), shown.group(1)
