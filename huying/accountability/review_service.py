"""The yearly review (述职评议) of a node's organisation: the organiser (an officer above the
node) creates it for a year and invites the reviewers (its scope); the secretary (the node's
own officer) hands in the written report; every invited reviewer scores each item of the
responsibility lists of the node's level once, 0–100 with a comment; closing computes the
mean of each item, the overall mean (the mean of the items' means) and the grade
(:func:`huying.accountability.review_workflow.grade_of`: 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, 差);
publishing shows the results inside the tree (the node's officers and those above; never the
public). Every move is looked up in :data:`review_workflow.TABLE`; one command, one
transaction, one event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying.accountability import duty_service as duties
from huying.accountability import events
from huying.accountability.models import DutyItem, Review, ReviewReviewer, ReviewScore
from huying.accountability.review_workflow import TABLE, ReviewAction, ReviewStatus, State, grade_of
from huying.cases.policy import CITYWIDE, covers_node
from huying.db import under
from huying.errors import InvalidInput, NotVisible, Refused
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor
from huying.orgs.models import Role, User, is_staff

SEATS = ("officer", "council", "representative")
OFFICER_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.LEADER})
SCORE_MIN, SCORE_MAX = 0, 100


def organises(actor: Actor, node: Node) -> bool:
    """An officer above the node (never of the node itself), or an administrator."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role in (Role.TOWN_OFFICER, Role.CITY_OFFICER) and actor.node_path != node.path and \
        covers_node(actor, node.path)


def is_secretary(actor: Actor, node: Node) -> bool:
    return actor.role in (Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER) and actor.node_path == node.path


def sees_results(actor: Actor, node: Node, review: Review) -> bool:
    """The results: the organisers once closed; inside the tree (the node's officers and those
    above it) once published."""
    if review.status == ReviewStatus.PUBLISHED and is_staff(actor.role) and \
            (actor.role in CITYWIDE or covers_node(actor, node.path)):
        return True
    return review.status in (ReviewStatus.CLOSED, ReviewStatus.PUBLISHED) and organises(actor, node)


def _invited(session: Session, review: Review, user_id: int | None) -> ReviewReviewer | None:
    if user_id is None:
        return None
    return session.scalar(select(ReviewReviewer).where(ReviewReviewer.review_id == review.id,
                                                       ReviewReviewer.user_id == user_id))


def state(session: Session, actor: Actor, review: Review, node: Node) -> State:
    me = _invited(session, review, actor.user_id)
    reviewers = int(session.scalar(select(func.count()).select_from(ReviewReviewer)
                                   .where(ReviewReviewer.review_id == review.id)) or 0)
    scored = int(session.scalar(select(func.count()).select_from(ReviewReviewer).where(
        ReviewReviewer.review_id == review.id, ReviewReviewer.scored_at.is_not(None))) or 0)
    return State(reviewers=reviewers, has_report=bool(review.report), scored=scored,
                 organiser=organises(actor, node), secretary=is_secretary(actor, node), invited=me is not None,
                 scored_by_actor=me is not None and me.scored_at is not None)


def _load(session: Session, actor: Actor, review_id: int) -> tuple[Review, Node]:
    review = session.get(Review, review_id)
    if review is None or review.city_id != actor.city_id:
        raise NotVisible("no such review")
    node = session.get(Node, review.node_id)
    assert node is not None
    if not (organises(actor, node) or (is_staff(actor.role) and covers_node(actor, node.path)
                                       and actor.role in duties.READERS)
            or _invited(session, review, actor.user_id) is not None):
        raise NotVisible("no such review")
    return review, node


def _move(session: Session, actor: Actor, review: Review, node: Node, action: ReviewAction) -> str:
    return TABLE.next(review.status, action.value, actor.role, state(session, actor, review, node))


def _cas(session: Session, review: Review, target: str, **values: Any) -> None:
    """Write the review with a compare-and-set on its version (two organisers never both move it)."""
    done = session.connection().execute(update(Review).where(Review.id == review.id, Review.version == review.version)
                           .values(status=target, version=review.version + 1, **values)).rowcount
    if done != 1:
        session.rollback()
        raise Refused("the review changed meanwhile: reload and try again")
    session.refresh(review)


