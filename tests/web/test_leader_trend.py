"""The leader's trend: calendar months of the city's zone, straight lines (no smoothing), the
complete months solid and the running month apart, dashed and marked partial."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient

from huying.metrics.cockpit import months_to
from huying.web.queries import city_zone
from tests.web.scene import HTML, HUMEN_TOWN, sign_in


def test_months_are_exact_calendar_months_of_the_citys_zone() -> None:
    zone = city_zone()
    # 31 March, 20:00 UTC: already 1 April in Beijing time
    ms = months_to(dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC), zone, 13)
    assert [m.key for m in ms][:2] == ["2025-04", "2025-05"] and ms[-1].key == "2026-04"
    assert [m.partial for m in ms] == [False] * 12 + [True]
    for a, b in zip(ms, ms[1:], strict=False):
        assert a.end == b.start and a.start.day == 1 and a.start.hour == 0
    assert ms[0].start == dt.datetime(2025, 4, 1, tzinfo=zone)


def test_the_trend_has_no_smoothing_and_marks_the_running_month(city_client: TestClient) -> None:
    sign_in(city_client, "leader")
    for node in ("", HUMEN_TOWN):
        t = city_client.get(f"/web/stats/trend.json?node={node}").json()
        n = len(t["months"])
        assert n == 13 and t["partial"] == [False] * 12 + [True]
        assert all(s["smooth"] is False for s in t["series"])
        for measure in ("received", "closed"):
            solid, dashed = (s for s in t["series"] if s["measure"] == measure)
            assert not solid["partial"] and dashed["partial"]
            assert solid["data"][:12] == t[measure][:12] and solid["data"][12] is None
            assert dashed["data"] == [None] * 11 + t[measure][11:]
            assert dashed["lineStyle"] == {"type": "dashed"} and dashed["symbol"] == "emptyCircle"
    page = city_client.get("/leader", headers=HTML).text
    messages = json.loads(page.split('id="leader-messages">', 1)[1].split("</script>", 1)[0])
    assert messages["partial"] == "本月至今"  # the chart's label of the running month
