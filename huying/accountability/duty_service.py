"""Responsibility lists (责任清单) as a city's editable data: the lists and their items, the
defaults (``huying/data/duties.json``, paraphrased), the CSV/XLSX import, the edits of city
officers (add, reword, retire; delete only an item nothing cites) with their history, and the
evidence a node cites for an item in a year (a case, a visit, an exchange project, a
document). Each command is one transaction with one event per row it changes
(:mod:`huying.accountability.events`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.accountability import events
from huying.accountability.models import DutyEvidence, DutyItem, DutyList, ReviewScore
from huying.cases.policy import CITYWIDE, check_node, covers_node
from huying.cases.queries import get_case
from huying.community.exchange_service import get_project
from huying.config import get_settings
from huying.contact.models import Household, Unit, Visit
from huying.contact.visit_service import visible_contacts
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.geo.models import Level, Node
from huying.intake.rows import Mode, Outcome, problem_of
from huying.orgs.actor import Actor
from huying.orgs.models import Role

DEFAULTS = Path(__file__).resolve().parent.parent / "data" / "duties.json"
#: Who reads the lists (and, within their scope, the evidence): staff who answer for nodes.
READERS = frozenset({Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.LEADER, Role.ADMIN})
#: Who edits the lists: the city's officers.
EDITORS = frozenset({Role.CITY_OFFICER, Role.ADMIN})
#: Who cites evidence for a node: its officers and those above it.
CITERS = frozenset({Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.ADMIN})
LEVELS = (Level.TOWN.value, Level.COMMUNITY.value)
EVIDENCE_KINDS = ("case", "visit", "project", "document")
#: The columns of an import (and their Chinese headers).
COLUMNS = ("list", "list_name", "level", "number", "text", "answerable")
ALIASES = {"清单": "list", "清单代码": "list", "清单名称": "list_name", "层级": "level", "序号": "number",
           "编号": "number", "内容": "text", "事项": "text", "责任人": "answerable", "责任主体": "answerable"}
#: A document's accepted types, by their first bytes.
DOCUMENT_TYPES = {b"%PDF-": ("application/pdf", "pdf"), b"\xff\xd8\xff": ("image/jpeg", "jpg"),
                  b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
                  b"PK\x03\x04": ("application/vnd.openxmlformats-officedocument", "docx")}


def check_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise NotPermitted("responsibility lists are for officers and leaders")


def check_editor(actor: Actor) -> None:
    if actor.role not in EDITORS:
        raise NotPermitted("only the city's officers edit the responsibility lists")


def node_of(session: Session, city_id: int, code: str, field_: str = "node") -> Node:
    node = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == (code or "").strip()))
    if node is None:
        raise InvalidInput(f"no node {code!r}", field_)
    return node


def text_of(value: Any, field_: str, max_len: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput("must not be empty", field_)
    if len(text) > max_len:
        raise InvalidInput(f"longer than {max_len} characters", field_)
    return text


# --------------------------------------------------------------------------- reading


@dataclass
class ListView:
    duty_list: DutyList
    items: list[DutyItem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.duty_list.code, "name_zh": self.duty_list.name_zh, "name_en": self.duty_list.name_en,
                "level": self.duty_list.level,
                "items": [item_dict(i) for i in self.items]}


def item_dict(item: DutyItem) -> dict[str, Any]:
    return {"id": item.id, "number": item.number, "text": item.text, "answerable": item.answerable,
            "active": item.active, "version": item.version}


def lists(session: Session, actor: Actor, *, level: str | None = None, retired: bool = False) -> list[ListView]:
    """The city's lists (of ``level``), each with its items in order (retired ones too when asked)."""
    check_reader(actor)
    q = select(DutyList).where(DutyList.city_id == actor.city_id)
    if level:
        q = q.where(DutyList.level == level)
    out = [ListView(lst) for lst in session.scalars(q.order_by(DutyList.position, DutyList.id))]
    if not out:
        return out
    by_id = {v.duty_list.id: v for v in out}
    iq = select(DutyItem).where(DutyItem.list_id.in_(by_id))
    if not retired:
        iq = iq.where(DutyItem.active.is_(True))
    for item in session.scalars(iq.order_by(DutyItem.number)):
        by_id[item.list_id].items.append(item)
    return out


