"""Co-building councils (共建议事会): seat an organisation in a community's council, hold a
meeting (attendees, topics, decisions), add a decision to a meeting; read them.

Who may: the one rule of the lists (:func:`huying.community.lists_service.community`):
officers and leaders read the councils of the communities their scope covers, officers
within their scope change them. A decision of kind ``need`` puts a need on the community's
needs list (source ``council``, its ``source_id`` the decision) in the same transaction; one
of kind ``project`` keeps its text, and the public-welfare exchange fills its ``project_id``
when it posts the project. Every command is one transaction with its events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.community import events
from huying.community import lists_service as ls
from huying.community.council_models import (
    CouncilDecision,
    CouncilMeeting,
    CouncilMember,
    CouncilRole,
    DecisionKind,
    MeetingAttendee,
)
from huying.community.lists_models import NeedSource
from huying.errors import InvalidInput, NotVisible, Refused
from huying.geo.models import Node
from huying.http.body import clean_text
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, OrgKind, User

#: The kinds of organisation that sit in a council: agencies and departments, state firms,
#: 两新 organisations (enterprises, social organisations), public institutions, party
#: organisations (the convener).
MEMBER_KINDS = frozenset({OrgKind.DEPARTMENT, OrgKind.STATE_FIRM, OrgKind.ENTERPRISE, OrgKind.SOCIAL_ORGANISATION,
                          OrgKind.PUBLIC_INSTITUTION, OrgKind.PARTY_ORGANISATION, OrgKind.PARTY_COMMITTEE})
PLACE_MAX = 200
TOPIC_MAX = 200
TOPICS_MAX = 20
NOTES_MAX = 4000
DECISION_MAX = 1000
DECISIONS_MAX = 20
ATTENDEES_MAX = 100
#: How far back a meeting may be recorded, and ahead planned.
PAST_DAYS = 3660
AHEAD_DAYS = 366


@dataclass(frozen=True)
class DecisionData:
    """A decision: its text and kind; for a need, the need (its type, people, time windows;
    placed at the community unless ``need.household`` is given)."""

    text: str
    kind: str
    need: ls.NeedData | None = None


@dataclass(frozen=True)
class MeetingData:
    node: str
    held_on: dt.date | None
    place: str
    topics: Sequence[str] = ()
    notes: str = ""
    organisations: Sequence[str] = ()
    users: Sequence[str] = ()
    decisions: Sequence[DecisionData] = ()


# --------------------------------------------------------------------------- commands


def _organisation(session: Session, actor: Actor, code: str, field_name: str) -> Organisation:
    value = clean_text(code, field_name, 80, required=True)
    org = session.scalar(select(Organisation).where(Organisation.city_id == actor.city_id,
                                                    Organisation.code == value))
    if org is None:
        raise InvalidInput(f"no organisation {value!r}", field_name)
    return org


def seat(session: Session, actor: Actor, *, node: str, organisation: str, role: str = CouncilRole.MEMBER.value,
         now: dt.datetime) -> CouncilMember:
    """Seat an organisation in a community's council (one transaction)."""
    member = seat_in(session, actor, node=node, organisation=organisation, role=role, now=now)
    session.commit()
    return member


def seat_in(session: Session, actor: Actor, *, node: str, organisation: str, role: str = CouncilRole.MEMBER.value,
            now: dt.datetime) -> CouncilMember:
    """:func:`seat`, flushed with its event, not committed (the caller's transaction)."""
    comm = ls.community(session, actor, node, write=True)
    org = _organisation(session, actor, organisation, "organisation")
    if org.kind not in MEMBER_KINDS:
        raise InvalidInput("this kind of organisation does not sit in a council", "organisation")
    try:
        seat_role = CouncilRole((role or "").strip())
    except ValueError:
        raise InvalidInput(f"one of {', '.join(CouncilRole)}", "role") from None
    if session.scalar(select(CouncilMember.id).where(CouncilMember.node_id == comm.id,
                                                     CouncilMember.organisation_id == org.id)):
        raise Refused("the organisation already sits in this council")
    member = CouncilMember(city_id=actor.city_id, node_id=comm.id, organisation_id=org.id, role=seat_role.value,
                           joined_on=now.date(), created_at=now)
    session.add(member)
    session.flush()
    events.record(session, actor.city_id, "council_member", member.id, "seat", actor_id=actor.user_id, now=now,
                  organisation=org.code, role=seat_role.value)
    return member


