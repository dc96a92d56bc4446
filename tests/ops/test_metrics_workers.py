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

ROUND = 20
MAX_ROUNDS = 20  # at most 400 requests


def readyz_count(text: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "huying_http_requests_total" and s.labels["route"] == "/readyz")


def per_worker(metrics: Path, scratch: Path) -> list[float]:
    """The ``/readyz`` count in each worker's own file (read alone, while it runs)."""
    out = []
    for file in sorted(metrics.glob("counter_*.db")):
        alone = scratch / file.stem
        shutil.rmtree(alone, ignore_errors=True)
        alone.mkdir(parents=True)
        shutil.copy(file, alone / file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        out.append(sum(s.value for m in registry.collect() for s in m.samples
                       if s.name == "huying_http_requests_total" and s.labels.get("route") == "/readyz"))
    return [n for n in out if n]


def test_the_summed_counter_is_every_request_sent_to_every_worker(filled: Filled, tmp_path: Path) -> None:
    data = tmp_path / "data"
    metrics = data / "metrics"
    metrics.mkdir(parents=True)
    (metrics / "counter_1.db").write_bytes(b"left by a previous run")  # emptied at start
    sent = 0
    with S.serve("huying-serve", workers=2, env=S.huying_env(filled.url, data)) as srv:
        assert len(srv.worker_pids()) == 2

        def ready(_: int) -> int:  # a fresh connection each: the kernel spreads them
            return httpx.get(f"{srv.base}/readyz", timeout=10).status_code

        with ThreadPoolExecutor(6) as pool:
            # rounds until both workers have answered some (the kernel may favour one)
            for _ in range(MAX_ROUNDS):
                assert set(pool.map(ready, range(ROUND))) == {200}
                sent += ROUND
                if len(per_worker(metrics, tmp_path / "scratch")) == 2:
                    break
        workers = per_worker(metrics, tmp_path / "scratch")
        scraped = [readyz_count(httpx.get(f"{srv.base}/metrics", timeout=10).text) for _ in range(4)]
    assert len(workers) == 2, f"one worker answered all {sent} requests"
    assert sum(workers) == sent
    assert scraped == [sent] * 4  # whichever worker answers the scrape sums both
