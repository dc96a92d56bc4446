"""Weak organisations (软弱涣散党组织): identified once a year at most (每年确定一批、整顿一批),
by the city's editable indicator rules or by hand with a reason, and rectified.

A rule (:class:`WeakRule`) flags the organisations of a level whose indicator ``key`` is below
(or above) a threshold for ``quarters`` quarters running, reading the figures through
:func:`values_of` (one function: the integrator points it at the indicator catalogue).

A flag opens a rectification: a case of kind ``rectify`` whose responsible unit is the
organisation (:mod:`huying.cases.rectification`), so its plan is the case's ledger (台账:
milestones, a supervising leader, the sweeper's notices about a milestone overdue), and it
stays out of the problem figures. It is cleared when the plan is done (the table's guard) and
the indicators recovered (no active rule of its level fires for the node in the latest
complete quarter), or by the supervising leader by hand with a reason (the table's guard)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying.accountability import duty_service as duties
from huying.accountability import events, indicators
from huying.accountability.models import WeakFlag, WeakRule
from huying.cases import ledger, rectification
from huying.cases.models import Case, Ledger, Milestone
from huying.cases.policy import CITYWIDE, covers_node
from huying.cityconfig import deadlines
from huying.db import under
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.geo.models import Node
from huying.metrics import period as periods
from huying.metrics.period import Period
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, OrgKind, Role, User

#: The indicators a rule may read (keys of :func:`values_of`), with their names.
#: The indicators a rule may name: the catalogue's rates and its composite score.
KEYS: tuple[str, ...] = tuple(i.key for i in indicators.CATALOGUE if i.kind in ("rate", "composite"))
OPS = ("below", "above")
#: Who edits the rules and runs them over a quarter.
RULE_EDITORS = frozenset({Role.CITY_OFFICER, Role.ADMIN})
#: Who flags by hand (over their scope, never their own node).
FLAGGERS = frozenset({Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.LEADER, Role.ADMIN})
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


# --------------------------------------------------------------------------- periods and values


def quarter(label: str) -> Period:
    """The quarter ``2025Q3`` as a period of the city's days."""
    m = _QUARTER.match((label or "").strip())
    if not m:
        raise InvalidInput("a quarter such as 2025Q3", "quarter")
    first = dt.date(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1, 1)
    start, end = periods.bounds("quarter", first)
    return periods.of_days("quarter", start, end, now=dt.datetime.combine(end, dt.time(23, 59), deadlines.zone()))


def label_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous(label: str, n: int = 1) -> str:
    """The quarter ``n`` quarters before ``label``."""
    p = quarter(label)
    assert p.start is not None
    index = p.start.year * 4 + (p.start.month - 1) // 3 - n
    return f"{index // 4}Q{index % 4 + 1}"


def latest_complete(now: dt.datetime) -> str:
    """The last quarter that has ended by ``now`` (in the city's time)."""
    return previous(label_of(now.astimezone(deadlines.zone()).date()))


def values_of(session: Session, city_id: int, period: Period) -> dict[str, dict[str, float | None]]:
    """The indicators of every node of the city over ``period``: {node code: {key: value}},
    read from the indicator catalogue (``accountability.indicators.tree_values``)."""
    assert period.since is not None and period.until is not None
    tree = indicators.tree_values(session, city_id, now=period.until, since=period.since, until=period.until)
    return {code: {k: vals[k].value for k in KEYS if k in vals} for code, vals in tree.items()}


class Values:
    """:func:`values_of` per quarter, each quarter read once."""

    def __init__(self, session: Session, city_id: int) -> None:
        self.session, self.city_id = session, city_id
        self._by_quarter: dict[str, dict[str, dict[str, float | None]]] = {}

    def __call__(self, label: str) -> dict[str, dict[str, float | None]]:
        if label not in self._by_quarter:
            self._by_quarter[label] = values_of(self.session, self.city_id, quarter(label))
        return self._by_quarter[label]


