"""``huying serve --workers 2``: Prometheus runs in multiprocess mode, and ``/metrics`` from
any worker sums the requests that every worker answered."""

from __future__ import annotations

import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import Filled

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import _server as S  # noqa: E402

SENT = 60


def readyz_count(text: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "huying_http_requests_total" and s.labels["route"] == "/readyz")


def test_the_summed_counter_is_every_request_sent_to_every_worker(filled: Filled, tmp_path: Path) -> None:
    data = tmp_path / "data"
    stale = data / "metrics"
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"left by a previous run")
    with S.serve("huying-serve", workers=2, env=S.huying_env(filled.url, data)) as srv:
        assert len(srv.worker_pids()) == 2

        def ready(_: int) -> int:  # a fresh connection each: the kernel spreads them
            return httpx.get(f"{srv.base}/readyz", timeout=10).status_code

        with ThreadPoolExecutor(6) as pool:
            assert set(pool.map(ready, range(SENT))) == {200}
        scraped = [readyz_count(httpx.get(f"{srv.base}/metrics", timeout=10).text) for _ in range(4)]
    assert scraped == [SENT] * 4  # whichever worker answers the scrape
    # each worker wrote its own samples, and both served some of the requests
    per_worker = []
    for file in sorted(stale.glob("counter_*.db")):
        alone = tmp_path / file.stem
        alone.mkdir()
        shutil.copy(file, alone / file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        n = sum(s.value for m in registry.collect() for s in m.samples
                if s.name == "huying_http_requests_total" and s.labels.get("route") == "/readyz")
        if n:
            per_worker.append(n)
    assert len(per_worker) == 2 and sum(per_worker) == SENT, per_worker
