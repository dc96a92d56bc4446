"""The public-welfare exchange (党群公益汇, issue #17): officers post projects, organisations
claim or fund them under co-building agreements, milestones are reached, projects complete.

The rules, each written once:

* the workflow is one declared table, :data:`TABLE` (status × action → status, who may do it,
  its guard); :func:`next_status` raises on an illegal move, :func:`allowed` tells a page
  which buttons to show;
* who may act: officers (:data:`huying.community.roles.OFFICERS`) within the scope of the
  project's community (:func:`huying.cases.policy.covers_node`); a partner account
  (:data:`huying.community.roles.PARTNERS`) for its own organisation only, anywhere;
* who sees a project: everyone (the public too) once it is posted; a draft, its community's
  officers only (:func:`sees`, with its SQL twin :func:`visible`);
* what is still needed: :func:`remaining` (the budget less the pledges, per money and per
  goods item); a pledge over it is refused with the reason and nothing is stored, and the
  pledge moves the running sums with a compare-and-set on the project's version (the row is
  also locked on PostgreSQL), so that two pledges cannot both take the last of it;
* progress: :func:`progress`, the sum of the weights of the milestones reached.

One command = one function = one transaction with its event
(:func:`huying.community.events.record`, subject ``project``). Events carry no personal data:
organisations (public bodies) are named, people are not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true, update
from sqlalchemy.orm import Session

from huying.cases.policy import CITYWIDE, covers_node
from huying.cityconfig import deadlines
from huying.community import events
from huying.community.council_models import CouncilDecision, CouncilMeeting, DecisionKind
from huying.community.exchange_models import (
    Agreement,
    BeneficiaryKind,
    Milestone,
    Pledge,
    PledgeGoods,
    Project,
    ProjectGoods,
    ProjectStatus,
    ProjectType,
)
from huying.community.models import CommunityEvent
from huying.community.roles import OFFICERS, PARTNERS
from huying.db import under
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.geo.models import Level, Node
from huying.http.body import clean_text
from huying.orgs.actor import SYSTEM_ROLE, Actor
from huying.orgs.models import Organisation, OrgKind
from huying.statetable import Move, Table

SUBJECT = "project"
#: The kinds of organisation that claim and fund projects.
FUNDER_KINDS = frozenset({OrgKind.SOCIAL_ORGANISATION, OrgKind.ENTERPRISE, OrgKind.STATE_FIRM,
                          OrgKind.PUBLIC_INSTITUTION, OrgKind.DEPARTMENT})
TITLE_MAX = 120
NEED_MAX = 2000
GOODS_NAME_MAX = 60
GOODS_UNIT_MAX = 12
MILESTONE_MAX = 120
MAX_AMOUNT = Decimal("999999999999.99")
MAX_QUANTITY = 1_000_000
MAX_BENEFICIARIES = 10_000_000
CENT = Decimal("0.01")
#: The longest term of an agreement, in days (10 years).
TERM_MAX_DAYS = 3660

S = ProjectStatus


# --------------------------------------------------------------------------- the workflow table


class Act:
    """The actions on a project (the table's second column)."""

    PUBLISH = "publish"
    PLAN = "plan_milestones"
    PLEDGE = "pledge"
    FUND = "fund"  # the system's, when the pledges cover what was needed
    CLAIM = "claim"
    SIGN = "sign_agreement"
    START = "start"
    REACH = "reach_milestone"
    COMPLETE = "complete"
    CANCEL = "cancel"


SYSTEM = frozenset({SYSTEM_ROLE})


@dataclass(frozen=True)
class State:
    """What a guard looks at: the project's counts."""

    pledges: int
    progress: int
    agreements: int


def _no_pledges(s: State) -> str | None:
    return "organisations have pledged to it: it cannot be claimed or cancelled" if s.pledges else None


def _progress_full(s: State) -> str | None:
    return None if s.progress == 100 else f"its milestones are at {s.progress}%: reach them all first"


GUARDS: dict[str, Callable[[State], str | None]] = {"no_pledges": _no_pledges, "progress_full": _progress_full}


def _m(source: ProjectStatus, action: str, target: ProjectStatus, roles: frozenset[Any],
       guard: str | None = None) -> Move:
    return Move(source.value, str(action), target.value, frozenset(str(r) for r in roles), guard)


TABLE = Table[State]("project", (
    _m(S.DRAFT, Act.PLAN, S.DRAFT, OFFICERS),
    _m(S.DRAFT, Act.PUBLISH, S.OPEN, OFFICERS),
    _m(S.DRAFT, Act.CANCEL, S.CANCELLED, OFFICERS),
    _m(S.OPEN, Act.PLAN, S.OPEN, OFFICERS),
    _m(S.OPEN, Act.PLEDGE, S.OPEN, PARTNERS),
    _m(S.OPEN, Act.FUND, S.FUNDED, SYSTEM),
    _m(S.OPEN, Act.CLAIM, S.CLAIMED, PARTNERS, "no_pledges"),
    _m(S.OPEN, Act.SIGN, S.OPEN, OFFICERS),
    _m(S.OPEN, Act.CANCEL, S.CANCELLED, OFFICERS, "no_pledges"),
    _m(S.FUNDED, Act.SIGN, S.FUNDED, OFFICERS),
    _m(S.FUNDED, Act.START, S.IN_PROGRESS, OFFICERS),
    _m(S.CLAIMED, Act.SIGN, S.CLAIMED, OFFICERS),
    _m(S.CLAIMED, Act.START, S.IN_PROGRESS, OFFICERS),
    _m(S.IN_PROGRESS, Act.SIGN, S.IN_PROGRESS, OFFICERS),
    _m(S.IN_PROGRESS, Act.REACH, S.IN_PROGRESS, OFFICERS),
    _m(S.IN_PROGRESS, Act.COMPLETE, S.COMPLETED, OFFICERS, "progress_full"),
), statuses=[s.value for s in ProjectStatus], initial=S.DRAFT.value,
    final=[S.COMPLETED.value, S.CANCELLED.value], guards=GUARDS)
INITIAL = S.DRAFT
FINAL = frozenset({S.COMPLETED, S.CANCELLED})
ACTIONS = TABLE.actions


def check_table() -> list[str]:
    """The table's shape: problems found (none when well formed)."""
    return TABLE.problems()


def next_status(status: str, action: str, role: str, state: State | None = None) -> ProjectStatus:
    """The status after ``action`` by ``role`` from ``status``: ``IllegalTransition`` when the
    table has no such move for the role, ``Refused`` (with the reason) when its guard says no."""
    return ProjectStatus(TABLE.next(status, action, role, state))


def allowed(status: str, role: str, state: State | None = None) -> list[str]:
    """The actions ``role`` may take on a project in ``status`` now (what a page offers)."""
    return TABLE.allowed(status, role, state)


def diagram() -> str:
    """The table as a Mermaid state diagram."""
    return TABLE.mermaid()


# --------------------------------------------------------------------------- pure rules


def progress(milestones: Iterable[tuple[int, bool]]) -> int:
    """Progress in percent: the sum of the weights of the milestones reached (each given as
    ``(weight, reached)``)."""
    return sum(w for w, reached in milestones if reached)


@dataclass(frozen=True)
class Remaining:
    """What a project still needs: money (None when it has no money budget) and goods by
    item id (quantity)."""

    money: Decimal | None
    goods: dict[int, int]

    @property
    def nothing(self) -> bool:
        return (self.money is None or self.money <= 0) and all(q <= 0 for q in self.goods.values())


def remaining(budget: Decimal | None, pledged: Decimal, goods: Iterable[tuple[int, int, int]]) -> Remaining:
    """Budget less pledges: money, and each goods item ``(id, quantity, pledged)``."""
    return Remaining(None if budget is None else budget - pledged, {gid: q - p for gid, q, p in goods})


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """An amount of money: a positive decimal with at most 2 decimal places (exact)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidInput("not an amount of money (e.g. 1500.00)", field) from None
    if not amount.is_finite():
        raise InvalidInput("not an amount of money (e.g. 1500.00)", field)
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise InvalidInput("at most 2 decimal places (fen)", field)
    if amount <= 0:
        raise InvalidInput("must be more than 0", field)
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"more than {MAX_AMOUNT}", field)
    return amount.quantize(CENT)


def money(value: Decimal | None) -> Decimal | None:
    """A stored amount at its scale (SQLite hands back floats turned decimal)."""
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- who sees, who acts


def is_officer_of(actor: Actor | None, node_path: str) -> bool:
    return actor is not None and actor.role in OFFICERS and covers_node(actor, node_path)


def sees(actor: Actor | None, project: Project, node_path: str) -> bool:
    """May ``actor`` (None: the public) see the project? Once posted, everyone; a draft,
    the officers whose scope covers its community."""
    if actor is not None and actor.city_id != project.city_id:
        return False
    if project.status != S.DRAFT.value:
        return True
    return is_officer_of(actor, node_path)


def visible(actor: Actor | None, city_id: int) -> ColumnElement[bool]:
    """SQL over ``exchange_projects`` joined with their ``geo_nodes``: what :func:`sees` lets
    ``actor`` see."""
    posted = and_(Project.city_id == city_id, Project.status != S.DRAFT.value)
    if actor is None or actor.role not in OFFICERS:
        return posted
    scoped = true() if actor.role in CITYWIDE else under(Node.path, actor.node_path)
    return or_(posted, and_(Project.city_id == city_id, scoped))


def check_officer(actor: Actor, node_path: str | None = None) -> None:
    if actor.role not in OFFICERS:
        raise NotPermitted(f"a {actor.role} does not keep public-welfare projects")
    if node_path is not None and not covers_node(actor, node_path):
        raise NotPermitted("the project's community is outside your scope")


def funder_of(session: Session, actor: Actor, organisation: str | None = None) -> Organisation:
    """The organisation a partner account acts for: its own (``organisation``, when given,
    must be that one: nobody pledges in another organisation's name)."""
    if actor.role not in PARTNERS or actor.organisation_id is None:
        raise NotPermitted("only an organisation's partner account claims or pledges")
    org = session.get(Organisation, actor.organisation_id)
    if org is None or not org.active or org.city_id != actor.city_id:
        raise NotPermitted("your account's organisation is not active")
    if organisation and organisation.strip() != org.code:
        raise NotPermitted("you act for your own organisation only")
    if org.kind not in FUNDER_KINDS:
        raise NotPermitted("this kind of organisation does not claim or fund projects")
    return org


class OverNeed(Refused):
    """A pledge over what is still needed (the reason names what remains)."""

    def __init__(self, what: str, asked: Decimal | int, left: Decimal | int, unit: str = "") -> None:
        self.what, self.asked, self.left, self.unit = what, asked, left, unit
        super().__init__(f"the pledge of {asked} {unit}{what} exceeds what is still needed ({left} {unit})".replace(
            " ()", "").replace("  ", " ") if what != "money" else
            f"the pledge of {asked} exceeds what is still needed ({left})")


# --------------------------------------------------------------------------- reading


@dataclass
class GoodsView:
    id: int
    name: str
    unit: str
    quantity: int
    pledged: int

    @property
    def remaining(self) -> int:
        return self.quantity - self.pledged


@dataclass
class MilestoneView:
    id: int
    title: str
    weight: int
    reached_at: dt.datetime | None


@dataclass
class AgreementView:
    id: int
    organisation: Organisation
    community_party: Organisation | None
    signed_on: dt.date
    term_until: dt.date
    milestones: list[MilestoneView]

    @property
    def progress(self) -> int:
        return progress((m.weight, m.reached_at is not None) for m in self.milestones)


@dataclass
class PledgeView:
    id: int
    organisation: Organisation
    amount: Decimal | None
    goods: list[tuple[str, int, str]]
    at: dt.datetime


@dataclass
class ProjectView:
    """A project as anyone may see it: no person named, organisations named."""

    project: Project
    node: Node
    town: Node | None
    goods: list[GoodsView] = field(default_factory=list)
    milestones: list[MilestoneView] = field(default_factory=list)
    pledges: list[PledgeView] = field(default_factory=list)
    agreements: list[AgreementView] = field(default_factory=list)
    claimed_by: Organisation | None = None
    history: list[CommunityEvent] = field(default_factory=list)

    @property
    def budget(self) -> Decimal | None:
        return money(self.project.budget)

    @property
    def pledged(self) -> Decimal:
        return money(self.project.pledged_amount) or Decimal("0.00")

    @property
    def remaining(self) -> Remaining:
        return remaining(self.budget, self.pledged, ((g.id, g.quantity, g.pledged) for g in self.goods))

    @property
    def progress(self) -> int:
        return progress((m.weight, m.reached_at is not None) for m in self.milestones)

    @property
    def funded_share(self) -> int:
        """How much of the money budget is pledged, in percent (100 when claimed)."""
        if self.project.claimed_by_id is not None:
            return 100
        if not self.budget:
            need = sum(g.quantity for g in self.goods)
            return int(100 * sum(g.pledged for g in self.goods) / need) if need else 0
        return int(self.pledged * 100 / self.budget)

    def state(self) -> State:
        return State(self.project.pledges, self.progress, len(self.agreements))

    def as_dict(self) -> dict[str, Any]:
        p, rem = self.project, self.remaining
        return {
            "code": p.code, "title": p.title, "need": p.need, "type": p.type, "status": p.status,
            "beneficiaries": {"count": p.beneficiaries, "kind": p.beneficiary_kind},
            "community": {"code": self.node.code, "name_zh": self.node.name_zh, "name_en": self.node.name_en},
            "town": {"code": self.town.code, "name_zh": self.town.name_zh, "name_en": self.town.name_en}
            if self.town else None,
            "budget": self.budget, "pledged": self.pledged, "remaining": rem.money,
            "goods": [{"id": g.id, "name": g.name, "unit": g.unit, "quantity": g.quantity, "pledged": g.pledged,
                       "remaining": g.remaining} for g in self.goods],
            "progress": self.progress,
            "milestones": [{"id": m.id, "title": m.title, "weight": m.weight, "reached_at": m.reached_at}
                           for m in self.milestones],
            "claimed_by": org_dict(self.claimed_by) if self.claimed_by else None,
            "pledges": [{"organisation": org_dict(v.organisation), "amount": v.amount,
                         "goods": [{"name": n, "quantity": q, "unit": u} for n, q, u in v.goods], "at": v.at}
                        for v in self.pledges],
            "agreements": [{"id": a.id, "organisation": org_dict(a.organisation),
                            "community_party": org_dict(a.community_party) if a.community_party else None,
                            "signed_on": a.signed_on, "term_until": a.term_until, "progress": a.progress,
                            "milestones": [{"id": m.id, "title": m.title, "weight": m.weight,
                                            "reached_at": m.reached_at} for m in a.milestones]}
                           for a in self.agreements],
            "history": [{"at": e.at, "action": e.action, "detail": e.detail} for e in self.history],
        }


def org_dict(org: Organisation) -> dict[str, str]:
    return {"code": org.code, "name_zh": org.name_zh, "name_en": org.name_en, "kind": org.kind}


def _town_of(session: Session, node: Node) -> Node | None:
    town_code = node.path.strip("/").split("/")
    for n in session.scalars(select(Node).where(Node.city_id == node.city_id, Node.code.in_(town_code),
                                                Node.level == Level.TOWN.value)):
        return n
    return None


def _load(session: Session, actor: Actor | None, code: str, city_id: int | None) -> tuple[Project, Node]:
    city = actor.city_id if actor is not None else city_id
    project = session.scalar(select(Project).where(Project.city_id == city, Project.code == (code or "").strip()))
    if project is None:
        raise NotVisible("no such project")
    node = session.get(Node, project.node_id)
    assert node is not None
    if not sees(actor, project, node.path):
        raise NotVisible("no such project")
    return project, node


def get_project(session: Session, actor: Actor | None, code: str, *, city_id: int | None = None) -> ProjectView:
    """The project with all it shows (404 unless ``actor``, or the public, may see it)."""
    project, node = _load(session, actor, code, city_id)
    view = ProjectView(project, node, _town_of(session, node))
    view.goods = [GoodsView(g.id, g.name, g.unit, g.quantity, g.pledged) for g in session.scalars(
        select(ProjectGoods).where(ProjectGoods.project_id == project.id).order_by(ProjectGoods.id))]
    names = {g.id: (g.name, g.unit) for g in view.goods}
    ms = list(session.scalars(select(Milestone).where(Milestone.project_id == project.id)
                              .order_by(Milestone.agreement_id.is_not(None), Milestone.agreement_id,
                                        Milestone.position)))
    as_view = {m.id: MilestoneView(m.id, m.title, m.weight, m.reached_at) for m in ms}
    view.milestones = [as_view[m.id] for m in ms if m.agreement_id is None]
    orgs: dict[int, Organisation] = {}

    def org(oid: int) -> Organisation:
        if oid not in orgs:
            found = session.get(Organisation, oid)
            assert found is not None
            orgs[oid] = found
        return orgs[oid]

    goods_of: dict[int, list[tuple[str, int, str]]] = {}
    for pg in session.scalars(select(PledgeGoods).join(Pledge, Pledge.id == PledgeGoods.pledge_id)
                              .where(Pledge.project_id == project.id).order_by(PledgeGoods.id)):
        name, unit = names[pg.goods_id]
        goods_of.setdefault(pg.pledge_id, []).append((name, pg.quantity, unit))
    view.pledges = [PledgeView(p.id, org(p.organisation_id), money(p.amount), goods_of.get(p.id, []), p.created_at)
                    for p in session.scalars(select(Pledge).where(Pledge.project_id == project.id)
                                             .order_by(Pledge.id))]
    view.agreements = [AgreementView(a.id, org(a.organisation_id),
                                     org(a.community_party_id) if a.community_party_id else None,
                                     a.signed_on, a.term_until,
                                     [as_view[m.id] for m in ms if m.agreement_id == a.id])
                       for a in session.scalars(select(Agreement).where(Agreement.project_id == project.id)
                                                .order_by(Agreement.id))]
    view.claimed_by = org(project.claimed_by_id) if project.claimed_by_id else None
    view.history = events.history(session, SUBJECT, project.id)
    return view


@dataclass
class ProjectRow:
    """A project in a list: enough to choose it."""

    project: Project
    node: Node

    @property
    def remaining(self) -> Decimal | None:
        budget = money(self.project.budget)
        return None if budget is None else budget - (money(self.project.pledged_amount) or Decimal(0))


SORTS = ("remaining", "newest")


@dataclass(frozen=True)
class Browse:
    """What a list of projects is filtered and sorted by."""

    town: str = ""
    community: str = ""
    type: str = ""
    needing: bool = False
    status: str = ""
    sort: str = "remaining"
    limit: int = 20
    offset: int = 0


def browse(session: Session, actor: Actor | None, city_id: int, f: Browse) -> tuple[int, list[ProjectRow]]:
    """The projects one may see, by town → community, type and what is still needed
    (``needing``: open projects that still need money or goods), sorted by the amount
    still needed (largest first) or the newest, a page at a time."""
    q = select(Project, Node).join(Node, Node.id == Project.node_id).where(visible(actor, city_id))
    for code, what in ((f.town, "town"), (f.community, "community")):
        if code:
            n = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == code.strip()))
            if n is None:
                raise InvalidInput("no such place", what)
            q = q.where(under(Node.path, n.path))
    if f.type:
        if f.type not in set(ProjectType):
            raise InvalidInput(f"one of {', '.join(ProjectType)}", "type")
        q = q.where(Project.type == f.type)
    if f.status:
        if f.status not in set(ProjectStatus):
            raise InvalidInput(f"one of {', '.join(ProjectStatus)}", "status")
        q = q.where(Project.status == f.status)
    gap = func.coalesce(Project.budget, 0) - Project.pledged_amount
    if f.needing:
        goods_gap = select(ProjectGoods.id).where(ProjectGoods.project_id == Project.id,
                                                  ProjectGoods.quantity > ProjectGoods.pledged).exists()
        q = q.where(Project.status == S.OPEN.value, or_(gap >= CENT, goods_gap))
    if f.sort not in SORTS:
        raise InvalidInput(f"one of {', '.join(SORTS)}", "sort")
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    order = ((Project.status != S.OPEN.value), gap.desc(), Project.id.desc()) if f.sort == "remaining" \
        else (Project.opened_at.desc(), Project.id.desc())
    rows = session.execute(q.order_by(*order).limit(f.limit).offset(f.offset)).all()
    return total, [ProjectRow(p, n) for p, n in rows]


