"""The visit endpoints answer bad input with a 4xx and its reason, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.cases.conftest import World
from tests.cases.conftest import api as api  # noqa: F401 - the fixtures
from tests.cases.conftest import api_db as api_db  # noqa: F401
from tests.cases.conftest import api_engine as api_engine  # noqa: F401

Api = tuple[TestClient, dict[str, dict[str, str]], World]

BAD = [
    ("GET", "/api/v1/visits/coverage?node=999999", None),
    ("GET", "/api/v1/visits/coverage?node=441900101&period=decade", None),
    ("GET", "/api/v1/visits/coverage?node=441900101&period=month&from=2025-13-01", None),
    ("GET", "/api/v1/visits/coverage?node=441900101&period=custom&from=2025-03-01", None),
    ("GET", "/api/v1/visits/coverage?node=441900101&period=custom&from=2025-03-05&to=2025-03-01", None),
    ("GET", "/api/v1/visits/coverage?node=" + "9" * 61, None),
    ("GET", "/api/v1/visits?limit=0", None),
    ("GET", "/api/v1/visits?offset=-1", None),
    ("POST", "/api/v1/visits", {"household": "", "how": "door"}),
    ("POST", "/api/v1/visits", {"household": "H1", "how": "door", "at": "2025-03-03T09:00:00"}),
    ("POST", "/api/v1/visits", {"household": "H1", "how": "door", "problems": ["x"] * 11}),
    ("POST", "/api/v1/visits", {"household": "H1", "how": "door", "needs": [1, 2]}),
    ("POST", "/api/v1/visits", [1, 2]),
]


@pytest.mark.parametrize(("method", "url", "body"), BAD)
def test_bad_input_is_a_4xx_with_its_reason(api: Api, method: str, url: str, body: object) -> None:
    client, headers, _ = api
    r = client.request(method, url, json=body, headers=headers["town"])
    assert 400 <= r.status_code < 500, (url, body, r.status_code, r.text)
    assert r.json()["detail"]
