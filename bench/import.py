"""P4 — bulk import of historical cases (``huying import cases FILE``) vs PostgreSQL ``COPY`` of
the same file, in the same run.

    .venv/bin/python bench/import.py                 # 2,000 rows, PostgreSQL (and SQLite)
    .venv/bin/python bench/import.py --rows 5000 --backends postgresql
    .venv/bin/python bench/import.py --smoke         # 40 rows, small city (seconds)

The file: a CSV in the documented columns (docs/import.md): title, detail, lon, lat at a
random point near a grid's centre of the demo city, no category (intake classifies), channel
``hotline``, ``reported_at`` spread over the past year. ``huying import cases FILE --as city
--mode skip-bad --no-progress`` runs as the operator would, in its own process, on a fresh
database holding the demo city (SQLite and PostgreSQL); its wall time includes start-up.
Baseline: ``COPY staging FROM STDIN (FORMAT csv, HEADER)`` of the same bytes into a table of
text columns on the same PostgreSQL server (the floor of any loader).

Goal (issue 8): ≥ 30% of COPY rows/s.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "import"
TEXTS = [("路灯不亮", "小区门口的路灯坏了三天，晚上很黑"), ("河道有垃圾", "河边垃圾很多无人清理"),
         ("噪音扰民", "工地夜间施工噪音很大影响休息"), ("井盖缺失", "路口井盖缺失存在安全隐患"),
         ("占道经营", "商贩占用人行道摆摊"), ("违章停车", "小区门口长期有车辆乱停放")]


def make_csv(path: Path, city, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from huying.geo.models import Node

    with Session(city.engine) as s:
        pts = s.execute(select(Node.centroid_lon, Node.centroid_lat)
                        .where(Node.city_id == city.city_id, Node.level == "grid")).all()
    now = dt.datetime(2026, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "detail", "lon", "lat", "category", "priority", "channel", "reported_at"])
        for i in range(n):
            lon, lat = pts[int(rng.integers(len(pts)))]
            t, d = TEXTS[int(rng.integers(len(TEXTS)))]
            at = now - dt.timedelta(minutes=int(rng.integers(60, 365 * 24 * 60)))
            w.writerow([f"{t}（{i}）", d, f"{lon + rng.normal(0, 0.0003):.6f}", f"{lat + rng.normal(0, 0.0003):.6f}",
                        "", "normal", "hotline", at.isoformat()])


def run_import(url: str, path: Path, data: Path) -> tuple[float, dict]:  # type: ignore[type-arg]
    import os

    env = {**os.environ, "HUYING_DATABASE_URL": url, "HUYING_DATA_DIR": str(data)}
    t = time.perf_counter()
    out = subprocess.run([str(Path(sys.executable).parent / "huying"), "import", "cases", str(path), "--as", "city",
                          "--mode", "skip-bad", "--no-progress", "--now", "2026-03-01T10:00:00+08:00"],
                         capture_output=True, text=True, env=env, timeout=3600)
    spent = time.perf_counter() - t
    lines = [x for x in out.stdout.splitlines() if x.strip().startswith("{")]
    if not lines:
        raise RuntimeError(f"import failed ({out.returncode}): {out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return spent, json.loads(lines[-1])


def copy_baseline(path: Path, tmp: Path) -> float:
    with C.scratch_database("postgresql", tmp) as url:
        from sqlalchemy import create_engine

        eng = create_engine(url)
        raw = eng.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("CREATE TABLE staging (title text, detail text, lon text, lat text, category text, "
                        "priority text, channel text, reported_at text)")
            raw.commit()
            data = path.read_bytes()
            best = float("inf")
            for _ in range(3):
                cur.execute("TRUNCATE staging")
                raw.commit()
                t = time.perf_counter()
                with cur.copy("COPY staging FROM STDIN (FORMAT csv, HEADER)") as cp:  # type: ignore[attr-defined]
                    cp.write(data)
                raw.commit()
                best = min(best, time.perf_counter() - t)
        finally:
            raw.close()
            eng.dispose()
    return best


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--rows", type=int, default=None)
    args = ap.parse_args(argv)
    n = args.rows or (40 if args.smoke else 2000)
    if not C.pg_available():
        print("# PostgreSQL not reachable: no COPY baseline, P4 not measured", file=sys.stderr)
        return 0
    from _city import build_city

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        csv_path = tmp / "cases.csv"
        for backend in C.backends(args.backends):
            with C.scratch_database(backend, tmp) as url:
                city = build_city(url, small=args.smoke)
                if not csv_path.exists():
                    make_csv(csv_path, city, n, seed=n)
                city.engine.dispose()
                data = tmp / f"data-{backend}"
                data.mkdir()
                spent, summary = run_import(url, csv_path, data)
            copy_s = copy_baseline(csv_path, tmp)
            rate, copy_rate = summary.get("imported", 0) / spent, n / copy_s
            C.emit(BENCH, f"import_cases[{backend}]", rate, "rows/s",
                   baseline=("PostgreSQL COPY of the same CSV into a text staging table", copy_rate),
                   ratio=rate / copy_rate, goal=">= 30% of COPY rows/s", met=rate / copy_rate >= 0.3,
                   smoke=args.smoke, sizes={"rows": n, "file_kb": round(csv_path.stat().st_size / 1024, 1),
                                            "city": "small" if args.smoke else "demo (1,000 grids)"},
                   import_s=round(spent, 2), copy_s=round(copy_s, 4), summary=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
