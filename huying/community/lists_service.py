"""The three lists of a community (需求清单 · 服务清单 · 资源清单) and their matches: add a
need, a service or a resource; propose matches (the solver of
:mod:`huying.community.matching`); accept, decline, fulfil and evaluate a match (the table of
:mod:`huying.community.lists_workflow`); read the lists, the matches and their history.

Who may do what (the role sets of :mod:`huying.community.roles`, and the scope rule
:func:`huying.cases.policy.covers_node`), in one place, :func:`community`:

* officers and leaders read the lists of the communities their scope covers; others may not
  (403); a community outside one's scope is refused (403), and a row of one is not found (404);
* officers within their scope add to the lists, propose matches and move them.

Every command is one transaction with one event per changed row
(:func:`huying.community.events.record`). An offer never has more people accepted than its
capacity: :func:`act` checks it when a match is accepted, under a lock of the offer's row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.policy import CITYWIDE, covers_node
from huying.community import events
from huying.community import matching as mt
from huying.community.lists_models import Match, Need, NeedSource, Offer, OfferList, ResourceKind
from huying.community.lists_workflow import (
    COMMITTED,
    LIVE,
    MatchAction,
    MatchStatus,
    allowed_actions,
    next_status,
)
from huying.community.models import Centre
from huying.community.roles import OFFICERS, READERS
from huying.contact.models import Household
from huying.db import under
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.geo.models import Level, Node
from huying.http.body import clean_text
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation

NOTE_MAX = 1000
NAME_MAX = 120
COMMENT_MAX = 1000
PEOPLE_MAX = 500
CAPACITY_MAX = 100_000


# --------------------------------------------------------------------------- who may


def check_reader(actor: Actor) -> None:
    """May ``actor`` read community resources at all?"""
    if actor.is_system or actor.role not in READERS:
        raise NotPermitted(f"a {actor.role} does not read the community's lists")


def check_officer(actor: Actor) -> None:
    if actor.is_system:
        return
    if actor.role not in OFFICERS:
        raise NotPermitted(f"a {actor.role} does not keep the community's lists")


def _check(actor: Actor, write: bool) -> None:
    if write:
        check_officer(actor)
    elif not actor.is_system:
        check_reader(actor)


def community(session: Session, actor: Actor, code: str | None, *, write: bool = False,
              field_name: str = "node") -> Node:
    """The community ``code`` names, for ``actor`` to read (``write``: to change): the one
    rule of who may, for the lists and the councils."""
    _check(actor, write)
    value = clean_text(code, field_name, 20, required=True)
    node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.code == value))
    if node is None or node.level != Level.COMMUNITY.value:
        raise InvalidInput("not a community of this city", field_name)
    if not covers_node(actor, node.path):
        raise NotPermitted("this community is outside your scope")
    return node


def row_node(session: Session, actor: Actor, node_id: int, what: str, *, write: bool = False) -> Node:
    """The community of a row, when ``actor`` may read (``write``: change) it; 404 otherwise."""
    _check(actor, write)
    node = session.get(Node, node_id)
    if node is None or node.city_id != actor.city_id or not covers_node(actor, node.path):
        raise NotVisible(f"no such {what}")
    return node


# --------------------------------------------------------------------------- input


def people_of(value: int | None, field_name: str, limit: int) -> int:
    if value is None or isinstance(value, bool) or not 1 <= int(value) <= limit:
        raise InvalidInput(f"a whole number from 1 to {limit}", field_name)
    return int(value)


def windows_in(value: str | Sequence[Sequence[int]] | None) -> list[list[int]]:
    """Time windows as text (``Sa 9-12; Mo 14-17``) or as ``[[day, from, to], ...]``."""
    if value is None or isinstance(value, str):
        return [w.as_list() for w in mt.parse_windows(value)]
    out = set()
    for item in value:
        if len(item) != 3:
            raise InvalidInput("each window is [weekday, from hour, to hour]", "windows")
        out.add(mt.window(int(item[0]), int(item[1]), int(item[2])))
    if len(out) > mt.MAX_WINDOWS:
        raise InvalidInput(f"at most {mt.MAX_WINDOWS} time windows", "windows")
    return [w.as_list() for w in sorted(out)]


def point_of(node: Node, lon: float | None, lat: float | None) -> tuple[float, float]:
    """A row's point: the one given (inside the community's box), else the community's centroid."""
    if (lon is None) != (lat is None):
        raise InvalidInput("give both longitude and latitude, or neither", "location")
    if lon is not None and lat is not None:
        boxed = None not in (node.min_lon, node.max_lon, node.min_lat, node.max_lat)
        if boxed and not (node.min_lon <= lon <= node.max_lon and node.min_lat <= lat <= node.max_lat):  # type: ignore[operator]
            raise InvalidInput("the point is outside the community", "location")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput("not a point on the Earth", "location")
        return float(lon), float(lat)
    if node.centroid_lon is None or node.centroid_lat is None:
        raise InvalidInput("the community has no point: give one", "location")
    return node.centroid_lon, node.centroid_lat