def create(session: Session, actor: Actor, node_code: str, year: int, *, now: dt.datetime) -> Review:
    """A draft review of the node's organisation for ``year`` (one per node and year)."""
    node = duties.node_of(session, actor.city_id, node_code)
    if node.level not in duties.LEVELS:
        raise InvalidInput("reviews are of town and community organisations", "node")
    if not organises(actor, node):
        raise duties.NotPermitted("only an officer above the node organises its review")
    if not 2000 <= year <= now.year:
        raise InvalidInput(f"between 2000 and {now.year}", "year")
    if session.scalar(select(Review.id).where(Review.node_id == node.id, Review.year == year)) is not None:
        raise Refused(f"{node.name_zh} already has a review for {year}")
    review = Review(city_id=actor.city_id, node_id=node.id, year=year, status=ReviewStatus.DRAFT.value,
                    item_ids=[], created_by_id=actor.user_id, created_at=now, version=0)
    session.add(review)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Refused(f"{node.name_zh} already has a review for {year}") from None
    events.record(session, actor.city_id, "review", review.id, "create", actor_id=actor.user_id, now=now,
                  node=node.code, year=year)
    session.commit()
    return review


def _eligible(session: Session, node: Node, user: User, seat: str) -> str | None:
    """Why ``user`` may not sit as ``seat`` on the review of ``node`` (None: they may)."""
    upath = session.scalar(select(Node.path).where(Node.id == user.node_id)) or ""
    if not user.active:
        return "the account is not active"
    if seat == "officer":
        if user.role not in OFFICER_ROLES or upath == node.path or not node.path.startswith(upath):
            return "an officer's seat is for officers and leaders of the levels above the node"
    elif seat == "representative":
        if user.role != Role.RESIDENT or not upath.startswith(node.path):
            return "a residents' representative is a resident of the node"
    elif seat == "council":
        if user.role in (Role.RESIDENT, Role.ADMIN):
            return "a council member's seat is for the accounts of member organisations and staff"
    else:
        return f"one of {', '.join(SEATS)}"
    return None


def invite(session: Session, actor: Actor, review_id: int, usernames: Sequence[str], seat: str, *,
           now: dt.datetime) -> list[ReviewReviewer]:
    """Invite reviewers to a review (its scope), each in a seat."""
    review, node = _load(session, actor, review_id)
    _move(session, actor, review, node, ReviewAction.INVITE)
    if seat not in SEATS:
        raise InvalidInput(f"one of {', '.join(SEATS)}", "seat")
    names = [u.strip() for u in usernames if u and u.strip()]
    if not names:
        raise InvalidInput("name at least one account", "users")
    added = []
    for i, name in enumerate(names):
        user = session.scalar(select(User).where(User.city_id == actor.city_id, User.username == name))
        if user is None:
            raise InvalidInput(f"no account {name!r}", f"users[{i}]")
        why = _eligible(session, node, user, seat)
        if why:
            raise InvalidInput(why, f"users[{i}]")
        if _invited(session, review, user.id) is not None:
            continue
        row = ReviewReviewer(city_id=actor.city_id, review_id=review.id, user_id=user.id, seat=seat)
        session.add(row)
        added.append(row)
    session.flush()
    events.record(session, actor.city_id, "review", review.id, "invite", actor_id=actor.user_id, now=now,
                  users=[n for n in names], seat=seat)
    session.commit()
    return added


def submit_report(session: Session, actor: Actor, review_id: int, text: str, *, now: dt.datetime) -> Review:
    """The secretary's written report (述职报告); handed in again, it replaces the last one
    (the history keeps each)."""
    review, node = _load(session, actor, review_id)
    target = _move(session, actor, review, node, ReviewAction.SUBMIT_REPORT)
    body = duties.text_of(text, "report", 20_000)
    _cas(session, review, target, report=body, report_by_id=actor.user_id, report_at=now)
    events.record(session, actor.city_id, "review", review.id, "submit_report", actor_id=actor.user_id, now=now,
                  chars=len(body))
    session.commit()
    return review


