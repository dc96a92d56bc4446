"""Figures of every node of the tree at once, from a per-grid monthly rollup of the events.

``huying.metrics.service.figures`` asks the database once per node, each query joining the
node's events to their cases with two EXISTS per closing event: over millions of cases a
city's figures take minutes (see ``docs/performance.md``, P3). Here:

- ``metrics_grid_month`` (:class:`huying.metrics.models.GridMonth`) holds the counters per
  grid and UTC month, and per grid and UTC day. :func:`apply_event` adds one event to it in the event's own
  transaction; :func:`rebuild` recomputes it from the events (one grouped pass).
- :func:`tree_figures` reads the rollup grouped by grid: whole months from the month rows,
  whole days at the edges of ``since`` / ``until`` from the day rows, the partial days at
  the very ends from the event table (at most two days of events), counts open and overdue cases per grid, and rolls the grids up the tree in
  Python: one node or the whole tree cost the same few queries.
- :func:`figures` returns exactly what ``service.figures`` returns, from that.

The counters follow ``service.node_figures`` to the letter: received = report and
fix_on_spot events; closing = close and fix_on_spot; on time = closing events of cases with
no overdue event; reworked = closing events of cases with a reopen event; satisfied =
follow_up events; dissatisfied = first reopen events; escalations = first escalate events
(every counter counts cases, see :mod:`huying.metrics.drill`). A closed case is final, so "ever overdue /
reopened" seen at its closing event is the same as the EXISTS over all its events.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from huying import db
from huying.cases import kernel
from huying.cases.models import Case, CaseEvent
from huying.cases.timing import figures_clause, in_figures, open_clause, overdue_clause
from huying.cases.workflow import Action, Kind
from huying.geo import service as geo
from huying.geo.models import Node
from huying.metrics.models import GridMonth
from huying.metrics.service import (
    CHANNEL_FIGURES,
    CLOSING,
    RECEIVING,
    Figures,
    _ratio,
    _seconds,
    channel_clause,
    channel_counts,
    first_of,
    subject,
)

COUNTERS = ("received", "closed", "fixed_on_spot", "on_time", "reworked", "satisfied", "dissatisfied",
            "escalations", *CHANNEL_FIGURES, "close_seconds")
#: The counters of the indicator catalogue (``huying.accountability.indicators``, migration
#: 0018), each counted at one event from the case's earlier events (:func:`history_counts`).
INDICATOR_COUNTERS = ("responded", "responded_on_time", "handled", "handled_on_time", "registered",
                      "went_overdue", "dispatch_closed", "dispatch_accurate", "unsolved")
#: The one-stop service requests (cases of kind ``service``, kept out of every other counter
#: by ``cases.timing.in_figures``): accepted (一站受理 / 容缺受理), and handled: the event that
#: closes the request (its evaluation, or a close) (migration 0018).
SERVICE_COUNTERS = ("service_requests", "service_requests_handled")
SERVICE_ACCEPTED = ("accept_request", "accept_pending")
#: Every column of the rollup, ``close_seconds`` (the one float) last.
ALL = (*COUNTERS[:-1], *INDICATOR_COUNTERS, *SERVICE_COUNTERS, "close_seconds")

#: A case's first response (响应): the unit accepts it, or it is handled or fixed on the spot
#: without an acceptance. Its first handling (处置): marked handled or fixed on the spot.
RESPONDING = ("accept", "mark_handled", "fix_on_spot")
HANDLING = ("mark_handled", "fix_on_spot")
#: A dispatch proved wrong (派遣不准确): the unit returned the case or it was transferred.
MISROUTING = ("return", "transfer")
#: The earlier actions of a case that :func:`history_counts` looks at.
HISTORY = frozenset({*RESPONDING, "overdue", "dispatch", *MISROUTING})
#: The actions whose counters depend on the case's earlier events.
_LOOKS_BACK = frozenset({*RESPONDING, "overdue", "dispatch", *CLOSING})
#: ``payload`` of a follow-up whose reporter said the problem is not solved (the JSON of
#: ``kernel.dump_payload``: sorted keys, ``": "`` separators).
UNSOLVED_MARK = '"solved": false'
_T: Table = GridMonth.__table__  # type: ignore[assignment]


@dataclass
class Counts:
    received: int = 0
    closed: int = 0
    fixed_on_spot: int = 0
    on_time: int = 0
    reworked: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    escalations: int = 0
    visit_requests: int = 0
    visit_requests_closed: int = 0
    walk_problems: int = 0
    walk_fixed: int = 0
    walk_closed: int = 0
    responded: int = 0
    responded_on_time: int = 0
    handled: int = 0
    handled_on_time: int = 0
    registered: int = 0
    went_overdue: int = 0
    dispatch_closed: int = 0
    dispatch_accurate: int = 0
    unsolved: int = 0
    service_requests: int = 0
    service_requests_handled: int = 0
    close_seconds: float = 0.0
    open_now: int = 0
    overdue_now: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _counts(vals: Any) -> Counts:
    """A row of the ``ALL`` sums as ``Counts``."""
    *ints, seconds = vals
    c = Counts(**{k: int(v) for k, v in zip(ALL[:-1], ints, strict=True)})
    c.close_seconds = float(seconds)
    return c


def month_of(at: dt.datetime) -> int:
    at = at.astimezone(dt.UTC)
    return at.year * 100 + at.month


def _month_start(month: int) -> dt.datetime:
    return dt.datetime(month // 100, month % 100, 1, tzinfo=dt.UTC)


def _next_month(month: int) -> int:
    y, m = divmod(month, 100)
    return (y + 1) * 100 + 1 if m == 12 else month + 1


def _ymd(at: dt.datetime) -> int:
    at = at.astimezone(dt.UTC)
    return (at.year * 100 + at.month) * 100 + at.day


def _floor_day(at: dt.datetime) -> dt.datetime:
    at = at.astimezone(dt.UTC)
    return dt.datetime(at.year, at.month, at.day, tzinfo=dt.UTC)


def _ceil_day(at: dt.datetime) -> dt.datetime:
    d = _floor_day(at)
    return d if d == at else d + dt.timedelta(days=1)


def _floor_month(at: dt.datetime) -> dt.datetime:
    return _month_start(month_of(at))


def _ceil_month(at: dt.datetime) -> dt.datetime:
    m = _floor_month(at)
    return m if m == at else _month_start(_next_month(month_of(at)))


# ----------------------------------------------------------------------------- writing
def history_counts(action: str, earlier: frozenset[str] = frozenset(), solved: bool | None = None) -> dict[str, int]:
    """What one event adds to the indicator counters (:data:`INDICATOR_COUNTERS`), from the
    actions of the case's earlier events (those of :data:`HISTORY` are enough) and, for a
    follow-up, the reporter's answer to "solved?" (None: not asked, before migration 0018).
    Each counts a case once: at its first response, first handling, first dispatch, first
    overdue mark, its closing, its follow-ups. The SQL twin is :func:`history_clauses`."""
    closing = action in CLOSING
    responded = action in RESPONDING and not earlier.intersection(RESPONDING)
    handled = action in HANDLING and not earlier.intersection(HANDLING)
    dispatch_closed = closing and "dispatch" in earlier
    return {
        "responded": int(responded),
        "responded_on_time": int(responded and "overdue" not in earlier),
        "handled": int(handled),
        "handled_on_time": int(handled and "overdue" not in earlier),
        "registered": int(action == "dispatch" and "dispatch" not in earlier),
        "went_overdue": int(action == "overdue" and "overdue" not in earlier),
        "dispatch_closed": int(dispatch_closed),
        "dispatch_accurate": int(dispatch_closed and not earlier.intersection(MISROUTING)),
        "unsolved": int(action == "follow_up" and solved is False),
    }


def history_clauses(e: Any) -> dict[str, ColumnElement[bool]]:
    """:func:`history_counts` as SQL conditions on the event ``e`` (``CaseEvent`` or an alias
    of it, joined to nothing): the rebuild's and the drill's one rule."""
    other = aliased(CaseEvent)

    def before(*actions: str) -> ColumnElement[bool]:
        return exists().where(other.case_id == e.case_id, other.action.in_(actions), other.seq < e.seq)

    closing = e.action.in_(CLOSING)
    responded = and_(e.action.in_(RESPONDING), ~before(*RESPONDING))
    handled = and_(e.action.in_(HANDLING), ~before(*HANDLING))
    dispatch_closed = and_(closing, before("dispatch"))
    return {
        "responded": responded,
        "responded_on_time": and_(responded, ~before("overdue")),
        "handled": handled,
        "handled_on_time": and_(handled, ~before("overdue")),
        "registered": and_(e.action == "dispatch", ~before("dispatch")),
        "went_overdue": and_(e.action == "overdue", ~before("overdue")),
        "dispatch_closed": dispatch_closed,
        "dispatch_accurate": and_(dispatch_closed, ~before(*MISROUTING)),
        "unsolved": and_(e.action == "follow_up", e.payload.contains(UNSOLVED_MARK, autoescape=True)),
    }


def service_clauses(e: Any) -> dict[str, ColumnElement[bool]]:
    """:func:`service_counts` as SQL conditions on the event ``e`` of a service request (the
    rebuild's and the drill's one rule): accepted at a counter; taken from open to closed."""
    return {"service_requests": e.action.in_(SERVICE_ACCEPTED),
            "service_requests_handled": and_(e.to_status == _CLOSED, func.coalesce(e.from_status, "") != _CLOSED)}


def service_counts(action: str, closes: bool = False) -> dict[str, int]:
    """What one event of a service request adds to :data:`SERVICE_COUNTERS` (``closes``: the
    event took the request from an open status to closed)."""
    return {"service_requests": int(action in SERVICE_ACCEPTED), "service_requests_handled": int(closes)}


def event_counts(action: str, at: dt.datetime, created_at: dt.datetime, *, ever_overdue: bool,
                 reworked: bool, first: bool = True, channel: str | None = None,
                 earlier: frozenset[str] = frozenset(), solved: bool | None = None,
                 problem: bool = True, closes: bool = False) -> dict[str, Any]:
    """What one event adds to its grid's month (``ever_overdue`` / ``reworked``: the case's
    history up to and including this event; ``first``: it is the case's first event of its
    action — escalations and dissatisfied follow-ups count cases, at their first one, see
    :mod:`huying.metrics.drill`; ``earlier`` / ``solved``: see :func:`history_counts`;
    ``problem``: the case counts in the figures (``timing.in_figures``), else it is a service
    request, counted by :func:`service_counts` alone)."""
    if not problem:
        return {**dict.fromkeys(ALL, 0), "close_seconds": 0.0, **service_counts(action, closes)}
    closing = action in CLOSING
    return {
        **dict.fromkeys(SERVICE_COUNTERS, 0),
        **history_counts(action, earlier, solved),
        "received": int(action in RECEIVING),
        "closed": int(closing),
        "fixed_on_spot": int(action == "fix_on_spot"),
        "on_time": int(closing and not ever_overdue),
        "reworked": int(closing and reworked),
        "satisfied": int(action == "follow_up"),
        "dissatisfied": int(action == "reopen" and first),
        "escalations": int(action == "escalate" and first),
        **channel_counts(action, channel),
        "close_seconds": (at - created_at).total_seconds() if closing else 0.0,
    }


def apply_event(conn: Connection, *, city_id: int, grid_path: str, action: str, at: dt.datetime,
                created_at: dt.datetime, ever_overdue: bool, reworked: bool, first: bool = True,
                channel: str | None, earlier: frozenset[str] = frozenset(), solved: bool | None = None,
                problem: bool = True, closes: bool = False) -> None:
    """Add one event to the rollup, in the caller's transaction (an upsert: concurrent
    writers add, they do not overwrite). Called by the service right after it inserts the
    event, with the case as the event left it."""
    sums = Sums()
    sums.add([(grid_path, action, at, created_at, ever_overdue, reworked, first, channel)], earlier=earlier,
             solved=solved, problem=problem, closes=closes)
    sums.write(conn, city_id)


#: The actions that move a counter (derived from :func:`event_counts`); the others add nothing.
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_COUNTED = frozenset(a.value for a in Action
                     if any(event_counts(a.value, _EPOCH, _EPOCH, ever_overdue=False, reworked=False).values())
                     or any(history_counts(a.value, frozenset({"dispatch"}), False).values())
                     or any(service_counts(a.value).values()))
#: The status a service request is handled in (the ``to_status`` of the event that closes it).
_CLOSED = "closed"

#: What :func:`apply_events` needs of an event: (grid path, action, at, the case's
#: created_at, ever overdue, reworked, the case's first event of its action) — the case as
#: the event left it, and the case's channel.
EventFacts = tuple[str, str, dt.datetime, dt.datetime, bool, bool, bool, str | None]


def apply_events(conn: Connection, *, city_id: int, events: Iterable[EventFacts]) -> int:
    """Add events to the rollup in the caller's transaction (see :class:`Sums`). Returns the
    number of rows upserted."""
    sums = Sums()
    sums.add(events)
    return sums.write(conn, city_id)


class Sums:
    """Events' counts summed per grid, month and day, then written with one upsert per row
    touched: a history import adds a year of events at once, chunk by chunk."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int, int], list[float]] = {}

    def add(self, events: Iterable[EventFacts], *, earlier: frozenset[str] = frozenset(),
            solved: bool | None = None, problem: bool = True, closes: bool = False) -> None:
        """``earlier`` / ``solved``: of a single event (:func:`history_counts`); a history
        import's events need neither (a report, an overdue mark, a closing without dispatch)."""
        rows = self.rows
        for grid_path, action, at, created_at, ever_overdue, reworked, first, channel in events:
            if action not in _COUNTED and not closes:
                continue
            counts = event_counts(action, at, created_at, ever_overdue=ever_overdue, reworked=reworked,
                                  first=first, channel=channel, earlier=earlier, solved=solved, problem=problem,
                                  closes=closes)
            values = [counts[k] for k in ALL]
            utc = at.astimezone(dt.UTC)
            month = utc.year * 100 + utc.month
            for key in ((grid_path, month, 0), (grid_path, month, utc.day)):
                acc = rows.get(key)
                if acc is None:
                    rows[key] = list(values)
                else:
                    for i, v in enumerate(values):
                        acc[i] += v

    def write(self, conn: Connection, city_id: int) -> int:
        """Upsert the sums in the caller's transaction (concurrent writers add, they do not
        overwrite); returns the number of rows."""
        if len(self.rows) >= _STAGED and conn.dialect.name == "postgresql":
            _upsert_staged(conn, city_id, self.rows)
        elif self.rows:
            # the month's rows and the days' rows, in one statement compiled once per dialect
            db.write_many(conn, _upsert(conn.dialect.name), [
                {"city_id": city_id, "grid_path": g, "month": m, "day": d, **dict(zip(ALL, v, strict=True))}
                for (g, m, d), v in self.rows.items()])
        return len(self.rows)


