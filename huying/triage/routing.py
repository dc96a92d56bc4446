"""Routing: which unit is responsible for a case, by category × place.

A rule says: for this category (and everything below it in the tree) at this place (a node
and everything below it), the responsible unit is the organisation of this kind (and line
department) at the case's ancestor of this level — a town's urban-management department, the
community's Party organisation, the city's housing department... — with fallbacks tried in
order when that organisation does not exist. The most specific rule wins: the deeper
category first, then the deeper place, then the higher priority. A rule at a town node that
keeps a matter at town level while the city-wide rule sends it to the city is how a
delegated power (what a town may decide itself) is written; ``delegated`` marks such rules.

The rules of a city are rows of ``routing_rules`` (editable); a city without rows uses the
defaults shipped in ``huying/data/routing_rules.csv``. Routing suggests the unit; dispatching
stays a person's command unless the rule says ``auto``.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from huying import freshness
from huying.cityconfig import categories, config_cache
from huying.cityconfig.models import Category
from huying.db import db_key, flush_pending, read, utcnow
from huying.errors import NotVisible, SettingError
from huying.geo.locate import current_map_token as map_token
from huying.geo.models import Level, Node
from huying.orgs.models import Department, Organisation, OrganisationTown, OrgKind
from huying.triage.models import RoutingRule

LEVEL_DEPTH = {Level.CITY.value: 0, Level.AREA.value: 1, Level.TOWN.value: 2,
               Level.COMMUNITY.value: 3, Level.GRID.value: 4}


class RuleError(SettingError):
    """A bad routing rule (the message names the line or rule and the field; ``field`` and
    ``reason`` are the form field and a key the pages word in the person's language)."""

    def __init__(self, message: str, field: str = "rule", reason: str | None = None) -> None:
        super().__init__(message, field, reason)


@dataclass(frozen=True)
class Target:
    """A kind of responsible unit: organisation kind, line department, level."""

    kind: str
    department: str | None
    level: str

    def label(self) -> str:
        return f"{self.kind}{':' + self.department if self.department else ''}@{self.level}"


@dataclass(frozen=True)
class Rule:
    id: int | None
    category: str  # category code, "" = every category
    node_path: str  # node path, "" = the whole city
    target: Target
    delegated: bool = False
    auto: bool = False
    priority: int = 0
    fallbacks: tuple[Target, ...] = ()
    note: str = ""

    def matches(self, category_path: str | None, grid_path: str) -> bool:
        if self.category and f"/{self.category}/" not in (category_path or ""):
            return False
        return not self.node_path or grid_path.startswith(self.node_path)

    @property
    def specificity(self) -> tuple[int, int, int]:
        cat_depth = self.category.count(".") + 1 if self.category else 0
        return (cat_depth, self.node_path.count("/"), self.priority)


@dataclass(frozen=True)
class Route:
    """Where a case should go: the unit (None when nothing matched or no unit exists), the
    rule that decided and which of its targets was found (0: the rule's own, 1+: fallback)."""

    unit_id: int | None
    unit_code: str | None
    target: Target | None
    rule: Rule | None
    fallback: int
    auto: bool

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "target": self.target.label() if self.target else None,
                "rule": self.rule.id if self.rule else None,
                "rule_category": self.rule.category if self.rule else None,
                "rule_node": self.rule.node_path if self.rule else None,
                "delegated": self.rule.delegated if self.rule else None,
                "fallback": self.fallback, "auto": self.auto}


def _target(kind: str, department: str | None, level: str, where: str, field: str | None = None) -> Target:
    """A checked target; errors name ``field`` (default: the field at fault)."""
    kinds = {k.value for k in OrgKind}
    if kind not in kinds:
        raise RuleError(f"{where}: org_kind {kind!r} is not one of {', '.join(sorted(kinds))}",
                        field or "org_kind", "org_kind")
    if department and department not in {d.value for d in Department}:
        raise RuleError(f"{where}: department {department!r} is not one of "
                        f"{', '.join(d.value for d in Department)}", field or "department", "department")
    if kind == OrgKind.DEPARTMENT.value and not department:
        raise RuleError(f"{where}: a department rule names its department", field or "department",
                        "department_missing")
    if level not in LEVEL_DEPTH:
        raise RuleError(f"{where}: level {level!r} is not one of {', '.join(LEVEL_DEPTH)}",
                        field or "level", "level")
    return Target(kind, department or None, level)


