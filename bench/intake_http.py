"""P1 — HTTP report intake: ``POST /api/v1/cases`` (bearer token, Idempotency-Key) through the
whole pipeline on ``huying serve --workers 2``, vs the floor of its own writes and a bare
FastAPI endpoint, in the same run.

    .venv/bin/python bench/intake_http.py                        # 20 s per run, both loads, both databases
    .venv/bin/python bench/intake_http.py --repeat 3 --duration 15   # median and spread of 3 runs a side
    .venv/bin/python bench/intake_http.py --smoke                # 1 s, small city (seconds)
    .venv/bin/python bench/intake_http.py --backends postgresql --load realistic --connections 32

Loads (``--load``, bench/_realistic.py): ``realistic``, the real messages' texts at random
points of the demo city's grids with the categories the demo year gives them (a labelled
message comes with a category, the others go through the classifier), and ``worst``, the
load this bench always had: one short text at one point, no category, so that every report
compares itself with the 200 most recent open reports there. Both are reported.

Servers: ``huying serve --workers 2``'s app on 127.0.0.1 against a fresh database holding the
demo city with no cases (``--smoke``: a small city), no sweeper, no rate limit; in the same
run, with the same workers on the same launcher, the floor, ``bench/_floor_app.py`` (parses
the same body and writes the same rows as intake — case, event, outbox message, idempotency
key, the two rollup rows — with plain statements in one transaction, into the same database after intake:
how far intake is from what its writes cost), the floor in the product's server,
``bench/_floor_product.py`` (the product's app with its middlewares, guards, session and
token, and at intake's place a route that makes intake's reads and the floor's writes with
plain statements and computes no rule: what the server around the route costs;
``floor_product`` in the JSON line; at ``--smoke`` size on SQLite only), and
``bench/_bare_app.py`` (parses the same body, touches nothing).

Statistics: on PostgreSQL each run starts with ``ANALYZE`` (``_common.analyze_as_autovacuum``):
what autovacuum does within a minute of the rows a run adds, on a server that has it on (the
test machines' servers have it off, and the planner then reads every case of the city for the
duplicate look-up, more at each run).

Latency: p50/p99 are read from a light-load run (2 connections); the saturation run (16
connections) gives requests/s, where latency is only connections / throughput.

Load generator: ``wrk`` (a separate process, ``bench/_intake.lua``) when installed, else
``bench/_loadgen.py`` (the same requests from a Python process of its own; dearer per request,
so the bare endpoint's requests/s are bound by it): ``--loadgen``. Every request carries a
fresh Idempotency-Key; every key sent and every acknowledged ``Location`` are logged.

``--repeat K`` runs each side K times (alternating the loads) and prints the median, min and
max of every figure, with the runs: a figure in the docs is the median of a command printed
beside it (``command`` in the JSON line).

Exactness: after each run, (1) every acknowledged case is in the database, (2) no key made two
cases, (3) the requests cut off at the end (sent, not acknowledged) are retried with their key
and body until acknowledged; then the run's keys made exactly one case each, i.e. exactly the
acknowledged reports.

CPU: the CPU time of the workers, and on PostgreSQL of the server backends connected to the
bench's database (not the machine's other databases), per acknowledged request over the
saturation run (``cpu_ms_per_report``) and over the light-load run
(``light_cpu_ms_per_report``: two connections, fewer threads contending for the interpreter
and for SQLite's writer), read from ``/proc``: with 2 cores, requests/s cannot
exceed 2000 / (workers + postgres + load generator) ms. This figure holds on a loaded machine
too; requests/s and latency do not. ``bench/intake_cpu.py`` measures the same in-process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402
import _server as S  # noqa: E402

BENCH = "intake_http"
LUA = Path(__file__).resolve().parent / "_intake.lua"
LOADGEN = Path(__file__).resolve().parent / "_loadgen.py"
#: Connections of the light-load run, where the p99 goal is read (at saturation, latency is
#: connections / throughput by Little's law, whatever the code does).
LIGHT = 2


TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pids: list[int]) -> int:
    """User + system CPU ticks of the processes (those gone are skipped)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def our_backends(url: str) -> set[int]:
    """The PostgreSQL backends connected to the bench's database (the server's connections:
    not the other databases' on a shared server, not this bench's own)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not url.startswith("postgresql"):
        return set()
    name = make_url(url).database
    eng = create_engine(C.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        pids = {int(p) for p in c.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": name}).scalars()}
    eng.dispose()
    return pids


def prepare(url: str, small: bool) -> tuple[str, float, float]:
    """The city (no cases), an API token of the demo resident, a point in their grid (the
    worst case's point; bench/memory.py uses it too)."""
    from _city import build_city
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from huying.demo.build import HUMEN_GRID
    from huying.geo.models import Node
    from huying.orgs import tokens
    from huying.orgs.models import User

    city = build_city(url, small=small)
    with Session(city.engine) as s:
        user = s.scalar(select(User).where(User.username == "resident"))
        assert user is not None
        token = tokens.create(s, user, "bench", now=dt.datetime.now(dt.UTC))[1]
        grid = s.scalar(select(Node).where(Node.city_id == city.city_id, Node.code == HUMEN_GRID))
        assert grid is not None and grid.centroid_lon is not None
        lon, lat = float(grid.centroid_lon), float(grid.centroid_lat)  # type: ignore[arg-type]
        s.commit()
    city.engine.dispose()
    return token, lon, lat


def realistic_bodies(url: str, n: int) -> tuple[list[dict[str, object]], dict[str, object]]:
    """``n`` bodies of the realistic load in the city built at ``url`` (bench/_realistic.py),
    and what they hold."""
    import _realistic as R
    from sqlalchemy import select

    from huying.db import make_engine
    from huying.geo.models import City

    engine = make_engine(url)
    with engine.connect() as c:
        city_id = c.execute(select(City.id)).scalar_one()
    real, about = R.bodies(engine, city_id, n)
    engine.dispose()
    return real, about


def prepare_loads(url: str, small: bool, n_bodies: int, tmp: Path) -> dict[str, object]:
    """:func:`prepare`, and the two loads' bodies (files of one JSON body per line):
    ``realistic`` and ``worst`` (bench/_realistic.py)."""
    import _realistic as R

    token, lon, lat = prepare(url, small)
    real, about = realistic_bodies(url, n_bodies)
    tag = uuid.uuid4().hex[:6]
    return {"token": token, "about": about,
            "realistic": R.write_lines(tmp / f"realistic-{tag}.jsonl", real),
            "worst": R.write_lines(tmp / f"worst-{tag}.jsonl", R.worst_bodies(lon, lat))}


def use_wrk(choice: str) -> bool:
    if choice == "wrk":
        if shutil.which("wrk") is None:
            raise SystemExit("--loadgen wrk: wrk is not installed (apt-get install -y wrk)")
        return True
    return choice == "auto" and shutil.which("wrk") is not None


def run_load(base: str, token: str, bodies: Path, *, threads: int, connections: int, duration: int,
             outdir: Path | None, wrk: bool) -> dict:  # type: ignore[type-arg]
    """One closed-loop run of wrk (``bench/_intake.lua``) or of ``bench/_loadgen.py``."""
    prefix = uuid.uuid4().hex[:8]
    if wrk:
        cmd = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
               "-s", str(LUA), base, "--", token, prefix, str(bodies), str(outdir or "")]
    else:
        cmd = [sys.executable, str(LOADGEN), base, token, prefix, str(bodies), str(duration), str(connections),
               str(outdir or "")]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"load generator failed: {out.stdout}\n{out.stderr}")
    res = json.loads(lines[-1])
    res["rps_2xx"] = res["ok"] / (res["duration_us"] / 1e6)
    return res


