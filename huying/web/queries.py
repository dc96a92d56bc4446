"""Read-side queries of the pages that the services do not offer (yet): units to choose
from, notices, ledgers, map counts and monthly trends (the work list has its own module,
``huying.web.worklist``).

Every query of cases goes through ``policy.visible_filter``: what a page lists is exactly
what the policy lets the person see; acting stays with the service (``check_act``)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent, Ledger, Milestone, SupervisionNotice
from huying.cases.policy import can_reply, visible_filter
from huying.cases.timing import overdue_clause
from huying.cases.workflow import OPEN_VALUES
from huying.cityconfig.models import Category
from huying.geo.models import Level, Node
from huying.metrics.service import CLOSING, RECEIVING
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role

OPEN = OPEN_VALUES


def my_reports(session: Session, actor: Actor, limit: int = 100) -> list[Case]:
    """The cases the actor reported, or joined as a co-reporter, newest first."""
    from huying.cases.models import CaseReporter

    if actor.user_id is None:
        return []
    joined = select(CaseReporter.case_id).where(CaseReporter.user_id == actor.user_id)
    return list(session.scalars(
        select(Case).where(visible_filter(actor), or_(Case.reporter_id == actor.user_id,
                                                      Case.id.in_(joined)))
        .order_by(Case.id.desc()).limit(limit)))


@dataclass(frozen=True)
class UnitOption:
    code: str
    name_zh: str
    name_en: str
    level: str


def units_for_case(session: Session, actor: Actor, case: Case) -> list[UnitOption]:
    """Units a case may be sent to by ``actor``: the organisations at the nodes of the
    case's place (grid, community, town, …) that lie inside the actor's scope."""
    codes = [c for c in (case.grid_path or "").split("/") if c]
    q = (select(Organisation.code, Organisation.name_zh, Organisation.name_en, Node.level)
         .join(Node, Node.id == Organisation.node_id)
         .where(Organisation.city_id == case.city_id, Organisation.active.is_(True),
                Node.code.in_(codes)))
    if actor.role != Role.ADMIN:
        q = q.where(Node.path.startswith(actor.node_path))
    rows = session.execute(q.order_by(Node.path.desc(), Organisation.code)).all()
    return [UnitOption(*r) for r in rows]


@dataclass(frozen=True)
class SupervisorOption:
    id: int
    username: str
    display_name: str
    node_name_zh: str
    node_name_en: str


def supervisors_for(session: Session, case: Case) -> list[SupervisorOption]:
    """The leaders who may supervise the case's ledger (``policy.can_supervise``)."""
    from huying.cases.policy import can_supervise
    from huying.orgs.models import User

    rows = session.execute(
        select(User.id, User.username, User.display_name, Node.path, Node.name_zh, Node.name_en)
        .join(Node, Node.id == User.node_id)
        .where(User.city_id == case.city_id, User.role == Role.LEADER.value, User.active.is_(True))
        .order_by(Node.path, User.display_name)).all()
    return [SupervisorOption(uid, login, name, zh, en or zh) for uid, login, name, path, zh, en in rows
            if can_supervise(Actor(case.city_id, Role.LEADER.value, path, user_id=uid), case)]


def _notice_scope(q: Select[Any], actor: Actor) -> Select[Any]:
    """Notices addressed to the actor's unit, or (officers) to a unit at or below the
    actor's node; every notice of the city for administrators and leaders."""
    if actor.role in (Role.ADMIN, Role.LEADER):
        return q
    conds = []
    if actor.organisation_id is not None:
        conds.append(SupervisionNotice.unit_id == actor.organisation_id)
    if actor.role != Role.DEPARTMENT_HANDLER:
        under = (select(Organisation.id).join(Node, Node.id == Organisation.node_id)
                 .where(Node.path.startswith(actor.node_path)))
        conds.append(SupervisionNotice.unit_id.in_(under))
    return q.where(or_(*conds)) if conds else q.where(SupervisionNotice.id.is_(None))


def notices_for(session: Session, actor: Actor, *, case_id: int | None = None,
                limit: int = 100) -> list[SupervisionNotice]:
    """The notices of a case (``case_id``), or those the actor's units must answer: their
    own unit's first, unanswered first, newest first."""
    q = select(SupervisionNotice).where(SupervisionNotice.city_id == actor.city_id)
    if case_id is not None:
        q = q.where(SupervisionNotice.case_id == case_id)
    else:
        q = _notice_scope(q, actor)
    mine = SupervisionNotice.unit_id == (actor.organisation_id or -1)
    q = q.order_by(~mine, SupervisionNotice.replied_at.is_not(None), SupervisionNotice.issued_at.desc(),
                   SupervisionNotice.id.desc())
    return list(session.scalars(q.limit(limit)))