def communities(session: Session, city_id: int, town: str = "") -> list[Node]:
    """The towns (``town`` empty) or the communities of a town, for the list's filters."""
    if not town:
        return list(session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.TOWN.value)
                                    .order_by(Node.code)))
    parent = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == town))
    if parent is None:
        return []
    return list(session.scalars(select(Node).where(Node.parent_id == parent.id).order_by(Node.code)))


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class GoodsIn:
    name: str
    quantity: int
    unit: str = ""


@dataclass(frozen=True)
class ProjectIn:
    """A project as every channel (API, page, CLI, demo) gives it."""

    title: str
    need: str
    type: str
    beneficiaries: int
    beneficiary_kind: str
    community: str
    budget: Decimal | str | None = None
    goods: Sequence[GoodsIn] = ()
    milestones: Sequence[tuple[str, int]] = ()
    publish: bool = False
    #: The council decision (共建议事会) this project carries out, if any: of kind project,
    #: taken in the project's community, and not posted before.
    decision: int | None = None


def _goods(items: Sequence[GoodsIn]) -> list[GoodsIn]:
    out: list[GoodsIn] = []
    seen: set[str] = set()
    for i, g in enumerate(items, start=1):
        name = clean_text(g.name, f"goods[{i}].name", GOODS_NAME_MAX, required=True)
        if name in seen:
            raise InvalidInput("named twice", f"goods[{i}].name")
        seen.add(name)
        if not isinstance(g.quantity, int) or not 1 <= g.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"a whole number from 1 to {MAX_QUANTITY}", f"goods[{i}].quantity")
        out.append(GoodsIn(name, g.quantity, clean_text(g.unit, f"goods[{i}].unit", GOODS_UNIT_MAX)))
    return out