#: From this many rows, PostgreSQL gets them by ``COPY`` into a scratch table and one
#: ``INSERT … SELECT … ON CONFLICT``: a year of imported history touches ~160,000 rows, and
#: one upsert each was a third of the import's time.
_STAGED = 2_000


def _upsert_staged(conn: Connection, city_id: int, sums: dict[tuple[str, int, int], list[float]]) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    cols = ["grid_path", "month", "day", *ALL]
    with raw.cursor() as cur:
        types = ", ".join(f"{k} {'double precision' if k == 'close_seconds' else 'integer'}" for k in ALL)
        cur.execute("CREATE TEMPORARY TABLE IF NOT EXISTS rollup_staged "
                    f"(grid_path text, month integer, day integer, {types}) ON COMMIT DELETE ROWS")
        cur.execute("TRUNCATE rollup_staged")
        with cur.copy(f"COPY rollup_staged ({', '.join(cols)}) FROM STDIN") as cp:
            for (g, m, d), v in sums.items():
                cp.write_row((g, m, d, *v))
        added = ", ".join(f"{k} = metrics_grid_month.{k} + excluded.{k}" for k in ALL)
        cur.execute(
            f"INSERT INTO metrics_grid_month (city_id, {', '.join(cols)}) "
            f"SELECT %s, {', '.join(cols)} FROM rollup_staged "
            f"ON CONFLICT (city_id, grid_path, month, day) DO UPDATE SET {added}", (city_id,))


