"""Bulk import of the organisation chart, people and accounts from CSV or XLSX, with the row
contract of ``huying import cases`` (:mod:`huying.intake.rows`): every bad row named by line,
field and reason; ``all-or-nothing`` stores nothing when any row is bad, ``skip-bad`` stores
the good rows. Each row goes through the administrative command an administrator would use
(``huying.orgs.chart``, ``huying.orgs.accounts``), inside the importing account's place, with
its audit row; each row is its own savepoint, so a later row may name an organisation an
earlier row created.

Accounts imported without a password get a one-time reset code each (in the summary, once:
never a password shown); with one, they choose their own at the first sign-in.

:func:`upload` is the one import of an uploaded file, for the pages and the API (the command
line reads a file on disk with :func:`run`): a dry run reports what would happen and stores
nothing; the confirmation may carry the dry run's ``fingerprint``, and is then refused
(:class:`Stale`, nothing stored) when the file or the database changed so that the outcome
would differ from what was shown."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.db import real_transaction
from huying.errors import CaseError, Conflict, SettingError
from huying.geo.models import Node
from huying.intake.rows import (
    Columns,
    FileError,
    Mode,
    Outcome,
    Problem,
    problem_of,
    read_table,
    read_upload,
)
from huying.orgs import accounts, chart
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation


class Kind(enum.StrEnum):
    ORGANISATIONS = "organisations"
    PEOPLE = "people"
    ACCOUNTS = "accounts"


COLUMNS: dict[Kind, tuple[str, ...]] = {
    Kind.ORGANISATIONS: ("code", "name_zh", "name_en", "kind", "node", "parent", "department", "team_kind",
                         "phone"),
    Kind.PEOPLE: ("name", "node", "organisation", "phone", "party_member"),
    Kind.ACCOUNTS: ("username", "display_name", "role", "node", "organisation", "password"),
}
REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.ORGANISATIONS: ("code", "name_zh", "kind", "node"),
    Kind.PEOPLE: ("name",),
    Kind.ACCOUNTS: ("username", "role", "node"),
}
ALIASES = {"代码": "code", "编码": "code", "名称": "name_zh", "中文名称": "name_zh", "英文名称": "name_en",
           "类型": "kind", "所在节点": "node", "节点": "node", "上级": "parent", "部门": "department",
           "队伍": "team_kind", "电话": "phone", "姓名": "name", "单位": "organisation", "组织": "organisation",
           "党员": "party_member", "用户名": "username", "显示名": "display_name", "角色": "role",
           "密码": "password"}
_YES = {"1", "y", "yes", "true", "是"}
_NO = {"", "0", "n", "no", "false", "否"}


#: One synthetic example row per kind: the downloadable template's second line.
EXAMPLES: dict[Kind, dict[str, str]] = {
    Kind.ORGANISATIONS: {"code": "EXAMPLE-ORG-1", "name_zh": "示例社会组织", "name_en": "Example association",
                         "kind": "social_organisation", "node": "441900101", "phone": "138****0000"},
    Kind.PEOPLE: {"name": "示例人员", "node": "441900101", "phone": "138****0000", "party_member": "否"},
    Kind.ACCOUNTS: {"username": "example.user", "display_name": "示例账号", "role": "town_officer",
                    "node": "441900101"},
}


@dataclass(frozen=True)
class Added:
    """A good row: its line and what it adds (a code, a name, a username)."""

    line: int
    name: str


@dataclass
class DirectoryReport(Outcome):
    kind: str = ""
    #: username → one-time reset code, for accounts imported without a password
    resets: dict[str, str] = field(default_factory=dict)
    #: the rows that went in (or would, in a dry run), in file order
    added: list[Added] = field(default_factory=list)
    dry_run: bool = False
    #: the rows a dry run would store (0 when it would store nothing)
    would_import: int = 0
    #: what a confirmation must find again (:func:`fingerprint`)
    fingerprint: str = ""

    def details(self) -> dict[str, Any]:
        return {"kind": self.kind, "resets": self.resets, "dry_run": self.dry_run,
                "would_import": self.would_import, "fingerprint": self.fingerprint,
                "added": [{"line": a.line, "name": a.name} for a in self.added]}


def _node(session: Session, city_id: int, code: str, fld: str = "node") -> Node | None:
    code = code.strip()
    if not code:
        return None
    node = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == code))
    if node is None:
        raise SettingError(f"no place with code {code!r}", fld, "node")
    return node


def _org(session: Session, city_id: int, code: str, fld: str = "organisation") -> Organisation | None:
    code = code.strip()
    if not code:
        return None
    try:
        return chart.get(session, city_id, code)
    except SettingError as exc:  # the one look-up, its refusal named by this row's column
        raise SettingError(str(exc), fld, exc.reason) from None


def _flag(raw: dict[str, str], name: str) -> bool:
    text = raw.get(name, "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise SettingError("yes or no (1 or 0, 是 or 否)", name, "flag")


def _row(session: Session, actor: Actor | None, city_id: int, kind: Kind, raw: dict[str, str],
         now: dt.datetime, rep: DirectoryReport) -> str:
    """Store one row through its administrative command; what it added (code, name, username)."""
    if raw.get("__extra__"):
        raise SettingError("more values than columns", "row", "row")
    if kind is Kind.ORGANISATIONS:
        node = _node(session, city_id, raw.get("node", ""))
        if node is None:
            raise SettingError("give the node's code", "node", "node")
        org = chart.create(session, actor, node=node, code=raw.get("code", ""), name_zh=raw.get("name_zh", ""),
                           name_en=raw.get("name_en", ""), kind=raw.get("kind", "").strip(), now=now,
                           department=raw.get("department"), team_kind=raw.get("team_kind"),
                           parent=_org(session, city_id, raw.get("parent", ""), "parent"),
                           phone_masked=raw.get("phone", "").strip() or None)
        return f"{org.name_zh} ({org.code})"
    if kind is Kind.PEOPLE:
        person = chart.create_person(session, actor, city_id, chart.PersonIn(
            name=raw.get("name", ""), node=_node(session, city_id, raw.get("node", "")),
            organisation=_org(session, city_id, raw.get("organisation", "")),
            phone_masked=raw.get("phone"), is_party_member=_flag(raw, "party_member")), now=now)
        return person.name
    node = _node(session, city_id, raw.get("node", ""))
    if node is None:
        raise SettingError("give the node's code", "node", "node")
    password = raw.get("password", "")
    user = accounts.create(session, actor, username=raw.get("username", ""),
                           password=password or secrets.token_urlsafe(24), role=raw.get("role", "").strip(),
                           node=node, now=now, display_name=raw.get("display_name", "").strip() or None,
                           organisation=_org(session, city_id, raw.get("organisation", "")))
    if not password:
        user.must_change_password = False  # they set their own with the code
        rep.resets[user.username] = accounts.issue_reset(session, user, actor, now=now)
    return user.username

def import_rows(session: Session, actor: Actor | None, city_id: int, kind: Kind,
                rows: list[tuple[int, dict[str, str]]], *, now: dt.datetime,
                mode: Mode = Mode.ALL_OR_NOTHING) -> DirectoryReport:
    """Each row in its own savepoint of the session's transaction; the caller commits when
    ``report.stored`` and rolls back otherwise."""
    rep = DirectoryReport(rows=len(rows), mode=mode.value, kind=kind.value)
    for line, raw in rows:
        resets = dict(rep.resets)
        nested = session.begin_nested()
        try:
            name = _row(session, actor, city_id, kind, raw, now, rep)
            nested.commit()
        except CaseError as exc:
            nested.rollback()
            rep.resets = resets
            problem = problem_of(line, exc)
            if problem.key == "scope":  # outside the importer's place: the column that put it there
                problem = dataclasses.replace(problem, field="node" if raw.get("node", "").strip() else "organisation")
            rep.problems.append(problem)
        else:
            rep.imported += 1
            rep.added.append(Added(line, name))
    rep.stored = rep.imported > 0 and (mode is Mode.SKIP_BAD or not rep.problems)
    if not rep.stored:
        rep.imported, rep.resets = 0, {}
    return rep


def run(engine: Engine, actor_of: Callable[[Session], Actor | None], city_id_of: Callable[[Session], int],
        path: Path, kind: Kind, *, now: dt.datetime, mode: Mode = Mode.ALL_OR_NOTHING) -> DirectoryReport:
    """Import a file into the database of ``engine`` (a ``savepoint_engine``): one transaction,
    committed only when the report says stored."""
    rows = list(read_table(path, columns=COLUMNS[kind], aliases=ALIASES, required=REQUIRED[kind], place=False))
    with Session(engine, expire_on_commit=False) as session:
        rep = import_rows(session, actor_of(session), city_id_of(session), kind, rows, now=now, mode=mode)
        if rep.stored:
            session.commit()
        else:
            session.rollback()
    return rep


class Stale(Conflict):
    """The confirmation would not do what its dry run showed (the file or the database
    changed meanwhile): nothing was stored; ``report`` is what it would do now."""

    def __init__(self, report: DirectoryReport) -> None:
        super().__init__("the outcome differs from the dry run (the file or the data changed meanwhile): "
                         "check the new report and confirm again")
        self.report = report


def fingerprint(digest: str, rep: DirectoryReport) -> str:
    """What a dry run showed, in a few characters: the file (its sha256), the kind and mode,
    every refused row (line, field, key) and every good row (line, name)."""
    shown = [digest, rep.kind, rep.mode, [[p.line, p.field, p.key] for p in rep.problems],
             [[a.line, a.name] for a in rep.added]]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:32]


def read_file(kind: Kind, data: bytes, filename: str, *, max_bytes: int) -> list[tuple[int, dict[str, str]]]:
    """The rows of an uploaded file (:class:`FileError` when it is too large, neither CSV
    nor XLSX, not UTF-8, lacks a required column or has no rows)."""
    if len(data) > max_bytes:
        raise FileError(f"{filename}: the file is larger than {max_bytes} bytes", "too_large")
    rows = list(read_upload(data, filename, columns=COLUMNS[kind], aliases=ALIASES, required=REQUIRED[kind]))
    if not rows:
        raise FileError(f"{filename}: the file has no rows below its header", "empty")
    return rows


def upload(session: Session, actor: Actor | None, city_id: int, kind: Kind, data: bytes, filename: str, *,
           now: dt.datetime, max_bytes: int, mode: Mode = Mode.ALL_OR_NOTHING, dry_run: bool = True,
           expect: str | None = None) -> DirectoryReport:
    """Import an uploaded file in one transaction of ``session``, which this commits when
    the rows are stored and rolls back otherwise (always in a dry run). ``expect``: the
    fingerprint of the dry run being confirmed (:class:`Stale` when it differs)."""
    rows = read_file(kind, data, filename, max_bytes=max_bytes)
    real_transaction(session)
    rep = import_rows(session, actor, city_id, kind, rows, now=now, mode=mode)
    rep.dry_run = dry_run
    rep.fingerprint = fingerprint(hashlib.sha256(data).hexdigest(), rep)
    if expect is not None and expect != rep.fingerprint:
        session.rollback()
        rep.would_import, rep.imported, rep.stored, rep.resets, rep.dry_run = rep.imported, 0, False, {}, True
        raise Stale(rep)
    if dry_run:
        session.rollback()
        rep.would_import, rep.imported, rep.stored, rep.resets = rep.imported, 0, False, {}
    elif rep.stored:
        session.commit()
    else:
        session.rollback()
    return rep


__all__ = ["ALIASES", "COLUMNS", "EXAMPLES", "Added", "Columns", "DirectoryReport", "Kind", "Problem", "Stale",
           "fingerprint", "import_rows", "read_file", "run", "upload"]
