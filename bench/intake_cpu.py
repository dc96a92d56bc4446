"""P1's CPU per report, in-process: ``POST /api/v1/cases`` through the whole app (middleware,
dependencies, intake, the kernel, the outbox, the rollup, the commit), one request at a time,
CPU time of this process per request, on a machine whose wall clock is not to be trusted.

    .venv/bin/python bench/intake_cpu.py                         # both databases, demo city
    .venv/bin/python bench/intake_cpu.py --profile --top 30      # and the cProfile summary
    .venv/bin/python bench/intake_cpu.py --smoke                 # small city, seconds
    .venv/bin/python bench/intake_cpu.py --calls                 # Python function calls a report

The app is the one ``huying serve`` runs (``create_app()``, its lifespan entered), called
through ``httpx.ASGITransport`` on this thread; FastAPI's thread-pool hand-offs run inline
(``anyio.to_thread.run_sync`` replaced), so that everything a request costs is on one thread,
where ``time.process_time()`` and cProfile see it (``--pool``: on anyio's thread pool, as
the server runs them; process_time then counts every thread, and what the hand-offs cost).
Baseline, same run, same client: ``bench/_bare_app.py`` (the same body parsed, nothing
written): what the framework and the client cost. PostgreSQL: the CPU of the server
backends of the app's own connections (``pg_backend_pid()``, read from ``/proc``) is added
(``cpu_ms.postgres``): not the other databases' backends on a shared server.

``--calls``: the Python function calls a report (cProfile's count over the measured rounds,
the in-process client's own calls included, the same on both sides of an A/B): a measure of
the work that does not move with the machine's state, as the CPU figures do on a shared VM
(those of such a run are inflated by the profiler).

Statistics: on PostgreSQL each round starts with ``ANALYZE`` (``_common.analyze_as_autovacuum``:
the test machines' servers run without autovacuum).

Loads (``--load``): ``realistic`` (bench/_realistic.py: the real messages' texts at random
points of the demo city's grids, categories as the demo year gives them) and ``worst`` (the
bench's old load: one text at one point, no category: every report compares itself with the
200 most recent reports there). ``--repeat K``: K rounds of N reports, median and spread.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import functools
import io
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "intake_cpu"
TICK = os.sysconf("SC_CLK_TCK")


def _inline_threads() -> None:
    """Run FastAPI's sync endpoints and dependencies on the calling thread (one thread: what
    a request costs is where process_time and cProfile see it)."""
    import anyio.to_thread

    async def run_sync(func: Any, *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


def _ticks(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
    return total


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _reset_caches() -> None:
    from huying import config, db

    config.get_settings.cache_clear()
    for name in ("get_engine", "get_read_engine", "get_sessionmaker"):
        fn = getattr(db, name, None)
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()


def prepare(url: str, small: bool, n: int) -> dict[str, Any]:
    """The city, a token of the demo resident, the realistic bodies and the worst one."""
    import _realistic as R
    from intake_http import prepare as prepare_city
    from intake_http import realistic_bodies

    token, lon, lat = prepare_city(url, small)
    real, about = realistic_bodies(url, n)
    return {"token": token, "realistic": real, "worst": R.worst_bodies(lon, lat), "about": about}


async def _post_all(app: Any, token: str, bodies: list[dict[str, Any]], *, warm: int, rounds: int,
                    per_round: int, pg_pids: set[int] | None, profile: cProfile.Profile | None,
                    before_round: Callable[[], object] | None = None) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    cpu, sys_cpu, pg, wall = [], [], [], []
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
        i = 0

        async def post() -> None:
            nonlocal i
            body = bodies[i % len(bodies)]
            i += 1
            r = await client.post("/api/v1/cases", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        for _ in range(warm):
            await post()
        for _ in range(rounds):
            if before_round is not None:
                before_round()
            t0, w0, s0 = time.process_time(), time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_stime
            p0 = _ticks(pg_pids) if pg_pids is not None else 0
            if profile is not None:
                profile.enable()
            for _ in range(per_round):
                await post()
            if profile is not None:
                profile.disable()
            cpu.append((time.process_time() - t0) * 1e3 / per_round)
            sys_cpu.append((resource.getrusage(resource.RUSAGE_SELF).ru_stime - s0) * 1e3 / per_round)
            wall.append((time.perf_counter() - w0) * 1e3 / per_round)
            if pg_pids is not None:
                pg.append((_ticks(pg_pids) - p0) * 1e3 / TICK / per_round)
    return {"cpu_ms": cpu, "sys_ms": sys_cpu, "pg_ms": pg, "wall_ms": wall, "statuses": statuses}


def _summary(xs: list[float]) -> dict[str, Any]:
    """Median, min, max and the rounds in order (a trend across rounds is the database growing)."""
    if not xs:
        return {}
    return {"median": round(statistics.median(xs), 3), "min": round(min(xs), 3), "max": round(max(xs), 3),
            "rounds": [round(x, 3) for x in xs]}


def run_app(app: Any, token: str, bodies: list[dict[str, Any]], *, warm: int, rounds: int, per_round: int,
            pg_pids: set[int] | None = None, profile: cProfile.Profile | None = None,
            before_round: Callable[[], object] | None = None) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with app.router.lifespan_context(app):
            return await _post_all(app, token, bodies, warm=warm, rounds=rounds, per_round=per_round,
                                   pg_pids=pg_pids, profile=profile, before_round=before_round)

    return asyncio.run(go())


def huying_app(url: str, data: Path) -> tuple[Any, set[int] | None]:
    """``create_app()`` on ``url``; on PostgreSQL the set that will hold its backends' pids."""
    from sqlalchemy import event

    from huying.app import create_app
    from huying.db import get_engine

    _reset_caches()
    app = create_app()
    pids: set[int] | None = None
    if url.startswith("postgresql"):
        pids = set()

        def on_connect(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("SELECT pg_backend_pid()")
            pids.add(int(cur.fetchone()[0]))  # type: ignore[union-attr]
            cur.close()

        event.listen(get_engine(), "connect", on_connect)
    return app, pids


def profile_text(prof: cProfile.Profile, reports: int, top: int) -> str:
    """Our functions by cumulative time, then every function by its own time, in ms per
    report (the chain of middleware above the endpoint is left out of the first list but for
    the outermost one: it would only repeat the total)."""
    st = pstats.Stats(prof)
    rows = []
    for (file, line, fn), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        ours = "/huying/" in file
        where = file.split("site-packages/")[-1].split("/huying/", 1)[-1] if "/" in file else file
        rows.append((ct, tt, nc, f"{'huying/' if ours else ''}{where}:{line}({fn})", ours))
    out = io.StringIO()
    head = f"{'cum ms/report':>14} {'own ms/report':>14} {'calls/report':>13}  function\n"
    out.write("our functions by cumulative time\n" + head)
    skip = ("huying/http/", "huying/web/middleware", "huying/web/session")
    mine = [r for r in sorted(rows, reverse=True) if r[4] and not r[3].startswith(skip)]
    outer = next((r for r in sorted(rows, reverse=True) if r[3].startswith("huying/http/observe")), None)
    for ct, tt, nc, name, _ in ([outer] if outer else []) + mine[:top]:
        out.write(f"{ct * 1e3 / reports:14.3f} {tt * 1e3 / reports:14.3f} {nc / reports:13.1f}  {name}\n")
    out.write("every function by own time\n" + head)
    for ct, tt, nc, name, _ in sorted(rows, key=lambda r: -r[1])[: max(10, top // 2)]:
        out.write(f"{ct * 1e3 / reports:14.3f} {tt * 1e3 / reports:14.3f} {nc / reports:13.1f}  {name}\n")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--n", type=int, default=None, help="reports per round (default 300; smoke 20)")
    ap.add_argument("--repeat", type=int, default=None, help="rounds per load (default 3; smoke 1)")
    ap.add_argument("--load", default="realistic,worst", help="realistic, worst")
    ap.add_argument("--profile", action="store_true", help="cProfile the measured rounds and print the top")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--calls", action="store_true",
                    help="count the Python function calls a report (cProfile's count; the CPU figures of such a run "
                         "are inflated by the profiler)")
    ap.add_argument("--profile-out", default=None, help="write the pstats file here (per backend and load)")
    ap.add_argument("--statements", action="store_true", help="print the SQL statements of the last report")
    ap.add_argument("--pool", action="store_true",
                    help="run FastAPI's hand-offs on anyio's thread pool, as the server does (process_time counts "
                         "every thread): what the hand-offs themselves cost, which the default leaves out")
    args = ap.parse_args(argv)
    if args.pool and (args.profile or args.calls):
        ap.error("--profile and --calls see this thread only, not the pool's: use one of --pool and --profile/--calls")
    n = args.n or (20 if args.smoke else 300)
    rounds = args.repeat or (1 if args.smoke else 3)
    warm = 5 if args.smoke else 30
    load_arg = "realistic" if args.smoke and "--load" not in (argv if argv is not None else sys.argv) else args.load
    loads = [x.strip() for x in load_arg.split(",") if x.strip()]
    cmd = "bench/intake_cpu.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if not args.pool:
        _inline_threads()
    os.environ.setdefault("HUYING_GC_FREEZE", "1")
    import _bare_app
    from fastapi import FastAPI  # noqa: F401 - import cost outside the measure

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        bare = run_app(_bare_app.app, "x", [{"title": "路灯不亮", "description": "x" * 60, "lon": 113.6,
                                             "lat": 22.8}], warm=warm, rounds=rounds, per_round=n)
        for backend in C.backends(args.backends):
            with C.scratch_database(backend, tmp) as url:
                t0 = time.perf_counter()
                world = prepare(url, args.smoke, n * rounds + warm)
                setup_s = time.perf_counter() - t0
                data = tmp / f"data-{backend}"
                data.mkdir()
                env = {"HUYING_DATABASE_URL": url, "HUYING_DATA_DIR": str(data), "HUYING_SLA_SWEEP_INTERVAL": "0",
                       "HUYING_ANON_RATE_PER_MINUTE": "0", "HUYING_WRITE_RATE_PER_MINUTE": "0",
                       "HUYING_LOG_LEVEL": "WARNING"}
                with _env(**env):
                    for load in loads:
                        app, pids = huying_app(url, data)
                        seen: list[str] = []
                        if args.statements:
                            from sqlalchemy import event

                            from huying.db import get_engine

                            @event.listens_for(get_engine(), "before_cursor_execute")
                            def _count(_c: Any, _cur: Any, stmt: str, *_a: Any, _seen: list[str] = seen) -> None:
                                _seen.append(" ".join(stmt.split())[:160])

                        # thread CPU time, not the wall clock: the waits on the database are not work
                        prof = (cProfile.Profile(time.thread_time) if args.profile
                                else cProfile.Profile() if args.calls else None)
                        # PostgreSQL: statistics as autovacuum would keep them (bench/_common.py)
                        res = run_app(app, world["token"], world[load], warm=warm, rounds=rounds, per_round=n,
                                      pg_pids=pids, profile=prof,
                                      before_round=functools.partial(C.analyze_as_autovacuum, url))
                        from huying.db import get_engine

                        get_engine().dispose()
                        app_ms = statistics.median(res["cpu_ms"])
                        pg_ms = statistics.median(res["pg_ms"]) if res["pg_ms"] else 0.0
                        goal_ms = 5.0 if backend == "sqlite" else 8.0
                        ok = set(res["statuses"]) == {201}
                        C.emit(BENCH, f"intake_cpu[{backend},{load}]", app_ms + pg_ms, "ms CPU per report",
                               baseline=("bare FastAPI endpoint through the same client (CPU ms per request)",
                                         statistics.median(bare["cpu_ms"])),
                               ratio=statistics.median(bare["cpu_ms"]) / max(app_ms + pg_ms, 1e-9),
                               goal=f"<= {goal_ms} ms CPU per report (application + database)",
                               met=ok and app_ms + pg_ms <= goal_ms, smoke=args.smoke,
                               sizes={"reports_per_round": n, "rounds": rounds, "warm": warm,
                                      "hand_offs": "anyio's thread pool" if args.pool else "inline",
                                      "city": "small" if args.smoke else "demo (1,000 grids)",
                                      "load": load, **(world["about"] if load == "realistic" else {})},
                               cpu_ms={"app": _summary(res["cpu_ms"]), "app_kernel": _summary(res["sys_ms"]),
                                       "postgres": _summary(res["pg_ms"]),
                                       "bare": _summary(bare["cpu_ms"])},
                               wall_ms_loaded_machine=_summary(res["wall_ms"]), statuses=res["statuses"],
                               python_calls_per_report=(round(pstats.Stats(prof).total_calls  # type: ignore[attr-defined]
                                                              / (n * rounds)) if prof is not None else None),
                               profiled=prof is not None,
                               setup_s=round(setup_s, 1), command=f".venv/bin/python {cmd}".strip())
                        if not ok:
                            print(f"# {backend} {load}: statuses {res['statuses']}", file=sys.stderr)
                            return 1
                        if args.statements:
                            # a request begins with its token's look-up
                            last = max((i for i, x in enumerate(seen) if x.startswith("SELECT api_tokens.id")), default=0)
                            print(f"# statements of the last report ({backend}, {load}): {len(seen) - last}")
                            for x in seen[last:]:
                                print("#   " + x)
                        if prof is not None and args.profile:
                            print(f"# profile: {backend}, {load} load, {n * rounds} reports "
                                  f"(CPU {app_ms:.2f} ms/report in the app; cProfile's own overhead inflates "
                                  "the times below, read them as shares)")
                            print(profile_text(prof, n * rounds, args.top))
                            if args.profile_out:
                                prof.dump_stats(f"{args.profile_out}.{backend}.{load}.pstats")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