def list_by_code(session: Session, city_id: int, code: str) -> DutyList:
    found = session.scalar(select(DutyList).where(DutyList.city_id == city_id, DutyList.code == (code or "").strip()))
    if found is None:
        raise InvalidInput(f"no list {code!r}", "list")
    return found


def item_of(session: Session, actor: Actor, item_id: int) -> DutyItem:
    item = session.get(DutyItem, item_id)
    if item is None or item.city_id != actor.city_id:
        raise NotVisible("no such item")
    return item


def items_for_level(session: Session, city_id: int, level: str) -> list[DutyItem]:
    """The active items of the lists of ``level`` (what a review of a node of that level scores)."""
    return list(session.scalars(
        select(DutyItem).join(DutyList, DutyList.id == DutyItem.list_id)
        .where(DutyList.city_id == city_id, DutyList.level == level, DutyItem.active.is_(True))
        .order_by(DutyList.position, DutyList.id, DutyItem.number)))


# --------------------------------------------------------------------------- editing


def _new_list(session: Session, actor: Actor, code: str, name_zh: str, name_en: str, level: str,
              now: dt.datetime) -> DutyList:
    if level not in LEVELS:
        raise InvalidInput(f"one of {', '.join(LEVELS)}", "level")
    position = int(session.scalar(select(func.count()).select_from(DutyList)
                                  .where(DutyList.city_id == actor.city_id)) or 0)
    lst = DutyList(city_id=actor.city_id, code=text_of(code, "list", 40), name_zh=text_of(name_zh, "list_name", 120),
                   name_en=name_en.strip()[:160] or code, level=level, position=position, created_at=now)
    session.add(lst)
    session.flush()
    events.record(session, actor.city_id, "list", lst.id, "create", actor_id=actor.user_id, now=now,
                  code=lst.code, name=lst.name_zh, level=level)
    return lst


def _add(session: Session, actor: Actor, lst: DutyList, number: int, text: str, answerable: str,
         now: dt.datetime) -> DutyItem:
    item = DutyItem(city_id=actor.city_id, list_id=lst.id, number=number, text=text, answerable=answerable,
                    active=True, version=1, created_at=now, updated_at=now)
    session.add(item)
    session.flush()
    events.record(session, actor.city_id, "item", item.id, "add", actor_id=actor.user_id, now=now,
                  list=lst.code, number=number, text=text, answerable=answerable)
    return item


def add_item(session: Session, actor: Actor, list_code: str, *, text: str, answerable: str = "",
             now: dt.datetime) -> DutyItem:
    """A new item at the end of a list."""
    check_editor(actor)
    lst = list_by_code(session, actor.city_id, list_code)
    text_v, ans = text_of(text, "text", 2000), text_of(answerable, "answerable", 80, required=False)
    number = int(session.scalar(select(func.coalesce(func.max(DutyItem.number), 0))
                                .where(DutyItem.list_id == lst.id)) or 0) + 1
    item = _add(session, actor, lst, number, text_v, ans, now)
    session.commit()
    return item