def parse_fallbacks(text: str, where: str) -> tuple[Target, ...]:
    """``kind:department:level;kind::level`` → targets."""
    out = []
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        bits = part.split(":")
        if len(bits) != 3:
            raise RuleError(f"{where}: fallback {part!r} is not kind:department:level", "fallbacks")
        out.append(_target(bits[0], bits[1] or None, bits[2], where, "fallbacks"))
    return tuple(out)


def format_fallbacks(targets: Sequence[Target]) -> str:
    """The inverse of :func:`parse_fallbacks`."""
    return ";".join(f"{t.kind}:{t.department or ''}:{t.level}" for t in targets)


def default_rules_path() -> Path:
    return Path(str(resources.files("huying") / "data" / "routing_rules.csv"))


@dataclass(frozen=True)
class RuleRow:
    """A line of a rules CSV: category as a name path (``城乡建设/城乡规划``) or a code."""

    line: int
    category: str
    node: str
    target: Target
    delegated: bool
    auto: bool
    priority: int
    fallbacks: tuple[Target, ...]
    note: str


def read_rules_csv(path: Path | None = None) -> list[RuleRow]:
    path = path or default_rules_path()
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, raw in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name}:{line}"

            def flag(name: str, raw: dict[str, str] = raw, where: str = where) -> bool:
                v = (raw.get(name) or "false").strip().lower()
                if v not in ("true", "false", "1", "0", "yes", "no", ""):
                    raise RuleError(f"{where}: {name} {v!r} is not true/false")
                return v in ("true", "1", "yes")

            try:
                priority = int((raw.get("priority") or "0").strip())
            except ValueError:
                raise RuleError(f"{where}: priority {raw.get('priority')!r} is not a number") from None
            rows.append(RuleRow(
                line, (raw.get("category") or "").strip(), (raw.get("node") or "").strip(),
                _target((raw.get("org_kind") or "").strip(), (raw.get("department") or "").strip(),
                        (raw.get("level") or "").strip(), where),
                flag("delegated"), flag("auto"), priority,
                parse_fallbacks(raw.get("fallbacks") or "", where), (raw.get("note") or "").strip()))
    return rows


def _category_code(session: Session, city_id: int, ref: str, where: str) -> str:
    """A category given by code or by a ``/``-separated name path, as its code."""
    if not ref:
        return ""
    cats = _categories(session, city_id)
    if ref in cats["codes"]:
        return ref
    code = cats["names"].get(ref)
    if code is None:
        raise RuleError(f"{where}: no category {ref!r} in the city's tree", "category")
    return code


def _categories(session: Session, city_id: int) -> dict[str, Any]:
    """The city's category codes, and the code of each category's name path (``城乡建设/…``),
    kept per process until the tree changes."""

    def build(_token: Any) -> dict[str, Any]:
        rows = session.execute(select(Category.id, Category.code, Category.parent_id, Category.name_zh)
                               .where(Category.city_id == city_id)).all()
        by_id = {r.id: r for r in rows}
        names: dict[str, str] = {}
        for r in rows:
            chain: list[str] = []
            cur: Any = r
            while cur is not None:
                chain.append(cur.name_zh)
                cur = by_id.get(cur.parent_id) if cur.parent_id else None
            names.setdefault("/".join(reversed(chain)), r.code)
        return {"codes": {r.code for r in rows}, "names": names}

    return config_cache.cached(session, city_id, _CATEGORY_NAMES, build,
                               depends_on=(config_cache.CATEGORIES,))


#: config_cache entry of :func:`_categories` (its own key; its version is the tree's).
_CATEGORY_NAMES = "routing.category_names"


def _node_path(session: Session, city_id: int, code: str, where: str) -> str:
    if not code:
        return ""
    path = session.scalar(select(Node.path).where(Node.city_id == city_id, Node.code == code))
    if path is None:
        raise RuleError(f"{where}: no node {code!r} in the city", "node")
    return path


def rules_from_rows(session: Session, city_id: int, rows: Sequence[RuleRow]) -> list[Rule]:
    return [Rule(None, _category_code(session, city_id, r.category, f"line {r.line}"),
                 _node_path(session, city_id, r.node, f"line {r.line}"), r.target, r.delegated,
                 r.auto, r.priority, r.fallbacks, r.note) for r in rows]


