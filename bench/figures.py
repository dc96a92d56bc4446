"""P3 — the figures of every node of the tree over many cases: the rollup vs the per-node
queries vs a naive GROUP BY.

    .venv/bin/python bench/figures.py                      # 1M cases (~6.5M events), both databases
    .venv/bin/python bench/figures.py --cases 100000,1000000
    .venv/bin/python bench/figures.py --smoke              # 1k and 4k cases, 80 grids (seconds)

Setup (a fixture, not measured): the demo city (1,000 grids, 1,633 nodes) and synthetic
cases bulk-inserted over 36 months with their events: 10% fixed on the spot; 85% report →
dispatch → accept → (10% overdue, 5% escalated) → handled → follow-up (5% reopened and
handled again) → close; 5% still open (dispatched, due in ±10 days). Then
``rollup.rebuild`` (timed, reported: the one-off backfill) and ANALYZE.

Measured (best of a few runs):
- ``rollup_tree``: ``rollup.tree_figures`` — every node of the tree, all time; and with a
  period whose ends fall inside months (the edge months come from the events).
- baseline ``naive GROUP BY``: one grouped pass over events ⨝ cases by grid (the same
  counters, EXISTS per closing event), rolled up in Python.
- ``service.figures`` (one query per node): the city page (city + its children); its time
  for every node is extrapolated from a sample of nodes per level at full size (measured
  for every node in ``--smoke``).

Goal (issue 8): ≤ 1 s for the figures of every node over 10 M cases. The rollup reads
grids × months rows, not events: its cost does not grow with the number of cases once
every grid-month has a row (36,000 rows here), which this run shows at two sizes.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

BENCH = "figures"
T_START = dt.datetime(2023, 3, 1, tzinfo=dt.UTC)
MONTHS = 36
NOW = T_START + dt.timedelta(days=MONTHS * 30.4)


def rows(city, n: int, seed: int):  # type: ignore[no-untyped-def]
    """(case rows, event rows) generators for ``n`` synthetic cases with ids 1..n."""
    rng = np.random.default_rng(seed)
    span = (NOW - T_START).total_seconds()
    start = np.sort(rng.uniform(0, span - 40 * 86400, n))
    kind = rng.random(n)
    g = rng.integers(len(city.grids), size=n)
    cat = rng.integers(len(city.leaves), size=n)
    flags = rng.random((n, 3))
    step = rng.uniform(0.5, 30, (n, 8)) * 3600
    cases: list[tuple] = []  # type: ignore[type-arg]
    events: list[tuple] = []  # type: ignore[type-arg]
    cid = city.city_id
    for i in range(n):
        gid, gpath, unit = city.grids[g[i]]
        t = T_START + dt.timedelta(seconds=float(start[i]))
        created = t
        evs: list[tuple[str, str | None, str]] = []
        due = None
        if kind[i] < 0.10:
            evs.append(("fix_on_spot", None, "closed"))
            status, closed_at = "closed", t
            times = [t]
        else:
            evs += [("report", None, "new"), ("dispatch", "new", "dispatched")]
            if kind[i] > 0.95:
                status = "dispatched"
                due = NOW + dt.timedelta(days=float(rng.uniform(-10, 10)))
            else:
                evs.append(("accept", "dispatched", "in_progress"))
                if flags[i, 0] < 0.10:
                    evs.append(("overdue", "in_progress", "in_progress"))
                if flags[i, 1] < 0.05:
                    evs.append(("escalate", "in_progress", "dispatched"))
                    evs.append(("accept", "dispatched", "in_progress"))
                evs.append(("mark_handled", "in_progress", "handled"))
                if flags[i, 2] < 0.05:
                    evs.append(("reopen", "handled", "in_progress"))
                    evs.append(("mark_handled", "in_progress", "handled"))
                evs += [("follow_up", "handled", "followed_up"), ("close", "followed_up", "closed")]
                status = "closed"
            times = [t]
            for k in range(1, len(evs)):
                times.append(times[-1] + dt.timedelta(seconds=float(step[i, k % 8])))
            closed_at = times[-1] if status == "closed" else None
        for k, ((action, frm, to), at) in enumerate(zip(evs, times, strict=True), start=1):
            events.append((cid, i + 1, k, at, None, "system", action, frm, to, None, "{}"))
        cases.append((i + 1, cid, f"441900-X-{i + 1:09d}", "路灯不亮", "", city.leaves[cat[i]], "normal", "hotline",
                      None, None, gid, gpath, "anonymous", unit, "community", status, due, None, False, 0,
                      any(e[0] == "overdue" for e in evs), sum(e[0] == "reopen" for e in evs),
                      sum(e[0] == "escalate" for e in evs), len(evs), created, times[-1], closed_at))
        if len(cases) >= 20_000:
            yield cases, events
            cases, events = [], []
    if cases:
        yield cases, events


def measure(backend: str, url: str, n: int, small: bool, per_node: bool = True) -> dict:  # type: ignore[type-arg]
    from _city import CASE_COLUMNS, CASES, EVENT_COLUMNS, EVENTS, analyze, build_city, bulk_insert

    from huying.geo.models import Level, Node
    from huying.metrics import rollup, service

    city = build_city(url, small=small)
    eng = city.engine
    t = time.perf_counter()
    n_events = 0
    case_cols = ["id", *CASE_COLUMNS]
    batches = rows(city, n, seed=n)
    case_buf: list = []  # type: ignore[type-arg]
    event_buf: list = []  # type: ignore[type-arg]
    for cs, es in batches:
        case_buf += cs
        event_buf += es
        if len(event_buf) > 400_000:
            bulk_insert(eng, CASES, case_cols, case_buf)
            n_events += bulk_insert(eng, EVENTS, EVENT_COLUMNS, event_buf)
            case_buf, event_buf = [], []
    bulk_insert(eng, CASES, case_cols, case_buf)
    n_events += bulk_insert(eng, EVENTS, EVENT_COLUMNS, event_buf)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    with Session(eng) as s:
        rollup_rows = rollup.rebuild(s, city.city_id)
        s.commit()
    rebuild_s = time.perf_counter() - t
    analyze(eng)
    out: dict = {"backend": backend, "cases": n, "events": n_events, "rollup_rows": rollup_rows,  # type: ignore[type-arg]
                 "load_s": round(load_s, 1), "rebuild_s": round(rebuild_s, 2), "nodes": city.nodes}
    reps = 3
    since = T_START + dt.timedelta(days=400, hours=7)
    until = NOW - dt.timedelta(days=3, hours=5)
    with Session(eng) as s:
        cid = city.city_id
        rollup.tree_figures(s, cid, now=NOW)  # warm
        out["rollup_s"], tree = C.best_of(lambda: rollup.tree_figures(s, cid, now=NOW), reps)
        out["rollup_period_s"], _ = C.best_of(
            lambda: rollup.tree_figures(s, cid, now=NOW, since=since, until=until), reps)

        def naive() -> int:
            q = rollup._grouped_events(eng.dialect.name, cid, [], by_month=False)
            return len(s.execute(q).all())

        out["naive_s"], _ = C.best_of(naive, 1 if not small else reps)
        if not per_node:
            out["service_city_page_s"] = out["service_all_nodes_s"] = float("nan")
            out["service_sampled_nodes"] = 0
            eng.dispose()
            return out
        out["service_city_page_s"], page = C.best_of(lambda: service.figures(s, cid, None, now=NOW), 1)
        assert page["node"] == tree["441900"].as_dict(), (page["node"], tree["441900"])
        # one query per node: every node at smoke size; a sample per level otherwise
        nodes = s.scalars(select(Node).where(Node.city_id == cid)).all()
        per_level: dict[str, list] = {}  # type: ignore[type-arg]
        for nd in nodes:
            per_level.setdefault(nd.level, []).append(nd)
        total, sampled = 0.0, 0
        for level in Level:
            group = per_level.get(level.value, [])
            sample = group if small else group[: max(1, min(len(group), 3))]
            t = time.perf_counter()
            for nd in sample:
                f = service.node_figures(s, nd, now=NOW)
                assert f.as_dict() == tree[nd.code].as_dict(), nd.code
            spent = time.perf_counter() - t
            sampled += len(sample)
            total += spent / max(1, len(sample)) * len(group)
        out["service_all_nodes_s"] = total
        out["service_sampled_nodes"] = sampled
    eng.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--cases", default=None, help="comma-separated case counts")
    ap.add_argument("--skip-per-node", action="store_true",
                    help="skip metrics.service's per-node queries (minutes at 1M cases)")
    args = ap.parse_args(argv)
    sizes = [1_000, 4_000] if args.smoke else [100_000, 1_000_000]
    if args.cases:
        sizes = [int(x) for x in args.cases.split(",")]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for backend in C.backends(args.backends):
            runs = []
            for n in sizes:
                with C.scratch_database(backend, Path(tmp)) as url:
                    runs.append(measure(backend, url, n, args.smoke, not args.skip_per_node))
                    print(f"# {runs[-1]}", file=sys.stderr, flush=True)
            big = runs[-1]
            sz = {k: big[k] for k in ("cases", "events", "rollup_rows", "nodes", "load_s", "rebuild_s")}
            sz["case_sizes"] = [r["cases"] for r in runs]
            growth = {"cases_ratio": round(runs[-1]["cases"] / runs[0]["cases"], 1),
                      "rollup_s_ratio": round(runs[-1]["rollup_s"] / runs[0]["rollup_s"], 2),
                      "naive_s_ratio": round(runs[-1]["naive_s"] / runs[0]["naive_s"], 2)}
            met = big["rollup_s"] <= 1.0 and big["rollup_period_s"] <= 1.0
            ok &= met or args.smoke
            C.emit(BENCH, f"figures_every_node_rollup[{backend}]", big["rollup_s"], "s (all nodes, all time)",
                   baseline=("naive GROUP BY grid over events ⨝ cases", big["naive_s"]),
                   ratio=big["naive_s"] / big["rollup_s"], sizes=sz, goal="<= 1 s (issue: over 10M cases; met says: at this size)", met=met,
                   smoke=args.smoke, growth=growth, runs=runs,
                   note="rollup cost ~ grids x months, flat in cases once every grid-month has a row")
            C.emit(BENCH, f"figures_every_node_period_rollup[{backend}]", big["rollup_period_s"],
                   "s (all nodes, period with ragged ends)",
                   baseline=("naive GROUP BY grid over events ⨝ cases", big["naive_s"]),
                   ratio=big["naive_s"] / big["rollup_period_s"], sizes=sz, goal="<= 1 s", met=met,
                   smoke=args.smoke)
            if args.skip_per_node:
                continue
            C.emit(BENCH, f"figures_every_node_per_node_queries[{backend}]", big["service_all_nodes_s"],
                   "s (all nodes, metrics.service, one query per node)",
                   baseline=("naive GROUP BY grid over events ⨝ cases", big["naive_s"]),
                   ratio=big["naive_s"] / big["service_all_nodes_s"], sizes=sz, goal="<= 1 s",
                   met=big["service_all_nodes_s"] <= 1.0, smoke=args.smoke,
                   city_page_s=round(big["service_city_page_s"], 3),
                   sampled_nodes=big["service_sampled_nodes"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
