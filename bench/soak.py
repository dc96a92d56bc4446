"""S1 — soak: minutes of mixed load over several workers on PostgreSQL; no error, memory flat,
latency per route, the first minutes against the last.

    .venv/bin/python bench/soak.py                     # 10 minutes, 3 workers, the demo city (1,000 grids)
    .venv/bin/python bench/soak.py --smoke             # 18 s, 2 workers, a small city (tests/bench/test_soak_smoke.py)
    .venv/bin/python bench/soak.py --duration 1800 --workers 4 --rate 2

Server: ``huying serve --workers N`` (as shipped) on 127.0.0.1 against a throw-away
PostgreSQL database holding the demo city (no cases at the start; ``--smoke``: a small city),
dropped afterwards. Settings for the soak (``bench/_server.py``'s ``huying_env``):
``HUYING_ANON_RATE_PER_MINUTE=0`` and ``HUYING_WRITE_RATE_PER_MINUTE=0`` (the anonymous rate
limit and the write throttle off: one load generator on one address is many people),
``HUYING_SLA_SWEEP_INTERVAL=0`` (no sweeper in the web workers: it runs as its own service,
docs/deploy.md), ``HUYING_LOG_LEVEL=INFO`` (a JSON line per request, as a city runs it).

Load: one separate process (asyncio + httpx), each scenario a loop paced at a steady period
(``--rate`` multiplies every rate; a request slower than its period delays the next one of its
scenario, never bunches them):

- reports: the demo resident files reports through ``POST /api/v1/cases`` (every other one
  anonymous: no name kept on the case) at points inside their grid, and through the web form
  (``GET /report`` then ``POST /report``, CSRF token, session cookie);
- staff actions through the API with bearer tokens: two officer loops take the reports in
  order and run each through the closed loop — the community officer dispatches it to the
  grid's team (or transfers it there if routing sent it elsewhere), the grid worker accepts
  it and marks it handled, the community officer follows it up and closes it — each command with ``expected_version`` read from the previous answer; and
  the officer's work list (``GET /api/v1/cases?status=new``, ``GET /work``);
- figures: the city leader's indicator values and statistics (API, token) and leader pages
  (``/leader``, its map and trend JSON; session cookie);
- public pages, anonymous, a new connection per request: the public list and map points,
  the public API's list, a case's public page and public API record.

Every answer is checked against the one expected (201, 200, 303): any other status, a
transport error or a timeout is an error, and the run fails on the first one (exit 1). After
the load the database must hold exactly the reports acknowledged, and exactly the closes.

Measured: per route the count, errors, p50/p99/max latency (the client's wall time, in ms),
and the p99 of the first ``--window`` seconds (default 120) against the last ``--window``:
the drift of the run, its baseline measured in the same run. Every 2 s: ``VmRSS`` of each
worker (``/proc``), the connections of the database in ``pg_stat_activity``. The RSS slope of
each worker in MB/min is the least-squares fit over the samples after ``--warmup`` seconds
(default 60). Goal: no error; slope below ``FLAT_MB_PER_MIN`` on every worker (see
docs/performance.md, S1, for why that threshold).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402
import _server as S  # noqa: E402

BENCH = "soak"
#: "Flat": the least-squares RSS slope of every worker after warm-up stays under this.
FLAT_MB_PER_MIN = 0.5
#: The unit the staff loops dispatch to: the team of the demo resident's grid (the demo's
#: ``gridworker`` works in it), inside the community officer's scope.
UNIT = "441900121004001-team"
#: A client drops a connection idle for 2 s: uvicorn closes one idle for 5 s, and httpx's
#: default (5 s too) races it — a request sent as the server closes is lost (``ReadError``),
#: an artefact of the client that a proxy in front avoids the same way.
KEEPALIVE_EXPIRY = 2.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html,application/xhtml+xml"}

#: Every route of the mix and the status it must answer.
EXPECT: dict[str, int] = {
    "POST /api/v1/cases": 201,
    "GET /report": 200,
    "POST /report": 303,
    "GET /api/v1/cases/{code}": 200,
    "POST /api/v1/cases/{code}/actions/dispatch": 200,
    "POST /api/v1/cases/{code}/actions/accept": 200,
    "POST /api/v1/cases/{code}/actions/mark_handled": 200,
    "POST /api/v1/cases/{code}/actions/follow_up": 200,
    "POST /api/v1/cases/{code}/actions/close": 200,
    "GET /api/v1/cases?status=new": 200,
    "GET /work": 200,
    "GET /api/v1/indicators/values": 200,
    "GET /api/v1/stats": 200,
    "GET /leader": 200,
    "GET /web/stats/map.json": 200,
    "GET /web/stats/trend.json": 200,
    "GET /public": 200,
    "GET /web/public/points.json": 200,
    "GET /api/v1/public/cases": 200,
    "GET /public/cases/{code}": 200,
    "GET /api/v1/public/cases/{code}": 200,
}
#: The parts of the mix and their routes (``--mix`` runs some of them).
MIX: dict[str, list[str]] = {
    "reports": ["POST /api/v1/cases", "GET /report", "POST /report"],
    "staff": [r for r in EXPECT if "{code}" in r and r.startswith(("GET /api/v1/cases/", "POST /api/v1/cases/"))]
    + ["GET /api/v1/cases?status=new", "GET /work"],
    "figures": ["GET /api/v1/indicators/values", "GET /api/v1/stats", "GET /leader", "GET /web/stats/map.json",
                "GET /web/stats/trend.json"],
    "public": [r for r in EXPECT if "public" in r],
}
assert sorted(r for rs in MIX.values() for r in rs) == sorted(EXPECT)
#: Routes that may or may not occur (a report that routing already sent elsewhere).
OPTIONAL = {"POST /api/v1/cases/{code}/actions/transfer": 200}


# ----------------------------------------------------------------------------- fixture
def prepare(url: str, small: bool) -> dict[str, Any]:
    """The city (no cases), API tokens of the resident, the community officer, the grid worker
    and the leader, and points inside the resident's grid."""
    import json as _json

    from _city import build_city
    from shapely.geometry import Point, shape
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from huying.geo.models import Node
    from huying.orgs import tokens
    from huying.orgs.models import User

    city = build_city(url, small=small)
    out: dict[str, Any] = {"tokens": {}}
    now = dt.datetime.now(dt.UTC)
    with Session(city.engine) as s:
        for name in ("resident", "community", "gridworker", "leader"):
            user = s.scalar(select(User).where(User.username == name))
            assert user is not None, name
            out["tokens"][name] = tokens.create(s, user, "soak", now=now)[1]
        resident = s.scalar(select(User).where(User.username == "resident"))
        grid = s.get(Node, resident.node_id) if resident else None
        assert grid is not None and grid.geometry
        shp = shape(_json.loads(grid.geometry))
        rng = random.Random(1)
        x0, y0, x1, y1 = shp.bounds
        points: list[tuple[float, float]] = []
        while len(points) < 500:
            p = (round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6))
            if shp.contains(Point(p)):
                points.append(p)
        out["points"] = points
        s.commit()
    out["grids"], out["nodes"] = len(city.grids), city.nodes
    city.engine.dispose()
    return out