def check_exact(url: str, base: str, token: str, bodies: Path, outdir: Path) -> dict:  # type: ignore[type-arg]
    """Every acknowledged case is stored; the cut-off requests are retried with their key (and
    their body: request k of a connection sent body (k - 1) mod n); then one case per key,
    and nothing else."""
    import httpx
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from huying.cases.models import Case
    from huying.db import make_engine
    from huying.intake.models import IdempotencyKey

    lines = [x for x in bodies.read_text(encoding="utf-8").splitlines() if x]
    sent = [k for f in sorted(outdir.rglob("sent-*.txt")) for k in f.read_text().split()]
    acked = [x.rsplit("/", 1)[-1] for f in sorted(outdir.rglob("acked-*.txt")) for x in f.read_text().split()]
    eng = make_engine(url)
    with Session(eng) as s:
        codes = set(s.scalars(select(Case.code)))
        keys = dict(s.execute(select(IdempotencyKey.key, Case.code)
                              .join(Case, Case.id == IdempotencyKey.case_id)).all())
        n_cases_before = len(codes)
    lost = [c for c in acked if c not in codes]
    dup_acks = len(acked) - len(set(acked))
    acked_set = set(acked)
    unacked = [k for k in sent if keys.get(k) not in acked_set]
    retried_new = 0
    with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        for k in unacked:
            body = lines[(int(k.rsplit("-", 1)[1]) - 1) % len(lines)]
            r = client.post("/api/v1/cases", content=body.encode(),
                            headers={"Idempotency-Key": k, "Content-Type": "application/json"})
            r.raise_for_status()
            acked_set.add(r.headers["Location"].rsplit("/", 1)[-1])
            retried_new += r.headers.get("Idempotent-Replayed") != "true"
    with Session(eng) as s:
        stored = dict(s.execute(select(IdempotencyKey.key, Case.code)
                                .join(Case, Case.id == IdempotencyKey.case_id)
                                .where(IdempotencyKey.key.in_(sent))).all()) if sent else {}
        n_cases = int(s.scalar(select(func.count()).select_from(Case)) or 0)
        n_keys = int(s.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)
    eng.dispose()
    # this run's keys: each made one case, and the run added exactly one case per key
    exact = (not lost and dup_acks == 0 and len(stored) == len(set(sent)) == len(acked_set)
             and set(stored.values()) == acked_set and n_keys == n_cases)
    return {"sent": len(sent), "acked_during_load": len(acked), "stored_after_load": n_cases_before,
            "lost_acks": len(lost), "duplicate_acks": dup_acks, "cut_off_retried": len(unacked),
            "cut_off_never_stored": retried_new, "cases_after_retry": n_cases, "keys_after_retry": n_keys,
            "exact": exact}


