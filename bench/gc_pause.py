"""The pause of a full garbage collection in a started server worker, with the start-up
objects frozen out of the collector's sight (``HUYING_GC_FREEZE``, the default) vs not, in the
same run (docs/performance.md, P1: the light-load p99 outliers were such pauses).

    .venv/bin/python bench/gc_pause.py            # the demo city (1,000 grids), SQLite
    .venv/bin/python bench/gc_pause.py --smoke    # a small city (seconds)

Each side runs in its own process: the app started as a worker starts it (its lifespan:
the grid indexes built, then ``gc.freeze()`` when the setting is on), one report taken in
(the classifier loaded), then ``gc.collect()`` timed five times (best and worst), and the
objects the collector still tracks counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "gc_pause"

_CHILD = r"""
import gc, json, sys, time
from fastapi.testclient import TestClient
from huying.app import create_app
from huying.triage.versions import current_classifier
from huying.geo.models import City
from sqlalchemy import select
from sqlalchemy.orm import Session
from huying.db import get_engine

with TestClient(create_app()) as client:
    assert client.get("/healthz").status_code == 200
    with Session(get_engine()) as s:
        code = s.scalar(select(City.code))
    current_classifier(code).predict_one("路灯不亮", "小区门口的路灯坏了")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - t) * 1e3)
    print(json.dumps({"best_ms": min(times), "worst_ms": max(times), "tracked": len(gc.get_objects()),
                      "frozen": gc.get_freeze_count()}))
"""


def measure(url: str, data: Path, freeze: bool) -> dict[str, float]:
    env = {**os.environ, "HUYING_DATABASE_URL": url, "HUYING_DATA_DIR": str(data),
           "HUYING_GC_FREEZE": "1" if freeze else "0", "HUYING_SLA_SWEEP_INTERVAL": "0"}
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env, timeout=600)
    lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if not lines:
        raise RuntimeError(out.stdout[-2000:] + out.stderr[-2000:])
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    args = ap.parse_args(argv)
    from _city import build_city

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        with C.scratch_database("sqlite", tmp) as url:
            build_city(url, small=args.smoke).engine.dispose()
            data = tmp / "data"
            data.mkdir()
            frozen, plain = measure(url, data, True), measure(url, data, False)
        C.emit(BENCH, "full_gc_pause_in_a_started_worker[sqlite]", frozen["worst_ms"], "ms (worst of 5 gc.collect())",
               baseline=("the same without gc.freeze() at start-up", plain["worst_ms"]),
               ratio=plain["worst_ms"] / max(frozen["worst_ms"], 1e-3), smoke=args.smoke,
               sizes={"city": "small" if args.smoke else "demo (1,000 grids)"},
               frozen=frozen, not_frozen=plain)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