# ----------------------------------------------------------------------------- load
TITLES = ["路灯不亮", "井盖缺失", "垃圾堆放", "占道经营", "噪音扰民", "绿化带枯死", "路面破损", "违规停车",
          "楼道堆物", "污水外溢", "共享单车乱停", "墙面小广告"]
DETAILS = ["已经好几天了", "晚上很危险", "请尽快处理", "影响居民出行", "附近老人小孩多"]


@dataclass
class Load:
    base: str
    tokens: dict[str, str]
    points: list[tuple[float, float]]
    until: float
    rate: float
    mix: frozenset[str] = frozenset(MIX)
    start: float = field(default_factory=time.monotonic)
    records: list[tuple[float, str, float, int]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # every acknowledged report (public pages read them)
    fresh: asyncio.Queue[str] = field(default_factory=asyncio.Queue)  # reports for the staff
    closed: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    async def call(self, client: Any, route: str, method: str, url: str, **kw: Any) -> Any:
        import httpx

        want = EXPECT.get(route) or OPTIONAL[route]
        t = time.monotonic()
        try:
            r = await client.request(method, url, **kw)
            status, detail = r.status_code, r.text[:300] if r.status_code != want else ""
        except httpx.HTTPError as exc:
            r, status, detail = None, 0, f"{exc.__class__.__name__}: {exc}"
        ms = (time.monotonic() - t) * 1000
        self.records.append((round(t - self.start, 3), route, round(ms, 2), status))
        if status != want:
            self.errors.append({"t": round(t - self.start, 1), "route": route, "url": url, "status": status,
                                "detail": detail})
            return None
        return r

    def running(self) -> bool:
        return time.monotonic() < self.until

    async def paced(self, period: float, step: Any) -> None:
        """Call ``step()`` every ``period`` seconds (divided by ``--rate``) until the end."""
        period /= self.rate
        nxt = time.monotonic() + self.rng.uniform(0, period)  # scenarios do not start in step
        while True:
            await asyncio.sleep(max(0.0, nxt - time.monotonic()))
            if not self.running():
                return
            await step()
            nxt = max(nxt + period, time.monotonic())

    def body(self, i: int) -> dict[str, Any]:
        lon, lat = self.points[i % len(self.points)]
        return {"title": f"{self.rng.choice(TITLES)}（{i}）", "description": self.rng.choice(DETAILS),
                "lon": lon, "lat": lat}


def _limits() -> Any:
    import httpx

    return httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY)


