"""A page number past any database integer is bad input with its reason (422), never a 500:
the fuzzer found ``offset`` unbounded on the lists of links, visits, walks and indicators."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

LISTS = ["/api/v1/links", "/api/v1/visits", "/api/v1/walks", "/api/v1/indicators/received/records?node=441900"]


@pytest.mark.parametrize("url", LISTS)
def test_an_offset_past_any_integer_is_refused_with_its_reason(api: Api, url: str) -> None:
    sep = "&" if "?" in url else "?"
    r = api.client.get(f"{url}{sep}offset={2**63}", headers=api.h("city"))
    assert r.status_code == 422, (url, r.status_code, r.text[:200])
    assert "offset" in r.text