@functools.cache
def _upsert(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO UPDATE SET counter = counter + excluded.counter``, its
    values bound at execution (building it per event cost more than running it)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(_T)
    return stmt.on_conflict_do_update(
        index_elements=["city_id", "grid_path", "month", "day"],
        set_={k: _T.c[k] + stmt.excluded[k] for k in ALL},
    )


def _month_expr(dialect: str) -> ColumnElement[int]:
    if dialect == "sqlite":
        return func.cast(func.strftime("%Y%m", CaseEvent.at), _T.c.month.type)
    return func.cast(func.to_char(func.timezone("UTC", CaseEvent.at), "YYYYMM"), _T.c.month.type)


def _day_expr(dialect: str) -> ColumnElement[int]:
    if dialect == "sqlite":
        return func.cast(func.strftime("%d", CaseEvent.at), _T.c.day.type)
    return func.cast(func.to_char(func.timezone("UTC", CaseEvent.at), "DD"), _T.c.day.type)


def _grouped_events(dialect: str, city_id: int, where: list[Any], by_month: bool,
                    by_day: bool = False, kinds: bool = True, by: Any = None) -> Any:
    """One grouped pass over the events joined to their cases: the counters per grid (or per
    ``by``, e.g. ``Case.unit_id``) and month, computed exactly as ``service.node_figures``
    computes them per node."""
    e = CaseEvent
    other = aliased(CaseEvent)
    # ``kinds=False``: a schema before cases had kinds (every case a problem, no service)
    problem: ColumnElement[bool] = figures_clause() if kinds else true()
    service: ColumnElement[bool] = Case.kind == Kind.SERVICE.value if kinds else false()

    def count(cond: ColumnElement[bool], of: ColumnElement[bool] = problem) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((and_(of, cond), 1), else_=0)), 0)

    closing = e.action.in_(CLOSING)
    had = lambda action: exists().where(and_(other.case_id == e.case_id, other.action == action))  # noqa: E731
    keys: list[Any] = [Case.grid_path if by is None else by]
    if by_month:
        keys.append(_month_expr(dialect).label("month"))
    if by_day:
        keys.append(_day_expr(dialect).label("day"))
    return (
        select(
            *keys,
            count(e.action.in_(RECEIVING)).label("received"),
            count(closing).label("closed"),
            count(e.action == "fix_on_spot").label("fixed_on_spot"),
            count(and_(closing, ~had("overdue"))).label("on_time"),
            count(and_(closing, had("reopen"))).label("reworked"),
            count(e.action == "follow_up").label("satisfied"),
            count(and_(e.action == "reopen", first_of("reopen"))).label("dissatisfied"),
            count(and_(e.action == "escalate", first_of("escalate"))).label("escalations"),
            *[count(channel_clause(name)).label(name) for name in CHANNEL_FIGURES],
            *[count(cond).label(name) for name, cond in history_clauses(e).items()],
            *[count(cond, service).label(name) for name, cond in service_clauses(e).items()],
            func.coalesce(func.sum(case((and_(problem, closing), _seconds(e.at, Case.created_at, dialect)),
                                        else_=literal(0.0))), 0.0).label("close_seconds"),
        )
        .select_from(e).join(Case, Case.id == e.case_id)
        .where(Case.city_id == city_id, *where)
        .group_by(*keys)
    )


