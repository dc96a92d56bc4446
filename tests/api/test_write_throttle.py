"""Writes are throttled per account and per address (token buckets on the application):
a burst of reports from one account gets 429 with ``Retry-After`` and the reason once the
account's burst is spent; nothing of a refused write is stored; other accounts write on;
Open311 keys count against their account; the settings reach the buckets."""

from __future__ import annotations

from sqlalchemy import func, select

from huying.cases.models import Case, CaseEvent
from huying.config import Settings
from huying.http.ratelimit import WriteLimits
from tests.api.conftest import Api


def _throttle(api: Api, per_minute: float, burst: int, factor: float = 10) -> list[float]:
    """A fixed clock: the buckets refill only when the test moves it."""
    t = [0.0]
    api.client.app.state.write_limits = WriteLimits.of(per_minute, burst, factor, clock=lambda: t[0])  # type: ignore[attr-defined]
    return t


def _counts(api: Api, title_prefix: str) -> tuple[int, int]:
    with api.session() as s:
        cases = s.scalar(select(func.count()).select_from(Case).where(Case.title.startswith(title_prefix)))
        events = s.scalar(select(func.count()).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
                          .where(Case.title.startswith(title_prefix)))
    return int(cases or 0), int(events or 0)


def _report(api: Api, persona: str, title: str) -> int:
    r = api.client.post("/api/v1/cases", json={"title": title, "description": "门口的灯", "lon": 113.05,
                                                "lat": 23.05}, headers=api.h(persona))
    return r.status_code


def test_a_burst_of_reports_from_one_account_is_cut_at_the_burst(api: Api) -> None:
    t = _throttle(api, per_minute=60, burst=30)
    statuses = [_report(api, "resident", f"连发{i:03d} 路灯不亮") for i in range(200)]
    assert statuses[:30] == [201] * 30
    assert set(statuses[30:]) == {429}
    r = api.client.post("/api/v1/cases", json={"title": "再来一件", "description": "x", "lon": 113.05,
                                                "lat": 23.05}, headers=api.h("resident"))
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    body = r.json()
    assert body["error"] == "rate_limited" and "this account" in body["detail"] and body["retry_after"] == 1
    # nothing half-stored: exactly the accepted reports, each with its one report event
    assert _counts(api, "连发") == (30, 30)
    assert _counts(api, "再来一件") == (0, 0)
    # other accounts write on; reading is not throttled
    assert _report(api, "gridworker", "网格员上报 井盖缺失") == 201
    assert api.client.get("/api/v1/cases", headers=api.h("resident")).status_code == 200
    # a second later the account has one token again
    t[0] = 1.0
    assert _report(api, "resident", "连发 一秒后") == 201
    assert _report(api, "resident", "连发 一秒后 再一件") == 429


def test_the_address_bucket_holds_writes_of_many_accounts_and_anonymous_ones(api: Api) -> None:
    _throttle(api, per_minute=60, burst=2, factor=2)  # the address: 4 at once
    assert [_report(api, p, f"同一地址{p}") for p in ("resident", "gridworker", "town", "admin")] == [201] * 4
    r = api.client.post("/api/v1/cases", json={"title": "同一地址 匿名", "description": "x", "lon": 113.05,
                                                "lat": 23.05})
    assert r.status_code == 429 and "this address" in r.json()["detail"]
    assert int(r.headers["Retry-After"]) >= 1


def test_open311_requests_count_against_the_keys_account(api: Api) -> None:
    _throttle(api, per_minute=60, burst=2)
    form = {"api_key": api.tokens["client"], "service_code": "01.01.001", "lat": "23.05", "long": "113.05",
            "description": "Open311 连发"}
    assert [api.client.post("/open311/v2/requests.json", data=form).status_code for _ in range(2)] == [200, 200]
    r = api.client.post("/open311/v2/requests.xml", data=form)
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert "<errors><error><code>429</code>" in r.text and "this account" in r.text
    # a browser's Accept header does not turn the GeoReport error into a page
    r = api.client.post("/open311/v2/requests.xml", data=form, headers={"accept": "text/html"})
    assert r.status_code == 429 and "<errors><error><code>429</code>" in r.text


def test_zero_turns_the_throttle_off(api: Api) -> None:
    _throttle(api, per_minute=0, burst=1)
    assert {_report(api, "resident", f"不限{i}") for i in range(5)} == {201}


def test_the_settings_reach_the_buckets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUYING_WRITE_RATE_PER_MINUTE", "12")
    monkeypatch.setenv("HUYING_WRITE_RATE_BURST", "3")
    limits = WriteLimits.from_settings(Settings())
    assert (limits.accounts.rate, limits.accounts.burst) == (0.2, 3)
    assert (limits.addresses.rate, limits.addresses.burst) == (2.0, 30)
    monkeypatch.delenv("HUYING_WRITE_RATE_PER_MINUTE")
    monkeypatch.delenv("HUYING_WRITE_RATE_BURST")
    defaults = Settings()
    assert (defaults.write_rate_per_minute, defaults.write_rate_burst) == (60, 30)