def breaches(rule: WeakRule, value: float | None) -> bool:
    """Whether one quarter's value breaks the rule (no value: no breach, nothing to judge)."""
    if value is None:
        return False
    return value < rule.threshold if rule.op == "below" else value > rule.threshold


def fires(rule: WeakRule, node_code: str, last: str, values: Values) -> bool:
    """The rule fires for the node at quarter ``last``: it was breached in each of the
    ``rule.quarters`` quarters ending with ``last``."""
    return all(breaches(rule, values(previous(last, k)).get(node_code, {}).get(rule.key))
               for k in range(rule.quarters))


def evaluate(session: Session, city_id: int, rule: WeakRule, last: str, values: Values | None = None) -> list[str]:
    """The codes of the nodes of the rule's level for which it fires at quarter ``last``."""
    values = values or Values(session, city_id)
    codes = session.scalars(select(Node.code).where(Node.city_id == city_id, Node.level == rule.level)
                            .order_by(Node.path))
    return [c for c in codes if fires(rule, c, last, values)]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleIn:
    code: str
    name_zh: str
    level: str
    key: str
    op: str
    threshold: float
    quarters: int = 2
    active: bool = True


def _check_rule(r: RuleIn) -> None:
    if r.level not in duties.LEVELS:
        raise InvalidInput(f"one of {', '.join(duties.LEVELS)}", "level")
    if r.key not in KEYS:
        raise InvalidInput(f"one of {', '.join(KEYS)}", "key")
    if r.op not in OPS:
        raise InvalidInput(f"one of {', '.join(OPS)}", "op")
    if not 0.0 <= r.threshold <= 1.0:
        raise InvalidInput("a rate between 0 and 1", "threshold")
    if not 1 <= r.quarters <= 8:
        raise InvalidInput("between 1 and 8 quarters", "quarters")


def check_rule_editor(actor: Actor) -> None:
    if actor.role not in RULE_EDITORS:
        raise NotPermitted("only the city's officers edit the weak-organisation rules")


def save_rule(session: Session, actor: Actor, r: RuleIn, *, now: dt.datetime) -> WeakRule:
    """Add a rule, or change the one with this code (its history kept)."""
    check_rule_editor(actor)
    _check_rule(r)
    code = duties.text_of(r.code, "code", 40)
    name = duties.text_of(r.name_zh, "name_zh", 120)
    row = session.scalar(select(WeakRule).where(WeakRule.city_id == actor.city_id, WeakRule.code == code))
    values: dict[str, Any] = dict(name_zh=name, level=r.level, key=r.key, op=r.op, threshold=float(r.threshold),
                                  quarters=int(r.quarters), active=bool(r.active))
    if row is None:
        row = WeakRule(city_id=actor.city_id, code=code, updated_at=now, **values)
        session.add(row)
        session.flush()
        events.record(session, actor.city_id, "rule", row.id, "add", actor_id=actor.user_id, now=now, **values)
    else:
        before = {k: getattr(row, k) for k in values}
        for k, v in values.items():
            setattr(row, k, v)
        row.updated_at = now
        events.record(session, actor.city_id, "rule", row.id, "change", actor_id=actor.user_id, now=now,
                      before=before, after=values)
    session.commit()
    return row


def rules(session: Session, actor: Actor) -> list[WeakRule]:
    duties.check_reader(actor)
    return list(session.scalars(select(WeakRule).where(WeakRule.city_id == actor.city_id).order_by(WeakRule.code)))


DEFAULT_RULES = (
    RuleIn("satisfaction", "满意率连续两个季度低于80%", "community", "satisfaction_rate", "below", 0.80, 2),
    RuleIn("on_time", "按期办结率连续两个季度低于70%", "community", "on_time_rate", "below", 0.70, 2),
    RuleIn("rework", "返工率连续两个季度高于20%", "community", "rework_rate", "above", 0.20, 2),
)


# --------------------------------------------------------------------------- flags


