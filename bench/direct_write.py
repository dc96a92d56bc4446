"""The cost of one hot write or read, through SQLAlchemy's ``Connection.execute`` and through
``huying.db.write`` / ``huying.db.rows`` (compiled and typed by SQLAlchemy once, run on the
driver's cursor), in the same process, alternated round by round, on both databases.

    .venv/bin/python bench/direct_write.py            # 3 rounds of 3,000 writes a side and a statement
    .venv/bin/python bench/direct_write.py --smoke    # 1 round of 50 (seconds)

The statements are the loop's own, on the product's schema: the event's INSERT … RETURNING
(``kernel._INSERT_EVENT``), the case's compare-and-set UPDATE (``kernel._update_case``) and
the rollup's two-row upsert (``rollup._upsert``, ``executemany``), and a read whose values
need typing, the city's configuration versions (``config_cache.VERSIONS``: three rows, a
datetime in each, which SQLite keeps as text). CPU: this process's
``time.process_time()`` per write (the application's side; PostgreSQL's backend does the
same work either way), the median of the rounds; ``ratio`` is direct / SQLAlchemy (below 1:
cheaper). Everything is written in one transaction, rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "direct_write"


def _world(conn: Any) -> tuple[int, int]:
    """A city and one case in it (the events' and the rollup's foreign keys)."""
    from sqlalchemy import Table, insert

    from huying.cases.models import Case
    from huying.cityconfig.models import ConfigVersion
    from huying.geo.models import City

    cities: Table = City.__table__  # type: ignore[assignment]
    cases: Table = Case.__table__  # type: ignore[assignment]
    now = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    city = conn.execute(insert(cities).returning(cities.c.id),
                        {"code": "990099", "name_zh": "测城", "name_en": "Bench City"}).scalar_one()
    case = conn.execute(insert(cases).returning(cases.c.id), dict(
        city_id=city, code="990099-2026-000001", kind="problem", title="路灯不亮", description="", priority="normal",
        channel="hotline", grid_path="/bench/", reporter_kind="anonymous", handling_level="community", status="new",
        warned=False, overdue_periods=0, ever_overdue=False, rework_count=0, escalations=0, version=1,
        created_at=now, updated_at=now)).scalar_one()
    conn.execute(insert(ConfigVersion.__table__), [  # type: ignore[arg-type]
        {"city_id": city, "topic": topic, "version": 3, "changed_at": now} for topic in ("sla", "calendar", "routing")])
    return int(city), int(case)


def _round(run: Callable[[int], Any], n: int, start: int) -> float:
    t0 = time.process_time()
    for i in range(start, start + n):
        run(i)
    return (time.process_time() - t0) * 1e6 / n


def measure(backend: str, url: str, n: int, rounds: int, smoke: bool) -> None:
    """The four statements, through SQLAlchemy and direct, alternated round by round."""
    from sqlalchemy.orm import Session

    from huying import db
    from huying.cases import kernel
    from huying.cityconfig import config_cache
    from huying.db import Base, make_engine
    from huying.metrics import rollup

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with engine.connect() as conn:
        conn.begin()
        city, case = _world(conn)
        session = Session(bind=conn)  # db.rows reads through a session (its pending changes first)
        at = dt.datetime(2026, 12, 1, 3, tzinfo=dt.UTC)
        upsert = rollup._upsert(engine.dialect.name)
        cas = kernel._update_case(frozenset({"status", "version", "updated_at"}))
        version = [1]

        def event(i: int) -> dict[str, Any]:
            return dict(city_id=city, case_id=case, seq=i, at=at, actor_id=None, actor_role="system",
                        action="sla_warning", from_status="new", to_status="new", note=None,
                        payload='{"set": {}}', request_id=None)

        def update(_i: int) -> dict[str, Any]:
            v = version[0]
            version[0] += 1
            return {"v_status": "new", "v_version": v + 1, "v_updated_at": at, "w_id": case, "w_version": v}

        def rows(i: int) -> list[dict[str, Any]]:
            zero = dict.fromkeys(rollup.ALL, 0)
            return [{"city_id": city, "grid_path": f"/bench/{i % 50}/", "month": 202612, "day": d,
                     **zero, "received": 1} for d in (0, 1)]

        ways: dict[str, tuple[Callable[[int], Any], Callable[[int], Any]]] = {
            "event INSERT … RETURNING": (
                lambda i: conn.execute(kernel._INSERT_EVENT, event(i)).scalar_one(),
                lambda i: db.write(conn, kernel._INSERT_EVENT, event(i), returning=True)),
            "case compare-and-set UPDATE": (
                lambda i: conn.execute(cas, update(i)).rowcount,
                lambda i: db.write(conn, cas, update(i))),
            "rollup upsert, two rows (executemany)": (
                lambda i: conn.execute(upsert, rows(i)),
                lambda i: db.write_many(conn, upsert, rows(i))),
            "configuration versions SELECT (typed)": (
                lambda i: conn.execute(config_cache.VERSIONS, {"city": city}).all(),
                lambda i: db.rows(session, config_cache.VERSIONS, {"city": city})),
        }
        seq = 1
        for what, (through, direct) in ways.items():
            through(seq := seq + 1)  # warm: compile, plan, prepare
            direct(seq := seq + 1)
            seq += 1
            sa_us: list[float] = []
            direct_us: list[float] = []
            for _ in range(rounds):
                sa_us.append(_round(through, n, seq))
                seq += n
                direct_us.append(_round(direct, n, seq))
                seq += n
            a, b = statistics.median(sa_us), statistics.median(direct_us)
            C.emit(BENCH, f"direct_write[{backend}] {what}", b, "µs CPU per statement (application)",
                   baseline=("the same statement through Connection.execute", a), ratio=b / a,
                   sizes={"writes_per_round": n, "rounds": rounds}, smoke=smoke,
                   rounds_us={"sqlalchemy": [round(x, 1) for x in sa_us],
                              "direct": [round(x, 1) for x in direct_us]})
        session.close()
        conn.rollback()
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--n", type=int, default=None, help="writes per round (default 3,000; smoke 50)")
    ap.add_argument("--repeat", type=int, default=None, help="rounds a side (default 3; smoke 1)")
    args = ap.parse_args(argv)
    n = args.n or (50 if args.smoke else 3000)
    rounds = args.repeat or (1 if args.smoke else 3)
    from huying.db import import_all_models

    import_all_models()
    with tempfile.TemporaryDirectory() as tmp_s:
        for backend in C.backends(args.backends):
            with C.scratch_database(backend, Path(tmp_s)) as url:
                measure(backend, url, n, rounds, args.smoke)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
