"""P1 — HTTP report intake: ``POST /api/v1/cases`` (bearer token, Idempotency-Key) through the
whole pipeline on ``huying serve --workers 2``, vs a bare FastAPI endpoint, in the same run.

    .venv/bin/python bench/intake_http.py                # 20 s of load per server, both databases
    .venv/bin/python bench/intake_http.py --smoke        # 2 s, small city (seconds)
    .venv/bin/python bench/intake_http.py --backends postgresql --duration 30 --connections 32

Servers: ``huying serve --workers 2`` on 127.0.0.1 against a fresh database holding the demo
city with no cases (``huying demo build --cases 0`` equivalent; ``--smoke``: a small city),
no sweeper, no rate limit; and two baselines with 2 workers on the same launcher:
``bench/_bare_app.py`` (parses the same JSON body and headers, returns 201 with a small JSON,
touches nothing) and the floor, ``bench/_floor_app.py`` (parses the same body and writes the
same rows as intake — case, event, outbox message, idempotency key, rollup — with plain
statements in one transaction, on a fresh database of the same city): how far intake is
from what its writes cost.

Latency: p99 is read from a light-load run (2 connections); the saturation run (16
connections) gives requests/s, where latency is only connections / throughput.

Load: ``wrk`` (a separate process, ``bench/_intake.lua``): every request carries a fresh
Idempotency-Key; every key sent and every acknowledged ``Location`` are logged. Reported:
requests/s of 2xx, p50/p99 latency, and the ratio to the bare endpoint.

Exactness: after the run, (1) every acknowledged case is in the database, (2) no key made two
cases, (3) the requests wrk cut off at the end (sent, not acknowledged) are retried with their
key until acknowledged; then the database holds exactly one case per key sent, i.e. exactly
the acknowledged reports.

CPU: the CPU time of the workers (and of the PostgreSQL server's processes, all of them: the
machine's) per acknowledged request over the saturation run (``cpu_ms_per_request``), read
from ``/proc``: with 2 cores, requests/s cannot exceed 2000 / (workers + postgres + wrk) ms.

Without wrk (``apt-get install wrk``) the benchmark says so and exits 0 with no figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
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


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends do the SQL work)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == "postgres":
                    out.append(int(d.name))
            except OSError:
                continue
    return out


def prepare(url: str, small: bool) -> tuple[str, float, float]:
    """The city (no cases), an API token of the demo resident, a point in their grid."""
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
        lon, lat = grid.centroid_lon, grid.centroid_lat
        s.commit()
    city.engine.dispose()
    return token, float(lon), float(lat)  # type: ignore[arg-type]


def run_wrk(base: str, token: str, lon: float, lat: float, *, threads: int, connections: int,
            duration: int, outdir: Path | None) -> dict:  # type: ignore[type-arg]
    prefix = uuid.uuid4().hex[:8]
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA),
           base, "--", token, prefix, repr(lon), repr(lat), str(outdir or "")]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    res = json.loads(lines[-1])
    res["rps_2xx"] = res["ok"] / (res["duration_us"] / 1e6)
    return res


def check_exact(url: str, base: str, token: str, lon: float, lat: float, outdir: Path) -> dict:  # type: ignore[type-arg]
    """Every acknowledged case is stored; the cut-off requests are retried with their key;
    then one case per key, and nothing else."""
    import httpx
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from huying.cases.models import Case
    from huying.db import make_engine
    from huying.intake.models import IdempotencyKey

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
    body = {"title": "路灯不亮", "description": "小区门口的路灯坏了三天，晚上很黑", "channel": "resident_web",
            "lon": lon, "lat": lat}
    retried_new = 0
    with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        for k in unacked:
            r = client.post("/api/v1/cases", json=body, headers={"Idempotency-Key": k})
            r.raise_for_status()
            acked_set.add(r.headers["Location"].rsplit("/", 1)[-1])
            retried_new += r.headers.get("Idempotent-Replayed") != "true"
    with Session(eng) as s:
        n_cases = int(s.scalar(select(func.count()).select_from(Case)) or 0)
        n_keys = int(s.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)
    eng.dispose()
    exact = (not lost and dup_acks == 0 and n_cases == n_keys == len(set(sent)) == len(acked_set))
    return {"sent": len(sent), "acked_during_load": len(acked), "stored_after_load": n_cases_before,
            "lost_acks": len(lost), "duplicate_acks": dup_acks, "cut_off_retried": len(unacked),
            "cut_off_never_stored": retried_new, "cases_after_retry": n_cases, "keys_after_retry": n_keys,
            "exact": exact}


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--duration", type=int, default=None, help="seconds of load per server")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        print("# wrk not installed (apt-get install -y wrk): P1 not measured", file=sys.stderr)
        return 0
    duration = args.duration or (1 if args.smoke else 20)
    conns = 4 if args.smoke else args.connections
    ok = True
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        with S.serve("bare", workers=args.workers) as bare:
            run_wrk(bare.base, "x", 113.6, 22.8, threads=args.threads, connections=conns, duration=1,
                    outdir=None)  # warm
            base_res = run_wrk(bare.base, "x", 113.6, 22.8, threads=args.threads, connections=conns,
                               duration=duration, outdir=None)
            base_light = run_wrk(bare.base, "x", 113.6, 22.8, threads=1, connections=LIGHT,
                                 duration=max(1, duration // 2), outdir=None)
        for backend in C.backends(args.backends):
            with C.scratch_database(backend, tmp) as url:
                token, lon, lat = prepare(url, args.smoke)
                outdir = tmp / f"wrk-{backend}"
                outdir.mkdir()
                data = tmp / f"data-{backend}"
                data.mkdir()
                t0 = time.perf_counter()
                with S.serve("huying", workers=args.workers, env=S.huying_env(url, data),
                             log=tmp / f"server-{backend}.log") as srv:
                    start_s = time.perf_counter() - t0
                    # warm (the locate index, caches, connection pools): the first requests
                    # of a fresh worker build the grid index, see docs/performance.md
                    for sub in ("cold", "light"):
                        (outdir / sub).mkdir()
                    cold = run_wrk(srv.base, token, lon, lat, threads=1, connections=LIGHT,
                                   duration=2, outdir=outdir / "cold")
                    light = run_wrk(srv.base, token, lon, lat, threads=1, connections=LIGHT,
                                    duration=max(1, duration // 2), outdir=outdir / "light")
                    ticks0 = cpu_ticks(srv.worker_pids()), cpu_ticks(postgres_pids())
                    res = run_wrk(srv.base, token, lon, lat, threads=args.threads, connections=conns,
                                  duration=duration, outdir=outdir)
                    ticks1 = cpu_ticks(srv.worker_pids()), cpu_ticks(postgres_pids())
                    exact = check_exact(url, srv.base, token, lon, lat, outdir)
                # the floor: the same rows, written with plain statements (a fresh database)
                with C.scratch_database(backend, tmp) as floor_url:
                    prepare(floor_url, args.smoke)
                    from huying.demo.build import HUMEN_GRID

                    with S.serve("floor", workers=args.workers,
                                 env={**os.environ, "HUYING_DATABASE_URL": floor_url, "FLOOR_GRID": HUMEN_GRID},
                                 log=tmp / f"floor-{backend}.log") as fl:
                        run_wrk(fl.base, token, lon, lat, threads=1, connections=LIGHT, duration=1, outdir=None)
                        floor_light = run_wrk(fl.base, token, lon, lat, threads=1, connections=LIGHT,
                                              duration=max(1, duration // 2), outdir=None)
                        floor = run_wrk(fl.base, token, lon, lat, threads=args.threads, connections=conns,
                                        duration=duration, outdir=None)
                # the same app as ``huying serve`` starts it
                shipped = {"rps_2xx": 0.0, "p50_us": 0, "p99_us": 0}
                if not args.smoke:
                    with S.serve("huying-serve", workers=args.workers, env=S.huying_env(url, data),
                                 log=tmp / f"server-{backend}.log") as srv:
                        shipped = run_wrk(srv.base, token, lon, lat, threads=args.threads,
                                          connections=conns, duration=max(2, duration // 2), outdir=None)
                ratio = res["rps_2xx"] / base_res["rps_2xx"]
                p99_ms = light["p99_us"] / 1e3  # the latency goal, read below saturation
                met = ratio >= 0.5 and p99_ms < 50 and exact["exact"]
                ok &= exact["exact"]
                cpu = {"workers": round((ticks1[0] - ticks0[0]) * 1e3 / TICK / max(res["ok"], 1), 2),
                       "postgres": round((ticks1[1] - ticks0[1]) * 1e3 / TICK / max(res["ok"], 1), 2)}
                most = (os.cpu_count() or 1) * 1e3 / max(cpu["workers"] + cpu["postgres"], 1e-3)
                bound = (f"CPU per report: {cpu['workers']} ms in the workers + {cpu['postgres']} ms in PostgreSQL; "
                         f"{os.cpu_count()} cores hold at most {most:,.0f} reports/s = "
                         f"{most / base_res['rps_2xx']:.1%} of the bare endpoint (docs/performance.md, P1)")
                C.emit(BENCH, f"intake_http[{backend}]", res["rps_2xx"], "2xx requests/s",
                       baseline=("bare FastAPI endpoint, same workers and load", base_res["rps_2xx"]),
                       ratio=ratio, goal=">= 50% of bare req/s; p99 < 50 ms; DB == acknowledged",
                       met=met, smoke=args.smoke,
                       sizes={"duration_s": duration, "connections": conns, "wrk_threads": args.threads,
                              "workers": args.workers, "city": "small" if args.smoke else "demo (1,000 grids)"},
                       p50_ms=res["p50_us"] / 1e3, p99_ms=res["p99_us"] / 1e3, non_2xx=res["bad"],
                       light_load={"connections": LIGHT, "rps_2xx": round(light["rps_2xx"], 1),
                                   "p50_ms": light["p50_us"] / 1e3, "p99_ms": light["p99_us"] / 1e3,
                                   "baseline_p50_ms": base_light["p50_us"] / 1e3,
                                   "baseline_p99_ms": base_light["p99_us"] / 1e3},
                       cold_start={"first_2s_p99_ms": cold["p99_us"] / 1e3, "max_ms": cold["max_us"] / 1e3},
                       errors={k: res[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")},
                       baseline_p50_ms=base_res["p50_us"] / 1e3, baseline_p99_ms=base_res["p99_us"] / 1e3,
                       server_start_s=round(start_s, 1), exactness=exact,
                       cpu_ms_per_request=cpu, bound=bound,
                       floor={"what": "the same rows written with plain statements (bench/_floor_app.py)",
                              "rps_2xx": round(floor["rps_2xx"], 1), "p50_ms": floor["p50_us"] / 1e3,
                              "p99_ms": floor["p99_us"] / 1e3, "light_p99_ms": floor_light["p99_us"] / 1e3,
                              "non_2xx": floor["bad"]},
                       ratio_to_floor=round(res["rps_2xx"] / max(floor["rps_2xx"], 1e-9), 4),
                       huying_serve_as_shipped={"rps_2xx": round(shipped["rps_2xx"], 1),
                                                "p50_ms": shipped["p50_us"] / 1e3,
                                                "p99_ms": shipped["p99_us"] / 1e3})
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