def party_organisation(session: Session, node: Node) -> Organisation:
    """The Party organisation of a node (a community's 党组织, a town's 党委)."""
    org = session.scalar(select(Organisation).where(
        Organisation.node_id == node.id, Organisation.active.is_(True),
        Organisation.kind.in_((OrgKind.PARTY_ORGANISATION.value, OrgKind.PARTY_COMMITTEE.value)))
        .order_by(Organisation.id))
    if org is None:
        raise InvalidInput(f"{node.name_zh} has no Party organisation to rectify", "node")
    return org


def _year(now: dt.datetime) -> int:
    return now.astimezone(deadlines.zone()).year


def _flag(session: Session, actor: Actor, node: Node, *, year: int, source: str, reason: str,
          now: dt.datetime, rule: WeakRule | None = None, last: str | None = None) -> WeakFlag:
    if session.scalar(select(WeakFlag.id).where(WeakFlag.node_id == node.id, WeakFlag.year == year)) is not None:
        raise Refused(f"{node.name_zh} is already identified as weak for {year}")
    org = party_organisation(session, node)
    case = rectification.open_rectification(
        session, actor, title=f"软弱涣散整顿：{node.name_zh}（{year}年）", reason=reason, node=node, organisation=org,
        now=now, extra={"node": node.code, "year": year, "source": source}, commit=False)
    flag = WeakFlag(city_id=actor.city_id, node_id=node.id, year=year, source=source,
                    rule_id=rule.id if rule else None, quarter=last, reason=reason, case_id=case.id,
                    flagged_by_id=actor.user_id, flagged_at=now)
    session.add(flag)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Refused(f"{node.name_zh} is already identified as weak for {year}") from None
    events.record(session, actor.city_id, "flag", flag.id, "flag", actor_id=actor.user_id, now=now,
                  node=node.code, year=year, source=source, rule=rule.code if rule else None, quarter=last,
                  case=case.code, reason=reason)
    session.commit()
    return flag


def flag_by_hand(session: Session, actor: Actor, node_code: str, reason: str, *, now: dt.datetime) -> WeakFlag:
    """Identify an organisation as weak by hand, with the reason (officers above it, leaders)."""
    node = duties.node_of(session, actor.city_id, node_code)
    if actor.role not in FLAGGERS or not covers_node(actor, node.path) or actor.node_path == node.path:
        raise NotPermitted("organisations are identified as weak by the officers above them and leaders")
    if node.level not in duties.LEVELS:
        raise InvalidInput("weak organisations are town and community organisations", "node")
    why = duties.text_of(reason, "reason", 2000)
    return _flag(session, actor, node, year=_year(now), source="hand", reason=why, now=now)


@dataclass
class RunOutcome:
    quarter: str
    flagged: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"quarter": self.quarter, "flagged": self.flagged, "already": self.already}


def run_rules(session: Session, actor: Actor, last: str | None = None, *, now: dt.datetime) -> RunOutcome:
    """Evaluate every active rule at quarter ``last`` (default: the latest complete one) and
    flag each node it fires for that is not yet identified this year (one flag per node)."""
    if actor.role not in RULE_EDITORS and not actor.is_system:
        raise NotPermitted("only the city's officers run the weak-organisation rules")
    last = last or latest_complete(now)
    qp = quarter(last)
    assert qp.start is not None
    if qp.until is not None and qp.until > now:
        raise InvalidInput("that quarter has not ended yet", "quarter")
    year = qp.start.year
    out = RunOutcome(last)
    values = Values(session, actor.city_id)
    for rule in session.scalars(select(WeakRule).where(WeakRule.city_id == actor.city_id,
                                                       WeakRule.active.is_(True)).order_by(WeakRule.code)).all():
        for code in evaluate(session, actor.city_id, rule, last, values):
            node = duties.node_of(session, actor.city_id, code)
            if session.scalar(select(WeakFlag.id).where(WeakFlag.node_id == node.id, WeakFlag.year == year)):
                if code not in out.flagged:
                    out.already.append(code)
                continue
            reason = f"{rule.name_zh}（截至{last}）"
            _flag(session, actor, node, year=year, source="rule", reason=reason, now=now, rule=rule, last=last)
            out.flagged.append(code)
    return out