def act(session: Session, actor: Actor, review_id: int, action: str, *, now: dt.datetime) -> Review:
    """Open, close or publish a review (the table says who and when)."""
    review, node = _load(session, actor, review_id)
    try:
        act_ = ReviewAction(action)
    except ValueError:
        raise InvalidInput(f"one of {', '.join(a.value for a in ReviewAction)}", "action") from None
    if act_ in (ReviewAction.INVITE, ReviewAction.SUBMIT_REPORT, ReviewAction.SCORE):
        raise InvalidInput(f"{act_.value} takes its own form", "action")
    target = _move(session, actor, review, node, act_)
    values: dict[str, Any] = {}
    if act_ is ReviewAction.OPEN:
        items = duties.items_for_level(session, actor.city_id, node.level)
        if not items:
            raise Refused(f"the city has no responsibility list for the {node.level} level")
        values["item_ids"] = [i.id for i in items]
    elif act_ is ReviewAction.CLOSE:
        overall = results(session, review).overall
        values.update(overall=overall, grade=grade_of(overall))
    elif act_ is ReviewAction.PUBLISH:
        values["published_at"] = now
    _cas(session, review, target, **values)
    detail: dict[str, Any] = {"overall": review.overall, "grade": review.grade} if act_ is ReviewAction.CLOSE else {}
    events.record(session, actor.city_id, "review", review.id, act_.value, actor_id=actor.user_id, now=now, **detail)
    session.commit()
    return review


def score(session: Session, actor: Actor, review_id: int, scores: Mapping[int, tuple[int, str | None]], *,
          now: dt.datetime) -> Review:
    """An invited reviewer scores every item of the review once (0–100, an optional comment).
    A second time is refused (409), whether it comes after the first or at the same moment:
    the reviewer's row is marked with a compare-and-set and the scores are unique per reviewer
    and item."""
    review, node = _load(session, actor, review_id)
    _move(session, actor, review, node, ReviewAction.SCORE)
    me = _invited(session, review, actor.user_id)
    assert me is not None  # the guard
    wanted = list(review.item_ids or [])
    missing = [i for i in wanted if i not in scores]
    if missing:
        raise InvalidInput("score every item", f"score_{missing[0]}")
    extra = [i for i in scores if i not in wanted]
    if extra:
        raise InvalidInput("not an item of this review", f"score_{extra[0]}")
    rows = []
    for item_id in wanted:
        value, comment = scores[item_id]
        if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
            raise InvalidInput(f"a whole number from {SCORE_MIN} to {SCORE_MAX}", f"score_{item_id}")
        note = duties.text_of(comment, f"comment_{item_id}", 1000, required=False) or None
        rows.append(ReviewScore(city_id=actor.city_id, review_id=review.id, user_id=actor.user_id, item_id=item_id,
                                score=value, comment=note, at=now))
    twice = Refused("you have already scored this review: a reviewer scores once")
    marked = session.connection().execute(update(ReviewReviewer).where(ReviewReviewer.id == me.id,
                                                          ReviewReviewer.scored_at.is_(None))
                             .values(scored_at=now)).rowcount
    if marked != 1:
        session.rollback()
        raise twice
    session.add_all(rows)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise twice from None
    events.record(session, actor.city_id, "review", review.id, "score", actor_id=actor.user_id, now=now,
                  items=len(rows), mean=round(sum(r.score for r in rows) / len(rows), 2) if rows else None)
    session.commit()
    return review


# --------------------------------------------------------------------------- reading


@dataclass
class ItemResult:
    item: DutyItem
    mean: float | None
    count: int
    comments: list[str] = field(default_factory=list)


@dataclass
class Results:
    items: list[ItemResult]
    overall: float | None
    grade: str | None
    reviewers: int


def results(session: Session, review: Review) -> Results:
    """The mean score of each item, the overall mean (of the items' means) and its grade."""
    ids = list(review.item_ids or [])
    items = {i.id: i for i in session.scalars(select(DutyItem).where(DutyItem.id.in_(ids)))} if ids else {}
    agg = {r.item_id: (float(r.mean), int(r.n)) for r in session.execute(
        select(ReviewScore.item_id, func.avg(ReviewScore.score).label("mean"), func.count().label("n"))
        .where(ReviewScore.review_id == review.id).group_by(ReviewScore.item_id))}
    comments: dict[int, list[str]] = {}
    for item_id, text in session.execute(select(ReviewScore.item_id, ReviewScore.comment).where(
            ReviewScore.review_id == review.id, ReviewScore.comment.is_not(None)).order_by(ReviewScore.id)):
        comments.setdefault(item_id, []).append(text or "")
    out = [ItemResult(items[i], round(agg[i][0], 2) if i in agg else None, agg.get(i, (0, 0))[1],
                      comments.get(i, [])) for i in ids if i in items]
    means = [r.mean for r in out if r.mean is not None]
    overall = round(sum(means) / len(means), 2) if means else None
    reviewers = int(session.scalar(select(func.count(func.distinct(ReviewScore.user_id)))
                                   .where(ReviewScore.review_id == review.id)) or 0)
    return Results(out, overall, grade_of(overall), reviewers)


