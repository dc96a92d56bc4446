"""Anonymous requests are rate limited per client address (token bucket): 429 with
``Retry-After``; requests with a token are not counted."""

from __future__ import annotations

from huying.http import ratelimit
from tests.api.conftest import Api


def test_the_bucket_refills_at_its_rate() -> None:
    t = [0.0]
    bucket = ratelimit.TokenBucket(per_minute=60, burst=3, clock=lambda: t[0])
    assert [bucket.take("a") for _ in range(3)] == [0, 0, 0]
    assert bucket.take("a") == 1.0  # one token a second
    assert bucket.take("b") == 0  # per client
    t[0] = 0.5
    assert bucket.take("a") == 0.5
    t[0] = 1.0
    assert bucket.take("a") == 0
    t[0] = 100.0
    assert [bucket.take("a") for _ in range(4)] == [0, 0, 0, 1.0]  # never more than the burst
    assert ratelimit.TokenBucket(0, 1).take("a") == 0  # 0 = off


def test_anonymous_requests_get_429_with_retry_after(api: Api) -> None:
    t = [0.0]
    ratelimit.configure(per_minute=6, burst=2, clock=lambda: t[0])
    try:
        assert [api.client.get("/api/v1/categories").status_code for _ in range(2)] == [200, 200]
        r = api.client.get("/api/v1/public/cases")
        assert r.status_code == 429 and r.headers["Retry-After"] == "10"
        assert r.json()["error"] == "rate_limited" and "retry" in r.json()["detail"]
        x = api.client.get("/open311/v2/services.xml")
        assert x.status_code == 429 and x.headers["Retry-After"] == "10"
        assert "<errors><error><code>429</code>" in x.text
        assert api.client.get("/api/v1/cases").status_code == 429  # before the 401: no probing
        assert api.client.get("/api/v1/cases", headers=api.h("town")).status_code == 200
        t[0] = 10.0
        assert api.client.get("/api/v1/categories").status_code == 200
    finally:
        ratelimit.configure(0)
