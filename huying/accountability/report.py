"""The report of a node for a period, in the article's style (issue #18): the node's figures
this period and the same period a year before, its four sections (减负强能 · 一贯到底 ·
强化联动 · 统筹服务) filled from them, its children ranked, the months of the trend, and the
responsibility items with their evidence when given.

Data only, no words: :mod:`huying.web.report_doc` turns a :class:`Report` into sentences,
SVG charts, HTML and PDF. The figures come through ONE function, :func:`tree_values` (the
indicator catalogue's values of every node of the city for a period, read once); a batch of
reports reads them once per period (:func:`batch_context`) and builds each report from them
(:func:`report_data.build`, pure, in the rendering processes)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.accountability import indicators
from huying.accountability import review_service as reviews
from huying.accountability.models import DutyEvidence, DutyItem, DutyList, Review
from huying.accountability.report_data import (
    NOW_KEYS,
    RANK_KEY,
    Context,
    DutyLine,
    Figure,
    Kind,
    NodeRef,
    Report,
    Span,
    UnknownNode,
    Values,
    build,
)
from huying.accountability.review_workflow import ReviewStatus
from huying.errors import InvalidInput
from huying.geo.models import Level, Node
from huying.metrics import rollup
from huying.metrics.cockpit import RANKED_LEVEL
from huying.metrics.period import KINDS, Period, bounds, of_days, parse_period


# ----------------------------------------------------------------------------- figures
def tree_values(session: Session, city_id: int, *, now: dt.datetime, since: dt.datetime | None,
                until: dt.datetime | None) -> dict[str, Values]:
    """The figures of every node of the city for ``[since, until)``, by node code: the one
    place the report reads its figures from (the indicator catalogue)."""
    tree = indicators.tree_values(session, city_id, now=now, since=since, until=until)
    return {code: {k: Figure(None if v.value is None else v.value, v.num, v.den, v.per_10k) for k, v in vals.items()}
            for code, vals in tree.items()}


def kinds() -> dict[str, Kind]:
    """Each figure's kind (the catalogue's), ``now`` for the states at the moment."""
    return {i.key: ("now" if i.key in NOW_KEYS else i.kind) for i in indicators.CATALOGUE}  # type: ignore[misc]


# ----------------------------------------------------------------------------- periods
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def report_period(period: str, from_: str = "", to: str = "", *, now: dt.datetime) -> Period:
    """The period of a report: ``2026`` (a year), ``2026Q3`` (a quarter), ``2026-07`` (a
    month), ``from``/``to`` alone (custom days), or the leader's words (``year`` with a day of
    it in ``from`` …, see :func:`parse_period`); nothing at all: this year. Raises
    :class:`InvalidInput` naming the field."""
    text = (period or "").strip()
    if not text:
        return parse_period("custom" if (from_ or to) else "year", from_, to, now=now)
    if text in KINDS:
        return parse_period(text, from_, to, now=now)
    for pattern, kind in ((_YEAR, "year"), (_QUARTER, "quarter"), (_MONTH, "month")):
        m = pattern.match(text)
        if m:
            year = int(m.group(1))
            month = 1 if kind == "year" else (3 * int(m.group(2)) - 2 if kind == "quarter" else int(m.group(2)))
            if not 1 <= month <= 12:
                raise InvalidInput(f"no month {month} in {text!r}", field="period")
            return parse_period(kind, f"{year:04d}-{month:02d}-01", now=now)
    raise InvalidInput(f"{text[:20]!r} is not a period (2026, 2026Q3, 2026-07, or from/to)", field="period")


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_before(p: Period, *, now: dt.datetime) -> Period | None:
    """The same period a year before (None for all time)."""
    if p.start is None or p.end is None:
        return None
    if p.kind in ("month", "quarter", "year"):
        start, end = bounds(p.kind, _year_before(p.start))
        return of_days(p.kind, start, end, now=now)
    return of_days(p.kind, _year_before(p.start), _year_before(p.end), now=now)


@dataclass(frozen=True)
class Month:
    key: str  # YYYY-MM
    since: dt.datetime
    until: dt.datetime
    partial: bool


def months_of(p: Period, *, now: dt.datetime) -> list[Month]:
    """The calendar months of the period, cut to it (a custom period starts and ends inside
    months); the months after ``now`` are left out."""
    if p.start is None or p.end is None:
        return []
    out = []
    day = p.start.replace(day=1)
    while day <= p.end:
        first, last = bounds("month", day)
        part = of_days("month", max(first, p.start), min(last, p.end), now=now)
        assert part.since is not None and part.until is not None
        if part.since >= now:
            break
        out.append(Month(f"{day.year:04d}-{day.month:02d}", part.since, part.until, part.partial))
        day = last + dt.timedelta(days=1)
    return out


# ----------------------------------------------------------------------------- the report
def span(p: Period) -> Span:
    return Span(p.kind, p.start, p.end, p.partial)


def rank(rows: list[tuple[NodeRef, Figure]], key: str) -> list[tuple[int | None, str]]:
    """Best first by ``key``, by the catalogue's rule (``indicators.rank``: equal scores rank
    equal, counts per 10,000 residents); rows with nothing to compare after them, unranked,
    by code."""
    ind = indicators.get(key)
    as_values = [(n, indicators.Value(key, f.value, f.num, f.den, f.per_10k)) for n, f in rows]
    ranked = indicators.rank(ind, as_values)
    seen = {r.code for r in ranked}
    return [(r.rank, r.code) for r in ranked] + sorted((None, n.code) for n, _ in rows if n.code not in seen)


def _nodes(session: Session, city_id: int) -> tuple[dict[str, NodeRef], dict[str, list[str]]]:
    rows = session.execute(select(Node.id, Node.parent_id, Node.code, Node.name_zh, Node.name_en, Node.level,
                                  Node.path).where(Node.city_id == city_id).order_by(Node.code)).all()
    code_of = {r.id: r.code for r in rows}
    nodes = {r.code: NodeRef(r.code, r.name_zh, r.name_en or r.name_zh, r.level, r.path,
                             code_of.get(r.parent_id)) for r in rows}
    children: dict[str, list[str]] = {c: [] for c in nodes}
    for n in nodes.values():
        if n.parent is not None:
            children[n.parent].append(n.code)
    return nodes, children


def ranked_codes(nodes: dict[str, NodeRef], children: dict[str, list[str]]) -> dict[str, list[str]]:
    """The nodes each node's report ranks: those of the level the cockpit ranks under it
    (``cockpit.RANKED_LEVEL``: the towns under the city, the communities under a town …)."""
    out: dict[str, list[str]] = {}
    for code, node in nodes.items():
        level = RANKED_LEVEL.get(Level(node.level))
        found: list[str] = []
        todo = list(children[code])
        while level is not None and todo:
            c = todo.pop(0)
            if nodes[c].level == level.value:
                found.append(c)
            else:
                todo.extend(children[c])
        out[code] = sorted(found)
    return out


def batch_context(session: Session, city_id: int, period: Period, *, now: dt.datetime) -> Context:
    """Read once what every report of the city for ``period`` needs: the figures of every
    node this period and the year before, the months of the trend (a few queries per month
    of the period, whatever the number of nodes) and each node's units below, ranked."""
    nodes, children = _nodes(session, city_id)
    previous = year_before(period, now=now)
    values = tree_values(session, city_id, now=now, since=period.since, until=period.until)
    before = ({} if previous is None else
              tree_values(session, city_id, now=now, since=previous.since, until=previous.until))
    months = months_of(period, now=now)
    monthly: dict[str, list[tuple[int, int]]] = {c: [] for c in nodes}
    by_path = {n.path: n.code for n in nodes.values()}
    for m in months:
        per_grid = rollup.grid_counts(session, city_id, now=now, since=m.since, until=m.until)
        totals = rollup.roll_up(per_grid, {p: rollup.Counts() for p in by_path})
        for p, c in totals.items():
            monthly[by_path[p]].append((c.received, c.closed))
    ranked = {code: rank([(nodes[c], values[c][RANK_KEY]) for c in below], RANK_KEY)
              for code, below in ranked_codes(nodes, children).items()}
    return Context(span(period), None if previous is None else span(previous), now, nodes, children, values,
                   before, kinds(), [(m.key, m.partial) for m in months], monthly, ranked,
                   duty_lines(session, city_id, nodes, period.end.year if period.end else now.year))