@dataclass
class ReviewView:
    review: Review
    node: Node
    reviewers: list[tuple[ReviewReviewer, str]]
    items: list[DutyItem]
    allowed: list[str]
    results: Results | None
    mine: dict[int, ReviewScore]
    invited: bool

    def as_dict(self) -> dict[str, Any]:
        r = self.review
        out: dict[str, Any] = {
            "id": r.id, "node": self.node.code, "node_name": self.node.name_zh, "level": self.node.level,
            "year": r.year, "status": r.status, "report": r.report,
            "report_at": r.report_at.isoformat() if r.report_at else None,
            "reviewers": [{"name": name, "seat": rv.seat, "scored": rv.scored_at is not None}
                          for rv, name in self.reviewers],
            "items": [duties.item_dict(i) for i in self.items], "allowed_actions": self.allowed,
            "my_scores": {str(k): {"score": s.score, "comment": s.comment} for k, s in self.mine.items()},
            "results": None,
        }
        if self.results is not None:
            out["results"] = {"overall": self.results.overall, "grade": self.results.grade,
                              "reviewers": self.results.reviewers,
                              "items": [{"id": x.item.id, "number": x.item.number, "text": x.item.text,
                                         "mean": x.mean, "count": x.count, "comments": x.comments}
                                        for x in self.results.items]}
        return out


def get(session: Session, actor: Actor, review_id: int) -> ReviewView:
    review, node = _load(session, actor, review_id)
    st = state(session, actor, review, node)
    reviewers = list(session.execute(
        select(ReviewReviewer, User.display_name).join(User, User.id == ReviewReviewer.user_id)
        .where(ReviewReviewer.review_id == review.id).order_by(ReviewReviewer.id)).tuples())
    ids = list(review.item_ids or [])
    if ids:
        found = {i.id: i for i in session.scalars(select(DutyItem).where(DutyItem.id.in_(ids)))}
        items = [found[i] for i in ids if i in found]
    else:
        items = duties.items_for_level(session, actor.city_id, node.level)
    mine = {s.item_id: s for s in session.scalars(select(ReviewScore).where(
        ReviewScore.review_id == review.id, ReviewScore.user_id == actor.user_id))} if actor.user_id else {}
    return ReviewView(review, node, reviewers, items, TABLE.allowed(review.status, actor.role, st),
                      results(session, review) if sees_results(actor, node, review) else None, mine, st.invited)


def visible_filter(actor: Actor) -> Any:
    """SQL over ``reviews`` joined with their ``geo_nodes``: the reviews the actor sees (those of
    nodes within their scope, staff; those they are invited to)."""
    invited = select(ReviewReviewer.review_id).where(ReviewReviewer.user_id == actor.user_id) \
        if actor.user_id is not None else None
    scoped = and_(Review.city_id == actor.city_id,
                  true() if actor.role in CITYWIDE else under(Node.path, actor.node_path))
    mine = Review.id.in_(invited) if invited is not None else None
    if actor.role not in duties.READERS:
        return and_(Review.city_id == actor.city_id, mine) if mine is not None else Review.id.is_(None)
    return or_(scoped, mine) if mine is not None else scoped


def list_reviews(session: Session, actor: Actor, *, year: int | None = None, status: str | None = None,
                 limit: int = 200) -> list[tuple[Review, Node]]:
    q = select(Review, Node).join(Node, Node.id == Review.node_id).where(visible_filter(actor))
    if year:
        q = q.where(Review.year == year)
    if status:
        if status not in {s.value for s in ReviewStatus}:
            raise InvalidInput(f"one of {', '.join(s.value for s in ReviewStatus)}", "status")
        q = q.where(Review.status == status)
    return list(session.execute(q.order_by(Review.year.desc(), Node.path).limit(limit)).tuples())


def levels() -> tuple[str, ...]:
    return (Level.TOWN.value, Level.COMMUNITY.value)
