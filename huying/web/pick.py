"""The data of the work list's pickers: the node tree (by name, a level at a time, or
searched) and the units, each limited to the person's scope; codes only as the second line."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from huying.cases.policy import CITYWIDE, covers_node
from huying.geo import service as geo
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role, User

LIMIT = 30


def scope_path(actor: Actor) -> str:
    """The path of the highest node the actor may pick: the city for city-wide roles."""
    if actor.role in CITYWIDE:
        return actor.node_path.split("/")[0] + "/"
    return actor.node_path


def _like(text: str) -> str:
    return "%" + text.replace("%", "").replace("_", "") + "%"


def child_nodes(session: Session, actor: Actor, parent: str) -> list[Node]:
    """The children of node ``parent`` in the actor's scope; without ``parent``, the root of
    the scope itself."""
    if not parent:
        root = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == scope_path(actor)))
        return [root] if root is not None else []
    try:
        node = geo.get_node(session, actor.city_id, parent)
    except geo.NodeNotFound:
        return []
    if not covers_node(actor, node.path):
        return []
    return geo.children(session, node)


def search_nodes(session: Session, actor: Actor, text: str) -> list[Node]:
    """Nodes in scope whose name (Chinese or English) or code contains ``text``, the higher
    levels first."""
    like = _like(text)
    return list(session.scalars(
        select(Node).where(Node.city_id == actor.city_id, Node.path.startswith(scope_path(actor)),
                           or_(Node.name_zh.like(like), Node.name_en.like(like), Node.code.like(like)))
        .order_by(Node.path).limit(LIMIT)))


def _names(session: Session, city_id: int, codes: set[str], lang: str) -> dict[str, str]:
    rows = session.execute(select(Node.code, Node.name_zh, Node.name_en)
                           .where(Node.city_id == city_id, Node.code.in_(codes))).all()
    return {code: (en if lang == "en" and en else zh) for code, zh, en in rows}


def node_json(session: Session, node: Node, lang: str, *, above: dict[str, str] | None = None) -> dict[str, Any]:
    """A node as the picker shows it: its name, its level, the names of the places above it
    (city excluded) and whether it has children."""
    codes = geo.path_codes(node.path)[1:-1]
    names = above if above is not None else _names(session, node.city_id, set(codes), lang)
    return {"code": node.code, "name": node.name_en if lang == "en" and node.name_en else node.name_zh,
            "level": node.level, "above": " / ".join(names[c] for c in codes if c in names),
            "leaf": node.level == Level.GRID.value}


def search_units(session: Session, actor: Actor, text: str, lang: str) -> list[dict[str, Any]]:
    """Units at a node in the actor's scope whose name or code contains ``text`` (at most
    :data:`LIMIT`), with the node's name."""
    q = (select(Organisation.code, Organisation.name_zh, Organisation.name_en, Node.name_zh, Node.name_en)
         .join(Node, Node.id == Organisation.node_id)
         .where(Organisation.city_id == actor.city_id, Organisation.active.is_(True),
                Node.path.startswith(scope_path(actor))))
    if text:
        like = _like(text)
        q = q.where(or_(Organisation.name_zh.like(like), Organisation.name_en.like(like),
                        Organisation.code.like(like)))
    rows = session.execute(q.order_by(Node.path, Organisation.code).limit(LIMIT)).all()
    return [{"code": code, "name": en if lang == "en" and en else zh,
             "above": nen if lang == "en" and nen else nzh} for code, zh, en, nzh, nen in rows]


def unit_name(unit: Organisation | None, lang: str) -> str:
    if unit is None:
        return ""
    return unit.name_en if lang == "en" and unit.name_en else unit.name_zh


def search_accounts(session: Session, actor: Actor, text: str, lang: str) -> list[dict[str, Any]]:
    """Accounts (not API clients) in the place the administrator administers whose display
    name or username contains ``text`` (at most :data:`LIMIT`), with their node's name."""
    q = (select(User.username, User.display_name, Node.name_zh, Node.name_en)
         .join(Node, Node.id == User.node_id)
         .where(User.city_id == actor.city_id, User.role != Role.CLIENT.value,
                Node.path.startswith(actor.node_path, autoescape=True)))
    if text:
        like = _like(text)
        q = q.where(or_(User.display_name.like(like), User.username.like(like)))
    rows = session.execute(q.order_by(User.display_name, User.username).limit(LIMIT)).all()
    return [{"code": username, "name": shown, "above": nen if lang == "en" and nen else nzh}
            for username, shown, nzh, nen in rows]