@dataclass(frozen=True)
class NeedData:
    """A need as every channel gives it: at a ``household`` of the register (its code) or at
    the community ``node`` (with an optional point)."""

    type: str
    node: str | None = None
    household: str | None = None
    windows: str | Sequence[Sequence[int]] | None = None
    people: int = 1
    note: str = ""
    source: str = NeedSource.RESIDENT.value
    source_id: int | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class OfferData:
    """A service or a resource as every channel gives it."""

    list_kind: str
    type: str
    name: str
    node: str | None = None
    kind: str | None = None
    centre: str | None = None
    organisation: str | None = None
    windows: str | Sequence[Sequence[int]] | None = None
    capacity: int = 1
    note: str = ""
    lon: float | None = None
    lat: float | None = None


def _household(session: Session, actor: Actor, code: str) -> tuple[Household, Node]:
    value = clean_text(code, "household", 30, required=True)
    hh = session.scalar(select(Household).where(Household.city_id == actor.city_id, Household.code == value))
    grid = session.get(Node, hh.grid_id) if hh is not None else None
    if hh is None or grid is None or grid.parent_id is None or hh.moved_out_at is not None:
        raise InvalidInput("no such household in the register", "household")
    comm = session.get(Node, grid.parent_id)
    if comm is None or not covers_node(actor, comm.path):
        raise InvalidInput("no such household in the register", "household")
    return hh, comm


def new_need(session: Session, actor: Actor, data: NeedData, *, now: dt.datetime) -> Need:
    """A need on a community's list (flushed with its event, not committed: for
    :func:`add_need` and the council's decisions)."""
    check_officer(actor)
    type_ = mt.need_type(data.type)
    try:
        source = NeedSource((data.source or "").strip())
    except ValueError:
        raise InvalidInput(f"one of {', '.join(NeedSource)}", "source") from None
    household = None
    if data.household:
        household, node = _household(session, actor, data.household)
        if data.node and data.node.strip() != node.code:
            raise InvalidInput("the household lives in another community", "node")
        if household.lon is not None and household.lat is not None:
            lon, lat = household.lon, household.lat
        else:
            lon, lat = point_of(node, None, None)
    else:
        node = community(session, actor, data.node, write=True)
        lon, lat = point_of(node, data.lon, data.lat)
    need = Need(city_id=actor.city_id, node_id=node.id, type=type_.value, source=source.value,
                source_id=data.source_id, household_id=household.id if household else None, lon=lon, lat=lat,
                windows=windows_in(data.windows), people=people_of(data.people, "people", PEOPLE_MAX),
                note=clean_text(data.note, "note", NOTE_MAX), created_by=actor.user_id, created_at=now)
    session.add(need)
    session.flush()
    events.record(session, actor.city_id, "need", need.id, "add", actor_id=actor.user_id, now=now,
                  type=need.type, source=need.source, people=need.people)
    return need


def add_need(session: Session, actor: Actor, data: NeedData, *, now: dt.datetime) -> Need:
    """Put a need on a community's needs list (one transaction)."""
    need = new_need(session, actor, data, now=now)
    session.commit()
    return need