def rebuild(session: Session, city_id: int, counters: tuple[str, ...] = ALL, *, kinds: bool = True,
            paths: Collection[str] | None = None) -> int:
    """Recompute the city's rollup from its events (no commit). Run it where no command
    writes at the same time (a migration, a maintenance window): the upserts of concurrent
    commands would be overwritten. ``counters``: the columns the table has (a migration
    names those of its own revision); ``kinds=False`` for a schema before cases had kinds
    (migration 0016: every case was a problem). ``paths``: only the rows of these grid paths
    (the grids a redraw of the map moved cases out of or into). Returns the number of rows
    (of those paths)."""
    dialect = session.get_bind().dialect.name
    only: list[Any] = [] if paths is None else [Case.grid_path.in_(sorted(paths))]
    mine = [_T.c.city_id == city_id] + ([] if paths is None else [_T.c.grid_path.in_(sorted(paths))])
    session.execute(delete(_T).where(*mine))
    cols = ["grid_path", "month", *counters]
    q = _grouped_events(dialect, city_id, only, by_month=True, kinds=kinds).subquery()
    session.execute(_T.insert().from_select(
        ["city_id", "day", *cols], select(literal(city_id), literal(0), *[q.c[c] for c in cols]), include_defaults=False))
    q = _grouped_events(dialect, city_id, only, by_month=True, by_day=True, kinds=kinds).subquery()
    session.execute(_T.insert().from_select(
        ["city_id", "day", *cols], select(literal(city_id), q.c.day, *[q.c[c] for c in cols]), include_defaults=False))
    return int(session.scalar(select(func.count()).select_from(_T).where(*mine)) or 0)