def install_rules(session: Session, city_id: int, path: Path | None = None) -> int:
    """Store the rules of a CSV (default: the shipped ones) as the city's editable rules,
    replacing its current ones. Returns the number of rules."""
    rules = rules_from_rows(session, city_id, read_rules_csv(path))
    for old in session.scalars(select(RoutingRule).where(RoutingRule.city_id == city_id)):
        session.delete(old)
    session.flush()
    for r in rules:
        session.add(RoutingRule(
            city_id=city_id, category=r.category, node_path=r.node_path, org_kind=r.target.kind,
            department=r.target.department, level=r.target.level, delegated=r.delegated,
            auto=r.auto, priority=r.priority, note=r.note,
            fallbacks=json.dumps([[t.kind, t.department, t.level] for t in r.fallbacks])))
    config_cache.bump(session, city_id, config_cache.ROUTING)
    return len(rules)


def city_rules(session: Session, city_id: int) -> list[Rule]:
    """The city's active rules, or the shipped defaults when it has none; kept per process
    until the rules or the category tree change (``config_cache``: every server process
    sees an edit)."""

    def build(_token: Any) -> list[Rule]:
        rows = session.scalars(select(RoutingRule).where(
            RoutingRule.city_id == city_id, RoutingRule.active.is_(True)).order_by(RoutingRule.id)).all()
        if rows:
            return [Rule(
                r.id, r.category, r.node_path, _target(r.org_kind, r.department, r.level, f"rule {r.id}"),
                r.delegated, r.auto, r.priority,
                tuple(_target(k, d, lv, f"rule {r.id}") for k, d, lv in json.loads(r.fallbacks or "[]")),
                r.note) for r in rows]
        has_tree = session.scalar(select(func.count()).select_from(Category)
                                  .where(Category.city_id == city_id)) or 0
        return rules_from_rows(session, city_id, read_rules_csv()) if has_tree else []

    return config_cache.cached(session, city_id, config_cache.ROUTING, build,
                               depends_on=(config_cache.CATEGORIES,))


def ranked(rules: Sequence[Rule], category_path: str | None, grid_path: str) -> list[Rule]:
    """The rules that apply, most specific first (deeper category, deeper place, priority)."""
    hits = [r for r in rules if r.matches(category_path, grid_path)]
    return sorted(hits, key=lambda r: r.specificity, reverse=True)


def choose(rules: Sequence[Rule], category_path: str | None, grid_path: str) -> Rule | None:
    hits = ranked(rules, category_path, grid_path)
    return hits[0] if hits else None


_NON_UNITS = (OrgKind.ENTERPRISE.value, OrgKind.SOCIAL_ORGANISATION.value)


def serving(candidates: Sequence[tuple[int, str, frozenset[int]]], town_id: int | None) -> tuple[int, str] | None:
    """Of the organisations answering one target at a place, (id, code, towns it serves),
    the one that serves the case's town: one that lists the town first, then one that lists
    no town (it serves every town below its node); among equals the smallest code. One that
    lists other towns only is never chosen. The one rule of "a department's towns" in routing."""
    listing = sorted((c for c in candidates if town_id is not None and town_id in c[2]), key=lambda c: c[1])
    if listing:
        return listing[0][0], listing[0][1]
    open_ = sorted((c for c in candidates if not c[2]), key=lambda c: c[1])
    return (open_[0][0], open_[0][1]) if open_ else None


#: Every unit of a city with the code and level of its node, once per town it lists (none:
#: one row, town None); and the city's towns.
_CITY_UNITS = (select(Organisation.id, Organisation.code, Organisation.kind, Organisation.department, Node.code,
                      Node.level, OrganisationTown.node_id)
               .join(Node, Node.id == Organisation.node_id)
               .outerjoin(OrganisationTown, OrganisationTown.organisation_id == Organisation.id)
               .where(Node.city_id == bindparam("city"), Organisation.active.is_(True),
                      Organisation.kind.not_in(_NON_UNITS)))
_TOWNS = select(Node.code, Node.id).where(Node.city_id == bindparam("city"), Node.level == Level.TOWN.value)

_Candidates = list[tuple[int, str, frozenset[int]]]


@dataclass
class _CityUnits:
    """A city's units by the code of their node, as of ``mark`` (the organisations' version,
    the map's), and the units along each place asked for so far."""

    mark: tuple[Any, ...]
    at: dict[str, list[tuple[int, str, Target, frozenset[int]]]]
    towns: dict[str, int]
    along: dict[str, tuple[dict[Target, _Candidates], int | None]]


#: (database, city id) -> its units; the least recently built dropped first.
_UNITS: dict[tuple[str, int], _CityUnits] = {}
_UNITS_CITIES = 16
_units_lock = threading.Lock()
_ALONG_SIZE = 50_000


