"""Importing a division list (区划代码表: 社区 and 村 with their 12-digit statistical codes) to
rename the city's communities and to learn which new ones it names (issue 22).

A division list has the columns of the one huying ships (``code, name, town_code,
town_name``; :mod:`huying.geo.divisions`), as CSV or XLSX. Each row is checked as the map
checks a community (the same rules, called, not restated):

- ``code``: 12 digits, beginning with ``town_code`` (:func:`huying.geo.tree.code_problem`);
- ``town_code``: a town of the city, which the administrator's place holds
  (:func:`huying.orgs.scope.check_administers`);
- ``name``: not empty, at most 100 characters once its committee suffix is dropped
  (:func:`huying.geo.divisions.short_name`: 岗贝社区居民委员会 → 岗贝社区);
- a code only once in the file; ``town_name`` is read for people, not checked (the code
  decides).

Then, for each good row:

- a community of the city with that code and another name is **renamed** (the name people
  use; its English label follows when it was the generated one), with an audit row
  (before, after) as a rename on the map page has;
- a community with the same name is **unchanged**;
- a code the city does not have **needs a polygon**: nothing is stored for it, the report
  says to redraw the town's communities on the map page with this code (a community is a
  place: the list has no polygon to give it, and carving one would be a guess).

Communities of the towns the file names that it does not list are reported as **not
listed**: nothing is done to them (a community that is gone is merged into its neighbour on
the map page, with its cases and households).

The row contract is ``huying import cases``'s (:mod:`huying.intake.rows`): every refused row
named by line, field and reason; ``all-or-nothing`` (default) stores nothing when any row is
refused, ``skip-bad`` stores the good rows' renames. A preview (:func:`check`) writes
nothing; :func:`apply` writes in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying import audit
from huying.errors import NotPermitted
from huying.geo import edit
from huying.geo import service as geo
from huying.geo.divisions import COLUMNS, english_name, short_name
from huying.geo.models import Level, Node
from huying.intake.rows import FileError, Mode, Outcome, Problem, read_table
from huying.mapedit.service import SUBJECT
from huying.orgs.actor import Actor
from huying.orgs.scope import check_administers

__all__ = ["ALIASES", "COLUMNS", "REQUIRED", "DivisionProblem", "DivisionReport", "NeedsPolygon", "Rename",
           "apply", "check", "read_upload"]

REQUIRED = ("code", "name", "town_code")
#: Header aliases: the Chinese headers of a typical 区划代码 table.
ALIASES = {"代码": "code", "区划代码": "code", "统计用区划代码": "code", "编码": "code", "名称": "name",
           "村级名称": "name", "社区名称": "name", "镇街代码": "town_code", "乡镇代码": "town_code",
           "镇街": "town_name", "乡镇": "town_name", "镇街名称": "town_name", "乡镇名称": "town_name"}
#: The largest division list taken (bytes): Dongguan's 609 rows are 37 kB.
MAX_FILE = 2 * 1024 * 1024
#: The audit's ``source`` of a rename made by a division list.
SOURCE = "division list"
_CODE = re.compile(r"\d{12}")
_TOWN_CODE = re.compile(r"\d{9}")


@dataclass(frozen=True)
class DivisionProblem(Problem):
    """A refused row: its line, field, reason (English detail) and kind (for the pages);
    ``other``: the earlier line of a duplicate code."""

    kind: str = ""
    other: int = 0


@dataclass(frozen=True)
class Rename:
    line: int
    code: str
    town_code: str
    before_zh: str
    after_zh: str
    before_en: str
    after_en: str


@dataclass(frozen=True)
class NeedsPolygon:
    line: int
    code: str
    name: str
    town_code: str
    town_name: str


@dataclass
class DivisionReport(Outcome):
    """What a division list does (or would do): renames, unchanged rows, codes needing a
    polygon, communities the list does not name, and the refused rows."""

    renames: list[Rename] = field(default_factory=list)
    unchanged: int = 0
    new: list[NeedsPolygon] = field(default_factory=list)
    #: (code, name, town code) of the communities of the file's towns it does not list
    not_listed: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def can_apply(self) -> bool:
        """There is something to store, and the mode lets it be stored."""
        return bool(self.renames) and (Mode(self.mode) is Mode.SKIP_BAD or not self.problems)

    def details(self) -> dict[str, Any]:
        return {"renamed": len(self.renames), "unchanged": self.unchanged, "needs_polygon": len(self.new),
                "renames": [r.__dict__ for r in self.renames],
                "new": [{**n.__dict__, "hint": f"needs a polygon: redraw the communities of {n.town_code} on "
                                               f"/admin/map?node={n.town_code} with code {n.code}"}
                        for n in self.new],
                "not_listed": [{"code": c, "name": n, "town_code": t} for c, n, t in self.not_listed]}

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out["problems"] = [{"line": p.line, "field": p.field, "reason": p.reason,
                            "kind": getattr(p, "kind", "")} for p in self.problems]
        return out


def read_upload(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of an uploaded division list (CSV or XLSX by its name), read as
    ``huying import`` reads a file. :class:`FileError` when the file cannot be read."""
    if len(data) > MAX_FILE:
        raise FileError("the file is too large")
    suffix = Path(filename or "").suffix.lower()
    suffix = suffix if suffix in (".csv", ".txt", ".xlsx", ".xlsm") else ".csv"
    with tempfile.TemporaryDirectory(prefix="huying-divisions-") as tmp:
        path = Path(tmp) / f"divisions{suffix}"
        path.write_bytes(data)
        try:
            return list(read_table(path, columns=COLUMNS, aliases=ALIASES, required=REQUIRED, place=False))
        except FileError as exc:  # name the upload, not the scratch file
            raise FileError(str(exc).replace(str(path), filename or "the file")) from None


