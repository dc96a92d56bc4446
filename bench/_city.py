"""Benchmark fixtures: the demo city (or a small one for ``--smoke``) in a database, and
synthetic case / event rows bulk-inserted straight into the tables.

Bulk rows are a *fixture*: they skip the service (which is measured elsewhere, ~10 ms per
case) so that millions of cases can be set up in minutes. PostgreSQL gets them through
``COPY``, SQLite through ``executemany`` in one transaction."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.db import Base, import_all_models, make_engine

import_all_models()

from huying.cases.models import Case, CaseEvent  # noqa: E402
from huying.cityconfig import categories  # noqa: E402
from huying.cityconfig.models import Category  # noqa: E402
from huying.geo.models import Level, Node  # noqa: E402
from huying.orgs.models import Organisation  # noqa: E402

SMALL = dict(communities=40, grids=80, households_per_grid=2.0, lloyd_iterations=1)


@dataclass
class City:
    url: str
    engine: Engine
    city_id: int
    #: (grid id, grid path, community party organisation id) per grid
    grids: list[tuple[int, str, int]]
    #: leaf category ids
    leaves: list[int]
    nodes: int


def build_city(url: str, *, small: bool) -> City:
    """The demo city (1,000 grids; ``small``: 80) with its category tree, committed."""
    from huying.demo.build import Sizes, build

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        summary = build(s, seed=1, progress=False, sizes=Sizes(**SMALL) if small else None)  # type: ignore[arg-type]
        categories.load_tree(s, summary.city_id)
        s.commit()
        city_id = summary.city_id
        nodes = {n.id: n for n in s.scalars(select(Node).where(Node.city_id == city_id))}
        by_code = {n.code: n for n in nodes.values()}
        party = {o.code: o.id for o in s.scalars(select(Organisation).where(Organisation.city_id == city_id))}
        grids = []
        for n in sorted(nodes.values(), key=lambda n: n.code):
            if n.level != Level.GRID.value:
                continue
            comm = by_code[[c for c in n.path.split("/") if c][3]]
            grids.append((n.id, n.path, party[f"{comm.code}-party"]))
        leaves = list(s.scalars(select(Category.id).where(Category.city_id == city_id, Category.level == 3)
                                .order_by(Category.id)))
    return City(url, engine, city_id, grids, leaves, len(nodes))


def table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _pg_text(v: Any) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, dt.datetime):
        return v.isoformat()
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def bulk_insert(engine: Engine, tbl: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                chunk: int = 50_000) -> int:
    """Insert ``rows`` (tuples in ``columns`` order); returns the count."""
    n = 0
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY {tbl.name} ({', '.join(columns)}) FROM STDIN") as cp:  # type: ignore[attr-defined]
                buf = io.StringIO()
                for row in rows:
                    buf.write("\t".join(_pg_text(v) for v in row))
                    buf.write("\n")
                    n += 1
                    if n % chunk == 0:
                        cp.write(buf.getvalue())
                        buf = io.StringIO()
                cp.write(buf.getvalue())
            raw.commit()
        finally:
            raw.close()
        return n
    stmt = tbl.insert()
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) >= chunk:
                conn.execute(stmt, batch)
                n += len(batch)
                batch = []
        if batch:
            conn.execute(stmt, batch)
            n += len(batch)
    return n


def analyze(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


CASE_COLUMNS = ["city_id", "code", "title", "description", "category_id", "priority", "channel", "lon", "lat",
                "grid_id", "grid_path", "reporter_kind", "unit_id", "handling_level", "status", "due_at",
                "sweep_at", "warned", "overdue_periods", "ever_overdue", "rework_count", "escalations",
                "version", "created_at", "updated_at", "closed_at"]
EVENT_COLUMNS = ["city_id", "case_id", "seq", "at", "actor_id", "actor_role", "action", "from_status",
                 "to_status", "note", "payload"]
CASES, EVENTS = table(Case), table(CaseEvent)