def _decide(session: Session, actor: Actor, meeting: CouncilMeeting, comm: Node, data: DecisionData,
            now: dt.datetime, index: int | None = None) -> CouncilDecision:
    prefix = f"decisions.{index}." if index is not None else ""
    text = clean_text(data.text, f"{prefix}text", DECISION_MAX, required=True)
    try:
        kind = DecisionKind((data.kind or "").strip())
    except ValueError:
        raise InvalidInput(f"one of {', '.join(DecisionKind)}", f"{prefix}kind") from None
    decision = CouncilDecision(city_id=actor.city_id, meeting_id=meeting.id, text=text, kind=kind.value,
                               created_at=now)
    session.add(decision)
    session.flush()
    if kind is DecisionKind.NEED:
        if data.need is None:
            raise InvalidInput("a decision of kind need says what is needed", f"{prefix}need")
        n = data.need
        need = ls.new_need(session, actor, ls.NeedData(
            type=n.type, node=None if n.household else comm.code, household=n.household, windows=n.windows,
            people=n.people, note=n.note or text, source=NeedSource.COUNCIL.value, source_id=decision.id,
            lon=n.lon, lat=n.lat), now=now)
        if need.node_id != comm.id:
            raise InvalidInput("the household lives in another community", f"{prefix}need.household")
        decision.need_id = need.id
    elif data.need is not None:
        raise InvalidInput("only a decision of kind need has a need", f"{prefix}need")
    events.record(session, actor.city_id, "decision", decision.id, "decide", actor_id=actor.user_id, now=now,
                  meeting=meeting.id, kind=kind.value, need=decision.need_id)
    return decision


def hold_meeting(session: Session, actor: Actor, data: MeetingData, *, now: dt.datetime) -> CouncilMeeting:
    """Record a meeting of a community's council with its attendees (member organisations
    and users), topics and decisions (each decision of kind need puts a need on the list).
    One transaction: a refusal anywhere stores nothing."""
    try:
        meeting = meeting_in(session, actor, data, now=now)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return meeting


def meeting_in(session: Session, actor: Actor, data: MeetingData, *, now: dt.datetime) -> CouncilMeeting:
    """:func:`hold_meeting`, flushed with its events, not committed (the caller's transaction)."""
    comm = ls.community(session, actor, data.node, write=True)
    if data.held_on is None:
        raise InvalidInput("required", "held_on")
    if not now.date() - dt.timedelta(days=PAST_DAYS) <= data.held_on <= now.date() + dt.timedelta(days=AHEAD_DAYS):
        raise InvalidInput("a day within ten years before and one year after today", "held_on")
    place = clean_text(data.place, "place", PLACE_MAX, required=True)
    if len(data.topics) > TOPICS_MAX:
        raise InvalidInput(f"at most {TOPICS_MAX} topics", "topics")
    topics = [t for t in (clean_text(t, "topics", TOPIC_MAX) for t in data.topics) if t]
    notes = clean_text(data.notes, "notes", NOTES_MAX)
    if len(data.organisations) + len(data.users) > ATTENDEES_MAX:
        raise InvalidInput(f"at most {ATTENDEES_MAX} attendees", "organisations")
    if len(data.decisions) > DECISIONS_MAX:
        raise InvalidInput(f"at most {DECISIONS_MAX} decisions", "decisions")
    members = set(session.scalars(select(CouncilMember.organisation_id).where(CouncilMember.node_id == comm.id)))
    org_ids: list[int] = []
    for code in dict.fromkeys(c.strip() for c in data.organisations if c.strip()):
        org = _organisation(session, actor, code, "organisations")
        if org.id not in members:
            raise InvalidInput(f"{code} does not sit in this council", "organisations")
        org_ids.append(org.id)
    user_ids: list[int] = []
    for name in dict.fromkeys(u.strip() for u in data.users if u.strip()):
        user = session.scalar(select(User).where(User.city_id == actor.city_id, User.username == name))
        if user is None:
            raise InvalidInput(f"no account {name!r}", "users")
        user_ids.append(user.id)
    meeting = CouncilMeeting(city_id=actor.city_id, node_id=comm.id, held_on=data.held_on, place=place,
                             topics=topics, notes=notes, created_by=actor.user_id, created_at=now)
    session.add(meeting)
    session.flush()
    session.add_all([MeetingAttendee(city_id=actor.city_id, meeting_id=meeting.id, organisation_id=o) for o in org_ids]
                    + [MeetingAttendee(city_id=actor.city_id, meeting_id=meeting.id, user_id=u) for u in user_ids])
    events.record(session, actor.city_id, "meeting", meeting.id, "hold", actor_id=actor.user_id, now=now,
                  held_on=data.held_on, topics=topics, organisations=len(org_ids), users=len(user_ids))
    for i, d in enumerate(data.decisions):
        _decide(session, actor, meeting, comm, d, now, i)
    return meeting


