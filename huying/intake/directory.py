"""Bulk import of the organisation chart, people and accounts from CSV or XLSX, with the row
contract of ``huying import cases`` (:mod:`huying.intake.rows`): every bad row named by line,
field and reason; ``all-or-nothing`` stores nothing when any row is bad, ``skip-bad`` stores
the good rows. Each row goes through the administrative command an administrator would use
(``huying.orgs.chart``, ``huying.orgs.accounts``), inside the importing account's place, with
its audit row; each row is its own savepoint, so a later row may name an organisation an
earlier row created.

Accounts imported without a password get a one-time reset code each (in the summary, once:
never a password shown); with one, they choose their own at the first sign-in."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.errors import CaseError, SettingError
from huying.geo.models import Node
from huying.intake.rows import Columns, Mode, Outcome, Problem, problem_of, read_table
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


@dataclass
class DirectoryReport(Outcome):
    kind: str = ""
    #: username → one-time reset code, for accounts imported without a password
    resets: dict[str, str] = field(default_factory=dict)

    def details(self) -> dict[str, Any]:
        return {"kind": self.kind, "resets": self.resets}


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
    org = session.scalar(select(Organisation).where(Organisation.city_id == city_id, Organisation.code == code))
    if org is None:
        raise SettingError(f"no organisation with code {code!r}", fld, "organisation")
    return org


def _flag(raw: dict[str, str], name: str) -> bool:
    text = raw.get(name, "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise SettingError("yes or no (1 or 0, 是 or 否)", name, "flag")


def _row(session: Session, actor: Actor | None, city_id: int, kind: Kind, raw: dict[str, str],
         now: dt.datetime, rep: DirectoryReport) -> None:
    if raw.get("__extra__"):
        raise SettingError("more values than columns", "row", "row")
    if kind is Kind.ORGANISATIONS:
        node = _node(session, city_id, raw.get("node", ""))
        if node is None:
            raise SettingError("give the node's code", "node", "node")
        chart.create(session, actor, node=node, code=raw.get("code", ""), name_zh=raw.get("name_zh", ""),
                     name_en=raw.get("name_en", ""), kind=raw.get("kind", "").strip(), now=now,
                     department=raw.get("department"), team_kind=raw.get("team_kind"),
                     parent=_org(session, city_id, raw.get("parent", ""), "parent"),
                     phone_masked=raw.get("phone", "").strip() or None)
    elif kind is Kind.PEOPLE:
        chart.create_person(session, actor, city_id, chart.PersonIn(
            name=raw.get("name", ""), node=_node(session, city_id, raw.get("node", "")),
            organisation=_org(session, city_id, raw.get("organisation", "")),
            phone_masked=raw.get("phone"), is_party_member=_flag(raw, "party_member")), now=now)
    else:
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
            _row(session, actor, city_id, kind, raw, now, rep)
            nested.commit()
        except CaseError as exc:
            nested.rollback()
            rep.resets = resets
            rep.problems.append(problem_of(line, exc))
        else:
            rep.imported += 1
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


__all__ = ["ALIASES", "COLUMNS", "Columns", "DirectoryReport", "Kind", "Problem", "import_rows", "run"]
