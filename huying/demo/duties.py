"""The demo's responsibilities, reviews and weak organisations (all synthetic): the default
lists (``huying/data/duties.json``, paraphrased), one finished and published review of every
town's Party committee for the year before the demo year (scored by the city officer and the
leader), the demo community's review of that year open for scoring (the town officer has
scored; the demo resident and the partner's account are invited), the default indicator rules,
and a few organisations identified as weak by hand with their plans — some rectified."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.accountability import duty_service as duties
from huying.accountability import review_service as reviews
from huying.accountability import weak_service as weak
from huying.demo.build import CHANGAN, HUMEN, HUMEN_COMMUNITY
from huying.geo.models import Level, Node
from huying.orgs.actor import Actor, actor_for
from huying.orgs.models import Role
from huying.orgs.service import create_user

#: A password hash no password matches: the towns' synthetic secretaries do not sign in.
NO_SIGN_IN = "!demo-secretary"


def _secretary(session: Session, town: Node) -> Actor:
    """The town's officer who reports: the demo's own for 虎门 and 长安, else a synthetic one."""
    if town.code in (HUMEN, CHANGAN):
        return actor_for(session, "town" if town.code == HUMEN else "town2")
    user = create_user(session, username=f"secretary-{town.code}", password="", password_hash=NO_SIGN_IN,
                       role=Role.TOWN_OFFICER, node=town, display_name=f"示例书记（{town.name_zh}）")
    return Actor.of(session, user)


def _score_all(session: Session, who: Actor, review_id: int, rng: np.random.Generator, now: dt.datetime) -> None:
    view = reviews.get(session, who, review_id)
    reviews.score(session, who, review_id, {i.id: (int(rng.integers(68, 99)), None) for i in view.items}, now=now)


def build_duties(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    rng = np.random.default_rng(seed + 1818)
    city, leader = actor_for(session, "city"), actor_for(session, "leader")
    assert city.city_id == city_id
    loaded = duties.load_defaults(session, city, now=now)
    year = now.year - 1
    counts = {"items": loaded.counts["added"], "reviews": 0, "weak": 0, "rectified": 0}
    towns = list(session.scalars(select(Node).where(Node.city_id == city_id, Node.level == Level.TOWN.value)
                                 .order_by(Node.code)))
    for town in towns:
        review = reviews.create(session, city, town.code, year, now=now)
        reviews.invite(session, city, review.id, ["city", "leader"], "officer", now=now)
        reviews.submit_report(session, _secretary(session, town), review.id,
                              f"（示例述职报告）{year}年，{town.name_zh}党委落实抓基层党建责任清单，"
                              "推进网格化党建和三级问题研处，群众诉求按期办结率和满意率稳步提升。", now=now)
        reviews.act(session, city, review.id, "open", now=now)
        _score_all(session, city, review.id, rng, now)
        _score_all(session, leader, review.id, rng, now)
        reviews.act(session, city, review.id, "close", now=now)
        reviews.act(session, city, review.id, "publish", now=now)
        counts["reviews"] += 1
    # the demo community's review, open for scoring (the resident and the partner still to score)
    town_officer = actor_for(session, "town")
    review = reviews.create(session, town_officer, HUMEN_COMMUNITY, year, now=now)
    reviews.invite(session, town_officer, review.id, ["town"], "officer", now=now)
    reviews.invite(session, town_officer, review.id, ["resident"], "representative", now=now)
    reviews.invite(session, town_officer, review.id, ["partner"], "council", now=now)
    reviews.submit_report(session, actor_for(session, "community"), review.id,
                          f"（示例述职报告）{year}年，本社区党组织落实三张微权清单和十一项党建工作职能，"
                          "组织党员联户走访，推动共建议事会议定事项落地。", now=now)
    reviews.act(session, town_officer, review.id, "open", now=now)
    _score_all(session, town_officer, review.id, rng, now)
    counts["reviews"] += 1
    for rule in weak.DEFAULT_RULES:
        weak.save_rule(session, city, rule, now=now)
    # a few communities identified by hand: two last year (rectified), two this year (open); none
    # in the demo accounts' towns, whose work lists the walkthroughs read
    communities = list(session.scalars(select(Node).where(
        Node.city_id == city_id, Node.level == Level.COMMUNITY.value,
        ~Node.code.startswith(HUMEN), ~Node.code.startswith(CHANGAN)).order_by(Node.code)))
    picked = [communities[int(i)] for i in rng.choice(len(communities), size=4, replace=False)]
    for k, comm in enumerate(picked):
        when = now - dt.timedelta(days=400 if k < 2 else 60)
        flag = weak.flag_by_hand(session, city, comm.code, "（示例）班子凝聚力不强，组织生活不规范，群众诉求办结率偏低",
                                 now=when)
        weak.open_plan(session, city, flag.id, plan="（示例）调整充实班子、规范组织生活、逐户回访群众诉求",
                       supervisor="leader", now=when, milestones=[
                           ("调整充实班子", when + dt.timedelta(days=30)),
                           ("规范“三会一课”", when + dt.timedelta(days=90))])
        counts["weak"] += 1
        if k < 2:
            view = weak.get_flag(session, city, flag.id)
            for m in view.milestones:
                weak.complete_milestone(session, city, flag.id, m.id, note="（示例）已完成", now=m.due_at)
            done = when + dt.timedelta(days=120)
            if weak.still_firing(session, flag, comm, done):
                weak.clear_by_hand(session, leader, flag.id, reason="（示例）经镇街党委验收，整顿到位", now=done)
            else:
                weak.clear(session, city, flag.id, note="（示例）班子调整到位，满意率回升", now=done)
            counts["rectified"] += 1
        else:
            first = weak.get_flag(session, city, flag.id).milestones[0]
            weak.complete_milestone(session, city, flag.id, first.id, note="（示例）已完成", now=first.due_at)
    return counts
