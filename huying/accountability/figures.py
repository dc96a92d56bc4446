"""The contact and community counts of the indicator catalogue, per node path, each by its
own domain's rule (called, not restated):

- walks: ``contact.walk_service.walks_by_path`` (walks started in the period, by destination);
- households visited / households: ``contact.visit_service.coverage`` (households under open
  assignments, those visited at least once in the period), by the household's grid;
- service requests accepted / handled: one-stop cases (kind ``service``, kept out of the
  problem figures by ``cases.timing.in_figures``), at their accepting event
  (``accept_request`` / ``accept_pending``) and their closing event in the period, by grid;
- exchange projects done / under way: projects completed in the period (their last update
  falls in it) and those under way now (open, funded, claimed, in progress), by node.

Problems found, fixed and closed on walks and the visit requests are cases: they come from the
rollup (``metrics.service.CHANNEL_FIGURES``), not from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases import kernel
from huying.cases.models import Case, CaseEvent
from huying.cases.workflow import Kind
from huying.community.exchange_models import Project, ProjectStatus
from huying.contact import visit_service, walk_service
from huying.geo.models import Node
from huying.metrics.period import Period
from huying.metrics.service import CLOSING

#: A service request comes in at one of these events (一站受理 / 容缺受理).
SERVICE_ACCEPTED = ("accept_request", "accept_pending")
ACTIVE_PROJECTS = (ProjectStatus.OPEN.value, ProjectStatus.FUNDED.value, ProjectStatus.CLAIMED.value,
                   ProjectStatus.IN_PROGRESS.value)


def _roll(per_path: dict[str, int], paths: Iterable[str]) -> dict[str, int]:
    """Each node path's total of the counts of the paths under it (``a/b/c/``: every prefix
    ending in ``/``)."""
    out = dict.fromkeys(paths, 0)
    for path, n in per_path.items():
        i = path.find("/")
        while i != -1:
            if path[: i + 1] in out:
                out[path[: i + 1]] += n
            i = path.find("/", i + 1)
    return out


def _period(since: dt.datetime | None, until: dt.datetime | None, now: dt.datetime) -> Period:
    return Period(kind="custom", start=None, end=None, since=since, until=until,
                  partial=until is None or until > now)


def tree_counts(session: Session, city_id: int, paths: list[str], *, now: dt.datetime,
                since: dt.datetime | None, until: dt.datetime | None) -> dict[str, dict[str, int]]:
    """count name → node path → count, for every node path of ``paths``."""
    period = _period(since, until, now)
    root = min(paths, key=len) if paths else ""
    out: dict[str, dict[str, int]] = {}
    out["walks"] = _roll(walk_service.walks_by_path(session, city_id, root, period), paths)
    cov = visit_service.coverage(session, kernel.system_actor(session, city_id),
                                 session.scalars(select(Node).where(Node.city_id == city_id, Node.path == root)).one(),
                                 period, now=now)
    out["households"] = _roll({p: t.assigned for p, t in cov.by_grid.items()}, paths)
    out["households_visited"] = _roll({p: t.visited for p, t in cov.by_grid.items()}, paths)
    for name, actions in (("service_requests", SERVICE_ACCEPTED), ("service_requests_handled", CLOSING)):
        q = (select(Case.grid_path, func.count(func.distinct(Case.id))).select_from(CaseEvent)
             .join(Case, Case.id == CaseEvent.case_id)
             .where(CaseEvent.city_id == city_id, CaseEvent.action.in_(actions), Case.kind == Kind.SERVICE.value))
        if since is not None:
            q = q.where(CaseEvent.at >= since)
        if until is not None:
            q = q.where(CaseEvent.at < until)
        out[name] = _roll({p or "": int(n) for p, n in session.execute(q.group_by(Case.grid_path)).all()}, paths)
    done = (select(Node.path, func.count()).select_from(Project).join(Node, Node.id == Project.node_id)
            .where(Project.city_id == city_id, Project.status == ProjectStatus.COMPLETED.value))
    if since is not None:
        done = done.where(Project.updated_at >= since)
    if until is not None:
        done = done.where(Project.updated_at < until)
    out["projects_done"] = _roll(dict(session.execute(done.group_by(Node.path)).tuples().all()), paths)
    active = (select(Node.path, func.count()).select_from(Project).join(Node, Node.id == Project.node_id)
              .where(Project.city_id == city_id, Project.status.in_(ACTIVE_PROJECTS)).group_by(Node.path))
    out["projects_active"] = _roll(dict(session.execute(active).tuples().all()), paths)
    return out
