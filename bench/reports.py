"""A1 — the yearly report of every node of the demo city (PDF), as one batch: the city's
figures read once for the year and the year before, then the reports rendered in worker
processes; against one report made alone × the number of nodes, measured in the same run.

    .venv/bin/python bench/reports.py                      # the demo city's database (built if missing)
    .venv/bin/python bench/reports.py --db sqlite:///x.db  # another database holding a city
    .venv/bin/python bench/reports.py --smoke              # a small city, a handful of nodes (seconds)

The database: ``--db``, else ``var/bench/reports-demo.db`` — ``huying db upgrade`` and
``huying demo build --seed 1`` (the demo city: 1,633 nodes and a year of cases, visits,
walks, services and projects through the services) built once and kept. ``--smoke``: the
small city of the benchmarks (80 grids) with 150 cases through the service, in a scratch
SQLite file, and the reports of 4 nodes.

Measured:
- ``yearly reports of every node`` — wall time of ``report_cli.write_batch`` over every node
  (``batch_context`` once, then ``--workers`` spawned processes, PDF), the year of ``NOW``.
- baseline ``one report × nodes`` — a town's report made alone (its own figures read, then
  rendered: what ``huying report --node`` does after start-up; best of 3 after a warm-up)
  times the number of nodes.
- ``peak RSS of the batch`` — the largest sum of ``VmRSS`` over this process and its
  children, sampled every 0.1 s while the batch runs.

Goal (issue 18): ≤ 10 minutes and ≤ 500 MB RSS on 2 cores for the 1,633 nodes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "reports"
GOAL_S, GOAL_MB = 600.0, 500.0
DEMO_DB = C.ROOT / "var" / "bench" / "reports-demo.db"
SMOKE_NODES = 4


def _tree_rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and of every process below it (MB)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        p = int(entry)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(p)
        kb = fields.get("VmRSS", "0 kB").strip().split()[0]
        rss[p] = int(kb) if kb.isdigit() else 0
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total / 1024


class PeakRss:
    """Samples the process tree's RSS in a thread until stopped."""

    def __init__(self, every: float = 0.1) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, args=(every,), daemon=True)

    def _run(self, every: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_mb(os.getpid()))
            self._stop.wait(every)

    def __enter__(self) -> PeakRss:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _tree_rss_mb(os.getpid()))


def demo_db() -> str:
    """The demo city's database, built once (minutes) and kept under var/bench."""
    url = f"sqlite:///{DEMO_DB.as_posix()}"
    if not DEMO_DB.exists() or DEMO_DB.with_suffix(".building").exists():
        DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
        DEMO_DB.with_suffix(".building").touch()
        DEMO_DB.unlink(missing_ok=True)
        env = {**os.environ, "HUYING_DATABASE_URL": url}
        for args in (["db", "upgrade"], ["demo", "build", "--seed", "1", "--no-progress"]):
            subprocess.run([sys.executable, "-c", "from huying.cli import app; app()", *args], env=env,
                           check=True, cwd=C.ROOT)
        DEMO_DB.with_suffix(".building").unlink()
    return url


def small_city(url: str) -> None:
    from sqlalchemy.orm import Session

    from huying.cityconfig import categories
    from huying.db import Base, import_all_models, make_engine
    from huying.demo.build import Sizes, build
    from huying.demo.cases import build_cases, demo_end

    import_all_models()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        city_id = build(s, seed=3, progress=False,
                        sizes=Sizes(communities=40, grids=80, households_per_grid=2.0, lloyd_iterations=1)).city_id
        categories.load_tree(s, city_id)
        s.commit()
        build_cases(s, city_id, seed=3, n=150, end=demo_end())
        s.commit()
    engine.dispose()


