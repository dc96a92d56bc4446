"""Reports run in threads of their own (``huying.http.threads``): at most
``HUYING_REPORT_THREADS`` at once per worker, however many arrive, and every one is stored."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from huying.intake import create
from tests.api.conftest import Served, make_client


@pytest.mark.parametrize("threads", [1, 2])
def test_at_most_report_threads_reports_run_at_once(served: Served, monkeypatch: pytest.MonkeyPatch,
                                                     threads: int) -> None:
    monkeypatch.setenv("HUYING_REPORT_THREADS", str(threads))
    real = create.create_once
    lock = threading.Lock()
    running = [0, 0]  # now, most

    def watched(*args: Any, **kwargs: Any) -> Any:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.15)  # long enough for the others to arrive meanwhile
        with lock:
            running[0] -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(create, "create_once", watched)
    token = served.tokens["resident"]
    for client in make_client(served.url):
        def report(i: int, client: Any = client) -> int:
            body = {"title": f"路灯不亮 {threads}-{i}", "description": "门口的灯", "lon": 113.05 + i / 1000,
                    "lat": 23.05}
            return client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"}).status_code

        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(report, range(6)))
    assert statuses == [201] * 6
    assert running[1] == threads
