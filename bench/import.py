"""P4 — bulk import of historical cases (``huying import history FILE``) vs PostgreSQL ``COPY``
of the same file, in the same run.

    .venv/bin/python bench/import.py                    # 100,000 ledger rows, SQLite and PostgreSQL
    .venv/bin/python bench/import.py --rows 20000 --backends postgresql
    .venv/bin/python bench/import.py --smoke            # 300 rows, small city (seconds)

The file: a ledger of closed cases in the documented columns (docs/import.md, "Historical
cases"): ref, title, detail, lon/lat near a grid's centre of the demo city, the category (a
first-level name, as a 12345 export has it), channel ``hotline``, ``reported_at`` over the past
year, ``closed_at`` 1 hour to 20 days later, the handling unit (a community's party committee)
on most rows, satisfaction, ~10% overdue, a resolution. ``huying import history FILE --as city
--mode skip-bad --no-progress`` runs as the operator would, in its own process (start-up
included), on a fresh database holding the demo city.

Baselines, measured in the same run:

* the goal's: ``COPY staging FROM STDIN (FORMAT csv, HEADER)`` of the same bytes into a table
  of text columns on the same PostgreSQL server (no index, no constraint, no type);
* the floor of any importer into our schema: exactly the rows the import wrote (cases,
  case_events, history_refs, metrics_grid_month, read back after the import) written again into the same
  empty tables of a fresh demo-city database, with their indexes and foreign keys: ``COPY``
  on PostgreSQL, the driver's ``executemany`` on SQLite. What the import costs above this is
  ours; the rest is the database maintaining the indexes the product's queries need;
* for reference, ``huying import cases`` (the intake pipeline, row by row) on ``--intake-rows``
  rows of the same file.

Goal (issue 8): ≥ 30% of COPY rows/s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "import"
TEXTS = [("路灯不亮", "小区门口的路灯坏了三天，晚上很黑", "城乡建设"), ("河道有垃圾", "河边垃圾很多无人清理", "环境保护"),
         ("噪音扰民", "工地夜间施工噪音很大影响休息", "环境保护"), ("井盖缺失", "路口井盖缺失存在安全隐患", "城乡建设"),
         ("占道经营", "商贩占用人行道摆摊", "城乡建设"), ("违章停车", "小区门口长期有车辆乱停放", "交通运输")]
SATISFACTION = ["满意", "满意", "基本满意", "不满意", ""]
#: The tables the history import writes, in the order the floor loads them.
WRITTEN = ("cases", "case_events", "history_refs", "metrics_grid_month")


def make_csv(path: Path, city, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    """The ledger file (see the module docstring); deterministic from ``seed``."""
    rng = np.random.default_rng(seed)
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from huying.cityconfig.models import Category
    from huying.geo.models import Node
    from huying.orgs.models import Organisation

    with Session(city.engine) as s:
        pts = s.execute(select(Node.centroid_lon, Node.centroid_lat, Node.path)
                        .where(Node.city_id == city.city_id, Node.level == "grid").order_by(Node.code)).all()
        level1 = set(s.scalars(select(Category.name_zh).where(Category.city_id == city.city_id,
                                                             Category.level == 1)))
        units = dict(s.execute(select(Node.path, Organisation.code).join(Node, Node.id == Organisation.node_id)
                               .where(Organisation.city_id == city.city_id,
                                      Organisation.code.like("%-party"))).all())
    texts = [(t, d, c if c in level1 else "") for t, d, c in TEXTS]
    now = dt.datetime(2026, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "title", "detail", "lon", "lat", "category", "priority", "channel", "reported_at",
                    "closed_at", "unit", "satisfaction", "overdue", "resolution"])
        for i in range(n):
            lon, lat, path_ = pts[int(rng.integers(len(pts)))]
            community = "/".join(path_.rstrip("/").split("/")[:-1]) + "/"
            t, d, c = texts[int(rng.integers(len(texts)))]
            at = now - dt.timedelta(minutes=int(rng.integers(30 * 24 * 60, 365 * 24 * 60)))
            closed = at + dt.timedelta(minutes=int(rng.integers(60, 20 * 24 * 60)))
            unit = units.get(community, "") if rng.random() < 0.8 else ""
            w.writerow([f"GD{seed}-{i:07d}", f"{t}（{i}）", d, f"{lon + rng.normal(0, 0.0003):.6f}",
                        f"{lat + rng.normal(0, 0.0003):.6f}", c, "normal", "hotline", at.isoformat(),
                        closed.isoformat(), unit, SATISFACTION[int(rng.integers(len(SATISFACTION)))],
                        "是" if rng.random() < 0.1 else "否", "已处理完毕"])


def _huying(command: str, url: str, path: Path, data: Path) -> tuple[float, dict]:  # type: ignore[type-arg]
    env = {**os.environ, "HUYING_DATABASE_URL": url, "HUYING_DATA_DIR": str(data)}
    t = time.perf_counter()
    out = subprocess.run([str(Path(sys.executable).parent / "huying"), "import", command, str(path), "--as", "city",
                          "--mode", "skip-bad", "--no-progress", "--now", "2026-03-01T10:00:00+08:00"],
                         capture_output=True, text=True, env=env, timeout=3600)
    spent = time.perf_counter() - t
    lines = [x for x in out.stdout.splitlines() if x.strip().startswith("{")]
    if not lines:
        raise RuntimeError(f"import failed ({out.returncode}): {out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return spent, json.loads(lines[-1])


def _raw(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def copy_baseline(path: Path, tmp: Path) -> float:
    """Best of three: ``COPY`` of the file into a text staging table."""
    with C.scratch_database("postgresql", tmp) as url, _raw(url) as raw:
        cur = raw.cursor()
        cur.execute("CREATE TABLE staging (ref text, title text, detail text, lon text, lat text, category text, "
                    "priority text, channel text, reported_at text, closed_at text, unit text, "
                    "satisfaction text, overdue text, resolution text)")
        raw.commit()
        data = path.read_bytes()
        best = float("inf")
        for _ in range(3):
            cur.execute("TRUNCATE staging")
            raw.commit()
            t = time.perf_counter()
            with cur.copy("COPY staging FROM STDIN (FORMAT csv, HEADER)") as cp:
                cp.write(data)
            raw.commit()
            best = min(best, time.perf_counter() - t)
    return best


def dump_written(url: str) -> dict[str, object]:
    """The rows of the tables the import writes: PostgreSQL in ``COPY``'s text format, SQLite
    as the driver's tuples."""
    out: dict[str, object] = {}
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("///", 1)[1]) as db:
            for table in WRITTEN:
                out[table] = db.execute(f'SELECT * FROM "{table}"').fetchall()
        return out
    with _raw(url) as raw, raw.cursor() as cur:
        for table in WRITTEN:
            buf = io.BytesIO()
            with cur.copy(f'COPY "{table}" TO STDOUT') as cp:
                for chunk in cp:
                    buf.write(chunk)
            out[table] = buf.getvalue()
    return out


