"""P5 — every page of the demo city in server time, and what each page ships.

    .venv/bin/python bench/pages.py                  # the demo city (40,000 cases), 800 overdue
    .venv/bin/python bench/pages.py --db var/bench/pages-demo.db   # built there once, then reused
    .venv/bin/python bench/pages.py --smoke          # 150 cases, 40 overdue (a minute)

Fixture (not measured): the demo city built by ``huying demo build --seed 1 --cases N``
into a throw-away SQLite file, then open cases made overdue (their deadline moved a day
into the past, a fixture edit) until ``--overdue`` of them are: the queue a city officer
opens after a bad month.

Measured: for each seat (resident, community officer, town officer, leader, admin) and each
of its pages, the median of ``--repeat`` requests through the whole application in process
(routing, middleware, sessions, queries, templates; no network), after one warm-up request.
The pages include the work list's overdue tab with its 800 cases, the work list filtered to
the cases behind a figure, and the city's figures for a custom period.
Baseline, in the same run: ``/healthz`` through the same application (the framework's own
cost); ``ratio`` = baseline / page (how far above the floor a page is).
Assets: the bytes of the page's own scripts, styles and images under ``huying/web/static``
(what a first visit downloads besides the HTML).

Goals (issue 15): ≤ 200 ms of server time per page; ≤ 1.5 MB of assets per page.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

BUDGET_MS = 200.0
ASSETS_MB = 1.5
STATIC = _common.ROOT / "huying" / "web" / "static"
HTML = {"accept": "text/html,application/xhtml+xml"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ASSET = re.compile(r'(?:src|href)="(/static/[^"?#]+)')


def pages(case: str, town: str, today: dt.date) -> dict[str, list[str]]:
    first = today.replace(day=1) - dt.timedelta(days=90)
    custom = f"period=custom&from={first.isoformat()}&to={today.isoformat()}"
    return {
        "resident": ["/", "/report", "/my", "/public", f"/public/cases/{case}", f"/cases/{case}"],
        "community": ["/work", "/work?tab=mine", "/work?tab=overdue", "/work?tab=handled", "/work?tab=all&q=灯",
                      f"/cases/{case}", "/notices", "/ledger", "/leader"],
        "town": ["/work?tab=all", f"/leader?node={town}", f"/leader?node={town}&{custom}",
                 f"/web/stats/map.json?node={town}"],
        "leader": ["/leader", f"/leader?{custom}", "/leader?period=year", "/web/stats/map.json",
                   "/web/stats/trend.json", "/work?tab=overdue", "/work?tab=all&fig=overdue_now",
                   f"/work?tab=all&fig=closed&{custom}", "/ledger", "/notices"],
        "admin": ["/admin/tree", "/admin/users", "/admin/users?q=演示", "/admin/categories", "/admin/sla",
                  "/admin/holidays", "/admin/routing"],
    }


def build(url: str, cases: int) -> None:
    from sqlalchemy import create_engine

    from huying.db import Base, import_all_models

    import_all_models()
    eng = create_engine(url)
    Base.metadata.create_all(eng)
    eng.dispose()
    env = {**os.environ, "HUYING_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "huying.cli", "demo", "build", "--seed", "1", "--cases", str(cases),
                    "--no-progress"], check=True, env=env, cwd=_common.ROOT, stdout=subprocess.DEVNULL)


def make_overdue(url: str, want: int, now: dt.datetime) -> int:
    """Move deadlines of open cases into the past until ``want`` are overdue; returns how
    many are."""
    from sqlalchemy import create_engine, func, select, update

    from huying.cases.models import Case
    from huying.cases.timing import open_clause, overdue_clause

    eng = create_engine(url)
    with eng.begin() as c:
        have = c.scalar(select(func.count()).select_from(Case).where(overdue_clause(now))) or 0
        if have < want:
            ids = c.scalars(select(Case.id).where(open_clause(), ~overdue_clause(now), Case.due_at.is_not(None))
                            .order_by(Case.id).limit(want - have)).all()
            c.execute(update(Case).where(Case.id.in_(ids)).values(due_at=now - dt.timedelta(days=1)))
        n = c.scalar(select(func.count()).select_from(Case).where(overdue_clause(now))) or 0
    eng.dispose()
    return int(n)


def resident_report(url: str, now: dt.datetime, *, create: bool) -> tuple[str | None, float, float]:
    """A point inside the demo resident's grid and (``create``) a report of theirs there,
    through the service (a small demo city may have none)."""
    import json

    from shapely.geometry import shape
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from huying.cases import service as svc
    from huying.db import make_engine
    from huying.geo.models import Node
    from huying.orgs.actor import Actor
    from huying.orgs.models import User

    eng = make_engine(url)
    code = None
    with Session(eng) as s:
        user = s.scalar(select(User).where(User.username == "resident"))
        assert user is not None
        grid = s.get(Node, user.node_id)
        assert grid is not None and grid.geometry
        p = shape(json.loads(grid.geometry)).representative_point()
        lon, lat = round(p.x, 6), round(p.y, 6)
        if create:
            code = svc.report(s, Actor.of(s, user), svc.ReportIn(title="楼道灯坏了", description="基准测试",
                                                                 lon=lon, lat=lat),
                              channel="resident_web", now=now).code
    eng.dispose()
    return code, lon, lat


def token_of(client: object) -> str:
    m = CSRF.search(client.get("/login", headers=HTML).text)  # type: ignore[attr-defined]
    assert m, "no CSRF token on the sign-in page"
    return m.group(1)


def assets_of(html: str) -> int:
    total = 0
    for path in set(ASSET.findall(html)):
        f = STATIC / path.removeprefix("/static/")
        if f.is_file():
            total += f.stat().st_size
    return total


def median_ms(client: object, url: str, repeat: int, form: dict[str, str] | None = None,
              headers: dict[str, str] | None = None) -> tuple[float, int, str]:
    """The median time of ``repeat`` requests (a GET, or a POST of ``form``), after one."""
    def get() -> object:
        if form is not None:
            return client.post(url, data=form, headers=headers or HTML)  # type: ignore[attr-defined]
        return client.get(url, headers=HTML)  # type: ignore[attr-defined]

    r = get()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = get()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, r.status_code, r.text  # type: ignore[attr-defined]


def main() -> int:
    ap = _common.parser(__doc__)
    ap.add_argument("--cases", type=int, default=40_000)
    ap.add_argument("--overdue", type=int, default=800)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", help="a demo database (SQLite file): built there when missing, reused when present")
    args = ap.parse_args()
    if args.smoke:
        args.cases, args.overdue, args.repeat = 150, 40, 3
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db).resolve() if args.db else Path(tmp) / "demo.db"
        url = f"sqlite:///{path.as_posix()}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            build(url, args.cases)
            print(f"# demo city with {args.cases} cases built in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        now = dt.datetime.now(dt.UTC)
        overdue = make_overdue(url, args.overdue, now)
        os.environ["HUYING_DATABASE_URL"] = url
        os.environ["HUYING_DATA_DIR"] = tmp
        os.environ.setdefault("HUYING_SECRET_KEY", "bench-" + os.urandom(24).hex())
        os.environ["HUYING_LOG_LEVEL"] = "WARNING"  # no request log lines among the results
        os.environ["HUYING_WRITE_RATE_PER_MINUTE"] = "0"  # the form's answers are asked many times
        from fastapi.testclient import TestClient
        from sqlalchemy import create_engine, select

        from huying.app import create_app
        from huying.cases.models import Case
        from huying.orgs.models import User

        eng = create_engine(url)
        with eng.connect() as c:  # the demo resident's latest report (their pages open it)
            case = c.scalar(select(Case.code).join(User, User.id == Case.reporter_id)
                            .where(User.username == "resident").order_by(Case.id.desc()).limit(1))
        eng.dispose()
        made, lon, lat = resident_report(url, now, create=case is None)
        case = case or made
        sizes = {"cases": args.cases, "overdue": overdue, "repeat": args.repeat, "database": "sqlite"}
        worst = 0.0
        heaviest = 0
        failed = []
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            floor, _, _ = median_ms(client, "/healthz", max(args.repeat, 5))
            today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
            for seat, urls in pages(str(case), "441900121", today).items():
                client.cookies.clear()
                token = CSRF.search(client.get("/login", headers=HTML).text)
                assert token, "no CSRF token on the sign-in page"
                r = client.post("/login", data={"username": seat, "password": f"demo-{seat}",
                                                "csrf_token": token.group(1)}, headers=HTML, follow_redirects=False)
                assert r.status_code == 303, (seat, r.status_code)
                calls: list[tuple[str, dict[str, str] | None]] = [(u, None) for u in urls]
                hx = HTML
                if seat == "resident":  # what the report form asks as the resident writes
                    draft = {"title": "小区门口的路灯不亮了", "description": "晚上很黑", "lon": str(lon),
                             "lat": str(lat)}
                    calls += [("/report/suggest", draft), ("/report/similar", draft)]
                    hx = {**HTML, "hx-request": "true", "x-csrf-token": token_of(client)}
                for url_, form in calls:
                    ms, status, text = median_ms(client, url_, args.repeat, form, hx if form else None)
                    url_ = f"POST {url_}" if form else url_
                    if status != 200:
                        failed.append((seat, url_, status))
                    assets = assets_of(text) if "json" not in url_ else 0
                    worst, heaviest = max(worst, ms), max(heaviest, assets)
                    _common.emit("pages", f"{seat} {url_}", ms, "ms", baseline=("/healthz", floor),
                                 ratio=floor / ms if ms else None, sizes=sizes, goal=f"<= {BUDGET_MS:.0f} ms",
                                 met=ms <= BUDGET_MS and status == 200, smoke=args.smoke, status=status,
                                 assets_kb=round(assets / 1024, 1))
        _common.emit("pages", "slowest page", worst, "ms", baseline=("/healthz", floor), ratio=floor / worst,
                     sizes=sizes, goal=f"<= {BUDGET_MS:.0f} ms", met=worst <= BUDGET_MS, smoke=args.smoke)
        _common.emit("pages", "heaviest page's assets", heaviest / 2**20, "MB", baseline=None, ratio=None,
                     sizes=sizes, goal=f"<= {ASSETS_MB} MB", met=heaviest <= ASSETS_MB * 2**20, smoke=args.smoke)
        if failed:
            print(f"# pages that did not answer 200: {failed}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