def _city_units(session: Session, city_id: int) -> _CityUnits:
    """The city's units, read once per process and read again when its organisations
    (``config_cache.ORGANISATIONS``, which every write of one bumps) or its map (whose edits
    move, add and remove nodes) change version: an edit is seen by the next request of
    every process. A report's routing read the units along its place every time, a query of
    some thirty rows (docs/performance.md, P1)."""
    flush_pending(session)  # the session's own edits first (the flush bumps the version), as the query did
    mark = (config_cache.token(session, city_id, config_cache.ORGANISATIONS), map_token(session, city_id))
    key = (db_key(session), city_id)
    hit = _UNITS.get(key)
    if hit is not None and hit.mark == mark:
        return hit
    rows: dict[int, tuple[str, str, Target]] = {}
    towns: dict[int, set[int]] = {}
    for org_id, code, kind, department, node_code, level, town in read(session, _CITY_UNITS, {"city": city_id}):
        rows.setdefault(org_id, (node_code, code, Target(kind, department, level)))
        if town is not None:
            towns.setdefault(org_id, set()).add(town)
    at: dict[str, list[tuple[int, str, Target, frozenset[int]]]] = {}
    for org_id, (node_code, code, target) in rows.items():
        at.setdefault(node_code, []).append((org_id, code, target, frozenset(towns.get(org_id, ()))))
    entry = _CityUnits(mark, at, dict(read(session, _TOWNS, {"city": city_id}).all()), {})
    with _units_lock:
        freshness.keep(_UNITS, key, entry, _UNITS_CITIES)
    return entry


def warm(session: Session, city_id: int) -> None:
    """Read the city's units now (a server worker at start-up), not in its first report."""
    _city_units(session, city_id)


def _units_along(session: Session, city_id: int, grid_path: str) -> tuple[dict[Target, _Candidates], int | None]:
    """Every unit on the nodes from the city down to the grid, by the target it answers, with
    the towns it lists; and the place's town."""
    city = _city_units(session, city_id)
    found = city.along.get(grid_path)
    if found is None:
        codes = [c for c in grid_path.split("/") if c]
        by_target: dict[Target, _Candidates] = {}
        for c in codes:
            for org_id, code, target, listed in city.at.get(c, ()):
                by_target.setdefault(target, []).append((org_id, code, listed))
        town_id = next((city.towns[c] for c in codes if c in city.towns), None)
        if len(city.along) >= _ALONG_SIZE:
            city.along.clear()
        found = city.along[grid_path] = (by_target, town_id)
    return found


def unit_at(session: Session, city_id: int, place_path: str, target: Target) -> tuple[int, str] | None:
    """The unit (id, code) that answers for ``target`` (kind, department, level) at a place:
    the organisation of that kind at the place's ancestor of that level (a department
    listing the towns it serves only where it serves the place's town: :func:`serving`).
    The one rule of "which unit at this place" for a routed case and a service item alike."""
    by_target, town_id = _units_along(session, city_id, place_path)
    return serving(by_target.get(target, ()), town_id)


def route(session: Session, city_id: int, category_path: str | None, grid_path: str) -> Route:
    """The responsible unit for a case of ``category_path`` in the grid at ``grid_path``."""
    rule = choose(city_rules(session, city_id), category_path, grid_path)
    if rule is None:
        return Route(None, None, None, None, 0, False)
    for i, t in enumerate((rule.target, *rule.fallbacks)):
        found = unit_at(session, city_id, grid_path, t)
        if found is not None:
            return Route(found[0], found[1], t, rule, i, rule.auto and i == 0)
    return Route(None, None, None, rule, len(rule.fallbacks) + 1, False)


# --------------------------------------------------------------------------- editing


@dataclass(frozen=True)
class RuleIn:
    """A rule as a form gives it: category code ("": every category), node code ("": the
    whole city), the target, the flags, priority (a whole number as text), fallbacks as
    ``kind:department:level;...``, a note."""

    category: str
    node: str
    org_kind: str
    department: str
    level: str
    delegated: bool = False
    auto: bool = False
    priority: str = "0"
    fallbacks: str = ""
    note: str = ""
    active: bool = True


def has_own_rules(session: Session, city_id: int) -> bool:
    return session.scalar(select(RoutingRule.id).where(RoutingRule.city_id == city_id).limit(1)) is not None