def floor_baseline(backend: str, dumped: dict[str, object], tmp: Path, small: bool) -> tuple[float, dict[str, int]]:
    """The rows the import wrote, written again into the empty tables of a fresh demo city
    (their indexes and foreign keys in place): ``COPY`` on PostgreSQL, the driver's
    ``executemany`` in one transaction on SQLite."""
    from _city import build_city

    with C.scratch_database(backend, tmp) as url:
        build_city(url, small=small).engine.dispose()
        if backend == "sqlite":
            import sqlite3

            db = sqlite3.connect(url.split("///", 1)[1])
            t = time.perf_counter()
            for table in WRITTEN:
                rows = dumped[table]
                assert isinstance(rows, list)
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
            db.commit()
            spent = time.perf_counter() - t
            db.close()
            return spent, {t: len(r) for t, r in dumped.items()}  # type: ignore[arg-type]
        with _raw(url) as raw, raw.cursor() as cur:
            t = time.perf_counter()
            for table in WRITTEN:
                with cur.copy(f'COPY "{table}" FROM STDIN') as cp:
                    cp.write(dumped[table])  # type: ignore[arg-type]
            raw.commit()
            spent = time.perf_counter() - t
    return spent, {t: b.count(b"\n") for t, b in dumped.items()}  # type: ignore[attr-defined]