async def sign_in(base: str, username: str) -> Any:
    """A browser session of a demo account (not measured: the mix is what people do once in)."""
    import httpx

    client = httpx.AsyncClient(base_url=base, timeout=60, headers=HTML, limits=_limits())
    page = await client.get("/login")
    m = CSRF.search(page.text)
    assert m, "no CSRF token on the sign-in page"
    r = await client.post("/login", data={"username": username, "password": f"demo-{username}",
                                          "csrf_token": m.group(1)}, follow_redirects=False)
    assert r.status_code == 303, (username, r.status_code, r.text[:300])
    return client


async def run_load(ld: Load) -> None:
    import httpx

    def api(who: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=ld.base, timeout=60, limits=_limits(),
                                 headers={"Authorization": f"Bearer {ld.tokens[who]}"})

    resident, community, handler, leader = api("resident"), api("community"), api("gridworker"), api("leader")
    web_resident = await sign_in(ld.base, "resident")
    web_community = await sign_in(ld.base, "community")
    web_leader = await sign_in(ld.base, "leader")
    # the public: a new connection per request (many people, each asking a page or two)
    public = httpx.AsyncClient(base_url=ld.base, timeout=60, headers=HTML,
                               limits=httpx.Limits(max_keepalive_connections=0))
    counter = iter(range(10**9))

    async def api_report() -> None:
        i = next(counter)
        r = await ld.call(resident, "POST /api/v1/cases", "POST", "/api/v1/cases",
                          json={**ld.body(i), "anonymous": i % 2 == 0},
                          headers={"Idempotency-Key": f"soak-{i}"})
        if r is not None:
            code = r.headers["Location"].rsplit("/", 1)[-1]
            ld.codes.append(code)
            ld.fresh.put_nowait(code)

    async def form_report() -> None:
        i = next(counter)
        page = await ld.call(web_resident, "GET /report", "GET", "/report")
        m = CSRF.search(page.text) if page is not None else None
        if m is None:
            return
        form = {k: str(v) for k, v in ld.body(i).items()} | {"csrf_token": m.group(1)}
        if i % 2 == 0:
            form["anonymous"] = "1"
        r = await ld.call(web_resident, "POST /report", "POST", "/report", data=form, follow_redirects=False)
        if r is not None:
            code = r.headers["Location"].split("?")[0].rsplit("/", 1)[-1]
            ld.codes.append(code)
            ld.fresh.put_nowait(code)

    async def staff(pause: float) -> None:
        """One officer desk: each report through the closed loop, a step every ``pause`` s."""
        pause /= ld.rate
        while ld.running():
            try:
                code = await asyncio.wait_for(ld.fresh.get(), timeout=1)
            except TimeoutError:
                continue
            path = f"/api/v1/cases/{code}"
            r = await ld.call(community, "GET /api/v1/cases/{code}", "GET", path)
            while r is not None and ld.running():
                case = r.json()
                status = case["status"]
                if status in ("closed", "rejected", "merged"):
                    break
                await asyncio.sleep(pause)
                if status == "new":
                    who, action, params = community, "dispatch", {"unit": UNIT, "note": "请处理"}
                elif status == "dispatched" and case["unit"] != UNIT:
                    who, action, params = community, "transfer", {"unit": UNIT, "note": "转城管"}
                elif status == "dispatched":
                    who, action, params = handler, "accept", {}
                elif status == "in_progress":
                    who, action, params = handler, "mark_handled", {"evidence": "已到现场处理完毕"}
                elif status == "handled":
                    who, action, params = community, "follow_up", {"satisfaction": "满意", "method": "phone"}
                elif status == "followed_up":
                    who, action, params = community, "close", {"resolution": "已办结"}
                else:
                    ld.errors.append({"route": "staff", "url": path, "status": 0,
                                      "detail": f"unexpected status {status}"})
                    break
                r = await ld.call(who, f"POST /api/v1/cases/{{code}}/actions/{action}", "POST",
                                  f"{path}/actions/{action}", json={**params, "expected_version": case["version"]})
                ld.closed += r is not None and action == "close"

    async def worklist() -> None:
        await ld.call(community, "GET /api/v1/cases?status=new", "GET", "/api/v1/cases",
                      params={"status": "new", "limit": 20})
        await ld.call(web_community, "GET /work", "GET", "/work")

    figures = [(leader, "GET /api/v1/indicators/values", "/api/v1/indicators/values"),
               (leader, "GET /api/v1/stats", "/api/v1/stats"),
               (web_leader, "GET /leader", "/leader"),
               (web_leader, "GET /web/stats/map.json", "/web/stats/map.json"),
               (web_leader, "GET /web/stats/trend.json", "/web/stats/trend.json")]
    turn = {"figures": 0, "public": 0}

    async def figure() -> None:
        client, route, url = figures[turn["figures"] % len(figures)]
        turn["figures"] += 1
        await ld.call(client, route, "GET", url)

    async def public_page() -> None:
        k = turn["public"] % 5
        turn["public"] += 1
        code = ld.rng.choice(ld.codes) if ld.codes else None
        if k == 0:
            await ld.call(public, "GET /public", "GET", "/public")
        elif k == 1:
            await ld.call(public, "GET /web/public/points.json", "GET", "/web/public/points.json")
        elif k == 2:
            await ld.call(public, "GET /api/v1/public/cases", "GET", "/api/v1/public/cases", params={"limit": 20})
        elif code and k == 3:
            await ld.call(public, "GET /public/cases/{code}", "GET", f"/public/cases/{code}")
        elif code:
            await ld.call(public, "GET /api/v1/public/cases/{code}", "GET", f"/api/v1/public/cases/{code}")

    parts = {
        "reports": [ld.paced(1.0, api_report),     # 1 report/s through the API
                    ld.paced(5.0, form_report)],   # and one every 5 s through the form (2 requests)
        "staff": [staff(0.5), staff(0.5),          # two desks, a command every 0.5 s each
                  ld.paced(6.0, worklist)],        # the officer's work list (2 requests)
        "figures": [ld.paced(1.0, figure)],        # the leader's figures, one of five each second
        "public": [ld.paced(0.25, public_page)],   # the public: 4 pages/s
    }
    await asyncio.gather(*(c for name, cs in parts.items() for c in cs if name in ld.mix))
    for name, cs in parts.items():
        if name not in ld.mix:
            for c in cs:
                c.close()
    for c in (resident, community, handler, leader, web_resident, web_community, web_leader, public):
        await c.aclose()