def pin_default_rules(session: Session, city_id: int) -> bool:
    """Give a city still on the shipped rules those rules as its own rows (by category
    code), so that an edit (or a renamed category) changes nothing else. Returns whether it
    did. A city whose tree does not resolve the shipped rules keeps none (routing there
    needs rules of its own anyway). Flushes."""
    if has_own_rules(session, city_id):
        return False
    try:
        with session.begin_nested():
            install_rules(session, city_id)
    except RuleError:
        return False
    return True


def listed_rules(session: Session, city_id: int) -> tuple[bool, list[RoutingRule]]:
    """(whether the city has rules of its own, its rules, active or not, in id order); for a
    city on the shipped rules, those as unsaved rows."""
    rows = list(session.scalars(select(RoutingRule).where(RoutingRule.city_id == city_id)
                                .order_by(RoutingRule.id)))
    if rows:
        return True, rows
    return False, [_row(city_id, r) for r in city_rules(session, city_id)]


def _row(city_id: int, r: Rule) -> RoutingRule:
    return RoutingRule(
        id=r.id, city_id=city_id, category=r.category, node_path=r.node_path, org_kind=r.target.kind,
        department=r.target.department, level=r.target.level, delegated=r.delegated, auto=r.auto,
        priority=r.priority, note=r.note, active=True,
        fallbacks=json.dumps([[t.kind, t.department, t.level] for t in r.fallbacks]))


def fallback_targets(row: RoutingRule) -> tuple[Target, ...]:
    return tuple(Target(k, d, lv) for k, d, lv in json.loads(row.fallbacks or "[]"))


def _checked(session: Session, city_id: int, given: RuleIn) -> dict[str, Any]:
    """The columns of a rule, or :class:`RuleError` (with its form field) for the first
    problem: an unknown category, node, organisation kind, department or level, a bad
    fallback, a priority that is not a whole number, a note too long."""
    where = "rule"
    category = given.category.strip()
    if category and category not in _categories(session, city_id)["codes"]:
        raise RuleError(f"{where}: no category {category!r} in the city's tree", "category")
    node_path = _node_path(session, city_id, given.node.strip(), where)
    target = _target(given.org_kind.strip(), given.department.strip() or None, given.level.strip(), where)
    fallbacks = parse_fallbacks(given.fallbacks, where)
    try:
        priority = int(given.priority.strip() or "0")
    except ValueError:
        raise RuleError(f"{where}: priority {given.priority!r} is not a whole number", "priority") from None
    if not -1000 <= priority <= 1000:
        raise RuleError(f"{where}: priority is between -1000 and 1000", "priority")
    note = given.note.strip()
    if len(note) > 200:
        raise RuleError(f"{where}: a note has at most 200 characters", "note")
    return {"category": category, "node_path": node_path, "org_kind": target.kind,
            "department": target.department, "level": target.level, "delegated": given.delegated,
            "auto": given.auto, "priority": priority, "note": note, "active": given.active,
            "fallbacks": json.dumps([[t.kind, t.department, t.level] for t in fallbacks])}


def _own_rule(session: Session, city_id: int, rule_id: int) -> RoutingRule:
    row = session.get(RoutingRule, rule_id)
    if row is None or row.city_id != city_id:
        raise NotVisible(f"no routing rule {rule_id}")
    return row


def _saved(session: Session, city_id: int) -> None:
    config_cache.bump(session, city_id, config_cache.ROUTING)
    session.commit()


def add_rule(session: Session, city_id: int, given: RuleIn) -> RoutingRule:
    """Add a rule (a city on the shipped rules keeps them, as its own rows). One
    transaction; :class:`RuleError` and nothing stored when the rule is not valid. The next
    case routed (in any process: rules are read per session) uses it."""
    columns = _checked(session, city_id, given)
    pin_default_rules(session, city_id)
    row = RoutingRule(city_id=city_id, updated_at=utcnow(), **columns)
    session.add(row)
    _saved(session, city_id)
    return row


def update_rule(session: Session, city_id: int, rule_id: int, given: RuleIn) -> RoutingRule:
    """Change a rule of the city's own (ids of shipped rules are not rows: pin them first)."""
    row = _own_rule(session, city_id, rule_id)
    for name, value in _checked(session, city_id, given).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    _saved(session, city_id)
    return row


def delete_rule(session: Session, city_id: int, rule_id: int) -> None:
    session.delete(_own_rule(session, city_id, rule_id))
    _saved(session, city_id)


def adopt_default_rules(session: Session, city_id: int) -> bool:
    """The shipped rules become the city's own rows, to edit one by one (one transaction)."""
    done = pin_default_rules(session, city_id)
    _saved(session, city_id)
    return done


categories.BEFORE_RENAME.append(pin_default_rules)
