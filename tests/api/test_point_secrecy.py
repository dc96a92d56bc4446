"""The exact point of a report cannot be found through the anonymous "is it one of these?"
answer (issue 19: ~90 requests by a binary search on the radius's edge found it). The
answer now places each case where the public map does: two reports whose exact points
differ but share the public (rounded) point give the same answers to every probe, and the
binary-search attack ends at the public point, never nearer the report's door."""

from __future__ import annotations

import math

from huying.cases.policy import public_point
from huying.config import get_settings
from tests.api.conftest import Api

TITLE = "小区门口路灯不亮了"
LAT = 23.0504
M_PER_DEG_LON = 111_320 * math.cos(math.radians(LAT))


def _seen(api: Api, code: str, lon: float, lat: float) -> bool:
    r = api.client.post("/api/v1/cases/similar", json={"title": TITLE, "lon": lon, "lat": lat})
    assert r.status_code == 200, r.text
    return code in {c["code"] for c in r.json()["items"]}


def _attack(api: Api, code: str, lat: float, start: float) -> float:
    """Binary search east of ``start`` for the edge of the radius, then step back by it:
    the attacker's estimate of the case's longitude."""
    lo, hi = start, start + 1000 / M_PER_DEG_LON  # seen at lo, not at hi
    assert _seen(api, code, lo, lat) and not _seen(api, code, hi, lat)
    for _ in range(22):  # ~0.25 mm
        mid = (lo + hi) / 2
        if _seen(api, code, mid, lat):
            lo = mid
        else:
            hi = mid
    return lo - get_settings().duplicate_radius_m / M_PER_DEG_LON


def test_the_radius_edge_tells_no_more_than_the_public_map(api: Api) -> None:
    estimates = []
    for lon in (113.0504, 113.0496):  # both shown at (113.050, 23.050)
        r = api.client.post("/api/v1/cases", json={"title": TITLE, "description": "晚上很黑", "lon": lon,
                                                   "lat": LAT}, headers=api.h("resident"))
        assert r.status_code == 201, r.text
        code = r.json()["code"]
        estimates.append(_attack(api, code, 23.050, lon))  # probing along the shown latitude
        shown_lon, _ = public_point(lon, LAT)
        assert shown_lon is not None
        assert abs(estimates[-1] - shown_lon) * M_PER_DEG_LON < 2.0  # the attack finds the public point
        assert abs(estimates[-1] - lon) * M_PER_DEG_LON > 20.0  # and not the door (~40 m away)
    assert abs(estimates[0] - estimates[1]) * M_PER_DEG_LON < 0.01  # the same answer for both