def new_offer(session: Session, actor: Actor, data: OfferData, *, now: dt.datetime) -> Offer:
    """A service or a resource on a community's list (flushed with its event)."""
    check_officer(actor)
    try:
        list_kind = OfferList((data.list_kind or "").strip())
    except ValueError:
        raise InvalidInput(f"one of {', '.join(OfferList)}", "list") from None
    type_ = mt.need_type(data.type)
    kind = None
    if list_kind is OfferList.RESOURCES:
        try:
            kind = ResourceKind((data.kind or "").strip()).value
        except ValueError:
            raise InvalidInput(f"one of {', '.join(ResourceKind)}", "kind") from None
    elif data.kind:
        raise InvalidInput("a service has no resource kind", "kind")
    name = clean_text(data.name, "name", NAME_MAX, required=True)
    centre = org = None
    lon, lat = data.lon, data.lat
    if data.centre:
        centre = session.scalar(select(Centre).where(Centre.city_id == actor.city_id,
                                                     Centre.code == clean_text(data.centre, "centre", 40)))
        if centre is None:
            raise InvalidInput("no such centre", "centre")
        node = session.get(Node, centre.node_id)
        assert node is not None
        if not covers_node(actor, node.path) or (data.node and data.node.strip() != node.code):
            raise InvalidInput("the centre is not in this community", "centre")
        if lon is None and lat is None:
            lon, lat = centre.lon, centre.lat
    else:
        node = community(session, actor, data.node, write=True)
    if data.organisation:
        org = session.scalar(select(Organisation).where(
            Organisation.city_id == actor.city_id,
            Organisation.code == clean_text(data.organisation, "organisation", 80)))
        if org is None:
            raise InvalidInput("no such organisation", "organisation")
    lon, lat = point_of(node, lon, lat)
    offer = Offer(city_id=actor.city_id, node_id=node.id, list_kind=list_kind.value, kind=kind, type=type_.value,
                  name=name, centre_id=centre.id if centre else None, organisation_id=org.id if org else None,
                  lon=lon, lat=lat, windows=windows_in(data.windows),
                  capacity=people_of(data.capacity, "capacity", CAPACITY_MAX),
                  note=clean_text(data.note, "note", NOTE_MAX), created_by=actor.user_id, created_at=now)
    session.add(offer)
    session.flush()
    events.record(session, actor.city_id, "offer", offer.id, "add", actor_id=actor.user_id, now=now,
                  list=offer.list_kind, type=offer.type, capacity=offer.capacity)
    return offer


def add_offer(session: Session, actor: Actor, data: OfferData, *, now: dt.datetime) -> Offer:
    """Put a service or a resource on a community's list (one transaction)."""
    offer = new_offer(session, actor, data, now=now)
    session.commit()
    return offer


# --------------------------------------------------------------------------- places and matching


def taken(session: Session, offer_ids: Sequence[int], statuses: frozenset[MatchStatus] = COMMITTED) -> dict[int, int]:
    """People given to each offer by its matches in ``statuses`` (default: accepted)."""
    if not offer_ids:
        return {}
    rows = session.execute(
        select(Match.offer_id, func.sum(Need.people)).join(Need, Need.id == Match.need_id)
        .where(Match.offer_id.in_(list(offer_ids)), Match.status.in_([s.value for s in statuses]))
        .group_by(Match.offer_id)).all()
    return {int(o): int(n or 0) for o, n in rows}


def open_needs(session: Session, node: Node) -> list[Need]:
    """The community's needs not withdrawn and held by no live match."""
    live = select(Match.need_id).where(Match.status.in_([s.value for s in LIVE]))
    return list(session.scalars(select(Need).where(Need.node_id == node.id, Need.closed_at.is_(None),
                                                   Need.id.not_in(live)).order_by(Need.id)))


