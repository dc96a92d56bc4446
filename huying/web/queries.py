"""Read-side queries of the pages that the services do not offer (yet): units to choose
from, notices, ledgers, map counts and monthly trends (the work list has its own module,
``huying.web.worklist``).

Every query of cases goes through ``policy.visible_filter``: what a page lists is exactly
what the policy lets the person see; acting stays with the service (``check_act``)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent, Ledger, Milestone, SupervisionNotice
from huying.cases.policy import can_reply, visible_filter
from huying.cases.timing import overdue_clause
from huying.cases.workflow import OPEN_VALUES
from huying.cityconfig.models import Category
from huying.config import get_settings
from huying.db import under
from huying.geo.models import Level, Node
from huying.metrics import cockpit
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role, User

OPEN = OPEN_VALUES


def cases_at(session: Session, actor: Actor, node: Node, *, limit: int = 20) -> tuple[list[Case], int]:
    """The cases of a node that the actor may see (a grid's, for its leader): the open ones
    first, the earliest deadline first, then the newest; and how many cases are open."""
    q = select(Case).where(visible_filter(actor), Case.city_id == node.city_id, under(Case.grid_path, node.path))
    is_open = Case.status.in_(OPEN)
    n_open = session.scalar(select(func.count()).select_from(q.where(is_open).subquery())) or 0
    rows = list(session.scalars(q.order_by(~is_open, Case.due_at.asc(), Case.id.desc()).limit(limit)))
    return rows, int(n_open)


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
    return list(session.scalars(_notice_order(q, actor).limit(limit)))


def _notice_order(q: Select[Any], actor: Actor) -> Select[Any]:
    mine = SupervisionNotice.unit_id == (actor.organisation_id or -1)
    return q.order_by(~mine, SupervisionNotice.replied_at.is_not(None), SupervisionNotice.issued_at.desc(),
                      SupervisionNotice.id.desc())


#: The notices page's filter by state: waiting for a reply, past its reply deadline
#: without one, answered.
NOTICE_STATES = ("unanswered", "overdue", "answered")


def _notice_state(state: str, now: dt.datetime) -> Any:
    if state == "unanswered":
        return SupervisionNotice.open_clause()
    if state == "overdue":
        return SupervisionNotice.late_clause(now)
    return SupervisionNotice.replied_at.is_not(None)


def notices_filtered(session: Session, actor: Actor, now: dt.datetime, *, state: str = "",
                     unit_id: int | None = None, limit: int = 20,
                     offset: int = 0) -> tuple[list[SupervisionNotice], int]:
    """The notices page: the notices in the actor's scope (``notices_for``'s order), by
    state (:data:`NOTICE_STATES`) and unit, one page of them and how many there are."""
    q = _notice_scope(select(SupervisionNotice).where(SupervisionNotice.city_id == actor.city_id), actor)
    if state in NOTICE_STATES:
        q = q.where(_notice_state(state, now))
    if unit_id is not None:
        q = q.where(SupervisionNotice.unit_id == unit_id)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    return list(session.scalars(_notice_order(q, actor).limit(limit).offset(offset))), int(total)


@dataclass(frozen=True)
class Named:
    code: str
    name_zh: str
    name_en: str


def notice_units(session: Session, actor: Actor) -> list[Named]:
    """The units that the notices in the actor's scope are addressed to (the unit filter)."""
    ids = _notice_scope(select(SupervisionNotice.unit_id).where(SupervisionNotice.city_id == actor.city_id),
                        actor).distinct()
    rows = session.execute(select(Organisation.code, Organisation.name_zh, Organisation.name_en)
                           .where(Organisation.id.in_(ids)).order_by(Organisation.code)).all()
    return [Named(c, zh, en or zh) for c, zh, en in rows]


@dataclass(frozen=True)
class NoticeView:
    """A notice as the pages show it: to whom, about which case, issued by whom (a person's
    name and unit; None when the sweeper issued it) and whether the reader may answer."""

    notice: SupervisionNotice
    unit: Named | None
    case_code: str | None
    issuer: str | None
    issuer_unit: Named | None
    can_reply: bool


