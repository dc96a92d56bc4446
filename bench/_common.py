"""Shared by every benchmark: the JSON line, the machine, the ``--smoke`` convention, timers,
throw-away databases.

Each benchmark measures its figure **and its baseline in the same run** and emits one JSON
line per figure through :func:`emit`:

    name, value, unit, baseline {name, value}, ratio, sizes, machine, goal, met, smoke

printed to stdout and appended to ``bench/results/<bench>.jsonl`` (not for ``--smoke``,
unless ``HUYING_BENCH_KEEP_SMOKE=1``). ``ratio`` is always "how many times better than the
baseline" (>1 is better), whichever way the unit points.

``make bench`` runs every ``bench/*.py``; this helper does nothing when run as a script.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get(
    "HUYING_BENCH_PG_URL",
    os.environ.get("HUYING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)


# ----------------------------------------------------------------------------- machine
def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _pg_version() -> str | None:
    try:
        from sqlalchemy import create_engine, text

        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            v = c.execute(text("SHOW server_version")).scalar()
        eng.dispose()
        return str(v)
    except Exception:  # noqa: BLE001 - no server: say so
        return None


@lru_cache
def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    load = None
    with contextlib.suppress(OSError):
        load = [round(x, 2) for x in os.getloadavg()]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gb": mem_gb,
        "python": platform.python_version(),
        "sqlite": _sqlite_version(),
        "postgres": _pg_version(),
        "platform": platform.platform(terse=True),
        # the machine is shared with other engineers: the load when the run started
        "loadavg_at_start": load,
    }


# ----------------------------------------------------------------------------- output
def emit(
    bench: str,
    name: str,
    value: float,
    unit: str,
    *,
    baseline: tuple[str, float] | None,
    ratio: float | None,
    sizes: dict[str, Any],
    goal: str | None = None,
    met: bool | None = None,
    smoke: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """Print one JSON line and append it to ``bench/results/<bench>.jsonl``."""
    line: dict[str, Any] = {
        "name": name,
        "value": _round(value),
        "unit": unit,
        "baseline": None if baseline is None else {"name": baseline[0], "value": _round(baseline[1])},
        "ratio": None if ratio is None else _round(ratio),
        "sizes": sizes,
        "goal": goal,
        "met": met,
        "smoke": smoke,
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        **extra,
    }
    text = json.dumps(line, ensure_ascii=False, default=str)
    print(text, flush=True)
    if not smoke or os.environ.get("HUYING_BENCH_KEEP_SMOKE") == "1":
        RESULTS.mkdir(parents=True, exist_ok=True)
        with (RESULTS / f"{bench}.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return line


def _round(v: float) -> float:
    if isinstance(v, int):
        return v
    if v == 0 or abs(v) >= 100:
        return round(v, 1)
    return float(f"{v:.4g}")


def parser(doc: str | None) -> argparse.ArgumentParser:
    """The common arguments: ``--smoke`` (tiny sizes, seconds, for ``tests/bench``) and
    ``--backends`` (``sqlite,postgresql``)."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: a few seconds, for tests")
    ap.add_argument("--backends", default="sqlite,postgresql",
                    help="comma-separated: sqlite, postgresql")
    return ap


# ----------------------------------------------------------------------------- timing
def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The best wall time of ``repeat`` calls (seconds), and the last result."""
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# ----------------------------------------------------------------------------- databases
@contextlib.contextmanager
def scratch_database(backend: str, tmp: Path) -> Iterator[str]:
    """A throw-away database URL (a SQLite file under ``tmp``, or a new PostgreSQL
    database), removed afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"huying_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    if backend == "sqlite":
        path = tmp / f"{name}.db"
        try:
            yield f"sqlite:///{path.as_posix()}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(str(path) + suffix).unlink()
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def analyze_as_autovacuum(url: str) -> bool:
    """On PostgreSQL, ``ANALYZE`` the bench's database, as autovacuum would have within a
    minute of the rows a run adds (``autovacuum_analyze_threshold`` 50 + 10%). A server with
    autovacuum off (this project's test machines have it off) keeps the statistics of the
    empty tables the bench started from, and the planner answers the duplicate look-up
    from the city's index instead of the cells' (every case of the city read and filtered:
    2.4 ms at 3,000 cases against 0.23 ms, growing with every run). Returns whether it ran."""
    if not url.startswith("postgresql"):
        return False
    from huying.db import analyze_after_bulk, make_engine

    eng = make_engine(url)
    try:
        return analyze_after_bulk(eng)  # the product's own ANALYZE after a bulk change
    finally:
        eng.dispose()


def pg_available() -> bool:
    return machine()["postgres"] is not None


def backends(arg: str) -> list[str]:
    out = [b.strip() for b in arg.split(",") if b.strip()]
    if "postgresql" in out and not pg_available():
        print(f"# PostgreSQL not reachable at {PG_ADMIN_URL}: skipped", file=sys.stderr)
        out.remove("postgresql")
    return out


if __name__ == "__main__":  # a helper, not a benchmark
    raise SystemExit(0)