def propose(session: Session, actor: Actor, code: str, *, now: dt.datetime) -> list[Match]:
    """Match the community's open needs to its services and resources (the optimal
    assignment of :func:`huying.community.matching.solve`): each pair becomes a proposed
    match. Places already accepted or proposed are not offered again. One transaction."""
    node = community(session, actor, code, write=True)
    matches = propose_in(session, actor, node, now=now)
    session.commit()
    return matches


def propose_in(session: Session, actor: Actor, node: Node, *, now: dt.datetime) -> list[Match]:
    """:func:`propose` for a community already checked (flushed, not committed: the demo
    runs it per community in its own transaction)."""
    needs = open_needs(session, node)
    offers = list(session.scalars(select(Offer).where(Offer.node_id == node.id).order_by(Offer.id)))
    if not needs or not offers:
        return []
    held = taken(session, [o.id for o in offers], frozenset({MatchStatus.ACCEPTED, MatchStatus.PROPOSED}))
    pairs = mt.solve(
        [mt.NeedIn(n.id, n.type, n.lon, n.lat, n.people, tuple(mt.windows_of(n.windows))) for n in needs],
        [mt.OfferIn(o.id, o.type, o.lon, o.lat, o.capacity - held.get(o.id, 0), tuple(mt.windows_of(o.windows)))
         for o in offers])
    out = []
    for p in pairs:
        status = next_status(MatchStatus.START, MatchAction.PROPOSE, actor.role)
        m = Match(city_id=actor.city_id, need_id=p.need, offer_id=p.offer, status=status.value,
                  distance_m=p.distance_m, window=p.window.as_list() if p.window else None, proposed_at=now,
                  updated_at=now)
        session.add(m)
        session.flush()
        events.record(session, actor.city_id, "match", m.id, MatchAction.PROPOSE.value, actor_id=actor.user_id,
                      now=now, need=p.need, offer=p.offer, distance_m=p.distance_m)
        out.append(m)
    return out


def act(session: Session, actor: Actor, match_id: int, action: str, *, now: dt.datetime,
        rating: int | None = None, comment: str = "") -> Match:
    """Move a match (accept, decline, fulfil, evaluate with a ``rating`` 1–5 and a
    ``comment``): the table decides; accepting checks the offer's places. One transaction."""
    try:
        m = move_in(session, actor, match_id, action, now=now, rating=rating, comment=comment)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return m


def move_in(session: Session, actor: Actor, match_id: int, action: str, *, now: dt.datetime,
            rating: int | None = None, comment: str = "") -> Match:
    """:func:`act`, flushed with its event, not committed (the caller's transaction)."""
    m = session.get(Match, match_id)
    if m is None or m.city_id != actor.city_id:
        raise NotVisible("no such match")
    need = session.get(Need, m.need_id)
    assert need is not None
    row_node(session, actor, need.node_id, "match", write=True)
    target = next_status(m.status, action, actor.role)
    detail: dict[str, Any] = {"from": m.status, "to": target.value}
    text = clean_text(comment, "comment", COMMENT_MAX)
    if target is MatchStatus.EVALUATED:
        if rating is None or isinstance(rating, bool) or not 1 <= int(rating) <= 5:
            raise InvalidInput("a rating from 1 to 5", "rating")
        m.rating, m.comment = int(rating), text
        detail.update(rating=m.rating, comment=text)
    elif rating is not None:
        raise InvalidInput("only an evaluation has a rating", "rating")
    elif text:
        detail["comment"] = text
    if target is MatchStatus.ACCEPTED:
        offer = session.scalar(select(Offer).where(Offer.id == m.offer_id).with_for_update())
        assert offer is not None
        left = offer.capacity - taken(session, [offer.id]).get(offer.id, 0)
        if need.people > left:
            raise Refused(f"the offer has {left} of {offer.capacity} places left; this need is for {need.people}")
    m.status, m.updated_at = target.value, now
    events.record(session, actor.city_id, "match", m.id, str(action), actor_id=actor.user_id, now=now, **detail)
    return m


# --------------------------------------------------------------------------- reading


