"""The cost of one case, for docs/scaling.md: CPU milliseconds and bytes stored per case and per
event, with the demo year's cases run through the service (``huying demo build --cases N``'s
own code path: intake, classifier, dispatch, handling, follow-up, sweeper, outbox).

    .venv/bin/python bench/per_case.py             # 2,000 cases on the small city, both databases
    .venv/bin/python bench/per_case.py --smoke     # 60 cases (seconds)

CPU is this process's user + system time (the application side); wall time minus that is
reported as ``wait_ms`` (the database server, I/O, waiting for a core). ``intake_ms`` and
``life_ms``: the part of a case's CPU in its report by intake and in the rest of its life
(the loop's commands and the sweeper), timed by wrapping ``huying.demo.cases.intake`` and
``_run``, so that the split is measured the same way on an older checkout (``PYTHONPATH``
set to it), which has no ``YearClock``. Bytes: PostgreSQL
``pg_total_relation_size`` (heap + indexes + TOAST) of each table after VACUUM; SQLite the file
size after a checkpoint (and per table with ``dbstat`` when compiled in). ``--calls``: the
Python function calls a case (cProfile's count: a measure of the work that does not move with
the machine's state; that run's CPU is the profiler's too). There is no
competing implementation here: the ``baseline`` field carries the per-event figure (CPU per
event; bytes of the event table per event) and ``ratio`` is null.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "per_case"
TABLES = ["cases", "case_events", "outbox", "supervision_notices", "case_cohandlers", "ledgers",
          "ledger_milestones", "idempotency_keys", "metrics_grid_month"]


def sizes(engine, tables: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect, text

    have = set(inspect(engine).get_table_names())
    out: dict[str, int] = {}
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
            for t in tables:
                if t in have:
                    out[t] = int(c.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar() or 0)
            out["_database"] = int(c.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
        return out
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            rows = c.exec_driver_sql("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").all()
            per = {r[0]: int(r[1]) for r in rows}
            for t in tables:
                if t in have:
                    out[t] = per.get(t, 0) + sum(v for k, v in per.items()
                                                 if k.startswith((f"ix_{t}_", f"uq_{t}_", f"sqlite_autoindex_{t}_")))
        except Exception:  # noqa: BLE001 - dbstat not compiled in: the file only
            pass
        out["_database"] = Path(engine.url.database).stat().st_size
    return out


def _time_the_parts() -> dict[str, float]:
    """Wrap the demo year's ``intake`` and ``_run`` (module globals, looked up at each call)
    to add their CPU seconds to the returned dict's ``intake`` and ``life``."""
    import huying.demo.cases as year

    spent = {"intake": 0.0, "life": 0.0}

    def timed(fn, part: str):  # type: ignore[no-untyped-def]
        def call(*a, **kw):  # type: ignore[no-untyped-def]
            t = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                spent[part] += time.process_time() - t
        return call

    year.intake = timed(year.intake, "intake")  # type: ignore[attr-defined]
    year._run = timed(year._run, "life")  # type: ignore[attr-defined]
    return spent


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--cases", type=int, default=None)
    ap.add_argument("--block", type=int, default=1,
                    help="cases per transaction (1, the default: every command commits, as on a "
                         "server; the demo build commits 100 at a time)")
    ap.add_argument("--calls", action="store_true",
                    help="count the Python function calls a case (cProfile's count, which does not depend on "
                         "the machine's state; the CPU figures of such a run are inflated by the profiler)")
    args = ap.parse_args(argv)
    n = args.cases or (60 if args.smoke else 2000)
    from _city import build_city
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from huying.cases.models import Case, CaseEvent
    from huying.demo.cases import build_cases, demo_end

    split = _time_the_parts()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        for backend in C.backends(args.backends):
            with C.scratch_database(backend, tmp) as url:
                city = build_city(url, small=True)
                before = sizes(city.engine, TABLES)
                with Session(city.engine, expire_on_commit=False) as s:
                    split.update(intake=0.0, life=0.0)
                    prof = cProfile.Profile() if args.calls else None
                    cpu0, t0 = C.cpu_seconds(), time.perf_counter()
                    if prof is not None:
                        prof.enable()
                    counts = build_cases(s, city.city_id, seed=7, n=n, block=args.block, end=demo_end())
                    s.commit()
                    if prof is not None:
                        prof.disable()
                    cpu, wall = C.cpu_seconds() - cpu0, time.perf_counter() - t0
                    n_cases = int(s.scalar(select(func.count()).select_from(Case)) or 0)
                    n_events = int(s.scalar(select(func.count()).select_from(CaseEvent)) or 0)
                after = sizes(city.engine, TABLES)
                city.engine.dispose()
            grown = {k: after.get(k, 0) - before.get(k, 0) for k in after}
            per_case_b = grown["_database"] / n_cases
            per_event_b = grown.get("case_events", 0) / n_events if grown.get("case_events") else None
            cpu_case = cpu / n_cases * 1e3
            cpu_event = cpu / n_events * 1e3
            sz = {"cases": n_cases, "events": n_events, "events_per_case": round(n_events / n_cases, 2),
                  "city": "small (80 grids)", "counts": counts, "cases_per_commit": args.block}
            C.emit(BENCH, f"cpu_ms_per_case[{backend}]", cpu_case, "ms application CPU per case (whole life)",
                   baseline=("per event", cpu_event), ratio=None, sizes=sz, smoke=args.smoke,
                   wall_ms_per_case=round(wall / n_cases * 1e3, 2),
                   wait_ms_per_case=round((wall - cpu) / n_cases * 1e3, 2),
                   intake_ms=round(split["intake"] / n_cases * 1e3, 2),
                   life_ms=round(split["life"] / n_cases * 1e3, 2),
                   python_calls_per_case=(round(pstats.Stats(prof).total_calls / n_cases)  # type: ignore[attr-defined]
                                          if prof is not None else None),
                   profiled=prof is not None)
            C.emit(BENCH, f"bytes_per_case[{backend}]", per_case_b, "bytes stored per case (all tables, indexes)",
                   baseline=("case_events bytes per event", per_event_b or 0), ratio=None, sizes=sz,
                   smoke=args.smoke, tables_bytes=grown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