def _load(session: Session, actor: Actor, flag_id: int) -> tuple[WeakFlag, Node, Case]:
    flag = session.get(WeakFlag, flag_id)
    if flag is None or flag.city_id != actor.city_id:
        raise NotVisible("no such weak organisation")
    node = session.get(Node, flag.node_id)
    case = session.get(Case, flag.case_id)
    assert node is not None and case is not None
    if actor.role not in duties.READERS or not covers_node(actor, node.path):
        raise NotVisible("no such weak organisation")
    return flag, node, case


def open_plan(session: Session, actor: Actor, flag_id: int, *, plan: str,
              milestones: Sequence[tuple[str, dt.datetime]], supervisor: str | None, now: dt.datetime) -> Ledger:
    """The rectification plan: the ledger of the flag's case (its rules, its deadlines)."""
    _, _, case = _load(session, actor, flag_id)
    sup = ledger.user_id_of(session, actor.city_id, supervisor, "supervisor") if supervisor else None
    return ledger.open_ledger(session, case, actor, plan=plan, milestones=milestones, supervisor_id=sup, now=now)


def complete_milestone(session: Session, actor: Actor, flag_id: int, milestone: int, *, note: str | None,
                       now: dt.datetime) -> Milestone:
    _, _, case = _load(session, actor, flag_id)
    return ledger.complete_milestone(session, case, actor, milestone=milestone, note=note, now=now)


def still_firing(session: Session, flag: WeakFlag, node: Node, now: dt.datetime) -> list[str]:
    """The rules of the node's level that still fire for it in the latest complete quarter
    (empty: its indicators recovered)."""
    last = latest_complete(now)
    values = Values(session, flag.city_id)
    active = session.scalars(select(WeakRule).where(WeakRule.city_id == flag.city_id, WeakRule.active.is_(True),
                                                    WeakRule.level == node.level).order_by(WeakRule.code)).all()
    return [r.name_zh for r in active if fires(r, node.code, last, values)]


def _cleared(session: Session, flag: WeakFlag, how: str, now: dt.datetime) -> Any:
    def then() -> None:
        flag.cleared_at, flag.cleared_how = now, how
        session.flush()
    return then


def clear(session: Session, actor: Actor, flag_id: int, *, note: str, now: dt.datetime) -> WeakFlag:
    """Clear a rectification: its plan is done (the case table's guard) and no rule fires for
    the node in the latest complete quarter (else refused, naming the rules)."""
    flag, node, case = _load(session, actor, flag_id)
    if flag.cleared_at is not None:
        raise Refused("this rectification is already cleared")
    still = still_firing(session, flag, node, now)
    if still:
        raise Refused(f"the indicators have not recovered in {latest_complete(now)}: {'；'.join(still)}")
    rectification.clear(session, case, actor, note=note, now=now, then=_cleared(session, flag, "recovered", now))
    events.record(session, actor.city_id, "flag", flag.id, "clear", actor_id=actor.user_id, now=now, note=note)
    session.commit()
    return flag


def clear_by_hand(session: Session, actor: Actor, flag_id: int, *, reason: str, now: dt.datetime) -> WeakFlag:
    """The supervising leader clears a rectification by their decision, with the reason."""
    flag, _, case = _load(session, actor, flag_id)
    if flag.cleared_at is not None:
        raise Refused("this rectification is already cleared")
    rectification.clear_by_hand(session, case, actor, reason=reason, now=now,
                                then=_cleared(session, flag, "by_hand", now))
    events.record(session, actor.city_id, "flag", flag.id, "clear_by_hand", actor_id=actor.user_id, now=now,
                  reason=reason)
    session.commit()
    return flag


# --------------------------------------------------------------------------- reading