def _milestones(items: Sequence[tuple[str, int]], field_: str = "milestones") -> list[tuple[str, int]]:
    """A set of milestones: each a title and a whole weight from 1 to 100, summing to 100."""
    out = []
    for i, (title, weight) in enumerate(items, start=1):
        t = clean_text(title, f"{field_}[{i}].title", MILESTONE_MAX, required=True)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
            raise InvalidInput("a whole number from 1 to 100", f"{field_}[{i}].weight")
        out.append((t, weight))
    if not out:
        raise InvalidInput("at least one milestone", field_)
    total = sum(w for _, w in out)
    if total != 100:
        raise InvalidInput(f"the weights sum to {total}, not 100", field_)
    return out


def _community(session: Session, actor: Actor, code: str) -> Node:
    node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.code == (code or "").strip()))
    if node is None or node.level != Level.COMMUNITY.value:
        raise InvalidInput("choose a community", "community")
    if not covers_node(actor, node.path):
        raise InvalidInput("this community is outside your scope", "community")
    return node


def _next_code(session: Session, city_id: int, now: dt.datetime) -> str:
    year = now.astimezone(deadlines.zone()).year
    prefix = f"GY{year}-"
    last = session.scalar(select(func.max(Project.code)).where(Project.city_id == city_id,
                                                              Project.code.like(f"{prefix}%")))
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def decision_for(session: Session, city_id: int, decision_id: int, node: Node | None = None) -> CouncilDecision:
    """The council decision a project is posted for: one of kind project, not yet posted,
    taken by the council of ``node`` when given (the one check, for the form and the command)."""
    row = session.execute(select(CouncilDecision, CouncilMeeting.node_id).join(
        CouncilMeeting, CouncilMeeting.id == CouncilDecision.meeting_id).where(
        CouncilDecision.city_id == city_id, CouncilDecision.id == decision_id)).first()
    if row is None:
        raise InvalidInput("no such council decision", "decision")
    decision, node_id = row
    if decision.kind != DecisionKind.PROJECT.value:
        raise InvalidInput("this decision does not call for a project", "decision")
    if decision.project_id is not None:
        raise InvalidInput("this decision's project is posted already", "decision")
    if node is not None and node_id != node.id:
        raise InvalidInput("the decision was taken by another community's council", "decision")
    return decision


