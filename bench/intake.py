"""Benchmark of the intake pipeline: reports through validate → locate → classify →
duplicates → route → SLA → event, per second.

    .venv/bin/python bench/intake.py [--smoke] [--n N] [--http-n N] [--threads T]

Prints one JSON line per figure (name, value, unit, baseline, ratio, sizes, machine):
- ``intake_reports_per_s``: ``huying.intake.service.intake`` in-process on SQLite, each report
  without a category (the classifier runs per report) at a random point of a small city that
  fills up with open cases (so duplicate look-ups find neighbours); baseline: the bare
  ``cases.service.report`` (no triage) on the same reports.
- ``http_reports_per_s``: ``POST /api/v1/cases`` on a live uvicorn (127.0.0.1, one worker,
  its own process) loaded by a pool of ``--threads`` httpx clients; baseline: the same
  requests sent one at a time. (The API enters intake through ``huying.intake.create.report``.)
Texts are the real messages when ``shared/data/messages`` is found, else synthetic.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "messages"
T0 = dt.datetime(2025, 3, 3, 1, 30, tzinfo=dt.UTC)


def _machine() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(terse=True)}


def _emit(name: str, value: float, unit: str, baseline: float, sizes: dict[str, int]) -> None:
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit,
                      "baseline": round(baseline, 2), "ratio": round(value / baseline, 3),
                      "sizes": sizes, "machine": _machine()}, ensure_ascii=False), flush=True)


def _texts(n: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    msgs: list[tuple[str, str]] = []
    if (DATA / "labelled.csv").exists():
        for name in ("labelled.csv", "unlabelled.csv"):
            with (DATA / name).open(encoding="utf-8-sig") as fh:
                msgs += [(r["subject"][:200], (r["detail"] or "")[:600]) for r in csv.DictReader(fh)]
    if not msgs:
        msgs = [(f"路灯不亮{i}", f"小区门口的路灯坏了{i}天") for i in range(50)]
    return [msgs[int(i)] for i in rng.integers(len(msgs), size=n)]


def _points(n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    # the small city is 113.0–113.4 × 23.0–23.2; reports cluster in a 4 km square, as in a town
    return [(round(113.02 + float(x) * 0.04, 6), round(23.02 + float(y) * 0.04, 6))
            for x, y in rng.random((n, 2))]


def _world(url: str) -> None:
    from sqlalchemy.orm import Session

    from huying.db import Base, import_all_models, make_engine
    from tests.cases.conftest import build_world

    import_all_models()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        build_world(s)
    engine.dispose()


def in_process(n: int, seed: int) -> None:
    from sqlalchemy.orm import Session

    from huying.cases import service as svc
    from huying.db import make_engine
    from huying.geo import service as geo
    from huying.intake.service import ReportIn, intake
    from huying.orgs.actor import Actor
    from huying.orgs.service import get_user
    from huying.triage.classifier import default_classifier

    default_classifier()  # loaded once per process, as in the server
    rng = np.random.default_rng(seed)
    texts, points = _texts(n, rng), _points(n, rng)
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for what in ("report", "intake"):
            url = f"sqlite:///{tmp}/{what}.db"
            _world(url)
            geo.clear_index_cache()
            engine = make_engine(url)
            with Session(engine, expire_on_commit=False) as s:
                actor = Actor.of(s, get_user(s, "resident"))
                start = time.perf_counter()
                for i, ((title, detail), (lon, lat)) in enumerate(zip(texts, points, strict=True)):
                    now = T0 + dt.timedelta(minutes=i)
                    if what == "intake":
                        intake(s, actor, ReportIn(title=title, description=detail, lon=lon, lat=lat),
                               channel="resident_web", now=now)
                    else:
                        svc.report(s, actor, svc.ReportIn(title=title, description=detail, lon=lon, lat=lat), channel="resident_web", now=now)
                rates[what] = n / (time.perf_counter() - start)
            engine.dispose()
    _emit("intake_reports_per_s", rates["intake"], "reports/s", rates["report"], {"reports": n})


def over_http(n: int, threads: int, seed: int) -> None:
    import httpx
    from sqlalchemy.orm import Session

    from huying.db import make_engine
    from huying.orgs import tokens
    from huying.orgs.service import get_user
    from tests.api.conftest import live_server

    rng = np.random.default_rng(seed + 1)
    texts, points = _texts(2 * n, rng), _points(2 * n, rng)
    bodies = [{"title": t, "description": d, "lon": lon, "lat": lat, "channel": "resident_web"}
              for (t, d), (lon, lat) in zip(texts, points, strict=True)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/http.db"
        _world(url)
        engine = make_engine(url)
        with Session(engine) as s:
            token = tokens.create(s, get_user(s, "resident"), "bench", now=T0)[1]
            s.commit()
        engine.dispose()
        with live_server(url, Path(tmp) / "data") as base:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                c.post("/api/v1/cases", json=bodies[0]).raise_for_status()  # warm up
                start = time.perf_counter()
                for b in bodies[1:n]:
                    c.post("/api/v1/cases", json=b).raise_for_status()
                serial = (n - 1) / (time.perf_counter() - start)
            local = {}

            def post(b: dict[str, object]) -> int:
                import threading

                cli = local.setdefault(threading.get_ident(), httpx.Client(base_url=base, headers=headers, timeout=60))
                return cli.post("/api/v1/cases", json=b).status_code

            start = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                codes = list(pool.map(post, bodies[n:]))
            parallel = len(codes) / (time.perf_counter() - start)
            for cli in local.values():
                cli.close()
            bad = [c for c in codes if c != 201]
            if bad:
                raise SystemExit(f"{len(bad)} requests failed: {sorted(set(bad))}")
    _emit("http_reports_per_s", parallel, "reports/s", serial, {"reports": n, "threads": threads})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (for the test)")
    ap.add_argument("--n", type=int, default=2000, help="reports in-process")
    ap.add_argument("--http-n", type=int, default=400, help="reports over HTTP (per phase)")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    n, http_n = (30, 15) if a.smoke else (a.n, a.http_n)
    os.environ.setdefault("HUYING_SLA_SWEEP_INTERVAL", "0")
    os.environ.setdefault("HUYING_ANON_RATE_PER_MINUTE", "0")
    os.environ.setdefault("HUYING_WRITE_RATE_PER_MINUTE", "0")  # a flood by design
    in_process(n, a.seed)
    over_http(http_n, a.threads, a.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