# ----------------------------------------------------------------------------- reading
#: PostgreSQL's JIT for the figures' queries. They are index range scans whose estimated
#: cost passes ``jit_above_cost`` over millions of events, and compiling them took about
#: half of a period's figures at 10 M cases (0.46 s of 0.92 s, docs/performance.md P3);
#: ``grid_counts`` turns it off for its transaction (``SET LOCAL``) unless this is True.
PG_JIT = False


def grid_counts(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None = None,
                until: dt.datetime | None = None) -> dict[str, Counts]:
    """The counters per grid path for events in ``[since, until)``, plus open / overdue now."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and not PG_JIT:
        session.execute(text("SET LOCAL jit = off"))
    out: dict[str, Counts] = {}

    def acc(path: str) -> Counts:
        c = out.get(path)
        if c is None:
            c = out[path] = Counts()
        return c

    def add_rows(where: list[Any]) -> None:
        rows = session.execute(
            select(_T.c.grid_path, *[func.sum(_T.c[k]) for k in ALL])
            .where(_T.c.city_id == city_id, *where).group_by(_T.c.grid_path)
        ).all()
        for path, *vals in rows:
            acc(path).add(_counts(vals))

    def add_events(a: dt.datetime | None, b: dt.datetime | None) -> None:
        # the event's own city key: the range then runs on ix_case_events_city_at (PostgreSQL
        # scanned every event for a partial day without it: 0.08 s at 300k cases)
        w = [CaseEvent.city_id == city_id]
        if a is not None:
            w.append(CaseEvent.at >= a)
        if b is not None:
            w.append(CaseEvent.at < b)
        for path, *vals in session.execute(_grouped_events(dialect, city_id, w, by_month=False)).all():
            acc(path).add(_counts(vals))

    def add_days(a: dt.datetime, b: dt.datetime) -> None:  # whole days [a, b)
        if a < b:
            lo, hi = _ymd(a), _ymd(b)
            add_rows([_T.c.day > 0, _T.c.month >= lo // 100, _T.c.month <= hi // 100,
                      _T.c.month * 100 + _T.c.day >= lo, _T.c.month * 100 + _T.c.day < hi])

    # [since, until) = partial days (events) + whole days (day rows) + whole months (month rows)
    A = None if since is None else _ceil_day(since)
    B = None if until is None else _floor_day(until)
    if A is not None and B is not None and A >= B:  # within a day or two: the events
        add_events(since, until)
    else:
        if since is not None and since < A:  # type: ignore[operator]
            add_events(since, A)
        if until is not None and B < until:  # type: ignore[operator]
            add_events(B, until)
        M1 = None if A is None else _ceil_month(A)
        M2 = None if B is None else _floor_month(B)
        if M1 is not None and M2 is not None and M1 >= M2:
            add_days(A, B)  # type: ignore[arg-type]
        else:
            if A is not None and A < M1:  # type: ignore[operator]
                add_days(A, M1)  # type: ignore[arg-type]
            if B is not None and M2 < B:  # type: ignore[operator]
                add_days(M2, B)  # type: ignore[arg-type]
            where = [_T.c.day == 0]
            if M1 is not None:
                where.append(_T.c.month >= month_of(M1))
            if M2 is not None:
                where.append(_T.c.month < month_of(M2))
            add_rows(where)
    # ``grid_path || ''``: grouping by the bare column lets SQLite walk ix_cases_grid_path over
    # every case (0.8 s at 300k cases); with the expression it groups the open cases alone.
    # ``unlikely()`` tells SQLite's planner that few cases are open (it cannot know it
    # from its statistics), so that it takes them through ix_cases_city_status.
    path_expr = (Case.grid_path + literal("")).label("grid_path")
    is_open: ColumnElement[bool] = open_clause()
    if dialect == "sqlite":
        is_open = func.unlikely(is_open)  # type: ignore[assignment]
    open_rows = session.execute(
        select(path_expr, func.count(), func.coalesce(func.sum(case((overdue_clause(now), 1), else_=0)), 0))
        .where(Case.city_id == city_id, is_open, figures_clause())
        .group_by(path_expr)
    ).all()
    for path, n_open, n_overdue in open_rows:
        c = acc(path)
        c.open_now += int(n_open)
        c.overdue_now += int(n_overdue)
    return out


def unit_counts(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None = None,
                until: dt.datetime | None = None) -> dict[int, Counts]:
    """The counters per unit (``Case.unit_id``: the unit that holds the case now) for the
    events in ``[since, until)`` — one grouped pass over the period's events, by the same
    query as the rollup's rebuild — plus each unit's open and overdue cases now."""
    dialect = session.get_bind().dialect.name
    w = [CaseEvent.city_id == city_id, Case.unit_id.is_not(None)]
    if since is not None:
        w.append(CaseEvent.at >= since)
    if until is not None:
        w.append(CaseEvent.at < until)
    out: dict[int, Counts] = {}
    for uid, *vals in session.execute(_grouped_events(dialect, city_id, w, by_month=False, by=Case.unit_id)).all():
        out[int(uid)] = _counts(vals)
    open_rows = session.execute(
        select(Case.unit_id, func.count(), func.coalesce(func.sum(case((overdue_clause(now), 1), else_=0)), 0))
        .where(Case.city_id == city_id, open_clause(), figures_clause(), Case.unit_id.is_not(None))
        .group_by(Case.unit_id)).all()
    for uid, n_open, n_overdue in open_rows:
        c = out.setdefault(int(uid), Counts())
        c.open_now += int(n_open)
        c.overdue_now += int(n_overdue)
    return out


def figures_of(node: Any, c: Counts) -> Figures:
    """A node's figures from its counts (the node: ``code``, ``name_zh``, ``level``)."""
    return Figures(
        code=node.code, name=node.name_zh, level=node.level, received=c.received, closed=c.closed,
        fixed_on_spot=c.fixed_on_spot, on_time=c.on_time, reworked=c.reworked, satisfied=c.satisfied,
        dissatisfied=c.dissatisfied, on_time_rate=_ratio(c.on_time, c.closed),
        satisfaction_rate=_ratio(c.satisfied, c.satisfied + c.dissatisfied),
        rework_rate=_ratio(c.reworked, c.closed),
        mean_hours_to_close=round(c.close_seconds / 3600 / c.closed, 2) if c.closed else None,
        escalations=c.escalations, open_now=c.open_now, overdue_now=c.overdue_now,
        **{name: getattr(c, name) for name in CHANNEL_FIGURES},
    )