@dataclass
class MatchView:
    match: Match
    need: Need
    offer: Offer
    left: int
    allowed: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def window(self) -> mt.Window | None:
        w = self.match.window
        return mt.Window(*w) if w else None

    def explain(self, lang: str = "zh") -> str:
        return mt.explain(self.need.type, self.match.distance_m, self.window, self.left, self.offer.capacity, lang)

    def as_dict(self) -> dict[str, Any]:
        m = self.match
        return {"id": m.id, "status": m.status, "need": self.need.id, "offer": self.offer.id,
                "offer_name": self.offer.name, "type": self.need.type, "people": self.need.people,
                "distance_m": m.distance_m, "window": m.window, "places_left": self.left,
                "capacity": self.offer.capacity, "rating": m.rating, "comment": m.comment,
                "explanation": self.explain("zh"), "explanation_en": self.explain("en"),
                "allowed": self.allowed, "history": self.history}


def _views(session: Session, actor: Actor, rows: Sequence[tuple[Match, Need, Offer]]) -> list[MatchView]:
    used = taken(session, list({o.id for _, _, o in rows}))
    return [MatchView(m, n, o, o.capacity - used.get(o.id, 0),
                      [a.value for a in allowed_actions(m.status, actor.role)]) for m, n, o in rows]


def get_match(session: Session, actor: Actor, match_id: int) -> MatchView:
    row = session.execute(select(Match, Need, Offer).join(Need, Need.id == Match.need_id)
                          .join(Offer, Offer.id == Match.offer_id).where(Match.id == match_id)).first()
    if row is None or row[0].city_id != actor.city_id:
        raise NotVisible("no such match")
    row_node(session, actor, row[1].node_id, "match")
    view = _views(session, actor, [(row[0], row[1], row[2])])[0]
    view.history = [{"action": e.action, "at": e.at, "actor_id": e.actor_id, "detail": e.detail}
                    for e in events.history(session, "match", match_id)]
    return view


def list_matches(session: Session, actor: Actor, code: str, *, status: str | None = None,
                 limit: int = 200, offset: int = 0) -> tuple[int, list[MatchView]]:
    node = community(session, actor, code)
    q = (select(Match, Need, Offer).join(Need, Need.id == Match.need_id).join(Offer, Offer.id == Match.offer_id)
         .where(Need.node_id == node.id))
    if status:
        try:
            q = q.where(Match.status == MatchStatus(status).value)
        except ValueError:
            raise InvalidInput(f"one of {', '.join(s for s in MatchStatus if s is not MatchStatus.START)}",
                               "status") from None
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Match.id.desc()).limit(limit).offset(offset)).all()
    return total, _views(session, actor, rows)


@dataclass
class NeedView:
    need: Need
    household: str | None
    status: str  # open, or its live match's status

    def as_dict(self) -> dict[str, Any]:
        n = self.need
        return {"id": n.id, "type": n.type, "source": n.source, "source_id": n.source_id,
                "household": self.household, "people": n.people, "windows": n.windows,
                "windows_text": mt.format_windows(mt.windows_of(n.windows)), "note": n.note,
                "status": self.status, "created_at": n.created_at}


def _need_views(session: Session, rows: Sequence[tuple[Need, str | None]]) -> list[NeedView]:
    ids = [n.id for n, _ in rows]
    state: dict[int, str] = {}
    if ids:
        for nid, st in session.execute(select(Match.need_id, Match.status).where(
                Match.need_id.in_(ids), Match.status.in_([s.value for s in LIVE])).order_by(Match.id)):
            state[nid] = st
    return [NeedView(n, hh, "withdrawn" if n.closed_at else state.get(n.id, "open")) for n, hh in rows]


def list_needs(session: Session, actor: Actor, code: str, *, limit: int = 200,
               offset: int = 0) -> tuple[int, list[NeedView]]:
    """The community's needs list, the latest first (a household shown by its code only)."""
    node = community(session, actor, code)
    q = (select(Need, Household.code).outerjoin(Household, Household.id == Need.household_id)
         .where(Need.node_id == node.id))
    total = session.scalar(select(func.count()).select_from(Need).where(Need.node_id == node.id)) or 0
    rows = session.execute(q.order_by(Need.id.desc()).limit(limit).offset(offset)).all()
    return total, _need_views(session, rows)