def facts(url: str) -> dict[str, object]:
    """The city of the database: its latest case (the reports are made an hour after it),
    its number of cases and its first town."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from huying.cases.models import Case
    from huying.db import make_engine
    from huying.geo.models import Node

    with Session(make_engine(url)) as s:
        city_id = int(s.scalar(select(Node.city_id).where(Node.level == "city")) or 0)
        latest = s.scalar(select(func.max(Case.created_at)).where(Case.city_id == city_id))
        cases = int(s.scalar(select(func.count()).select_from(Case).where(Case.city_id == city_id)) or 0)
        town = s.scalar(select(Node.code).where(Node.city_id == city_id, Node.level == "town").order_by(Node.code))
    assert latest is not None and town is not None, "the database holds no city with cases"
    now = (latest if latest.tzinfo else latest.replace(tzinfo=dt.UTC)) + dt.timedelta(hours=1)
    return {"now": now.timestamp(), "cases": cases, "town": town}


def measure(url: str, *, workers: int, smoke: bool, out_dir: Path, limit: int | None = None) -> None:
    """This process stays what a batch's parent is: the figures and the workers, no database
    or catalogue imports (they are read by processes of their own, see ``main``)."""
    from huying.accountability.report_data import level_codes
    from huying.web import report_batch

    got = json.loads(subprocess.run([sys.executable, __file__, "--facts", url], capture_output=True, text=True,
                                    check=True, cwd=C.ROOT).stdout.strip().splitlines()[-1])
    now = dt.datetime.fromtimestamp(got["now"], dt.UTC)
    town, cases = got["town"], got["cases"]

    # the baseline in a process of its own (as `huying report --node` is), so that this
    # process stays what a batch's parent is: the figures, no renderer
    proc = subprocess.run([sys.executable, __file__, "--one", url, town, str(now.timestamp()), "1" if smoke else "3"],
                          capture_output=True, text=True, check=True, cwd=C.ROOT)
    t_one = float(proc.stdout.strip().splitlines()[-1])

    with PeakRss() as rss:
        started = time.perf_counter()
        # the figures read in a process of their own, which ends before the workers start:
        # this process then holds the figures alone (the catalogue's imports are 140 MB)
        ctx_file = out_dir.parent / "ctx.pickle"
        subprocess.run([sys.executable, __file__, "--ctx", url, str(now.timestamp()), str(ctx_file)],
                       check=True, cwd=C.ROOT)
        ctx = pickle.loads(ctx_file.read_bytes())
        t_ctx = time.perf_counter() - started
        codes = level_codes(ctx, "all")
        if smoke or limit:
            codes = codes[:limit or SMOKE_NODES]
        done = report_batch.write_batch(ctx, codes, fmt="pdf", lang="zh", out_dir=out_dir, workers=workers)
        t_batch = time.perf_counter() - started
    assert len(done) == len(codes) and all(n > 1000 for _, n in done), "a report is missing or empty"
    n = len(codes)
    sizes = {"nodes": n, "cases": cases, "workers": workers}
    base = t_one * n
    name = "yearly reports of every node (PDF)" if len(codes) == len(ctx.nodes) else f"yearly reports of {n} nodes (PDF)"
    C.emit(BENCH, name, t_batch, "s", baseline=("one report × nodes", base),
           ratio=base / t_batch, sizes=sizes, goal=f"≤ {GOAL_S:.0f} s on 2 cores (1,633 nodes)",
           met=None if smoke or limit else t_batch <= GOAL_S, smoke=smoke, of_nodes=len(ctx.nodes), figures_read_s=round(t_ctx, 2),
           one_report_s=round(t_one, 3), per_report_s=round(t_batch / n, 3),
           bytes_total=sum(b for _, b in done))
    C.emit(BENCH, "peak RSS of the batch (process tree)", rss.peak, "MB", baseline=None, ratio=None, sizes=sizes,
           goal=f"≤ {GOAL_MB:.0f} MB", met=None if smoke else rss.peak <= GOAL_MB, smoke=smoke)


def one_report(url: str, town: str, now: dt.datetime, repeat: int) -> float:
    """A town's yearly report made alone (its figures read, then the PDF): best of
    ``repeat`` after a warm-up (fonts, templates)."""
    from sqlalchemy.orm import Session

    from huying.accountability import report
    from huying.db import make_engine
    from huying.web import report_doc

    engine = make_engine(url)
    with Session(engine) as s:
        city_id = int(s.scalar(select_city_id()) or 0)
    period = report.report_period(str(now.year), now=now)

    def one() -> None:
        with Session(engine) as s:
            r = report.node_report(s, city_id, town, period, now=now)
        report_doc.pdf(r, "zh")

    one()
    return C.best_of(one, repeat)[0]


def write_context(url: str, now: dt.datetime, out: Path) -> None:
    """The batch's shared figures (``report.batch_context``) of the year of ``now``, pickled."""
    from sqlalchemy.orm import Session

    from huying.accountability import report
    from huying.db import make_engine

    engine = make_engine(url)
    with Session(engine) as s:
        city_id = int(s.scalar(select_city_id()) or 0)
        ctx = report.batch_context(s, city_id, report.report_period(str(now.year), now=now), now=now)
    out.write_bytes(pickle.dumps(ctx))


def select_city_id():  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from huying.geo.models import Node

    return select(Node.city_id).where(Node.level == "city")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--facts"]:
        print(json.dumps(facts(argv[1])))
        return 0
    if argv[:1] == ["--ctx"]:  # the figures' own process (see measure)
        write_context(argv[1], dt.datetime.fromtimestamp(float(argv[2]), dt.UTC), Path(argv[3]))
        return 0
    if argv[:1] == ["--one"]:  # the baseline's own process (see measure)
        print(one_report(argv[1], argv[2], dt.datetime.fromtimestamp(float(argv[3]), dt.UTC), int(argv[4])))
        return 0
    ap = C.parser(__doc__)
    ap.add_argument("--db", default=None, help="a database holding a city with cases (default: the demo city)")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: the CPUs)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N nodes (by code; the goal is then not judged)")
    args = ap.parse_args(argv)
    workers = args.workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="huying-reports-") as tmp:
        out = Path(tmp) / "out"
        if args.smoke:
            with C.scratch_database("sqlite", Path(tmp)) as url:
                small_city(url)
                measure(url, workers=min(workers, 2), smoke=True, out_dir=out)
        else:
            measure(args.db or demo_db(), workers=workers, smoke=False, out_dir=out, limit=args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