def tree_figures(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None = None,
                 until: dt.datetime | None = None) -> dict[str, Figures]:
    """The figures of every node of the city, by node code."""
    per_grid = grid_counts(session, city_id, now=now, since=since, until=until)
    # the columns only: a node row carries its polygon (GeoJSON text), not needed here
    nodes = session.execute(select(Node.code, Node.path, Node.name_zh, Node.level)
                            .where(Node.city_id == city_id)).all()
    by_path = {n.path: n for n in nodes}
    totals = roll_up(per_grid, {n.path: Counts() for n in nodes})
    return {by_path[p].code: figures_of(by_path[p], c) for p, c in totals.items()}


def roll_up(per_grid: dict[str, Counts], totals: dict[str, Counts]) -> dict[str, Counts]:
    """Add each grid's counts to every node of ``totals`` (by path) whose path is a prefix
    of the grid's (``a/b/c/``); returns ``totals``."""
    for path, c in per_grid.items():
        i = path.find("/")
        while i != -1:
            t = totals.get(path[: i + 1])
            if t is not None:
                t.add(c)
            i = path.find("/", i + 1)
    return totals


def figures(session: Session, city_id: int, code: str | None, *, now: dt.datetime,
            since: dt.datetime | None = None, until: dt.datetime | None = None,
            children: bool = True) -> dict[str, Any]:
    """Same answer as ``huying.metrics.service.figures``, from the rollup."""
    node = subject(session, city_id, code)
    tree = tree_figures(session, city_id, now=now, since=since, until=until)
    out: dict[str, Any] = {"node": tree[node.code].as_dict()}
    if children:
        out["children"] = [tree[c.code].as_dict() for c in geo.children(session, node)]
    return out