def answerable(session: Session, actor: Actor, notices: list[SupervisionNotice]) -> set[int]:
    """Which of ``notices`` are unanswered and the actor may answer (the policy's rule; the
    reply form is shown for them and ``service.reply_notice`` checks again)."""
    return {n.id for n in notices if n.is_open and can_reply(session, actor, n)}


def ledgers_under(session: Session, actor: Actor, node_path: str, *, limit: int = 50,
                  offset: int = 0) -> tuple[list[tuple[Ledger, Case, list[Milestone]]], int]:
    """The ledger page's rows, open ledgers first (``service.ledgers_under`` does the query),
    and how many there are."""
    rows, total = svc.ledgers_under(session, actor, node_path=node_path, open_only=False, limit=limit,
                                    offset=offset)
    return [(r.ledger, r.case, r.milestones) for r in rows], total


def map_counts(session: Session, node: Node, level: str, now: dt.datetime) -> dict[str, dict[str, int]]:
    """Open and overdue cases now, per node of ``level`` below ``node``: one grouped query
    over the grids, rolled up along the paths."""
    depth = Level(level).depth
    rows = session.execute(
        select(Case.grid_path, func.count(), func.sum(case((overdue_clause(now), 1), else_=0)))
        .where(Case.city_id == node.city_id, Case.grid_path.startswith(node.path),
               Case.status.in_(OPEN))
        .group_by(Case.grid_path)).all()
    out: dict[str, dict[str, int]] = {}
    for path, n_open, n_over in rows:
        codes = [c for c in path.split("/") if c]
        if len(codes) <= depth:
            continue
        slot = out.setdefault(codes[depth], {"open": 0, "overdue": 0})
        slot["open"] += int(n_open)
        slot["overdue"] += int(n_over or 0)
    return out


def month_key(session: Session, column: Any) -> Any:
    """``YYYY-MM`` of a (UTC) time column. SQLite stores ``YYYY-MM-DD hh:mm:ss``: its first
    seven characters, much faster than ``strftime``."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 7)
    return func.to_char(column, "YYYY-MM")


def trend(session: Session, node: Node, now: dt.datetime, months: int = 12) -> dict[str, Any]:
    """Cases received and closed per month over the last ``months`` months under ``node``."""
    start = (now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
             - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    keys = []
    y, m = start.year, start.month
    for _ in range(months):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    month = month_key(session, CaseEvent.at)
    q = (select(month, CaseEvent.action, func.count())
         .where(CaseEvent.city_id == node.city_id, CaseEvent.at >= start,
                CaseEvent.action.in_(RECEIVING + CLOSING)))
    if node.parent_id is not None:  # below the city: only the cases under the node
        q = q.join(Case, Case.id == CaseEvent.case_id).where(_under(Case.grid_path, node.path))
    rows = session.execute(q.group_by(month, CaseEvent.action)).all()
    received: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for key, action, n in rows:
        if action in RECEIVING:
            received[key] += n
        if action in CLOSING:
            closed[key] += n
    return {"months": keys, "received": [received[k] for k in keys],
            "closed": [closed[k] for k in keys]}


def category_choices(session: Session, city_id: int) -> list[tuple[Category, list[Category]]]:
    """The first two levels of the category tree (level 1 with its level-2 children)."""
    cats = list(session.scalars(select(Category).where(
        Category.city_id == city_id, Category.level <= 2, Category.active.is_(True)).order_by(Category.code)))
    tops = [c for c in cats if c.level == 1]
    kids: dict[int, list[Category]] = {}
    for c in cats:
        if c.level == 2 and c.parent_id is not None:
            kids.setdefault(c.parent_id, []).append(c)
    return [(t, kids.get(t.id, [])) for t in tops]


# --------------------------------------------------------------------------- figures

#: Leaders' figures and trends are kept this many seconds per node: a dashboard does not
#: need them fresher, and the city's whole year is then read once a minute at most.
FIGURES_TTL = 60.0
_figures_cache: dict[tuple[str, str, str], tuple[float, Any]] = {}
_figures_lock = threading.Lock()


def cached(session: Session, kind: str, node: Node, compute: Any) -> Any:
    """``compute()`` at most once per :data:`FIGURES_TTL` per database, kind and node."""
    bind = session.get_bind()
    key = (str(bind.engine.url), kind, node.code)
    with _figures_lock:
        hit = _figures_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < FIGURES_TTL:
        return hit[1]
    value = compute()
    with _figures_lock:
        if len(_figures_cache) > 2000:
            _figures_cache.clear()
        _figures_cache[key] = (time.monotonic(), value)
    return value


def _under(column: Any, path: str) -> Any:
    """``column`` starts with ``path``, as a range the B-tree index answers (SQLite's LIKE
    does not use it)."""
    return (column >= path) & (column < path + "\U0010ffff")