def codes_of(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The codes of projects by id (for the pages that link to them)."""
    if not ids:
        return {}
    return dict(session.execute(select(Project.id, Project.code).where(Project.id.in_(list(ids)))).tuples().all())


def decision_community(session: Session, decision: CouncilDecision) -> str:
    """The code of the community whose council took a decision."""
    return str(session.scalar(select(Node.code).join(CouncilMeeting, CouncilMeeting.node_id == Node.id)
                              .where(CouncilMeeting.id == decision.meeting_id)))


def post(session: Session, actor: Actor, data: ProjectIn, *, now: dt.datetime) -> Project:
    """Post a project (officers of its community): a draft, or open at once (``publish``)."""
    check_officer(actor)
    title = clean_text(data.title, "title", TITLE_MAX, required=True)
    need = clean_text(data.need, "need", NEED_MAX, required=True)
    if data.type not in set(ProjectType):
        raise InvalidInput(f"one of {', '.join(ProjectType)}", "type")
    if data.beneficiary_kind not in set(BeneficiaryKind):
        raise InvalidInput(f"one of {', '.join(BeneficiaryKind)}", "beneficiary_kind")
    if not isinstance(data.beneficiaries, int) or not 1 <= data.beneficiaries <= MAX_BENEFICIARIES:
        raise InvalidInput(f"a whole number from 1 to {MAX_BENEFICIARIES}", "beneficiaries")
    node = _community(session, actor, data.community)
    budget = None if data.budget in (None, "") else parse_amount(data.budget, "budget")
    goods = _goods(data.goods)
    if budget is None and not goods:
        raise InvalidInput("give a budget in money, goods, or both", "budget")
    milestones = _milestones(data.milestones) if data.milestones else []
    if data.publish and not milestones:
        raise InvalidInput("a posted project needs its milestones", "milestones")
    decision = None if data.decision is None else decision_for(session, actor.city_id, data.decision, node)
    status = S.OPEN if data.publish else S.DRAFT
    project = Project(city_id=actor.city_id, code=_next_code(session, actor.city_id, now), title=title, need=need,
                      type=data.type, beneficiaries=data.beneficiaries, beneficiary_kind=data.beneficiary_kind,
                      node_id=node.id, budget=budget, pledged_amount=Decimal("0"), pledges=0, status=status.value,
                      version=1, posted_by_id=actor.user_id, created_at=now, updated_at=now,
                      opened_at=now if data.publish else None)
    session.add(project)
    session.flush()
    session.add_all([ProjectGoods(city_id=actor.city_id, project_id=project.id, name=g.name, unit=g.unit,
                                  quantity=g.quantity, pledged=0) for g in goods])
    session.add_all([Milestone(city_id=actor.city_id, project_id=project.id, position=i, title=t, weight=w)
                     for i, (t, w) in enumerate(milestones, start=1)])
    if decision is not None:
        decision.project_id = project.id
    events.record(session, actor.city_id, SUBJECT, project.id, "post", actor_id=actor.user_id, now=now,
                  status=status.value, budget=budget, goods=[[g.name, g.quantity, g.unit] for g in goods],
                  milestones=[[t, w] for t, w in milestones], decision=data.decision)
    session.commit()
    return project


def _officer_project(session: Session, actor: Actor, code: str) -> tuple[Project, Node]:
    project, node = _load(session, actor, code, None)
    check_officer(actor, node.path)
    return project, node


def _state(session: Session, project: Project) -> State:
    ms = session.execute(select(Milestone.weight, Milestone.reached_at).where(
        Milestone.project_id == project.id, Milestone.agreement_id.is_(None))).all()
    n_agreements = session.scalar(select(func.count()).select_from(Agreement)
                                  .where(Agreement.project_id == project.id)) or 0
    return State(project.pledges, progress((w, r is not None) for w, r in ms), n_agreements)


def _cas(session: Session, project: Project, target: ProjectStatus, now: dt.datetime, **values: Any) -> None:
    """Move the project (compare-and-set on its version): a concurrent change refuses."""
    done = session.execute(update(Project).where(Project.id == project.id, Project.version == project.version)
                           .values(status=target.value, version=project.version + 1, updated_at=now, **values)
                           ).rowcount  # type: ignore[attr-defined]
    if done != 1:
        session.rollback()
        raise Refused("the project changed meanwhile: reload it and try again")
    session.refresh(project)


def _move(session: Session, actor: Actor, code: str, action: str, *, now: dt.datetime,
          **detail: Any) -> Project:
    project, _ = _officer_project(session, actor, code)
    target = next_status(project.status, action, actor.role, _state(session, project))
    if action == Act.PUBLISH and not session.scalar(select(func.count()).select_from(Milestone).where(
            Milestone.project_id == project.id, Milestone.agreement_id.is_(None))):
        raise Refused("plan its milestones before posting it")
    old = project.status
    extra = {"opened_at": now} if action == Act.PUBLISH else {}
    _cas(session, project, target, now, **extra)
    events.record(session, actor.city_id, SUBJECT, project.id, action, actor_id=actor.user_id, now=now,
                  old=old, new=target.value, **detail)
    session.commit()
    return project


def publish(session: Session, actor: Actor, code: str, *, now: dt.datetime) -> Project:
    """Post a draft: organisations see it, claim it or pledge to it."""
    return _move(session, actor, code, Act.PUBLISH, now=now)


def start(session: Session, actor: Actor, code: str, *, now: dt.datetime) -> Project:
    """Work starts on a funded or claimed project."""
    return _move(session, actor, code, Act.START, now=now)


def complete(session: Session, actor: Actor, code: str, *, now: dt.datetime) -> Project:
    """The project is done (all its milestones reached)."""
    return _move(session, actor, code, Act.COMPLETE, now=now)


def cancel(session: Session, actor: Actor, code: str, reason: str, *, now: dt.datetime) -> Project:
    """Withdraw a draft or an open project nobody has pledged to, with the reason."""
    why = clean_text(reason, "reason", 500, required=True)
    return _move(session, actor, code, Act.CANCEL, now=now, reason=why)


def plan_milestones(session: Session, actor: Actor, code: str, milestones: Sequence[tuple[str, int]], *,
                    now: dt.datetime) -> Project:
    """Set a draft or open project's milestones (their weights sum to 100), replacing any."""
    project, _ = _officer_project(session, actor, code)
    target = next_status(project.status, Act.PLAN, actor.role)
    items = _milestones(milestones)
    _cas(session, project, target, now)
    for m in session.scalars(select(Milestone).where(Milestone.project_id == project.id,
                                                     Milestone.agreement_id.is_(None))):
        session.delete(m)
    session.flush()
    session.add_all([Milestone(city_id=actor.city_id, project_id=project.id, position=i, title=t, weight=w)
                     for i, (t, w) in enumerate(items, start=1)])
    events.record(session, actor.city_id, SUBJECT, project.id, Act.PLAN, actor_id=actor.user_id, now=now,
                  milestones=[[t, w] for t, w in items])
    session.commit()
    return project


def reach_milestone(session: Session, actor: Actor, code: str, milestone_id: int, *, now: dt.datetime) -> Project:
    """Mark a milestone of the project (or of one of its agreements) reached."""
    project, _ = _officer_project(session, actor, code)
    target = next_status(project.status, Act.REACH, actor.role)
    m = session.get(Milestone, milestone_id)
    if m is None or m.project_id != project.id:
        raise InvalidInput("no such milestone of this project", "milestone")
    if m.reached_at is not None:
        raise Refused("this milestone is reached already")
    _cas(session, project, target, now)
    m.reached_at = now
    events.record(session, actor.city_id, SUBJECT, project.id, Act.REACH, actor_id=actor.user_id, now=now,
                  milestone=m.title, weight=m.weight, agreement=m.agreement_id)
    session.commit()
    return project


@dataclass(frozen=True)
class PledgeIn:
    """A pledge: money (``amount``) and/or goods (``{goods id or name: quantity}``)."""

    amount: Decimal | str | None = None
    goods: dict[str, int] = field(default_factory=dict)
    organisation: str | None = None


def _pledge_goods(goods: Sequence[ProjectGoods], wanted: dict[str, int]) -> list[tuple[ProjectGoods, int]]:
    by_key = {str(g.id): g for g in goods} | {g.name: g for g in goods}
    out = []
    for key, qty in wanted.items():
        if qty in (0, None):
            continue
        g = by_key.get(str(key).strip())
        if g is None:
            raise InvalidInput("the project needs no such goods", f"goods[{key}]")
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QUANTITY:
            raise InvalidInput(f"a whole number from 1 to {MAX_QUANTITY}", f"goods[{key}]")
        out.append((g, qty))
    return out


def pledge(session: Session, actor: Actor, code: str, data: PledgeIn, *, now: dt.datetime) -> Pledge:
    """A partner account pledges (认捐) money and/or goods to an open project for its
    organisation. Refused, with the reason and nothing stored, when it would exceed what is
    still needed; the running sums move by compare-and-set, so two pledges cannot both
    take the last of it."""
    org = funder_of(session, actor, data.organisation)
    project, _ = _load(session, actor, code, None)
    # Lock the row where the database can (PostgreSQL); the version check below holds on both.
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    session.refresh(project)
    if project.status == S.CLAIMED.value:
        raise Refused("the project is claimed by an organisation: it takes no pledges")
    next_status(project.status, Act.PLEDGE, actor.role)
    amount = None if data.amount in (None, "") else parse_amount(data.amount)
    goods = list(session.scalars(select(ProjectGoods).where(ProjectGoods.project_id == project.id)
                                 .order_by(ProjectGoods.id)))
    items = _pledge_goods(goods, data.goods)
    if amount is None and not items:
        raise InvalidInput("pledge an amount of money, goods, or both", "amount")
    budget, pledged = money(project.budget), money(project.pledged_amount) or Decimal("0.00")
    rem = remaining(budget, pledged, ((g.id, g.quantity, g.pledged) for g in goods))
    if amount is not None:
        if rem.money is None:
            raise Refused("the project needs no money, only goods")
        if amount > rem.money:
            raise OverNeed("money", amount, rem.money)
    for g, qty in items:
        if qty > rem.goods[g.id]:
            raise OverNeed(g.name, qty, rem.goods[g.id], g.unit)
    new_pledged = pledged + (amount or 0)
    done = session.execute(update(Project).where(Project.id == project.id, Project.version == project.version,
                                                 Project.status == S.OPEN.value)
                           .values(pledged_amount=new_pledged, pledges=Project.pledges + 1,
                                   version=project.version + 1, updated_at=now)).rowcount  # type: ignore[attr-defined]
    if done != 1:
        session.rollback()
        raise Refused("the project changed meanwhile: reload it and try again")
    for g, qty in items:
        session.execute(update(ProjectGoods).where(ProjectGoods.id == g.id)
                        .values(pledged=ProjectGoods.pledged + qty))
    row = Pledge(city_id=actor.city_id, project_id=project.id, organisation_id=org.id, amount=amount,
                 by_id=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    session.add_all([PledgeGoods(city_id=actor.city_id, pledge_id=row.id, goods_id=g.id, quantity=qty)
                     for g, qty in items])
    session.flush()
    session.refresh(project)
    after = remaining(money(project.budget), money(project.pledged_amount) or Decimal(0),
                      session.execute(select(ProjectGoods.id, ProjectGoods.quantity, ProjectGoods.pledged)
                                      .where(ProjectGoods.project_id == project.id)).all())
    events.record(session, actor.city_id, SUBJECT, project.id, Act.PLEDGE, actor_id=actor.user_id, now=now,
                  organisation=org.code, organisation_name=org.name_zh, organisation_name_en=org.name_en, amount=amount,
                  goods=[[g.name, qty, g.unit] for g, qty in items], remaining=after.money)
    if after.nothing:
        target = next_status(project.status, Act.FUND, SYSTEM_ROLE)
        _cas(session, project, target, now)
        events.record(session, actor.city_id, SUBJECT, project.id, Act.FUND, actor_id=None, now=now,
                      old=S.OPEN.value, new=target.value)
    session.commit()
    return row


def claim(session: Session, actor: Actor, code: str, organisation: str | None = None, *,
          now: dt.datetime) -> Project:
    """A partner account claims (认领) an open project for its organisation: it takes on the
    whole project. Refused when organisations have pledged to it."""
    org = funder_of(session, actor, organisation)
    project, _ = _load(session, actor, code, None)
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    session.refresh(project)
    if project.status == S.CLAIMED.value:
        raise Refused("the project is claimed by an organisation already")
    target = next_status(project.status, Act.CLAIM, actor.role, _state(session, project))
    done = session.execute(update(Project).where(Project.id == project.id, Project.version == project.version,
                                                 Project.status == S.OPEN.value, Project.pledges == 0)
                           .values(status=target.value, claimed_by_id=org.id, version=project.version + 1,
                                   updated_at=now)).rowcount  # type: ignore[attr-defined]
    if done != 1:
        session.rollback()
        raise Refused("the project changed meanwhile: reload it and try again")
    events.record(session, actor.city_id, SUBJECT, project.id, Act.CLAIM, actor_id=actor.user_id, now=now,
                  organisation=org.code, organisation_name=org.name_zh, organisation_name_en=org.name_en, old=S.OPEN.value, new=target.value)
    session.commit()
    session.refresh(project)
    return project


@dataclass(frozen=True)
class AgreementIn:
    organisation: str
    signed_on: dt.date | None
    term_until: dt.date | None
    milestones: Sequence[tuple[str, int]] = ()


def sign_agreement(session: Session, actor: Actor, code: str, data: AgreementIn, *,
                   now: dt.datetime) -> Agreement:
    """Record the co-building agreement (共建协议) signed with an organisation that claimed
    or pledged to the project: the parties (the organisation and the community's party
    organisation), the day, the term and its own milestones."""
    project, node = _officer_project(session, actor, code)
    target = next_status(project.status, Act.SIGN, actor.role)
    org = session.scalar(select(Organisation).where(Organisation.city_id == actor.city_id,
                                                    Organisation.code == (data.organisation or "").strip()))
    if org is None:
        raise InvalidInput("no such organisation", "organisation")
    pledged = session.scalar(select(func.count()).select_from(Pledge).where(
        Pledge.project_id == project.id, Pledge.organisation_id == org.id)) or 0
    if not pledged and project.claimed_by_id != org.id:
        raise InvalidInput("this organisation has neither claimed nor pledged to the project", "organisation")
    if session.scalar(select(Agreement.id).where(Agreement.project_id == project.id,
                                                 Agreement.organisation_id == org.id)):
        raise Refused("an agreement with this organisation is signed already")
    if data.signed_on is None:
        raise InvalidInput("required", "signed_on")
    if data.signed_on > now.astimezone(deadlines.zone()).date():
        raise InvalidInput("a day not after today", "signed_on")
    if data.term_until is None:
        raise InvalidInput("required", "term_until")
    if not data.signed_on < data.term_until <= data.signed_on + dt.timedelta(days=TERM_MAX_DAYS):
        raise InvalidInput("after the day it was signed, within 10 years", "term_until")
    items = _milestones(data.milestones, "agreement milestones")
    party = session.scalar(select(Organisation.id).where(Organisation.node_id == node.id,
                                                         Organisation.kind == OrgKind.PARTY_ORGANISATION.value))
    _cas(session, project, target, now)
    row = Agreement(city_id=actor.city_id, project_id=project.id, organisation_id=org.id,
                    community_party_id=party, signed_on=data.signed_on, term_until=data.term_until,
                    signed_by_id=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    session.add_all([Milestone(city_id=actor.city_id, project_id=project.id, agreement_id=row.id, position=i,
                               title=t, weight=w) for i, (t, w) in enumerate(items, start=1)])
    events.record(session, actor.city_id, SUBJECT, project.id, Act.SIGN, actor_id=actor.user_id, now=now,
                  organisation=org.code, organisation_name=org.name_zh, organisation_name_en=org.name_en, signed_on=data.signed_on,
                  term_until=data.term_until, milestones=[[t, w] for t, w in items])
    session.commit()
    return row


def actions_for(actor: Actor | None, view: ProjectView) -> list[str]:
    """What ``actor`` may do on the project now (the buttons of its page)."""
    if actor is None:
        return []
    if actor.role in PARTNERS:
        if actor.organisation_id is None:
            return []
        return [a for a in allowed(view.project.status, actor.role, view.state())]
    if is_officer_of(actor, view.node.path):
        return allowed(view.project.status, actor.role, view.state())
    return []


def officer_communities(session: Session, actor: Actor) -> list[Node]:
    """The communities an officer may post projects for."""
    check_officer(actor)
    q = select(Node).where(Node.city_id == actor.city_id, Node.level == Level.COMMUNITY.value)
    if actor.role not in CITYWIDE:
        q = q.where(under(Node.path, actor.node_path))
    return list(session.scalars(q.order_by(Node.code)))