def load_process(base: str, fixture: dict[str, Any], duration: float, rate: float, out: str,
                 mix: frozenset[str]) -> None:
    """The load generator's process: runs the mix, writes what it measured to ``out``."""

    async def main() -> Load:
        ld = Load(base, fixture["tokens"], [tuple(p) for p in fixture["points"]],
                  until=time.monotonic() + duration, rate=rate, mix=mix)
        await run_load(ld)
        return ld

    ld = asyncio.run(main())
    Path(out).write_text(json.dumps({"records": ld.records, "errors": ld.errors, "codes": len(ld.codes),
                                     "closed": ld.closed}), encoding="utf-8")


# ----------------------------------------------------------------------------- sampling
class Sampler(threading.Thread):
    """Every ``every`` seconds: VmRSS of each worker, the database's connections."""

    def __init__(self, srv: S.Server, dbname: str, every: float) -> None:
        super().__init__(daemon=True)
        self.srv, self.dbname, self.every = srv, dbname, every
        self.t0 = time.monotonic()
        self.samples: list[dict[str, Any]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        from sqlalchemy import create_engine, text

        eng = create_engine(C.PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
        try:
            while not self.halt.is_set():
                rss = {}
                for pid in self.srv.worker_pids():
                    try:
                        rss[pid] = S.rss_kb(pid)
                    except OSError:
                        continue
                with eng.connect() as c:
                    total, active = c.execute(text(
                        "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
                        "WHERE datname = :d"), {"d": self.dbname}).one()
                self.samples.append({"t": round(time.monotonic() - self.t0, 2), "rss_kb": rss,
                                     "db_connections": int(total), "db_active": int(active)})
                self.halt.wait(self.every)
        finally:
            eng.dispose()


# ----------------------------------------------------------------------------- figures
def pct(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (nearest rank): a value that was measured."""
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(-(-q * len(v) // 100)) - 1))]


def slope_mb_per_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, kB) in MB/min."""
    n = len(points)
    if n < 3:
        return None
    mx = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    if sxx == 0:
        return None
    sxy = sum((t - mx) * (y - my) for t, y in points)
    return sxy / sxx * 60 / 1024


def per_route(records: list[list[Any]], duration: float, window: float) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for route in [*EXPECT, *OPTIONAL]:
        rows = [r for r in records if r[1] == route]
        if not rows and route in OPTIONAL:
            continue
        want = EXPECT.get(route) or OPTIONAL[route]
        ms = [r[2] for r in rows]
        first = [r[2] for r in rows if r[0] < window]
        last = [r[2] for r in rows if r[0] >= duration - window]
        out[route] = {"n": len(rows), "errors": sum(r[3] != want for r in rows),
                      "per_s": round(len(rows) / duration, 2),
                      "p50_ms": pct(ms, 50), "p99_ms": pct(ms, 99), "max_ms": max(ms) if ms else None,
                      "first_p99_ms": pct(first, 99), "last_p99_ms": pct(last, 99),
                      "first_n": len(first), "last_n": len(last)}
    return out


def memory(samples: list[dict[str, Any]], load_t0: float, duration: float, warmup: float,
           window: float) -> dict[str, dict[str, Any]]:
    """Per worker (by pid): RSS at the start of the measured part and at the end, the mean of
    the first and of the last window, the slope after warm-up."""
    out: dict[str, dict[str, Any]] = {}
    pids = sorted({pid for s in samples for pid in s["rss_kb"]})
    for pid in pids:
        pts = [(s["t"] - load_t0, s["rss_kb"][pid]) for s in samples if pid in s["rss_kb"]]
        after = [(t, kb) for t, kb in pts if warmup <= t <= duration]
        first = [kb for t, kb in pts if 0 <= t < window]
        last = [kb for t, kb in pts if duration - window <= t <= duration]
        slope = slope_mb_per_min(after)
        out[str(pid)] = {
            "start_mb": round(pts[0][1] / 1024, 1) if pts else None,
            "after_warmup_mb": round(after[0][1] / 1024, 1) if after else None,
            "end_mb": round(pts[-1][1] / 1024, 1) if pts else None,
            "max_mb": round(max(kb for _, kb in pts) / 1024, 1) if pts else None,
            "first_window_mean_mb": round(sum(first) / len(first) / 1024, 1) if first else None,
            "last_window_mean_mb": round(sum(last) / len(last) / 1024, 1) if last else None,
            "slope_mb_per_min": None if slope is None else round(slope, 3),
            "samples_fitted": len(after),
        }
    return out


def print_table(routes: dict[str, dict[str, Any]], mem: dict[str, dict[str, Any]], window: float) -> None:
    w = f"{window:.0f}s"
    print(f"| route | n | errors | per s | p50 ms | p99 ms | max ms | p99 first {w} | p99 last {w} |", file=sys.stderr)
    print("|---|---|---|---|---|---|---|---|---|", file=sys.stderr)
    for route, d in routes.items():
        cells = [d["n"], d["errors"], d["per_s"], d["p50_ms"], d["p99_ms"], d["max_ms"], d["first_p99_ms"],
                 d["last_p99_ms"]]
        print(f"| `{route}` | " + " | ".join("–" if c is None else f"{c:,}" if isinstance(c, int) else f"{c:g}"
                                           for c in cells) + " |", file=sys.stderr)
    print("\n| worker pid | RSS start MB | after warm-up | end | max | mean first window | mean last window "
          "| slope MB/min |", file=sys.stderr)
    print("|---|---|---|---|---|---|---|---|", file=sys.stderr)
    for pid, m in mem.items():
        print(f"| {pid} | {m['start_mb']} | {m['after_warmup_mb']} | {m['end_mb']} | {m['max_mb']} | "
              f"{m['first_window_mean_mb']} | {m['last_window_mean_mb']} | {m['slope_mb_per_min']} |",
              file=sys.stderr)


def stored(url: str) -> tuple[int, int]:
    """(cases, closed cases) in the database."""
    from sqlalchemy import func, select

    from huying.cases.models import Case
    from huying.db import make_engine

    eng = make_engine(url)
    try:
        with eng.connect() as c:
            cases = int(c.scalar(select(func.count()).select_from(Case)) or 0)
            closed = int(c.scalar(select(func.count()).select_from(Case).where(Case.status == "closed")) or 0)
    finally:
        eng.dispose()
    return cases, closed


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--duration", type=float, default=None, help="seconds of load (600; --smoke: 18)")
    ap.add_argument("--workers", type=int, default=None, help="uvicorn workers (3; --smoke: 2)")
    ap.add_argument("--rate", type=float, default=1.0, help="multiplies every scenario's rate")
    ap.add_argument("--window", type=float, default=None,
                    help="seconds of the first and last windows compared (120; --smoke: a quarter)")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds before the RSS fit starts (60; --smoke: a quarter)")
    ap.add_argument("--small", action="store_true", help="the small city (as --smoke) at full duration")
    ap.add_argument("--mix", default=",".join(MIX),
                    help="the parts of the mix to run (reports, staff, figures, public; staff needs reports)")
    args = ap.parse_args(argv)
    duration = args.duration or (18.0 if args.smoke else 600.0)
    workers = args.workers or (2 if args.smoke else 3)
    window = args.window or (duration / 4 if args.smoke else min(120.0, duration / 4))
    warmup = args.warmup if args.warmup is not None else (duration / 4 if args.smoke else min(60.0, duration / 4))
    small = args.smoke or args.small
    mix = frozenset(m.strip() for m in args.mix.split(",") if m.strip())
    if not mix <= set(MIX) or ("staff" in mix and "reports" not in mix):
        ap.error(f"--mix: parts of {', '.join(MIX)}; staff needs reports")
    if "postgresql" not in C.backends("postgresql"):
        print("# S1 soak runs on PostgreSQL only, which is not reachable: not measured", file=sys.stderr)
        return 0
    from sqlalchemy.engine import make_url

    with tempfile.TemporaryDirectory() as tmp_s, C.scratch_database("postgresql", Path(tmp_s)) as url:
        tmp = Path(tmp_s)
        t = time.perf_counter()
        fixture = prepare(url, small)
        build_s = time.perf_counter() - t
        data = tmp / "data"
        data.mkdir()
        log = tmp / "server.log"
        # INFO, as a city runs it: a JSON line per request, and uvicorn's word when it replaces a worker
        env = S.huying_env(url, data, HUYING_SECRET_KEY="soak-" + os.urandom(24).hex(), HUYING_LOG_LEVEL="INFO")
        # A deployed server has its bytecode compiled; a worker that compiles every module at
        # each start (PYTHONDONTWRITEBYTECODE, as this machine's shells set) may miss uvicorn's
        # 5 s health check on a loaded machine and be killed before it serves.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        try:
            # the workers of ``huying serve`` take 15-35 s to start on this loaded machine
            server = S.serve("huying-serve", workers=workers, env=env, log=log, timeout=180)
            t = time.perf_counter()
            srv = server.__enter__()
            start_s = time.perf_counter() - t
            print(f"# city built in {build_s:.1f} s; {workers} workers up in {start_s:.1f} s", file=sys.stderr)
        except RuntimeError:
            print(log.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
            raise
        try:
            pids = srv.worker_pids()
            deadline = time.monotonic() + 30
            while len(pids) < workers and time.monotonic() < deadline:  # every worker up
                time.sleep(0.2)
                pids = srv.worker_pids()
            sampler = Sampler(srv, make_url(url).database or "", every=2.0)
            sampler.start()
            ticks0 = {p: cpu_ticks(p) for p in pids}
            out = tmp / "load.json"
            proc = mp.get_context("spawn").Process(target=load_process,
                                                   args=(srv.base, fixture, duration, args.rate, str(out), mix))
            load_t0 = time.monotonic() - sampler.t0
            proc.start()
            proc.join(duration + 300)
            if proc.is_alive():
                proc.kill()
            ticks1 = {p: cpu_ticks(p) for p in pids}
            sampler.halt.set()
            sampler.join(10)
            restarted = sorted(set(srv.worker_pids()) - set(pids))
        finally:
            server.__exit__(None, None, None)
        got = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"records": [], "errors": [
            {"route": "load generator", "status": 0, "detail": f"exit code {proc.exitcode}"}], "codes": 0, "closed": 0}
        cases, closed = stored(url)
        log_lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        server_errors = [x for x in log_lines if "Traceback" in x or '"level": "error"' in x or "ERROR" in x]
        supervisor = [x for x in log_lines if "hild process" in x]
    records = got["records"]
    routes = per_route(records, duration, window)
    mem = memory(sampler.samples, load_t0, duration, warmup, window)
    errors = got["errors"]
    missing = [r for r, d in routes.items() if d["n"] == 0 and any(r in MIX[m] for m in mix)]
    consistent = cases == got["codes"] and closed == got["closed"]
    slopes = [m["slope_mb_per_min"] for m in mem.values() if m["slope_mb_per_min"] is not None]
    worst_slope = max(slopes) if slopes else None
    flat = worst_slope is not None and worst_slope < FLAT_MB_PER_MIN
    conn = [s["db_connections"] for s in sampler.samples]
    all_ms = [r[2] for r in records]
    first_ms = [r[2] for r in records if r[0] < window]
    last_ms = [r[2] for r in records if r[0] >= duration - window]
    print_table(routes, mem, window)
    ok = not errors and not missing and consistent and not server_errors and not restarted
    sizes = {"workers": workers, "duration_s": duration, "rate": args.rate, "requests": len(records),
             "grids": fixture["grids"], "nodes": fixture["nodes"], "database": "postgresql",
             "city": "small" if small else "demo (1,000 grids, no cases at the start)",
             "window_s": window, "warmup_s": warmup, "mix": sorted(mix)}
    common = {"smoke": args.smoke, "sizes": sizes}
    worst_route = max(routes, key=lambda r: routes[r]["p99_ms"] or 0)
    first_p99, last_p99 = pct(first_ms, 99), pct(last_ms, 99)
    C.emit(BENCH, "soak[postgresql] requests without error", len(records) - len(errors), "requests",
           baseline=("requests sent", len(records)), ratio=(len(records) - len(errors)) / max(len(records), 1),
           goal="no error (every answer the expected status); every route of the mix exercised",
           met=ok, errors=len(errors), error_samples=errors[:10], routes_missing=missing,
           server_log_errors=server_errors[:10], workers_restarted=restarted,
           supervisor_log=supervisor[:20],
           stored={"cases": cases, "reports_acknowledged": got["codes"], "closed": closed,
                   "closes_acknowledged": got["closed"], "consistent": consistent},
           routes=routes, build_city_s=round(build_s, 1), server_start_s=round(start_s, 1), **common)
    C.emit(BENCH, "soak[postgresql] p99 of every request, last window", last_p99 or 0.0, "ms",
           baseline=(f"p99 of the first {window:.0f} s, same run", first_p99 or 0.0),
           ratio=(first_p99 / last_p99) if first_p99 and last_p99 else None, goal=None, met=None,
           p50_ms=pct(all_ms, 50), p99_ms=pct(all_ms, 99), worst_route=worst_route,
           worst_route_p99_ms=routes[worst_route]["p99_ms"], **common)
    # CPU seconds of each worker over the run (None: the worker was gone at the end)
    cpu = {str(p): round((ticks1[p] - ticks0[p]) / TICK, 1) if ticks1[p] else None for p in pids}
    series = [[round(x["t"] - load_t0), {str(p): round(kb / 1024, 1) for p, kb in x["rss_kb"].items()}]
              for x in sampler.samples[::5]]
    C.emit(BENCH, "soak[postgresql] RSS slope after warm-up, largest worker", worst_slope or 0.0, "MB/min",
           baseline=(f"flat: < {FLAT_MB_PER_MIN} MB/min", FLAT_MB_PER_MIN), ratio=None,
           goal=f"< {FLAT_MB_PER_MIN} MB/min on every worker", met=flat, workers_memory=mem,
           worker_cpu_s=cpu, db_connections={"min": min(conn, default=None), "max": max(conn, default=None),
                                             "last": conn[-1] if conn else None},
           rss_samples=len(sampler.samples), rss_series_mb=series, **common)
    if errors:
        print(f"# {len(errors)} errors, e.g. {errors[:3]}", file=sys.stderr)
    if missing:
        print(f"# routes never exercised: {missing}", file=sys.stderr)
    if not consistent:
        print(f"# database {cases} cases / {closed} closed; acknowledged {got['codes']} / {got['closed']}",
              file=sys.stderr)
    if server_errors:
        print(f"# server log: {server_errors[:5]}", file=sys.stderr)
    if args.smoke:  # too short to fit a slope on: the smoke checks errors and coverage only
        return 0 if ok else 1
    return 0 if ok and flat else 1


TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


if __name__ == "__main__":
    raise SystemExit(main())