def get_need(session: Session, actor: Actor, need_id: int) -> NeedView:
    row = session.execute(select(Need, Household.code).outerjoin(Household, Household.id == Need.household_id)
                          .where(Need.id == need_id)).first()
    if row is None or row[0].city_id != actor.city_id:
        raise NotVisible("no such need")
    row_node(session, actor, row[0].node_id, "need")
    return _need_views(session, [row])[0]


@dataclass
class OfferView:
    offer: Offer
    left: int
    provider: str | None

    def as_dict(self) -> dict[str, Any]:
        o = self.offer
        return {"id": o.id, "list_kind": o.list_kind, "kind": o.kind, "type": o.type, "name": o.name,
                "provider": self.provider, "windows": o.windows,
                "windows_text": mt.format_windows(mt.windows_of(o.windows)), "capacity": o.capacity,
                "places_left": self.left, "note": o.note}


def list_offers(session: Session, actor: Actor, code: str, list_kind: str, *, limit: int = 200,
                offset: int = 0) -> tuple[int, list[OfferView]]:
    """The community's services or resources, with the places each has left."""
    node = community(session, actor, code)
    try:
        which = OfferList(list_kind).value
    except ValueError:
        raise InvalidInput(f"one of {', '.join(OfferList)}", "list") from None
    where = (Offer.node_id == node.id, Offer.list_kind == which)
    total = session.scalar(select(func.count()).select_from(Offer).where(*where)) or 0
    rows = session.execute(select(Offer, Organisation.name_zh, Centre.name_zh)
                           .outerjoin(Organisation, Organisation.id == Offer.organisation_id)
                           .outerjoin(Centre, Centre.id == Offer.centre_id)
                           .where(*where).order_by(Offer.type, Offer.id).limit(limit).offset(offset)).all()
    used = taken(session, [o.id for o, _, _ in rows])
    return total, [OfferView(o, o.capacity - used.get(o.id, 0), c or org) for o, org, c in rows]


@dataclass
class Summary:
    """The community's lists in figures (what the overview page shows)."""

    needs: int
    open_needs: int
    services: int
    resources: int
    by_status: dict[str, int]


def summary(session: Session, actor: Actor, code: str) -> Summary:
    node = community(session, actor, code)
    needs = session.scalar(select(func.count()).select_from(Need).where(Need.node_id == node.id)) or 0
    offers = dict(session.execute(select(Offer.list_kind, func.count()).where(Offer.node_id == node.id)
                                  .group_by(Offer.list_kind)).all())
    by_status = dict(session.execute(select(Match.status, func.count()).join(Need, Need.id == Match.need_id)
                                     .where(Need.node_id == node.id).group_by(Match.status)).all())
    return Summary(needs, len(open_needs(session, node)), offers.get(OfferList.SERVICES.value, 0),
                   offers.get(OfferList.RESOURCES.value, 0), {k: int(v) for k, v in by_status.items()})


def communities_with_lists(session: Session, actor: Actor, limit: int = 500) -> list[tuple[Node, int, int]]:
    """The communities within ``actor``'s scope that keep lists: (community, needs, offers),
    in code order."""
    check_reader(actor)
    needs = select(Need.node_id, func.count().label("n")).group_by(Need.node_id).subquery()
    offers = select(Offer.node_id, func.count().label("n")).group_by(Offer.node_id).subquery()
    q = (select(Node, func.coalesce(needs.c.n, 0), func.coalesce(offers.c.n, 0))
         .outerjoin(needs, needs.c.node_id == Node.id).outerjoin(offers, offers.c.node_id == Node.id)
         .where(Node.city_id == actor.city_id, Node.level == Level.COMMUNITY.value,
                (needs.c.n.is_not(None)) | (offers.c.n.is_not(None))))
    if actor.role not in CITYWIDE:
        q = q.where(under(Node.path, actor.node_path))
    return [(n, int(a), int(b)) for n, a, b in session.execute(q.order_by(Node.code).limit(limit))]