def _meeting(session: Session, actor: Actor, meeting_id: int, *, write: bool = False) -> tuple[CouncilMeeting, Node]:
    """The meeting and its community, when ``actor`` may read (``write``: change) it; 404 otherwise."""
    meeting = session.get(CouncilMeeting, meeting_id)
    if meeting is None or meeting.city_id != actor.city_id:
        raise NotVisible("no such meeting")
    return meeting, ls.row_node(session, actor, meeting.node_id, "meeting", write=write)


def add_decision(session: Session, actor: Actor, meeting_id: int, data: DecisionData, *,
                 now: dt.datetime) -> CouncilDecision:
    """One more decision of a meeting (one transaction)."""
    meeting, comm = _meeting(session, actor, meeting_id, write=True)
    try:
        decision = _decide(session, actor, meeting, comm, data, now)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return decision


# --------------------------------------------------------------------------- reading


@dataclass
class MemberView:
    member: CouncilMember
    organisation: Organisation

    def as_dict(self) -> dict[str, Any]:
        o = self.organisation
        return {"id": self.member.id, "organisation": o.code, "name": o.name_zh, "name_en": o.name_en,
                "kind": o.kind, "role": self.member.role, "joined_on": self.member.joined_on}


def members(session: Session, actor: Actor, node: str) -> list[MemberView]:
    """A council's member organisations: the convener first, then by name."""
    comm = ls.community(session, actor, node)
    rows = session.execute(select(CouncilMember, Organisation)
                           .join(Organisation, Organisation.id == CouncilMember.organisation_id)
                           .where(CouncilMember.node_id == comm.id)
                           .order_by(CouncilMember.role != CouncilRole.CONVENER.value, Organisation.name_zh))
    return [MemberView(m, o) for m, o in rows]


@dataclass
class MeetingView:
    meeting: CouncilMeeting
    node: Node
    organisations: list[Organisation] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    decisions: list[CouncilDecision] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        m = self.meeting
        return {"id": m.id, "node": self.node.code, "held_on": m.held_on, "place": m.place, "topics": m.topics,
                "notes": m.notes, "organisations": [{"code": o.code, "name": o.name_zh} for o in self.organisations],
                "users": self.users,
                "decisions": [{"id": d.id, "text": d.text, "kind": d.kind, "need_id": d.need_id,
                               "project_id": d.project_id} for d in self.decisions]}


def _fill(session: Session, views: list[MeetingView]) -> list[MeetingView]:
    by_id = {v.meeting.id: v for v in views}
    if not by_id:
        return views
    for a, org, name in session.execute(
            select(MeetingAttendee, Organisation, User.display_name)
            .outerjoin(Organisation, Organisation.id == MeetingAttendee.organisation_id)
            .outerjoin(User, User.id == MeetingAttendee.user_id)
            .where(MeetingAttendee.meeting_id.in_(list(by_id))).order_by(MeetingAttendee.id)):
        if org is not None:
            by_id[a.meeting_id].organisations.append(org)
        elif name:
            by_id[a.meeting_id].users.append(name)
    for d in session.scalars(select(CouncilDecision).where(CouncilDecision.meeting_id.in_(list(by_id)))
                             .order_by(CouncilDecision.id)):
        by_id[d.meeting_id].decisions.append(d)
    return views


def meetings(session: Session, actor: Actor, node: str, *, limit: int = 100,
             offset: int = 0) -> tuple[int, list[MeetingView]]:
    """A council's meetings, the latest first."""
    comm = ls.community(session, actor, node)
    total = session.scalar(select(func.count()).select_from(CouncilMeeting)
                           .where(CouncilMeeting.node_id == comm.id)) or 0
    rows = session.scalars(select(CouncilMeeting).where(CouncilMeeting.node_id == comm.id)
                           .order_by(CouncilMeeting.held_on.desc(), CouncilMeeting.id.desc())
                           .limit(limit).offset(offset))
    return total, _fill(session, [MeetingView(m, comm) for m in rows])


def get_meeting(session: Session, actor: Actor, meeting_id: int) -> MeetingView:
    meeting, comm = _meeting(session, actor, meeting_id)
    return _fill(session, [MeetingView(meeting, comm)])[0]

