"""schemathesis over ``/api/v1/openapi.json``: for every operation, a bounded number of
generated requests (as an administrator, who reaches the deepest code, and anonymously):
no 5xx, and every 4xx says why in words."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Api

schemathesis = pytest.importorskip("schemathesis")

#: Generated requests per operation and identity (keeps both backends well under a minute).
EXAMPLES = int(__import__("os").environ.get("HUYING_FUZZ_EXAMPLES", "12"))


def reason_of(response: Any) -> str:
    """The human-readable reason of a 4xx, or '' when there is none."""
    text = response.text if hasattr(response, "text") else response.content.decode()
    if text.startswith("<?xml"):
        root = ET.fromstring(text)
        return root.findtext("error/description") or ""
    try:
        body = json.loads(text)
    except ValueError:
        return ""
    if isinstance(body, list) and body and isinstance(body[0], dict):  # Open311 errors
        return str(body[0].get("description") or "")
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, list):  # FastAPI's validation errors
            return "; ".join(f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg', '')}" for d in detail
                             if d.get("msg"))
        return str(detail or "")
    return ""


def test_no_operation_answers_5xx_and_every_4xx_has_a_reason(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.client.app)
    failures: list[str] = []
    calls = [0]
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), who=st.sampled_from(["admin", None]))
        def run(case: Any, who: str | None) -> None:
            headers = api.h(who)
            response = case.call(headers=headers)
            calls[0] += 1
            where = f"{case.method} {case.formatted_path} as {who}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{where} {response.text[:300]}")
            elif 400 <= response.status_code < 500 and len(reason_of(response)) < 3:
                failures.append(f"{where} without a reason: {response.text[:300]}")

        run()
    assert calls[0] >= 20 * 2
    assert not failures, "\n".join(sorted(set(failures))[:30])
    assert time.monotonic() - started < 60