def _expect(item: DutyItem, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != item.version:
        raise Refused(f"the item changed meanwhile (version {expected_version} expected, now {item.version}): "
                      "reload and try again")


def reword_item(session: Session, actor: Actor, item_id: int, *, text: str, answerable: str | None = None,
                now: dt.datetime, expected_version: int | None = None) -> DutyItem:
    """New wording (and who answers for it); the old one stays in the item's history."""
    check_editor(actor)
    item = item_of(session, actor, item_id)
    _expect(item, expected_version)
    text_v = text_of(text, "text", 2000)
    ans = item.answerable if answerable is None else text_of(answerable, "answerable", 80, required=False)
    if (text_v, ans) == (item.text, item.answerable):
        raise InvalidInput("nothing changed", "text")
    events.record(session, actor.city_id, "item", item.id, "reword", actor_id=actor.user_id, now=now,
                  before=item.text, after=text_v, answerable_before=item.answerable, answerable=ans)
    item.text, item.answerable, item.updated_at, item.version = text_v, ans, now, item.version + 1
    session.commit()
    return item


def retire_item(session: Session, actor: Actor, item_id: int, *, reason: str, now: dt.datetime) -> DutyItem:
    """The item no longer applies: kept, with its evidence and scores, out of new reviews."""
    check_editor(actor)
    item = item_of(session, actor, item_id)
    if not item.active:
        raise Refused("the item is already retired")
    why = text_of(reason, "reason", 500)
    item.active, item.retired_at, item.updated_at, item.version = False, now, now, item.version + 1
    events.record(session, actor.city_id, "item", item.id, "retire", actor_id=actor.user_id, now=now, reason=why)
    session.commit()
    return item


def restore_item(session: Session, actor: Actor, item_id: int, *, now: dt.datetime) -> DutyItem:
    check_editor(actor)
    item = item_of(session, actor, item_id)
    if item.active:
        raise Refused("the item is in force")
    item.active, item.retired_at, item.updated_at, item.version = True, None, now, item.version + 1
    events.record(session, actor.city_id, "item", item.id, "restore", actor_id=actor.user_id, now=now)
    session.commit()
    return item


def is_cited(session: Session, item_id: int) -> bool:
    """Evidence or a score cites the item (it may then be retired, never deleted)."""
    return any(session.scalar(select(t.id).where(t.item_id == item_id).limit(1)) is not None
               for t in (DutyEvidence, ReviewScore))


def delete_item(session: Session, actor: Actor, item_id: int, *, now: dt.datetime) -> None:
    """Remove an item added by mistake; one that evidence or scores cite is refused (retire it)."""
    check_editor(actor)
    item = item_of(session, actor, item_id)
    if is_cited(session, item.id):
        raise Refused("evidence or review scores cite this item: retire it instead of deleting it")
    events.record(session, actor.city_id, "item", item.id, "delete", actor_id=actor.user_id, now=now,
                  number=item.number, text=item.text)
    session.delete(item)
    session.commit()


# --------------------------------------------------------------------------- import


def _number(value: str) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"not a whole number: {str(value)[:20]!r}", "number") from None
    if not 1 <= n <= 999:
        raise InvalidInput("between 1 and 999", "number")
    return n


@dataclass(frozen=True)
class _Row:
    list_code: str
    number: int
    text: str
    answerable: str


def _check_row(row: dict[str, str], lists: dict[str, DutyList], new_lists: dict[str, tuple[str, str, str]],
               seen: set[tuple[str, int]]) -> _Row:
    """One row checked against the lists known and those the file creates (no writing)."""
    if row.get("__extra__"):
        raise InvalidInput(f"{row['__extra__']} value(s) beyond the header's columns", "row")
    code = text_of(row.get("list"), "list", 40)
    level = (row.get("level") or "").strip()
    known = lists.get(code)
    if known is None and code not in new_lists:
        if level not in LEVELS:
            raise InvalidInput(f"one of {', '.join(LEVELS)}", "level")
        new_lists[code] = (text_of(row.get("list_name"), "list_name", 120),
                           (row.get("list_name_en") or "").strip()[:160] or code, level)
    else:
        expected = known.level if known is not None else new_lists[code][2]
        if level and level != expected:
            raise InvalidInput(f"the list {code} is for the {expected} level", "level")
    number = _number(row.get("number", ""))
    if (code, number) in seen:
        raise InvalidInput(f"item {number} of {code} is already in the file", "number")
    seen.add((code, number))
    return _Row(code, number, text_of(row.get("text"), "text", 2000),
                text_of(row.get("answerable"), "answerable", 80, required=False))


@dataclass
class ImportOutcome(Outcome):
    counts: dict[str, int] = field(default_factory=lambda: {"lists": 0, "added": 0, "reworded": 0, "unchanged": 0})

    def details(self) -> dict[str, Any]:
        return dict(self.counts)


