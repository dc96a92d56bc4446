"""P3 — the figures of every node of the tree over many cases: the rollup vs a naive
GROUP BY (and, up to 1M cases, the per-node queries of ``metrics.service``).

    .venv/bin/python bench/figures.py                      # 1M and 10M cases, both databases
    .venv/bin/python bench/figures.py --cases 100000,1000000
    .venv/bin/python bench/figures.py --smoke              # 1k and 4k cases, 80 grids (seconds)
    .venv/bin/python bench/figures.py --build-only         # build the cached fixtures, then exit
    .venv/bin/python bench/figures.py --drop-cache         # remove the cached fixtures, then exit
    .venv/bin/python bench/figures.py --jit --cases 10000000  # PostgreSQL: the rollup with and without JIT

Fixture (not measured): the demo city (1,000 grids, 1,633 nodes) and synthetic cases
reported over the 36 months up to ``NOW`` with their events: 10% fixed on the spot; 90%
report → dispatch → accept → (10% overdue, 5% escalated) → handled → follow-up (5% reopened
and handled again) → close, 0.5–30 h between events. A case whose life runs past ``NOW``
has only its events up to ``NOW`` and stays in the status they left, due 2 days after its
last event: the open backlog is the cases in flight (about the last two weeks' reports), as
in a city that closes its cases, not a share of all history. The events go in in time
order (as the service writes them), and ``metrics_grid_month`` holds the rows
``rollup.apply_event`` would have left after each of them: a row per grid and UTC month and
per grid and UTC day that some counting event touched. Cases, events and rollup are generated with numpy and written
straight into the tables: PostgreSQL through ``COPY`` (triggers, i.e. foreign-key checks,
off for the load: the rows are consistent by construction), SQLite through ``executemany``
in large transactions with the journal and syncs off for the load only; the secondary
indexes are dropped for the load and built afterwards, then ``VACUUM ANALYZE`` (PostgreSQL)
or ``ANALYZE`` (SQLite). At full size the fixture is built once and kept — a file
``var/bench/figures-<cases>-s<seed>.db`` and a database ``huying_bench_figures_<cases>_s<seed>``
— and reused while its marker (generator version, cases, seed, schema) matches;
``--no-cache`` builds into throw-away databases instead.

Measured (best of 3, naive best of 1 at full size):
- ``rollup.tree_figures`` — every node of the tree, all time; and with a period whose ends
  fall inside days and months (partial days from the events, whole days and months from
  the rollup).
- baseline ``naive GROUP BY``: one grouped pass over events ⨝ cases by grid (the same
  counters, EXISTS per closing event), rolled up the tree in Python.
- ``service.figures`` (one query per node), up to ``--per-node-max`` cases (1M): the city
  page, and every node extrapolated from a sample per level (every node in ``--smoke``).

Checks in every run: the rollup's counters equal the naive pass's for every grid (all
time); the period's figures of a grid equal ``metrics.service.node_figures``; at smoke size
(or ``--verify-rollup``) the generated rollup equals ``rollup.rebuild``'s.

Goal (issue 8): ≤ 1 s for the figures of every node over 10 M cases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import math
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

BENCH = "figures"
T_START = dt.datetime(2023, 3, 1, tzinfo=dt.UTC)
MONTHS = 36
NOW = T_START + dt.timedelta(days=MONTHS * 30.4)
CACHE_DIR = C.ROOT / "var" / "bench"
#: Bump when the generated data change: a cached fixture with another version is rebuilt.
GEN_VERSION = 3
#: Cases generated per chunk (the random stream depends on it: part of the fixture's identity).
CHUNK = 250_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_T0_US = int((T_START - _EPOCH).total_seconds()) * 1_000_000
_NOW_US = int((NOW - _EPOCH).total_seconds()) * 1_000_000

# ----------------------------------------------------------------------------- the cases
#: (action, from, to) of every kind of event the fixture writes
EVTYPES = [("fix_on_spot", None, "closed"), ("report", None, "new"), ("dispatch", "new", "dispatched"),
           ("accept", "dispatched", "in_progress"), ("overdue", "in_progress", "in_progress"),
           ("escalate", "in_progress", "dispatched"), ("mark_handled", "in_progress", "handled"),
           ("reopen", "handled", "in_progress"), ("follow_up", "handled", "followed_up"),
           ("close", "followed_up", "closed")]
_A = {a: i for i, (a, _, _) in enumerate(EVTYPES)}


def _templates() -> list[list[int]]:
    """The lives of cases: 0 fixed on the spot; 1 + (overdue | escalated << 1 | reopened << 2)
    reported, handled and closed."""
    out = [[_A["fix_on_spot"]]]
    for bits in range(8):
        o, e, r = bits & 1, bits >> 1 & 1, bits >> 2 & 1
        out.append([_A["report"], _A["dispatch"], _A["accept"]] + [_A["overdue"]] * o
                   + [_A["escalate"], _A["accept"]] * e + [_A["mark_handled"]]
                   + [_A["reopen"], _A["mark_handled"]] * r + [_A["follow_up"], _A["close"]])
    return out


TEMPLATES = _templates()
MAX_EVENTS = max(map(len, TEMPLATES))
TPL = np.full((len(TEMPLATES), MAX_EVENTS), -1, dtype=np.int64)
for _i, _t in enumerate(TEMPLATES):
    TPL[_i, : len(_t)] = _t
TLEN = np.array([len(t) for t in TEMPLATES])
#: An open case is due this long after its last event (the SLA step it is in).
DUE_AFTER_US = 2 * 86_400_000_000


@dataclass
class Chunk:
    """Cases ``first_id .. first_id + m - 1`` and their events up to ``NOW`` (in time order)."""

    first_id: int
    grid: np.ndarray  # index into the city's grids
    cat: np.ndarray  # index into the leaf categories
    tpl: np.ndarray
    created_us: np.ndarray
    n_ev: np.ndarray  # events written (up to NOW): version
    last_us: np.ndarray  # the last written event
    last_type: np.ndarray
    ev_counts: np.ndarray  # (cases, event types) written
    ev_case: np.ndarray  # index into the chunk's cases
    ev_seq: np.ndarray
    ev_type: np.ndarray
    ev_at_us: np.ndarray

    @property
    def m(self) -> int:
        return len(self.grid)

    @property
    def open(self) -> np.ndarray:
        return self.n_ev < TLEN[self.tpl]


def chunks(n_grids: int, n_leaves: int, n: int, seed: int) -> Iterator[Chunk]:
    """``n`` synthetic cases, ids 1..n, reported in time order over the 36 months up to
    ``NOW`` (each chunk of ``CHUNK`` cases covers its share of the time line). Each case
    lives its whole life unless ``NOW`` comes first: the events after ``NOW`` are not
    written, and the case stays in the status its last event left (the backlog: the cases
    in flight, reported in the last two weeks or so)."""
    span_us = _NOW_US - _T0_US
    for ci, b in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - b)
        rng = np.random.default_rng([seed, ci])
        lo, hi = span_us * b / n, span_us * (b + m) / n
        start = _T0_US + np.sort(rng.uniform(lo, hi, m)).astype(np.int64)
        kind = rng.random(m)
        grid = rng.integers(n_grids, size=m)
        cat = rng.integers(n_leaves, size=m)
        flags = rng.random((m, 3))
        step = (rng.uniform(0.5, 30, (m, 8)) * 3600e6).astype(np.int64)
        bits = (flags[:, 0] < 0.10) + 2 * (flags[:, 1] < 0.05) + 4 * (flags[:, 2] < 0.05)
        tpl = np.where(kind < 0.10, 0, 1 + bits)
        # event k of a case is at start + step[k % 8] summed over 1..k
        cum = np.zeros((m, MAX_EVENTS), dtype=np.int64)
        for k in range(1, MAX_EVENTS):
            cum[:, k] = cum[:, k - 1] + step[:, k % 8]
        length = TLEN[tpl]
        ev_case = np.repeat(np.arange(m), length)
        offsets = np.cumsum(length) - length
        ev_k = np.arange(len(ev_case)) - np.repeat(offsets, length)
        ev_at = start[ev_case] + cum[ev_case, ev_k]
        ev_type = TPL[tpl[ev_case], ev_k]
        written = ev_at < _NOW_US
        ev_case, ev_k, ev_at, ev_type = ev_case[written], ev_k[written], ev_at[written], ev_type[written]
        n_ev = np.bincount(ev_case, minlength=m)
        last = n_ev - 1
        order = np.argsort(ev_at, kind="stable")
        yield Chunk(first_id=b + 1, grid=grid, cat=cat, tpl=tpl, created_us=start, n_ev=n_ev,
                    last_us=start + cum[np.arange(m), last], last_type=TPL[tpl, last],
                    ev_counts=np.bincount(ev_case * len(EVTYPES) + ev_type,
                                          minlength=m * len(EVTYPES)).reshape(m, len(EVTYPES)),
                    ev_case=ev_case[order], ev_seq=ev_k[order] + 1, ev_type=ev_type[order], ev_at_us=ev_at[order])


# ----------------------------------------------------------------------------- the rollup
ROLLUP_COUNTERS = ("received", "closed", "fixed_on_spot", "on_time", "reworked", "satisfied", "dissatisfied",
                   "escalations", "close_seconds")
_N_MONTHS = MONTHS + 4


class RollupBuilder:
    """The rows of ``metrics_grid_month`` that ``rollup.apply_event`` would have left after
    every event of the fixture (same counters, same rule: an event that counts nothing
    writes no row)."""

    def __init__(self, n_grids: int) -> None:
        self.n_grids = n_grids
        self.acc = np.zeros((len(ROLLUP_COUNTERS), n_grids * _N_MONTHS * 32))
        self.touched = np.zeros(n_grids * _N_MONTHS * 32, dtype=np.int64)

    def add(self, ch: Chunk) -> None:
        t = ch.ev_type
        closing = (t == _A["close"]) | (t == _A["fix_on_spot"])
        # a closing event ends a case's life: its whole history is written
        ever_overdue = ch.ev_counts[ch.ev_case, _A["overdue"]] > 0
        reopened = ch.ev_counts[ch.ev_case, _A["reopen"]] > 0
        counts = [
            (t == _A["report"]) | (t == _A["fix_on_spot"]),
            closing,
            t == _A["fix_on_spot"],
            closing & ~ever_overdue,
            closing & reopened,
            t == _A["follow_up"],
            t == _A["reopen"],
            t == _A["escalate"],
            np.where(closing, (ch.ev_at_us - ch.created_us[ch.ev_case]) / 1e6, 0.0),
        ]
        counting = np.logical_or.reduce(counts[:8])
        at = ch.ev_at_us[counting].astype("datetime64[us]")
        month = at.astype("datetime64[M]")
        mi = (month - np.datetime64(T_START.strftime("%Y-%m"), "M")).astype(np.int64)
        day = (at.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64) + 1
        base = (ch.grid[ch.ev_case[counting]] * _N_MONTHS + mi) * 32
        size = self.touched.size
        for key in (base, base + day):  # the month's row (day 0) and the day's row
            self.touched += np.bincount(key, minlength=size)
            for j, w in enumerate(counts):
                self.acc[j] += np.bincount(key, weights=np.asarray(w, dtype=np.float64)[counting], minlength=size)

    def rows(self, grid_paths: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(keys present, columns): grid_path, month (YYYYMM), day and the counters."""
        keys = np.flatnonzero(self.touched)
        g, rest = np.divmod(keys, _N_MONTHS * 32)
        mi, day = np.divmod(rest, 32)
        y0, m0 = T_START.year, T_START.month - 1
        month = (y0 + (m0 + mi) // 12) * 100 + (m0 + mi) % 12 + 1
        cols: dict[str, np.ndarray] = {"grid_path": np.array(grid_paths, dtype="S")[g], "month": month, "day": day}
        for j, name in enumerate(ROLLUP_COUNTERS):
            v = self.acc[j, keys]
            cols[name] = v if name == "close_seconds" else np.rint(v).astype(np.int64)
        return keys, cols


# ----------------------------------------------------------------------------- encoding
def _ts(us: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` (bytes), as SQLAlchemy writes a UTC datetime."""
    s = np.datetime_as_string(us.astype("datetime64[us]"), unit="us").astype("S26")
    s.view(np.uint8).reshape(-1, 26)[:, 10] = ord(" ")
    return s


class Col:
    """A column of a chunk: ``kind`` in const / int / bool / ts (µs, -1 null) / float / bytes /
    nullable (bytes, empty = NULL)."""

    def __init__(self, kind: str, value: Any) -> None:
        self.kind, self.value = kind, value

    def pg(self, m: int) -> np.ndarray | bytes:
        v = self.value
        if self.kind == "const":
            return b"\\N" if v is None else (("t" if v else "f") if isinstance(v, bool) else str(v)).encode()
        if self.kind == "int":
            return v.astype("S")  # type: ignore[no-any-return]
        if self.kind == "float":
            return np.char.mod(b"%.6f", v)  # type: ignore[no-any-return]
        if self.kind == "bool":
            return np.where(v, b"t", b"f")
        if self.kind == "ts":
            return np.where(v < 0, b"\\N", np.strings.add(_ts(np.maximum(v, 0)), b"+00"))
        if self.kind == "nullable":
            return np.where(v == b"", b"\\N", v)
        return v  # type: ignore[no-any-return]

    def sqlite(self, m: int) -> Any:
        v = self.value
        if self.kind == "const":
            return itertools.repeat(int(v) if isinstance(v, bool) else v, m)
        if self.kind in ("int", "float"):
            return v.tolist()
        if self.kind == "bool":
            return v.astype(np.int64).tolist()
        if self.kind == "ts":
            s = _ts(np.maximum(v, 0)).astype("U26").astype(object)
            s[v < 0] = None
            return s.tolist()
        if self.kind == "nullable":
            s = np.char.decode(v, "utf-8").astype(object)
            s[v == b""] = None
            return s.tolist()
        return np.char.decode(v, "utf-8").tolist()


def _pg_text(cols: list[Col], m: int) -> bytes:
    line: Any = None
    for c in cols:
        v = c.pg(m)
        line = v if line is None else np.strings.add(np.strings.add(line, b"\t"), v)
    if not isinstance(line, np.ndarray):
        line = np.full(m, line)
    return b"\n".join(line.tolist()) + b"\n"


def case_columns(ch: Chunk, city: CityRef) -> dict[str, Col]:
    m = ch.m
    ids = np.arange(ch.first_id, ch.first_id + m, dtype=np.int64)
    open_ = ch.open
    return {
        "id": Col("int", ids),
        "city_id": Col("const", city.city_id),
        "code": Col("bytes", np.strings.add(b"441900-X-", np.strings.zfill(ids.astype("S"), 9))),
        "title": Col("const", "路灯不亮"),
        "description": Col("const", ""),
        "category_id": Col("int", city.leaves[ch.cat]),
        "priority": Col("const", "normal"),
        "channel": Col("const", "hotline"),
        "lon": Col("const", None),
        "lat": Col("const", None),
        "grid_id": Col("int", city.grid_ids[ch.grid]),
        "grid_path": Col("bytes", city.grid_paths_s[ch.grid]),
        "reporter_kind": Col("const", "anonymous"),
        "unit_id": Col("int", city.grid_units[ch.grid]),
        "handling_level": Col("const", "community"),
        "status": Col("bytes", _EV_TO[ch.last_type]),
        "due_at": Col("ts", np.where(open_, ch.last_us + DUE_AFTER_US, -1)),
        "sweep_at": Col("const", None),
        "warned": Col("const", False),
        "overdue_periods": Col("const", 0),
        "ever_overdue": Col("bool", ch.ev_counts[:, _A["overdue"]] > 0),
        "rework_count": Col("int", ch.ev_counts[:, _A["reopen"]]),
        "escalations": Col("int", ch.ev_counts[:, _A["escalate"]]),
        "version": Col("int", ch.n_ev),
        "created_at": Col("ts", ch.created_us),
        "updated_at": Col("ts", ch.last_us),
        "closed_at": Col("ts", np.where(open_, -1, ch.last_us)),
    }


_EV_ACTION = np.array([a for a, _, _ in EVTYPES], dtype="S")
_EV_FROM = np.array([f or "" for _, f, _ in EVTYPES], dtype="S")
_EV_TO = np.array([t for _, _, t in EVTYPES], dtype="S")


def event_columns(ch: Chunk, city: CityRef) -> dict[str, Col]:
    frm = _EV_FROM[ch.ev_type]
    return {
        "city_id": Col("const", city.city_id),
        "case_id": Col("int", ch.ev_case + ch.first_id),
        "seq": Col("int", ch.ev_seq),
        "at": Col("ts", ch.ev_at_us),
        "actor_id": Col("const", None),
        "actor_role": Col("const", "system"),
        "action": Col("bytes", _EV_ACTION[ch.ev_type]),
        "from_status": Col("nullable", frm),
        "to_status": Col("bytes", _EV_TO[ch.ev_type]),
        "note": Col("const", None),
        "payload": Col("const", "{}"),
    }


# ----------------------------------------------------------------------------- the city
@dataclass
class CityRef:
    city_id: int
    nodes: int
    grid_ids: np.ndarray
    grid_paths: list[str]
    grid_paths_s: np.ndarray
    grid_units: np.ndarray
    grid_codes: list[str]
    leaves: np.ndarray


def city_ref(engine: Any) -> CityRef:
    """The city of a database holding the demo city (as ``_city.build_city`` left it)."""
    from huying.cityconfig.models import Category
    from huying.geo.models import Level, Node
    from huying.orgs.models import Organisation

    with Session(engine) as s:
        city_id = s.scalar(select(Node.city_id).where(Node.level == Level.CITY.value))
        nodes = s.execute(select(Node.id, Node.code, Node.path, Node.level).where(Node.city_id == city_id)).all()
        by_code = {n.code: n for n in nodes}
        party = dict(s.execute(select(Organisation.code, Organisation.id).where(Organisation.city_id == city_id)).all())
        grids = sorted((n for n in nodes if n.level == Level.GRID.value), key=lambda n: n.code)
        units = [party[f"{by_code[[c for c in g.path.split('/') if c][3]].code}-party"] for g in grids]
        leaves = list(s.scalars(select(Category.id).where(Category.city_id == city_id, Category.level == 3)
                                .order_by(Category.id)))
    paths = [g.path for g in grids]
    return CityRef(int(city_id), len(nodes), np.array([g.id for g in grids]), paths, np.array(paths, dtype="S"),
                   np.array(units), [g.code for g in grids], np.array(leaves))


# ----------------------------------------------------------------------------- loading
def _schema_hash() -> str:
    """Every table of the models (all of them imported first: the hash must not depend on
    what this process happened to import)."""
    from huying.db import Base, import_all_models

    import_all_models()

    desc = sorted((t.name, sorted(c.name for c in t.columns), sorted(i.name or "" for i in t.indexes))
                  for t in Base.metadata.tables.values())
    return hashlib.sha256(json.dumps(desc).encode()).hexdigest()[:16]


def _identity(n: int, seed: int, small: bool) -> dict[str, Any]:
    return {"generator": GEN_VERSION, "chunk": CHUNK, "cases": n, "seed": seed, "small_city": small,
            "schema": _schema_hash()}


def _bulk_tables() -> list[Any]:
    from _city import CASES, EVENTS

    from huying.metrics.models import GridMonth

    return [CASES, EVENTS, GridMonth.__table__]


def load(url: str, n: int, seed: int, small: bool, log: Any = None) -> dict[str, Any]:
    """Build the fixture into the empty database at ``url``; returns what it built."""
    from _city import CASE_COLUMNS, EVENT_COLUMNS, build_city
    from sqlalchemy.schema import CreateIndex, DropIndex

    log = log or (lambda msg: print(f"# {msg}", file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    city = build_city(url, small=small)
    eng = city.engine
    ref = city_ref(eng)
    indexes = [ix for tbl in _bulk_tables() for ix in tbl.indexes]
    drop = [str(DropIndex(ix).compile(dialect=eng.dialect)) for ix in indexes]
    create = [str(CreateIndex(ix).compile(dialect=eng.dialect)) for ix in indexes]
    pg = eng.dialect.name == "postgresql"
    eng.dispose()
    dbapi: Any
    if pg:
        import psycopg
        from sqlalchemy.engine import make_url

        dbapi = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
        cur = dbapi.cursor()
        # the load only: no foreign-key triggers (consistent by construction), no commit flush
        for q in ("SET session_replication_role = replica", "SET synchronous_commit = off",
                  "SET maintenance_work_mem = '1GB'"):
            cur.execute(q)
        dbapi.commit()
    else:
        import sqlite3

        dbapi = sqlite3.connect(str(eng.url.database), isolation_level=None)
        cur = dbapi.cursor()
        # the load only (a fresh connection has foreign keys off): no journal, no syncs
        for q in ("PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-400000",
                  "PRAGMA locking_mode=EXCLUSIVE"):
            cur.execute(q).fetchall()
    for q in drop:
        cur.execute(q)
    dbapi.commit()
    t_city = time.perf_counter() - t0

    def write(table: str, names: list[str], cols: dict[str, Col], m: int) -> None:
        ordered = [cols[c] for c in names]
        if pg:
            with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as cp:
                cp.write(_pg_text(ordered, m))
        else:
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            cur.executemany(sql, zip(*[c.sqlite(m) for c in ordered], strict=False))

    rb = RollupBuilder(len(ref.grid_paths))
    n_events = 0
    t1 = time.perf_counter()
    gen_s = 0.0
    for ch in chunks(len(ref.grid_paths), len(ref.leaves), n, seed):
        g = time.perf_counter()
        rb.add(ch)
        cc, ec = case_columns(ch, ref), event_columns(ch, ref)
        gen_s += time.perf_counter() - g
        if not pg:
            cur.execute("BEGIN")
        write("cases", ["id", *CASE_COLUMNS], cc, ch.m)
        write("case_events", EVENT_COLUMNS, ec, len(ch.ev_case))
        dbapi.commit()
        n_events += len(ch.ev_case)
        done = ch.first_id + ch.m - 1
        if done % 1_000_000 == 0 or done == n:
            log(f"{done:,} cases, {n_events:,} events: {time.perf_counter() - t1:.0f} s")
    keys, rcols = rb.rows(ref.grid_paths)
    rollup_cols = {"city_id": Col("const", ref.city_id), "grid_path": Col("bytes", rcols["grid_path"]),
                   "month": Col("int", rcols["month"]), "day": Col("int", rcols["day"])}
    for name in ROLLUP_COUNTERS:
        rollup_cols[name] = Col("float" if name == "close_seconds" else "int", rcols[name])
    if not pg:
        cur.execute("BEGIN")
    write("metrics_grid_month", list(rollup_cols), rollup_cols, len(keys))
    dbapi.commit()
    load_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    for q in create:
        cur.execute(q)
        if pg:
            dbapi.commit()
    if pg:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('cases', 'id'), {n})")
        dbapi.commit()
        dbapi.autocommit = True
        cur.execute("VACUUM ANALYZE")
        dbapi.autocommit = False
    else:
        cur.execute("ANALYZE")
        cur.execute("PRAGMA locking_mode=NORMAL").fetchall()
        cur.execute("PRAGMA journal_mode=WAL").fetchall()  # as huying.db runs it
    index_s = time.perf_counter() - t2
    cur.close()
    dbapi.close()
    return {"cases": n, "events": n_events, "rollup_rows": len(keys), "nodes": ref.nodes,
            "grids": len(ref.grid_paths), "city_s": round(t_city, 1), "load_s": round(load_s, 1),
            "generate_s": round(gen_s, 1), "index_s": round(index_s, 1)}



# ----------------------------------------------------------------------------- the cache
MARKER = "bench_fixture"


def _marker(url: str) -> dict[str, Any] | None:
    from huying.db import make_engine

    eng = make_engine(url)
    try:
        with eng.connect() as c:
            v = c.execute(text(f"SELECT v FROM {MARKER} WHERE k = 'figures'")).scalar()
        return None if v is None else dict(json.loads(v))
    except Exception:  # noqa: BLE001 - no marker table: not a (complete) fixture
        return None
    finally:
        eng.dispose()


def _write_marker(url: str, value: dict[str, Any]) -> None:
    from huying.db import make_engine

    eng = make_engine(url)
    with eng.begin() as c:
        c.execute(text(f"CREATE TABLE IF NOT EXISTS {MARKER} (k VARCHAR(40) PRIMARY KEY, v TEXT)"))
        c.execute(text(f"DELETE FROM {MARKER} WHERE k = 'figures'"))
        c.execute(text(f"INSERT INTO {MARKER} (k, v) VALUES ('figures', :v)"), {"v": json.dumps(value)})
    eng.dispose()


def _cache_names(backend: str, n: int, seed: int, cache_dir: Path) -> str:
    from sqlalchemy.engine import make_url

    if backend == "sqlite":
        return f"sqlite:///{(cache_dir / f'figures-{n}-s{seed}.db').as_posix()}"
    return make_url(C.PG_ADMIN_URL).set(database=f"huying_bench_figures_{n}_s{seed}").render_as_string(
        hide_password=False)


def _drop(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                Path(str(u.database) + suffix).unlink()
        return
    admin = create_engine(C.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def _create(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        Path(str(u.database)).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(C.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def cached_fixture(backend: str, n: int, seed: int, small: bool, cache_dir: Path,
                   rebuild: bool = False) -> tuple[str, dict[str, Any]]:
    """The fixture's database URL, built unless a complete one with the same identity is
    there; the built-info says ``reused``."""
    url = _cache_names(backend, n, seed, cache_dir)
    want = _identity(n, seed, small)
    have = None if rebuild else _marker(url)
    if have is not None and have.get("identity") == want:
        return url, {**have["built"], "reused": True}
    _drop(url)
    _create(url)
    built = load(url, n, seed, small)
    _write_marker(url, {"identity": want, "built": built})
    return url, {**built, "reused": False}


@contextlib.contextmanager
def fixture(backend: str, n: int, seed: int, small: bool, cache_dir: Path | None,
            tmp: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if cache_dir is not None:
        yield cached_fixture(backend, n, seed, small, cache_dir)
        return
    with C.scratch_database(backend, tmp) as url:
        built = load(url, n, seed, small)
        yield url, {**built, "reused": False}


# ----------------------------------------------------------------------------- measuring
def _close(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tol


def _same_figures(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal, but for ``mean_hours_to_close`` to its last rounding digit (sums of seconds in
    another order, and SQLite's millisecond ``julianday``, differ a little)."""
    return all(_close(a[k], b[k], 0.0100001) if k == "mean_hours_to_close" else a[k] == b[k] for k in a)


def verify_rollup_equals_rebuild(url: str) -> int:
    """The generated ``metrics_grid_month`` equals what ``rollup.rebuild`` computes from the
    events (rows of zeros aside: rebuild keeps them, ``apply_event`` writes none)."""
    from huying.db import make_engine
    from huying.metrics import rollup
    from huying.metrics.models import GridMonth

    eng = make_engine(url)
    cols = [GridMonth.__table__.c[k] for k in rollup.COUNTERS]

    def table(s: Session) -> dict[tuple[str, int, int], tuple[Any, ...]]:
        rows = s.execute(select(GridMonth.grid_path, GridMonth.month, GridMonth.day, *cols)).all()
        return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows if any(r[3:])}

    with Session(eng) as s:
        mine = table(s)
        city_id = city_ref(eng).city_id
        rollup.rebuild(s, city_id)
        rebuilt = table(s)
        s.rollback()
    eng.dispose()
    assert mine.keys() == rebuilt.keys(), f"generated rollup != rebuild: {len(mine)} vs {len(rebuilt)} rows"
    for key, row in mine.items():
        other = rebuilt[key]
        assert row[:-1] == other[:-1], (key, row, other)
        # close_seconds: SQLite's julianday() keeps milliseconds: up to 2 ms off a closing event
        assert math.isclose(row[-1], other[-1], rel_tol=1e-9, abs_tol=2e-3 * max(1, row[1])), (key, row, other)
    return len(mine)


def measure(backend: str, url: str, built: dict[str, Any], small: bool, per_node: bool) -> dict[str, Any]:
    from huying.cases.models import CaseEvent
    from huying.db import make_engine
    from huying.geo.models import Level, Node
    from huying.metrics import rollup, service

    eng = make_engine(url)
    ref = city_ref(eng)
    cid = ref.city_id
    out: dict[str, Any] = {"backend": backend, **{k: v for k, v in built.items() if k != "reused"},
                           "reused_fixture": built.get("reused", False)}
    reps = 3
    since = T_START + dt.timedelta(days=400, hours=7)
    until = NOW - dt.timedelta(days=3, hours=5)
    with Session(eng) as s:
        rollup.tree_figures(s, cid, now=NOW)  # warm
        out["rollup_s"], tree = C.best_of(lambda: rollup.tree_figures(s, cid, now=NOW), reps)
        out["rollup_period_s"], tree_p = C.best_of(
            lambda: rollup.tree_figures(s, cid, now=NOW, since=since, until=until), reps)

        def naive(where: list[Any]) -> dict[str, rollup.Counts]:
            q = rollup._grouped_events(eng.dialect.name, cid, where, by_month=False)
            per_grid = {r[0]: rollup._counts(r[1:]) for r in s.execute(q).all()}
            totals = {p: rollup.Counts() for p in s.scalars(select(Node.path).where(Node.city_id == cid))}
            for path, c in per_grid.items():  # rolled up the tree, as tree_figures does
                i = path.find("/")
                while i != -1:
                    if (t := totals.get(path[: i + 1])) is not None:
                        t.add(c)
                    i = path.find("/", i + 1)
            return per_grid

        period = [CaseEvent.at >= since, CaseEvent.at < until]
        out["naive_s"], naive_all = C.best_of(lambda: naive([]), reps if small else 1)
        out["naive_period_s"], naive_period = C.best_of(lambda: naive(period), reps if small else 1)
        # check: the rollup's counters equal the naive pass's, grid by grid, for both
        for got, want in ((rollup.grid_counts(s, cid, now=NOW), naive_all),
                          (rollup.grid_counts(s, cid, now=NOW, since=since, until=until), naive_period)):
            for path, c in want.items():
                r = got[path]
                assert [getattr(r, k) for k in rollup.COUNTERS[:-1]] == [getattr(c, k) for k in rollup.COUNTERS[:-1]], path
                # SQLite's julianday() keeps milliseconds: up to 2 ms off a closing event
                assert math.isclose(r.close_seconds, c.close_seconds, rel_tol=1e-9, abs_tol=2e-3 * max(1, c.closed)), (
                    path, r.close_seconds, c.close_seconds)
        assert sum(c.received for c in naive_all.values()) == tree["441900"].received
        assert sum(c.closed for c in naive_period.values()) == tree_p["441900"].closed
        out["open_cases"] = tree["441900"].open_now
        if not per_node:
            out["service_city_page_s"] = out["service_all_nodes_s"] = None
            out["service_sampled_nodes"] = 0
            eng.dispose()
            return out
        out["service_city_page_s"], page = C.best_of(lambda: service.figures(s, cid, None, now=NOW), 1)
        assert _same_figures(page["node"], tree["441900"].as_dict()), (page["node"], tree["441900"])
        # one query per node: every node at smoke size; a sample per level otherwise
        nodes = s.scalars(select(Node).where(Node.city_id == cid)).all()
        per_level: dict[str, list[Any]] = {}
        for nd in nodes:
            per_level.setdefault(nd.level, []).append(nd)
        total, sampled = 0.0, 0
        for level in Level:
            group = per_level.get(level.value, [])
            sample = group if small else group[: max(1, min(len(group), 3))]
            t = time.perf_counter()
            for nd in sample:
                f = service.node_figures(s, nd, now=NOW)
                assert _same_figures(f.as_dict(), tree[nd.code].as_dict()), nd.code
            spent = time.perf_counter() - t
            sampled += len(sample)
            total += spent / max(1, len(sample)) * len(group)
        out["service_all_nodes_s"] = total
        out["service_sampled_nodes"] = sampled
    eng.dispose()
    return out


def jit_line(url: str, built: dict[str, Any]) -> None:
    """PostgreSQL's JIT (on by default, for queries whose estimated cost passes
    ``jit_above_cost``) compiled the partial-day event queries at 10M cases; the rollup turns
    it off for its transaction (``rollup.PG_JIT``). The rollup as shipped against the same
    with the server's default JIT, same fixture, same run."""
    from huying.db import make_engine
    from huying.metrics import rollup

    eng = make_engine(url)
    cid = city_ref(eng).city_id
    since = T_START + dt.timedelta(days=400, hours=7)
    until = NOW - dt.timedelta(days=3, hours=5)
    out: dict[str, float] = {}
    shipped = rollup.PG_JIT
    try:
        for label, jit in (("on", True), ("shipped", shipped)):
            rollup.PG_JIT = jit
            with Session(eng) as s:
                rollup.tree_figures(s, cid, now=NOW, since=since, until=until)  # warm
                out[f"all_{label}"], _ = C.best_of(lambda: rollup.tree_figures(s, cid, now=NOW), 3)
                out[f"period_{label}"], _ = C.best_of(
                    lambda: rollup.tree_figures(s, cid, now=NOW, since=since, until=until), 3)
    finally:
        rollup.PG_JIT = shipped
        eng.dispose()
    sz = {k: built[k] for k in ("cases", "events", "rollup_rows", "nodes", "grids")}
    C.emit(BENCH, "figures_every_node_period_rollup_jit_off[postgresql]", out["period_shipped"],
           "s (all nodes, period with ragged ends, the rollup as shipped: jit off in its transaction)",
           baseline=("the same with the server's default jit = on", out["period_on"]),
           ratio=out["period_on"] / out["period_shipped"], sizes=sz, goal="<= 1 s",
           met=out["period_shipped"] <= 1.0,
           all_time_s={"jit_on": round(out["all_on"], 4), "shipped": round(out["all_shipped"], 4)})


def main(argv: list[str] | None = None) -> int:
    ap = C.parser(__doc__)
    ap.add_argument("--cases", default=None, help="comma-separated case counts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-node-max", type=int, default=1_000_000,
                    help="time metrics.service's per-node queries up to this many cases (minutes at 1M)")
    ap.add_argument("--skip-per-node", action="store_true", help="never time the per-node queries")
    ap.add_argument("--no-cache", action="store_true", help="build into throw-away databases")
    ap.add_argument("--rebuild-cache", action="store_true", help="rebuild the cached fixtures")
    ap.add_argument("--cache-dir", default=str(CACHE_DIR), help="where the SQLite fixtures are kept")
    ap.add_argument("--verify-rollup", action="store_true",
                    help="also check the generated rollup against rollup.rebuild (minutes at 10M)")
    ap.add_argument("--drop-cache", action="store_true", help="remove the cached fixtures of --cases and exit")
    ap.add_argument("--build-only", action="store_true", help="build the cached fixtures of --cases and exit")
    ap.add_argument("--jit", action="store_true",
                    help="PostgreSQL only: the rollup as shipped (jit off) and with the server's JIT, and exit")
    args = ap.parse_args(argv)
    sizes = [1_000, 4_000] if args.smoke else [1_000_000, 10_000_000]
    if args.cases:
        sizes = [int(x) for x in args.cases.split(",")]
    cache_dir = None if (args.smoke or args.no_cache) else Path(args.cache_dir)
    if args.drop_cache:
        for backend in C.backends(args.backends):
            for n in sizes:
                _drop(_cache_names(backend, n, args.seed, Path(args.cache_dir)))
        return 0
    if args.build_only and cache_dir is not None:
        for backend in C.backends(args.backends):
            for n in sizes:
                url, built = cached_fixture(backend, n, args.seed, False, cache_dir, rebuild=args.rebuild_cache)
                print(f"# {url}: {built}", file=sys.stderr, flush=True)
        return 0
    if args.jit and cache_dir is not None:
        for n in sizes:
            url, built = cached_fixture("postgresql", n, args.seed, False, cache_dir)
            jit_line(url, built)
        return 0
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for backend in C.backends(args.backends):
            runs = []
            for n in sizes:
                if cache_dir is not None and args.rebuild_cache:
                    cached_fixture(backend, n, args.seed, args.smoke, cache_dir, rebuild=True)
                with fixture(backend, n, args.seed, args.smoke, cache_dir, Path(tmp)) as (url, built):
                    if args.smoke or args.verify_rollup:
                        verify_rollup_equals_rebuild(url)
                    per_node = not args.skip_per_node and n <= args.per_node_max
                    runs.append(measure(backend, url, built, args.smoke, per_node))
                    print(f"# {runs[-1]}", file=sys.stderr, flush=True)
            big = runs[-1]
            sz = {k: big[k] for k in ("cases", "events", "rollup_rows", "nodes", "grids", "open_cases")}
            sz["case_sizes"] = [r["cases"] for r in runs]
            sz["fixture_build_s"] = {k: big[k] for k in ("city_s", "load_s", "generate_s", "index_s")}
            growth = {"cases_ratio": round(runs[-1]["cases"] / runs[0]["cases"], 1),
                      "rollup_s_ratio": round(runs[-1]["rollup_s"] / runs[0]["rollup_s"], 2),
                      "rollup_period_s_ratio": round(runs[-1]["rollup_period_s"] / runs[0]["rollup_period_s"], 2),
                      "naive_s_ratio": round(runs[-1]["naive_s"] / runs[0]["naive_s"], 2),
                      "naive_period_s_ratio": round(runs[-1]["naive_period_s"] / runs[0]["naive_period_s"], 2)}
            met = big["rollup_s"] <= 1.0 and big["rollup_period_s"] <= 1.0
            ok &= met or args.smoke
            goal = f"<= 1 s over 10M cases (met says: at {big['cases']:,} cases)"
            C.emit(BENCH, f"figures_every_node_rollup[{backend}]", big["rollup_s"], "s (all nodes, all time)",
                   baseline=("naive GROUP BY grid over events ⨝ cases", big["naive_s"]),
                   ratio=big["naive_s"] / big["rollup_s"], sizes=sz, goal=goal, met=met,
                   smoke=args.smoke, growth=growth, runs=runs,
                   note="rollup cost ~ grids x (months + days) rows and the open cases; not the history")
            C.emit(BENCH, f"figures_every_node_period_rollup[{backend}]", big["rollup_period_s"],
                   "s (all nodes, period with ragged ends)",
                   baseline=("naive GROUP BY grid over the period's events ⨝ cases", big["naive_period_s"]),
                   ratio=big["naive_period_s"] / big["rollup_period_s"], sizes=sz, goal=goal, met=met,
                   smoke=args.smoke)
            timed = [r for r in runs if r.get("service_all_nodes_s") is not None]
            if not timed:
                continue
            pn = timed[-1]
            pn_sz = {**sz, "cases": pn["cases"], "events": pn["events"], "rollup_rows": pn["rollup_rows"]}
            C.emit(BENCH, f"figures_every_node_per_node_queries[{backend}]", pn["service_all_nodes_s"],
                   "s (all nodes, metrics.service, one query per node)",
                   baseline=("naive GROUP BY grid over events ⨝ cases", pn["naive_s"]),
                   ratio=pn["naive_s"] / pn["service_all_nodes_s"], sizes=pn_sz, goal="<= 1 s",
                   met=pn["service_all_nodes_s"] <= 1.0, smoke=args.smoke,
                   city_page_s=round(pn["service_city_page_s"], 3),
                   sampled_nodes=pn["service_sampled_nodes"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