def notice_views(session: Session, actor: Actor, notices: list[SupervisionNotice]) -> list[NoticeView]:
    """Names for ``notices``: three lookups, whatever their number."""
    units = {i: Named(c, zh, en or zh) for i, c, zh, en in session.execute(
        select(Organisation.id, Organisation.code, Organisation.name_zh, Organisation.name_en)
        .where(Organisation.id.in_(sorted({n.unit_id for n in notices})))).all()}
    codes = dict(session.execute(select(Case.id, Case.code).where(
        Case.id.in_(sorted({n.case_id for n in notices if n.case_id})))).all())
    issuer_org = aliased(Organisation)
    people = {uid: (name, Named(oc, ozh, oen or ozh) if oc else Named(nc, nzh, nen or nzh))
              for uid, name, oc, ozh, oen, nc, nzh, nen in session.execute(
                  select(User.id, User.display_name, issuer_org.code, issuer_org.name_zh, issuer_org.name_en,
                         Node.code, Node.name_zh, Node.name_en)
                  .join(Node, Node.id == User.node_id)
                  .outerjoin(issuer_org, issuer_org.id == User.organisation_id)
                  .where(User.id.in_(sorted({n.issued_by_id for n in notices if n.issued_by_id})))).all()}
    ok = answerable(session, actor, notices)
    out = []
    for n in notices:
        who = people.get(n.issued_by_id) if n.issued_by_id else None
        out.append(NoticeView(n, units.get(n.unit_id), codes.get(n.case_id) if n.case_id else None,
                              who[0] if who else None, who[1] if who else None, n.id in ok))
    return out


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
        .where(Case.city_id == node.city_id, under(Case.grid_path, node.path),
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


def city_zone() -> ZoneInfo:
    """The city's time zone (its months and days)."""
    return ZoneInfo(get_settings().timezone)


def trend(session: Session, node: Node, now: dt.datetime, months: int = 13) -> dict[str, Any]:
    """Cases received and closed per calendar month of the city's zone under ``node``: the
    last ``months`` months, the running one last and marked ``partial`` (it is not complete:
    the page draws it apart); ``cockpit.monthly`` counts them."""
    return cockpit.monthly(session, node, now, city_zone(), months)


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
#: (url, kind, node, period) → (computed at, event watermark, value): one entry per key, the
#: state of the event log it was computed at kept beside it. (Keyed by the watermark, a
#: worker kept a whole indicator tree of the city, ~1.5 MB, for every new event it had seen
#: a figure after: 97 MB/min under reports and figures, bench/soak.py.)
_figures_cache: dict[tuple[str, str, str, str], tuple[float, int, Any]] = {}
_figures_lock = threading.Lock()


def cached(session: Session, kind: str, node: Node, compute: Any, *, period: str = "") -> Any:
    """``compute()`` at most once per :data:`FIGURES_TTL` per database, kind, node and
    ``period`` (what else the value depends on, e.g. the period's bounds), and per state of
    the event log: a new event (a report, an action, the sweeper's overdue mark) computes
    again, so that a figure and the list behind it agree (the primary key's maximum: one
    index lookup). A value computed again replaces the one it supersedes."""
    bind = session.get_bind()
    watermark = session.scalar(select(func.max(CaseEvent.id))) or 0
    key = (str(bind.engine.url), kind, node.code, period)
    with _figures_lock:
        hit = _figures_cache.get(key)
    if hit is not None and hit[1] == watermark and time.monotonic() - hit[0] < FIGURES_TTL:
        return hit[2]
    value = compute()
    with _figures_lock:
        if len(_figures_cache) > 2000:
            _figures_cache.clear()
        _figures_cache[key] = (time.monotonic(), watermark, value)
    return value


def cached_figures() -> int:
    """How many figures this process keeps (for tests and measurement)."""
    with _figures_lock:
        return len(_figures_cache)


def clear_cached() -> None:
    """Forget every cached figure (a test that has just changed the cases)."""
    with _figures_lock:
        _figures_cache.clear()