#: Evidence titles a report lists per item (the count says how many there are).
EVIDENCE_TITLES = 3


def duty_lines(session: Session, city_id: int, nodes: dict[str, NodeRef], year: int) -> dict[str, list[DutyLine]]:
    """Each node's responsibility items (the active items of its level's lists), the evidence
    it cited for ``year`` and each item's mean score in the node's published review of that
    year: four queries for the whole city. Nodes of a level without lists are absent."""
    by_level: dict[str, list[tuple[int, str]]] = {}
    for level, item_id, text in session.execute(
            select(DutyList.level, DutyItem.id, DutyItem.text).join(DutyList, DutyList.id == DutyItem.list_id)
            .where(DutyList.city_id == city_id, DutyItem.active.is_(True))
            .order_by(DutyList.position, DutyList.id, DutyItem.number)):
        by_level.setdefault(level, []).append((item_id, text))
    if not by_level:
        return {}
    code_of = dict(session.execute(select(Node.id, Node.code).where(Node.city_id == city_id)).tuples().all())
    evidence: dict[tuple[str, int], list[str]] = {}
    for node_id, item_id, title in session.execute(
            select(DutyEvidence.node_id, DutyEvidence.item_id, DutyEvidence.title)
            .where(DutyEvidence.city_id == city_id, DutyEvidence.year == year)
            .order_by(DutyEvidence.at, DutyEvidence.id)):
        evidence.setdefault((code_of.get(node_id, ""), item_id), []).append(title)
    scores: dict[tuple[str, int], float | None] = {}
    for review in session.scalars(select(Review).where(Review.city_id == city_id, Review.year == year,
                                                       Review.status == ReviewStatus.PUBLISHED.value)):
        for r in reviews.results(session, review).items:
            scores[(code_of.get(review.node_id, ""), r.item.id)] = r.mean
    out: dict[str, list[DutyLine]] = {}
    for code, node in nodes.items():
        items = by_level.get(node.level)
        if items:
            out[code] = [DutyLine(text, "", scores.get((code, i)), len(evidence.get((code, i), [])),
                                  tuple(evidence.get((code, i), [])[:EVIDENCE_TITLES])) for i, text in items]
    return out


def node_report(session: Session, city_id: int, code: str, period: Period, *, now: dt.datetime,
                duties: Sequence[DutyLine] | None = None) -> Report:
    """The report of one node (the city's tree read once, as for a batch)."""
    return build_or_refuse(batch_context(session, city_id, period, now=now), code, duties)


def build_or_refuse(ctx: Context, code: str, duties: Sequence[DutyLine] | None = None) -> Report:
    """:func:`report_data.build`, an unknown node refused naming the field."""
    try:
        return build(ctx, code, duties)
    except UnknownNode:
        raise InvalidInput(f"no node {code[:40]!r} in this city", field="node") from None