def import_rows(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]], *, now: dt.datetime,
                mode: Mode = Mode.ALL_OR_NOTHING) -> ImportOutcome:
    """Import items (``COLUMNS``): a new list is created from its first row (name and level),
    an item is added, reworded (its history kept) or left as it is. Every row is checked
    first and every bad one named by line and field; then all or nothing, or the good rows
    (``skip-bad``), in one transaction with one event per list or item changed."""
    check_editor(actor)
    out = ImportOutcome(mode=mode.value)
    lists = {lst.code: lst for lst in session.scalars(select(DutyList).where(DutyList.city_id == actor.city_id))}
    new_lists: dict[str, tuple[str, str, str]] = {}
    seen: set[tuple[str, int]] = set()
    good: list[_Row] = []
    for line, row in rows:
        out.rows += 1
        try:
            good.append(_check_row(row, lists, new_lists, seen))
        except InvalidInput as exc:
            out.problems.append(problem_of(line, exc))
    if out.problems and mode is Mode.ALL_OR_NOTHING:
        return out
    for code in {r.list_code for r in good}:
        if code not in lists:
            name, name_en, level = new_lists[code]
            lists[code] = _new_list(session, actor, code, name, name_en, level, now)
            out.counts["lists"] += 1
    items = {(i.list_id, i.number): i for i in session.scalars(
        select(DutyItem).where(DutyItem.city_id == actor.city_id))}
    added: list[tuple[DutyItem, str]] = []
    for r in good:
        lst = lists[r.list_code]
        item = items.get((lst.id, r.number))
        if item is None:
            item = DutyItem(city_id=actor.city_id, list_id=lst.id, number=r.number, text=r.text,
                            answerable=r.answerable, active=True, version=1, created_at=now, updated_at=now)
            session.add(item)
            added.append((item, lst.code))
            out.counts["added"] += 1
        elif (item.text, item.answerable) != (r.text, r.answerable):
            events.record(session, actor.city_id, "item", item.id, "reword", actor_id=actor.user_id, now=now,
                          flush=False, before=item.text, after=r.text, answerable_before=item.answerable,
                          answerable=r.answerable, source="import")
            item.text, item.answerable, item.updated_at, item.version = r.text, r.answerable, now, item.version + 1
            out.counts["reworded"] += 1
        else:
            out.counts["unchanged"] += 1
        out.imported += 1
    session.flush()
    for item, code in added:
        events.record(session, actor.city_id, "item", item.id, "add", actor_id=actor.user_id, now=now, flush=False,
                      list=code, number=item.number, text=item.text, answerable=item.answerable, source="import")
    session.commit()
    out.stored = True
    return out


def default_rows() -> list[tuple[int, dict[str, str]]]:
    """The default lists (``huying/data/duties.json``) as import rows."""
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    rows, line = [], 0
    for lst in data["lists"]:
        for n, text in enumerate(lst["items"], start=1):
            line += 1
            rows.append((line, {"list": lst["code"], "list_name": lst["name_zh"], "list_name_en": lst["name_en"],
                                "level": lst["level"], "number": str(n), "text": text,
                                "answerable": lst.get("answerable", "")}))
    return rows


def load_defaults(session: Session, actor: Actor, *, now: dt.datetime) -> ImportOutcome:
    return import_rows(session, actor, default_rows(), now=now)


# --------------------------------------------------------------------------- evidence


def check_citer(actor: Actor, node: Node) -> None:
    if actor.role not in CITERS:
        raise NotPermitted("evidence is cited by the node's officers and those above them")
    if not covers_node(actor, node.path):
        raise NotPermitted("this node is outside your scope")


def _visit_title(session: Session, actor: Actor, ref: str) -> str:
    if not ref.isdigit():
        raise InvalidInput("a visit is cited by its number", "ref")
    row = session.execute(
        select(Visit.id, Visit.at).outerjoin(Household, Household.id == Visit.household_id)
        .outerjoin(Unit, Unit.id == Visit.unit_id)
        .join(Node, Node.id == func.coalesce(Household.grid_id, Unit.grid_id))
        .where(Visit.city_id == actor.city_id, Visit.id == int(ref),
               visible_contacts(actor, Visit.household_id, Visit.unit_id, Node.path))).first()
    if row is None:
        raise NotVisible(f"no visit {ref} that you may see")
    return f"走访记录 {ref}"


def _store_document(city_id: int, filename: str, data: bytes) -> tuple[str, str]:
    settings = get_settings()
    if not data:
        raise InvalidInput("empty file", "file")
    if len(data) > settings.max_attachment_bytes:
        raise InvalidInput(f"{len(data)} bytes, more than {settings.max_attachment_bytes}", "file")
    kind = next((v for k, v in DOCUMENT_TYPES.items() if data.startswith(k)), None)
    if kind is None:
        raise InvalidInput("not a PDF, JPEG, PNG or Word (.docx) file", "file")
    digest = hashlib.sha256(data).hexdigest()
    rel = Path("duties") / str(city_id) / f"{digest}.{kind[1]}"
    dest = settings.data_dir / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        tmp = dest.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(dest)
    return rel.as_posix(), kind[0]