@dataclass
class FlagView:
    flag: WeakFlag
    node: Node
    case: Case
    ledger: Ledger | None
    milestones: list[Milestone]
    supervisor: str | None

    @property
    def progress(self) -> tuple[int, int]:
        return sum(1 for m in self.milestones if m.done_at is not None), len(self.milestones)

    def as_dict(self) -> dict[str, Any]:
        f = self.flag
        done, total = self.progress
        return {"id": f.id, "node": self.node.code, "node_name": self.node.name_zh, "level": self.node.level,
                "year": f.year, "source": f.source, "quarter": f.quarter, "reason": f.reason,
                "case": self.case.code, "status": self.case.status, "flagged_at": f.flagged_at.isoformat(),
                "cleared_at": f.cleared_at.isoformat() if f.cleared_at else None, "cleared_how": f.cleared_how,
                "plan": self.ledger.plan if self.ledger else None, "supervisor": self.supervisor,
                "milestones": [{"id": m.id, "title": m.title, "due_at": m.due_at.isoformat(),
                                "done_at": m.done_at.isoformat() if m.done_at else None} for m in self.milestones],
                "progress": {"done": done, "total": total}}


def _scope(actor: Actor) -> Any:
    return WeakFlag.city_id == actor.city_id if actor.role in CITYWIDE else under(Node.path, actor.node_path)


def flags(session: Session, actor: Actor, *, year: int | None = None, open_only: bool = False,
          ids: Iterable[int] | None = None) -> list[FlagView]:
    """The weak organisations within the actor's scope, their plans and progress."""
    duties.check_reader(actor)
    q = (select(WeakFlag, Node, Case).join(Node, Node.id == WeakFlag.node_id).join(Case, Case.id == WeakFlag.case_id)
         .where(WeakFlag.city_id == actor.city_id, _scope(actor)))
    if year:
        q = q.where(WeakFlag.year == year)
    if open_only:
        q = q.where(WeakFlag.cleared_at.is_(None))
    if ids is not None:
        q = q.where(WeakFlag.id.in_(list(ids)))
    rows = session.execute(q.order_by(WeakFlag.cleared_at.is_not(None), WeakFlag.year.desc(), Node.path)).all()
    ledgers = {lg.case_id: lg for lg in session.scalars(select(Ledger).where(
        Ledger.case_id.in_([c.id for _, _, c in rows])))} if rows else {}
    ms: dict[int, list[Milestone]] = {}
    if ledgers:
        for m in session.scalars(select(Milestone).where(Milestone.ledger_id.in_([lg.id for lg in ledgers.values()]))
                                 .order_by(Milestone.due_at, Milestone.id)):
            ms.setdefault(m.ledger_id, []).append(m)
    sups = {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(
        [lg.supervisor_id for lg in ledgers.values() if lg.supervisor_id])))} if ledgers else {}
    out = []
    for f, n, c in rows:
        lg = ledgers.get(c.id)
        out.append(FlagView(f, n, c, lg, ms.get(lg.id, []) if lg else [],
                            sups.get(lg.supervisor_id) if lg and lg.supervisor_id else None))
    return out


def get_flag(session: Session, actor: Actor, flag_id: int) -> FlagView:
    _load(session, actor, flag_id)
    return flags(session, actor, ids=[flag_id])[0]


@dataclass(frozen=True)
class YearCount:
    year: int
    level: str
    identified: int
    rectified: int
    still_open: int

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "level": self.level, "identified": self.identified,
                "rectified": self.rectified, "still_open": self.still_open}


def yearly_counts(session: Session, actor: Actor) -> list[YearCount]:
    """Per year and level: identified, rectified (cleared), still open — within the actor's scope."""
    duties.check_reader(actor)
    rows = session.execute(
        select(WeakFlag.year, Node.level, WeakFlag.cleared_at)
        .join(Node, Node.id == WeakFlag.node_id).where(WeakFlag.city_id == actor.city_id, _scope(actor))).all()
    acc: dict[tuple[int, str], list[int]] = {}
    for year, level, cleared_at in rows:
        a = acc.setdefault((year, level), [0, 0])
        a[0] += 1
        a[1] += cleared_at is not None
    return [YearCount(y, lv, n, r, n - r) for (y, lv), (n, r) in
            sorted(acc.items(), key=lambda kv: (-kv[0][0], duties.LEVELS.index(kv[0][1])
                                                if kv[0][1] in duties.LEVELS else 9))]
