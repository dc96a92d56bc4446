"""A number too large for the database's integer columns is the request's fault: a 422 with
the reason (an error page for people), never a 500 — on every route, by one rule
(``huying.http.errors.out_of_range``). The fuzzer found GET /api/v1/admin/accounts/2**31 on
PostgreSQL; 2**63 breaks SQLite's driver the same way."""

from __future__ import annotations

import pytest

from huying.http.errors import OUT_OF_RANGE


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_past_the_column_is_a_422_with_the_reason(api, backend: str, number: int) -> None:  # type: ignore[no-untyped-def]
    r = api.client.get(f"/api/v1/admin/accounts/{number}", headers=api.h("admin"))
    if backend == "sqlite" and number < 2**63:
        assert r.status_code == 404, r.text  # fits SQLite's 64-bit integer: no such account
    else:
        assert r.status_code == 422 and r.json()["detail"] == OUT_OF_RANGE, (r.status_code, r.text)


@pytest.mark.parametrize("number", [2**31, 2**63])
def test_a_page_with_such_a_number_is_an_error_page_not_a_500(api, number: int) -> None:  # type: ignore[no-untyped-def]
    r = api.client.get(f"/admin/users/{number}", headers=api.h("admin", accept="text/html"))
    assert r.status_code in (400, 404), (r.status_code, r.text[:300])
