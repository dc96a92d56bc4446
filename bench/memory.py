"""P7 — server memory: RSS of each uvicorn worker with the demo city loaded and warmed, vs a
bare uvicorn + FastAPI worker.

    .venv/bin/python bench/memory.py            # the demo city (1,000 grids) + 300 cases, SQLite
    .venv/bin/python bench/memory.py --smoke    # a small city, no cases (seconds)

The server: the app as ``huying serve --workers 2`` runs it (through
``bench/_uvicorn_nodelay.py``, which changes nothing but a socket option) on a fresh SQLite
database. Warming, repeated on fresh connections so that both workers take part: the home
page, every map layer, 200 ``locate`` calls (the raster index), the category list, a public
case list, the figures of the resident's node, and reports through the intake (the
classifier). Then ``VmRSS`` of every worker from ``/proc/<pid>/status``. Baseline:
``bench/_bare_app.py`` on the same launcher and workers, after a few requests.

Goal (issue 8): ≤ 300 MB RSS per worker.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402
import _server as S  # noqa: E402

BENCH = "memory"
GOAL_MB = 300.0


def warm(base: str, token: str, lon: float, lat: float, rounds: int, reports: int) -> int:
    import httpx
    import numpy as np

    paths = httpx.get(f"{base}/api/v1/openapi.json", timeout=30).json()["paths"]
    layers = next((p for p in paths if p.endswith("/layers/{level}")), None)
    locate = next((p for p in paths if p.endswith("/locate")), None)
    rng = np.random.default_rng(0)
    n = 0
    auth = {"Authorization": f"Bearer {token}"}
    for r in range(rounds):
        with httpx.Client(base_url=base, timeout=60) as c:  # a new connection each round
            for path in ("/", "/api/v1/categories", "/api/v1/public/cases"):
                c.get(path, headers=auth if "categories" in path else None)
                n += 1
            c.get("/api/v1/stats", headers=auth)
            if layers:
                for level in ("city", "area", "town", "community", "grid"):
                    c.get(layers.replace("{level}", level))
                    n += 1
            if locate:
                for _ in range(100):
                    c.get(locate, params={"lon": lon + rng.normal(0, 0.05), "lat": lat + rng.normal(0, 0.05)})
                    n += 1
            for i in range(reports):
                resp = c.post("/api/v1/cases", headers={**auth, "Idempotency-Key": f"warm-{r}-{i}"},
                              json={"title": "路灯不亮", "description": "小区门口的路灯坏了三天", "lon": lon, "lat": lat})
                assert resp.status_code == 201, resp.text
                n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cases", type=int, default=None, help="demo cases run into the city first")
    args = ap.parse_args(argv)
    n_cases = args.cases if args.cases is not None else (0 if args.smoke else 300)
    from intake_http import prepare

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        with C.scratch_database("sqlite", tmp) as url:
            token, lon, lat = prepare(url, args.smoke)
            if n_cases:
                from huying.demo.cases import demo_end, run_cases

                run_cases(url, 1, seed=1, n=n_cases, end=demo_end())
            with S.serve("bare", workers=args.workers) as bare:
                import httpx

                for _ in range(4):
                    with httpx.Client(base_url=bare.base) as c:
                        for _ in range(20):
                            c.post("/api/v1/cases", json={"title": "x"})
                base_rss = {pid: S.rss_kb(pid) / 1024 for pid in bare.worker_pids()}
            data = tmp / "data"
            data.mkdir()
            with S.serve("huying", workers=args.workers, env=S.huying_env(url, data)) as srv:
                before = {pid: S.rss_kb(pid) / 1024 for pid in srv.worker_pids()}
                n = warm(srv.base, token, lon, lat, rounds=2 if args.smoke else 6, reports=2 if args.smoke else 5)
                after = {pid: S.rss_kb(pid) / 1024 for pid in srv.worker_pids()}
                supervisor = S.rss_kb(srv.proc.pid) / 1024
    worst = max(after.values())
    base_worst = max(base_rss.values())
    C.emit(BENCH, "worker_rss_demo_city_warm", worst, "MB (VmRSS, largest worker)",
           baseline=("bare uvicorn + FastAPI worker", base_worst), ratio=base_worst / worst,
           sizes={"workers": args.workers, "city": "small" if args.smoke else "demo (1,000 grids, 1,633 nodes)",
                  "cases": n_cases, "warm_requests": n},
           goal="<= 300 MB RSS per worker", met=worst <= GOAL_MB, smoke=args.smoke,
           workers_mb={str(k): round(v, 1) for k, v in after.items()},
           workers_started_mb={str(k): round(v, 1) for k, v in before.items()},
           supervisor_mb=round(supervisor, 1), baseline_workers_mb={str(k): round(v, 1) for k, v in base_rss.items()})
    return 0 if worst <= GOAL_MB or args.smoke else 1


if __name__ == "__main__":
    raise SystemExit(main())