@dataclass(frozen=True)
class Citation:
    item_id: int
    node: str
    year: int
    kind: str
    ref: str = ""
    title: str = ""
    url: str = ""
    filename: str = ""
    data: bytes = b""


def cite(session: Session, actor: Actor, c: Citation, *, now: dt.datetime) -> DutyEvidence:
    """A node cites evidence for an item in a year. A case, visit or project must be one the
    actor may see (the one policy of each: refused otherwise, as not found)."""
    node = node_of(session, actor.city_id, c.node)
    check_citer(actor, node)
    item = item_of(session, actor, c.item_id)
    lst = session.get(DutyList, item.list_id)
    assert lst is not None
    if lst.level != node.level:
        raise InvalidInput(f"this item is for the organisations of the {lst.level} level", "item")
    if not item.active:
        raise InvalidInput("this item is retired", "item")
    if not 2000 <= c.year <= now.year + 1:
        raise InvalidInput(f"between 2000 and {now.year + 1}", "year")
    if c.kind not in EVIDENCE_KINDS:
        raise InvalidInput(f"one of {', '.join(EVIDENCE_KINDS)}", "kind")
    ref, title, url = c.ref.strip(), c.title.strip(), c.url.strip()
    stored = ctype = None
    if c.kind == "case":
        case = get_case(session, actor, ref)
        title = title or f"{case.code} {case.title}"
    elif c.kind == "visit":
        title = title or _visit_title(session, actor, ref)
    elif c.kind == "project":
        project = get_project(session, actor, ref)
        title = title or f"{project.project.code} {project.project.title}"
    else:
        ref = ""
        if c.data:
            stored, ctype = _store_document(actor.city_id, c.filename, c.data)
            title = title or Path(c.filename).name
        elif url:
            if not url.startswith(("https://", "http://")):
                raise InvalidInput("a web address (https://…)", "url")
        else:
            raise InvalidInput("give a file or a web address", "url")
    title = text_of(title, "title", 200)
    ev = DutyEvidence(city_id=actor.city_id, item_id=item.id, node_id=node.id, year=c.year, kind=c.kind, ref=ref,
                      title=title, url=url[:500] or None, stored_path=stored, content_type=ctype,
                      actor_id=actor.user_id, at=now)
    session.add(ev)
    session.flush()
    events.record(session, actor.city_id, "evidence", ev.id, "cite", actor_id=actor.user_id, now=now,
                  item=item.id, node=node.code, year=c.year, kind=c.kind, ref=ref, title=title)
    session.commit()
    return ev


def evidence_of(session: Session, actor: Actor, node_code: str, year: int) -> dict[int, list[DutyEvidence]]:
    """The evidence a node cited in a year, by item (staff within scope)."""
    node = node_of(session, actor.city_id, node_code)
    check_node(actor, node.path, "responsibilities")
    check_reader(actor)
    out: dict[int, list[DutyEvidence]] = {}
    for ev in session.scalars(select(DutyEvidence).where(DutyEvidence.node_id == node.id, DutyEvidence.year == year)
                              .order_by(DutyEvidence.at, DutyEvidence.id)):
        out.setdefault(ev.item_id, []).append(ev)
    return out


def evidence_dict(ev: DutyEvidence) -> dict[str, Any]:
    return {"id": ev.id, "item_id": ev.item_id, "year": ev.year, "kind": ev.kind, "ref": ev.ref,
            "title": ev.title, "url": ev.url, "document": ev.stored_path is not None, "at": ev.at.isoformat()}


def document_path(session: Session, actor: Actor, evidence_id: int) -> tuple[Path, str, str]:
    """The stored file of a document (path, type, download name), for staff within scope."""
    ev = session.get(DutyEvidence, evidence_id)
    if ev is None or ev.city_id != actor.city_id or ev.stored_path is None:
        raise NotVisible("no such document")
    node = session.get(Node, ev.node_id)
    assert node is not None
    if actor.role not in READERS or not (actor.role in CITYWIDE or covers_node(actor, node.path)):
        raise NotVisible("no such document")
    return get_settings().data_dir / ev.stored_path, ev.content_type or "application/octet-stream", ev.title