def spied(spy_bin: str, stem: Path, srv: S.Server, load, *, root: str) -> None:  # type: ignore[no-untyped-def]
    """One more saturation run with py-spy sampling every worker at 250 Hz, the stacks written
    to ``stem-<pid>.txt``, and a summary of all the workers' stacks, whole process and under
    ``root``, in ``stem.txt`` (ms per request). Only the thread holding the interpreter's lock is
    sampled (``--gil``): on this kind of VM py-spy cannot tell a waiting thread from a running
    one, so without it a thread parked in the pool's queue or in SQLite's busy sleep counts as
    work. What runs without the lock (the database driver's C, SQLite itself) is left out: the
    summary is the Python side of the workers' CPU, the rest is in ``cpu_ms_per_report``."""
    import _spy

    pids = srv.worker_pids()
    rate = 250
    procs = [subprocess.Popen([spy_bin, "record", "--pid", str(pid), "-r", str(rate), "-f", "raw", "--gil",
                               "-o", f"{stem}-{pid}.txt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for pid in pids]
    time.sleep(1.0)  # py-spy attached
    res = load()
    for p in procs:
        p.send_signal(signal.SIGINT)
    for p in procs:
        p.wait(timeout=60)
    raw = stem.with_name(stem.name + "-all.txt")
    raw.write_text("".join(Path(f"{stem}-{pid}.txt").read_text(encoding="utf-8") for pid in pids
                           if Path(f"{stem}-{pid}.txt").exists()), encoding="utf-8")
    n = max(int(res["ok"]), 1)
    # the samples span the load plus the second before it and the stop after it: scale by the
    # load's requests, so an idle worker's few samples count against it (an upper bound)
    text = "\n\n".join(_spy.summarise(raw, r, top=45, rate=rate, requests=n) for r in ("*", root))
    stem.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
    print(f"# py-spy: {stem}.txt ({n} requests)", file=sys.stderr)


def light_and_saturation(srv: S.Server, url: str, token: str, bodies: Path, args: argparse.Namespace, conns: int,
                         duration: int, wrk: bool, out: Path | None) -> tuple[dict, dict, dict[str, float]]:  # type: ignore[type-arg]
    """After ``ANALYZE``, a light-load run then a saturation run of ``bodies`` against ``srv``,
    with the CPU of its workers and of the database's backends per acknowledged request in
    each (wrk's logs under ``out`` when given)."""
    C.analyze_as_autovacuum(url)
    lpg0 = our_backends(url)
    lticks0 = cpu_ticks(srv.worker_pids()), cpu_ticks(list(lpg0))
    light = run_load(srv.base, token, bodies, threads=1, connections=LIGHT, duration=max(1, duration // 2),
                     outdir=None if out is None else out / "light", wrk=wrk)
    lticks1 = cpu_ticks(srv.worker_pids()), cpu_ticks(list(lpg0 | our_backends(url)))
    ln = max(light["ok"], 1)
    pg0 = our_backends(url)
    ticks0 = cpu_ticks(srv.worker_pids()), cpu_ticks(list(pg0))
    sat = run_load(srv.base, token, bodies, threads=args.threads, connections=conns, duration=duration,
                   outdir=out, wrk=wrk)
    ticks1 = cpu_ticks(srv.worker_pids()), cpu_ticks(list(pg0 | our_backends(url)))
    n = max(sat["ok"], 1)
    return light, sat, {
        "cpu_workers_ms": (ticks1[0] - ticks0[0]) * 1e3 / TICK / n,
        "cpu_postgres_ms": (ticks1[1] - ticks0[1]) * 1e3 / TICK / n,
        "light_cpu_workers_ms": (lticks1[0] - lticks0[0]) * 1e3 / TICK / ln,
        "light_cpu_postgres_ms": (lticks1[1] - lticks0[1]) * 1e3 / TICK / ln}


def measure_floor(kind: str, env: dict[str, str], url: str, token: str, world: dict, loads: list[str],  # type: ignore[type-arg]
                  args: argparse.Namespace, conns: int, duration: int, wrk: bool, log: Path,
                  spy: tuple[str, Path] | None) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    """``--repeat`` runs of each load against a floor's server (``kind``: ``floor``, the bare
    app; ``floor-product``, the floor in the product's server), as intake's are measured."""
    runs: dict[str, list[dict]] = {load: [] for load in loads}  # type: ignore[type-arg]
    with S.serve(kind, workers=args.workers, env=env, log=log) as fl:
        run_load(fl.base, token, world["worst"], threads=1, connections=LIGHT, duration=1, outdir=None, wrk=wrk)
        for _k in range(args.repeat):
            for load in loads:
                light, sat, cpu = light_and_saturation(fl, url, token, world[load], args, conns, duration, wrk, None)
                runs[load].append({"rps": sat["rps_2xx"], "p99_ms": light["p99_us"] / 1e3,
                                   "bad": sat["bad"] + light["bad"], **cpu})
        if spy is not None:  # the route's frame, as py-spy names it
            spied(spy[0], spy[1], fl, functools.partial(
                run_load, fl.base, token, world[loads[0]], threads=args.threads, connections=conns,
                duration=duration, outdir=None, wrk=wrk),
                root="report" if kind == "floor" else "create_app.<locals>.report")
    return runs


def floor_figures(fs: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    return {"rps_2xx": spread([f["rps"] for f in fs]),
            "light_p99_ms": spread([f["p99_ms"] for f in fs]),
            "cpu_ms_per_report": {"workers": spread([f["cpu_workers_ms"] for f in fs]),
                                  "postgres": spread([f["cpu_postgres_ms"] for f in fs])},
            "light_cpu_ms_per_report": {"workers": spread([f["light_cpu_workers_ms"] for f in fs]),
                                        "postgres": spread([f["light_cpu_postgres_ms"] for f in fs])},
            "non_2xx": sum(f["bad"] for f in fs)}


def spread(xs: list[float]) -> dict[str, object]:
    """Median, min, max of a figure over the ``--repeat`` runs."""
    return {"median": round(statistics.median(xs), 2), "min": round(min(xs), 2), "max": round(max(xs), 2),
            "runs": [round(x, 2) for x in xs]}


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--duration", type=int, default=None, help="seconds of load per run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--load", default="realistic,worst", help="realistic, worst (bench/_realistic.py)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each side (median and spread printed)")
    ap.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto",
                    help="wrk (bench/_intake.lua) when installed, else bench/_loadgen.py")
    ap.add_argument("--spy", type=Path, default=None, metavar="DIR",
                    help="after the measured runs, one more saturation run of the first load on intake and on "
                         "the floor under py-spy (on PATH or $PY_SPY), its collapsed stacks written to DIR and "
                         "summarised by bench/_spy.py (the measured figures are not taken under the profiler)")
    args = ap.parse_args(argv)
    spy_bin = None
    if args.spy is not None:
        spy_bin = os.environ.get("PY_SPY") or shutil.which("py-spy")
        if spy_bin is None:
            raise SystemExit("--spy: py-spy is not installed (pip install py-spy into any environment and put it "
                             "on PATH, or set PY_SPY to its path)")
        args.spy.mkdir(parents=True, exist_ok=True)
    wrk = use_wrk(args.loadgen)
    if not wrk and args.loadgen == "auto":
        print("# wrk not installed: the load comes from bench/_loadgen.py (dearer per request than wrk: the "
              "bare endpoint's req/s are bound by it; the workers' CPU per report is not)", file=sys.stderr)
    duration = args.duration or (1 if args.smoke else 20)
    conns = 4 if args.smoke else args.connections
    # the smoke run (tests/bench) takes the realistic load only, unless told
    load_arg = "realistic" if args.smoke and "--load" not in (argv if argv is not None else sys.argv) else args.load
    loads = [x.strip() for x in load_arg.split(",") if x.strip()]
    command = ".venv/bin/python bench/intake_http.py " + " ".join(argv if argv is not None else sys.argv[1:])
    gen = "wrk" if wrk else "bench/_loadgen.py"
    ok = True
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        bare_bodies = tmp / "bare.jsonl"
        bare_bodies.write_text('{"title":"路灯不亮","description":"小区门口的路灯坏了三天","lon":113.6,"lat":22.8}\n',
                               encoding="utf-8")
        bare_runs: list[dict] = []  # type: ignore[type-arg]
        with S.serve("bare", workers=args.workers) as bare:
            run_load(bare.base, "x", bare_bodies, threads=args.threads, connections=conns, duration=1, outdir=None,
                     wrk=wrk)  # warm
            for _ in range(args.repeat):
                sat = run_load(bare.base, "x", bare_bodies, threads=args.threads, connections=conns,
                               duration=duration, outdir=None, wrk=wrk)
                light = run_load(bare.base, "x", bare_bodies, threads=1, connections=LIGHT,
                                 duration=max(1, duration // 2), outdir=None, wrk=wrk)
                bare_runs.append({"rps": sat["rps_2xx"], "p99_ms": light["p99_us"] / 1e3})
        bare_rps = statistics.median(r["rps"] for r in bare_runs)
        for backend in C.backends(args.backends):
            with C.scratch_database(backend, tmp) as url:
                world = prepare_loads(url, args.smoke, 2000 if not args.smoke else 200, tmp)
                token = str(world["token"])
                data = tmp / f"data-{backend}"
                data.mkdir()
                runs: dict[str, list[dict]] = {load: [] for load in loads}  # type: ignore[type-arg]
                t0 = time.perf_counter()
                with S.serve("huying", workers=args.workers, env=S.huying_env(url, data),
                             log=tmp / f"server-{backend}.log") as srv:
                    start_s = time.perf_counter() - t0
                    # warm (the locate index, caches, connection pools): the first requests
                    # of a fresh worker build the grid index, see docs/performance.md
                    (tmp / f"cold-{backend}").mkdir()
                    cold = run_load(srv.base, token, world["realistic"], threads=1, connections=LIGHT,  # type: ignore[arg-type]
                                    duration=2, outdir=tmp / f"cold-{backend}", wrk=wrk)
                    for k in range(args.repeat):
                        for load in loads:
                            bodies: Path = world[load]  # type: ignore[assignment]
                            out = tmp / f"run-{backend}-{load}-{k}"
                            (out / "light").mkdir(parents=True)
                            light, res, cpu = light_and_saturation(srv, url, token, bodies, args, conns, duration,
                                                                   wrk, out)
                            exact = check_exact(url, srv.base, token, bodies, out)
                            ok &= exact["exact"]
                            runs[load].append({
                                "rps": res["rps_2xx"], "p50_ms": light["p50_us"] / 1e3, "p99_ms": light["p99_us"] / 1e3,
                                "sat_p99_ms": res["p99_us"] / 1e3, "bad": res["bad"] + light["bad"], **cpu,
                                "exact": exact})
                    if spy_bin is not None:
                        spied(spy_bin, args.spy / f"intake-{backend}-{loads[0]}", srv, functools.partial(
                            run_load, srv.base, token, world[loads[0]], threads=args.threads, connections=conns,  # type: ignore[arg-type]
                            duration=duration, outdir=None, wrk=wrk), root="report_case")
                # the floor: the same rows, written with plain statements, into the same
                # database after intake (its cases, events and rollup rows already there);
                # then the same in the product's server, after the reads intake's rules make
                from huying.demo.build import HUMEN_GRID

                floor_runs = measure_floor(
                    "floor", {**os.environ, "HUYING_DATABASE_URL": url, "FLOOR_GRID": HUMEN_GRID}, url, token,
                    world, loads, args, conns, duration, wrk, tmp / f"floor-{backend}.log",
                    None if spy_bin is None else (spy_bin, args.spy / f"floor-{backend}-{loads[0]}"))
                # (at smoke size on SQLite only: the smoke checks that it runs, in fewer seconds)
                product = not args.smoke or backend == "sqlite"
                (tmp / f"data-product-{backend}").mkdir()
                product_runs = None if not product else measure_floor(
                    "floor-product", {**S.huying_env(url, tmp / f"data-product-{backend}"), "FLOOR_GRID": HUMEN_GRID},
                    url, token, world, loads, args, conns, duration, wrk, tmp / f"floor-product-{backend}.log",
                    None if spy_bin is None else (spy_bin, args.spy / f"floor-product-{backend}-{loads[0]}"))
                for load in loads:
                    rs, fs = runs[load], floor_runs[load]
                    ps = product_runs[load] if product_runs is not None else None
                    rps = statistics.median(r["rps"] for r in rs)
                    floor_rps = statistics.median(f["rps"] for f in fs)
                    cpu_w = statistics.median(r["cpu_workers_ms"] for r in rs)
                    cpu_pg = statistics.median(r["cpu_postgres_ms"] for r in rs)
                    exact_all = all(r["exact"]["exact"] for r in rs)
                    goal_cpu = 5.0 if backend == "sqlite" else 8.0
                    met = (rps >= 0.5 * floor_rps and all(r["p99_ms"] < 50 for r in rs) and exact_all
                           and cpu_w + cpu_pg <= goal_cpu)
                    most = (os.cpu_count() or 1) * 1e3 / max(cpu_w + cpu_pg, 1e-3)
                    C.emit(BENCH, f"intake_http[{backend},{load}]", rps, "2xx requests/s",
                           baseline=("the floor: the same rows with plain statements (bench/_floor_app.py), "
                                     "same workers and load", floor_rps),
                           ratio=rps / max(floor_rps, 1e-9),
                           goal=f">= 50% of the floor's req/s; light-load p99 < 50 ms in every run; "
                                f"CPU <= {goal_cpu} ms per report; DB == acknowledged",
                           met=met, smoke=args.smoke,
                           sizes={"duration_s": duration, "connections": conns, "wrk_threads": args.threads,
                                  "workers": args.workers, "repeat": args.repeat, "load": load,
                                  "threads_per_worker": os.environ.get("HUYING_THREADS") or "default",
                                  "warm_start": os.environ.get("HUYING_WARM_START") or "default",
                                  "loadgen": gen, "city": "small" if args.smoke else "demo (1,000 grids)",
                                  **(world["about"] if load == "realistic" else {})},  # type: ignore[dict-item]
                           rps_2xx=spread([r["rps"] for r in rs]),
                           light_load={"connections": LIGHT, "p50_ms": spread([r["p50_ms"] for r in rs]),
                                       "p99_ms": spread([r["p99_ms"] for r in rs])},
                           saturation_p99_ms=spread([r["sat_p99_ms"] for r in rs]),
                           cpu_ms_per_report={"workers": spread([r["cpu_workers_ms"] for r in rs]),
                                              "postgres": spread([r["cpu_postgres_ms"] for r in rs])},
                           light_cpu_ms_per_report={"workers": spread([r["light_cpu_workers_ms"] for r in rs]),
                                                    "postgres": spread([r["light_cpu_postgres_ms"] for r in rs])},
                           bound=(f"CPU per report: {cpu_w:.2f} ms in the workers + {cpu_pg:.2f} ms in PostgreSQL; "
                                  f"{os.cpu_count()} cores hold at most {most:,.0f} reports/s"),
                           floor={"what": "the same rows written with plain statements (bench/_floor_app.py)",
                                  **floor_figures(fs)},
                           floor_product=None if ps is None else {
                               "what": "the floor's rows after intake's reads, in the product's server "
                                       "(bench/_floor_product.py)", **floor_figures(ps)},
                           bare={"what": "bench/_bare_app.py: the same body parsed, nothing written",
                                 "rps_2xx": spread([b["rps"] for b in bare_runs]),
                                 "light_p99_ms": spread([b["p99_ms"] for b in bare_runs])},
                           ratio_to_bare=round(rps / max(bare_rps, 1e-9), 4),
                           non_2xx=sum(r["bad"] for r in rs), exactness=[r["exact"] for r in rs],
                           cold_start={"first_2s_p99_ms": cold["p99_us"] / 1e3, "max_ms": cold["max_us"] / 1e3},
                           server_start_s=round(start_s, 1), command=command.strip())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