def _refuse(rep: DivisionReport, line: int, fld: str, kind: str, reason: str, other: int = 0) -> None:
    rep.problems.append(DivisionProblem(line, fld, reason, key=kind, kind=kind, other=other))


def _plan(session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]],
          mode: Mode) -> tuple[DivisionReport, dict[str, Node]]:
    # an administrator, first: a non-administrator learns nothing of the file's places
    check_administers(actor, actor.node_path, "import a division list")
    rep = DivisionReport(rows=len(rows), mode=mode.value)
    towns = {n.code: n for n in session.scalars(select(Node).where(Node.city_id == actor.city_id,
                                                                    Node.level == Level.TOWN.value))}
    seen: dict[str, int] = {}
    listed_towns: set[str] = set()
    nodes: dict[str, Node] = {}
    for line, raw in rows:
        before = len(rep.problems)
        if raw.get("__extra__"):
            _refuse(rep, line, "row", "extra_values", "more values than columns")
            continue
        code, town_code = raw.get("code", "").strip(), raw.get("town_code", "").strip()
        name = short_name(raw.get("name", ""))
        town = towns.get(town_code)
        if not _TOWN_CODE.fullmatch(town_code):
            _refuse(rep, line, "town_code", "bad_town_code", f"{town_code!r} is not a town's code (9 digits)")
        elif town is None:
            _refuse(rep, line, "town_code", "no_town", f"no town {town_code} in the city")
        else:
            try:
                check_administers(actor, town.path, "change its communities")
            except NotPermitted:
                _refuse(rep, line, "town_code", "outside_scope",
                        f"{town_code} ({town.name_zh}) is outside the place you administer")
        if not _CODE.fullmatch(code):
            _refuse(rep, line, "code", "bad_code", f"{code!r} is not a community's code (12 digits)")
        elif town is not None and geo.code_problem(Level.COMMUNITY, code, geo.path_codes(town.path)):
            _refuse(rep, line, "code", "other_town", f"{code} does not begin with its town's code {town_code}")
        elif code in seen:
            _refuse(rep, line, "code", "duplicate", f"{code} is also on line {seen[code]}", seen[code])
        if not name:
            _refuse(rep, line, "name", "no_name", "the name is empty")
        elif len(name) > 100:
            _refuse(rep, line, "name", "long_name", "a name has at most 100 characters")
        if len(rep.problems) > before or town is None:
            seen.setdefault(code, line)
            continue
        seen[code] = line
        listed_towns.add(town.code)
        node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.code == code))
        if node is None:
            rep.new.append(NeedsPolygon(line, code, name, town.code, town.name_zh))
        elif node.parent_id != town.id or node.level != Level.COMMUNITY.value:
            _refuse(rep, line, "code", "other_town", f"{code} is a place of the city, not a community of {town_code}")
        elif node.name_zh == name:
            rep.unchanged += 1
        else:
            generated = node.name_en == english_name(town.name_en, code, node.name_zh)
            after_en = english_name(town.name_en, code, name) if generated else node.name_en
            rep.renames.append(Rename(line, code, town.code, node.name_zh, name, node.name_en, after_en))
            nodes[code] = node
    for tc in sorted(listed_towns):
        for n in geo.children(session, towns[tc]):
            if n.code not in seen:
                rep.not_listed.append((n.code, n.name_zh, tc))
    rep.problems.sort(key=lambda p: p.line)
    return rep, nodes


def check(session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], *,
          mode: Mode = Mode.ALL_OR_NOTHING) -> DivisionReport:
    """What the division list would do (the preview); nothing is written."""
    rep, _ = _plan(session, actor, rows, mode)
    return rep


def apply(session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], *, now: dt.datetime,
          mode: Mode = Mode.ALL_OR_NOTHING) -> DivisionReport:
    """Rename the communities the list renames, each with its audit row, in one transaction
    (committed here) when the mode allows (``report.stored``); else nothing is written."""
    rep, nodes = _plan(session, actor, rows, mode)
    if not rep.can_apply:
        return rep
    for r in rep.renames:
        node = nodes[r.code]
        changed = edit.rename(node, r.after_zh, r.after_en)
        audit.record(session, actor.city_id, SUBJECT, node.id, "rename", actor_id=actor.user_id, now=now,
                     before={k: v[0] for k, v in changed.items()}, after={k: v[1] for k, v in changed.items()},
                     code=node.code, source=SOURCE, line=r.line)
    geo.bump_map_version(session, actor.city_id)  # the outlines carry the names
    session.commit()
    rep.stored, rep.imported = True, len(rep.renames)
    return rep