def bare_tables_baseline(dumped: dict[str, object], tmp: Path, small: bool) -> float:
    """PostgreSQL: the same ``COPY`` into tables of the same columns and types but no index,
    key or constraint (``CREATE TABLE … (LIKE …)``): how much of the floor is the indexes."""
    from _city import build_city

    with C.scratch_database("postgresql", tmp) as url:
        build_city(url, small=small).engine.dispose()
        with _raw(url) as raw, raw.cursor() as cur:
            for table in WRITTEN:
                cur.execute(f'CREATE TABLE "bare_{table}" (LIKE "{table}")')
            raw.commit()
            t = time.perf_counter()
            for table in WRITTEN:
                with cur.copy(f'COPY "bare_{table}" FROM STDIN') as cp:
                    cp.write(dumped[table])  # type: ignore[arg-type]
            raw.commit()
            return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--intake-rows", type=int, default=None,
                    help="rows of the file also run through `import cases` (reference; 0: skip)")
    args = ap.parse_args(argv)
    n = args.rows or (300 if args.smoke else 100_000)
    intake_n = args.intake_rows if args.intake_rows is not None else (20 if args.smoke else 1_000)
    if not C.pg_available():
        print("# PostgreSQL not reachable: no COPY baseline, P4 not measured", file=sys.stderr)
        return 0
    from _city import build_city

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        csv_path, intake_path = tmp / "ledger.csv", tmp / "reports.csv"
        sizes = {"rows": n, "city": "small" if args.smoke else "demo (1,000 grids)"}
        for backend in C.backends(args.backends):
            with C.scratch_database(backend, tmp) as url:
                city = build_city(url, small=args.smoke)
                if not csv_path.exists():
                    make_csv(csv_path, city, n, seed=n)
                    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
                    intake_path.write_text("".join(lines[: intake_n + 1]), encoding="utf-8")
                    sizes["file_mb"] = round(csv_path.stat().st_size / 2**20, 2)
                city.engine.dispose()
                data = tmp / f"data-{backend}"
                data.mkdir()
                spent, summary = _huying("history", url, csv_path, data)
                dumped = dump_written(url)
            copy_s = copy_baseline(csv_path, tmp)
            floor_s, written = floor_baseline(backend, dumped, tmp, args.smoke)
            rate, copy_rate, floor_rate = summary.get("imported", 0) / spent, n / copy_s, n / floor_s
            how = "COPY" if backend == "postgresql" else "executemany"
            if backend == "postgresql":
                extra_bare = {"bare_tables_rows_per_s": round(n / bare_tables_baseline(dumped, tmp, args.smoke), 1)}
            else:
                extra_bare = {}
            extra = {**extra_bare, "floor_rows_per_s": round(floor_rate, 1), "floor_s": round(floor_s, 3),
                     "written_rows": written, "vs_floor": round(rate / floor_rate, 4),
                     "bound": f"{how} of the rows the import writes (cases, events, ledger numbers, rollup, with their "
                              f"indexes) runs at {floor_rate:,.0f} rows/s = {floor_rate / copy_rate:.1%} of "
                              f"the file's COPY; the import does {rate / floor_rate:.0%} of that "
                              "(docs/performance.md, P4)"}
            C.emit(BENCH, f"import_history[{backend}]", rate, "rows/s",
                   baseline=("PostgreSQL COPY of the same CSV into a text staging table", copy_rate),
                   ratio=rate / copy_rate, goal=">= 30% of COPY rows/s", met=rate / copy_rate >= 0.3,
                   smoke=args.smoke, sizes=sizes, import_s=round(spent, 2), copy_s=round(copy_s, 4),
                   summary=summary, **extra)
            if intake_n:
                with C.scratch_database(backend, tmp) as url:
                    build_city(url, small=args.smoke).engine.dispose()
                    data = tmp / f"data-intake-{backend}"
                    data.mkdir()
                    spent, summary = _huying("cases", url, intake_path, data)
                C.emit(BENCH, f"import_cases[{backend}]", summary.get("imported", 0) / spent, "rows/s",
                       baseline=None, ratio=None, goal="reference: the intake pipeline row by row",
                       met=None, smoke=args.smoke, sizes={**sizes, "rows": intake_n},
                       import_s=round(spent, 2), summary=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