def on_appended(appended: kernel.Appended) -> None:
    """The subscriber of appended events that keeps the rollup: one event added to its grid's
    month and day, in the event's transaction, with the case as the event left it."""
    case = appended.case
    if not in_figures(case):
        apply_event(appended.session.connection(), city_id=case.city_id, grid_path=case.grid_path or "",
                    action=appended.event.action, at=appended.now, created_at=case.created_at, ever_overdue=False,
                    reworked=False, channel=case.channel, problem=False,
                    closes=appended.event.to_status == _CLOSED and appended.event.from_status != _CLOSED)
        return
    apply_event(appended.session.connection(), city_id=case.city_id, grid_path=case.grid_path or "",
                action=appended.event.action, at=appended.now, created_at=case.created_at,
                ever_overdue=bool(case.ever_overdue), reworked=(case.rework_count or 0) > 0,
                first=_first(appended.event.action, case), channel=case.channel,
                earlier=earlier_actions(appended.session, case.id, appended.event.seq, appended.event.action),
                solved=appended.event.extra.get("solved"))


_EV: Table = CaseEvent.__table__  # type: ignore[assignment]
#: The distinct actions of a case's events before a sequence number: built once, run as Core
#: (``huying.db.read``) and filtered here, with no ``IN`` list to expand at each run. It runs
#: at nine events in ten, of every command (0.57 of the 1.74 ms a recorded event cost in the
#: demo build's profile, as an ORM query built per call).
_EARLIER = (select(_EV.c.action).distinct()
            .where(_EV.c.case_id == bindparam("c"), _EV.c.seq < bindparam("s")))


def earlier_actions(session: Session, case_id: int, seq: int, action: str) -> frozenset[str]:
    """The actions of :data:`HISTORY` among the case's events before ``seq`` (asked only for
    the actions whose counters look at them)."""
    if action not in _LOOKS_BACK:
        return frozenset()
    return frozenset(a for (a,) in db.rows(session, _EARLIER, {"c": case_id, "s": seq}) if a in HISTORY)


def _first(action: str, case: Case) -> bool:
    """The event is the case's first of its action (the case as the event left it)."""
    if action == Action.ESCALATE.value:
        return case.escalations == 1
    if action == Action.REOPEN.value:
        return case.rework_count == 1
    return True


kernel.subscribe("rollup", on_appended)
