"""A year of cases for the demo city, run through the service functions (not raw inserts).

Texts come from the real residents' messages (place names rewritten to the demo city's)
when the message files can be found (``HUYING_MESSAGES_DIR``, or ``shared/data/messages``
beside the checkout); they are not shipped in the package, so elsewhere titles are made
from the category tree. Handling times are drawn from the real reply delays of
``replied.csv`` (scaled: grassroots units answer faster than the city's message board), or
from a log-normal fitted to them when the file is absent.

The simulation is driven by each case's status: whoever the workflow says acts next acts,
at a drawn moment; before every step the sweeper runs up to that moment (warnings, overdue
marks, supervision notices, automatic escalation), exactly as it would in production.

Classification: every report leaves its category to intake. The messages without a label are
classified by the shipped model, and the dispatcher takes its top suggestion when intake leaves
the case to a person. The labelled messages (their real category is known) are classified by a
model that has never seen them, the taxonomy's names alone
(:func:`huying.triage.classifier.names_classifier`: what a city starts from before it has
labels of its own; the shipped model learnt these very messages and is never wrong on them);
when its first level is not the message's, the dispatcher corrects it ("更正分类"), and when
intake leaves the case to a person, the dispatcher picks the real category. So the city has
corrections, events like any staff's, that ``huying triage corrections`` lists and ``huying
triage retrain`` learns from (docs/triage.md, "Learning from corrections")."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import jobs, notify
from huying.cases import service as svc
from huying.cases.models import Case
from huying.cases.workflow import IllegalTransition, Status
from huying.cityconfig import categories, deadlines
from huying.cityconfig.models import Category
from huying.cityconfig.sla import SlaRule, Step
from huying.demo.build import CITY_CODE
from huying.errors import CaseError
from huying.geo.models import Level, Node
from huying.intake.history import HistoryRow, write_history
from huying.intake.service import IntakeResult, ReportIn, intake
from huying.orgs.actor import Actor
from huying.orgs.models import Department, Organisation, OrgKind, Role, User
from huying.orgs.service import hash_password
from huying.triage.data import messages_dir

log = logging.getLogger("huying.demo")
CST = dt.timezone(dt.timedelta(hours=8))
#: The demo year's length in days: it ends at the build's today (:func:`demo_end`).
DEMO_DAYS = 365
#: The hour (city time) at which the year ends on a day given with ``--today``.
END_HOUR = 18
#: The demo year's last days, run through the service (``huying demo build``'s default): the
#: cases of the days before that are closed go in as history (:func:`build_cases`).
LIVE_DAYS = 21
STAFF_PASSWORD = "demo-staff"
#: Handling longer than this many days (the 5 working days of the handling time limit) is
#: mostly announced by an extension request (:func:`_plan`).
LONG_DAYS = 6.0
#: Cases per transaction of the demo year (see build_cases).
_BLOCK = 100

#: Channel mix: grid patrols and resident-point visits dominate, then residents, then walks.
CHANNELS: list[tuple[str, float]] = [
    ("grid_patrol", 0.38), ("resident_point_visit", 0.27), ("resident_web", 0.14),
    ("hotline", 0.08), ("open311", 0.03), ("inspection_walk", 0.10),
]
#: First-level category → the town department that usually handles it.
DEPARTMENT_OF: dict[str, Department] = {
    "城乡建设": Department.URBAN_MANAGEMENT, "环境保护": Department.ENVIRONMENT,
    "交通运输": Department.TRANSPORT, "劳动和社会保障": Department.SOCIAL_SECURITY,
    "卫生计生": Department.HEALTH, "民政": Department.CIVIL_AFFAIRS,
    "商贸旅游": Department.MARKET_REGULATION, "政法": Department.PUBLIC_SECURITY,
    "教育文体": Department.CULTURE, "农村农业": Department.AGRICULTURE,
    "国土资源": Department.HOUSING, "经济管理": Department.MARKET_REGULATION,
}
LABEL_WEIGHTS = {"城乡建设": 0.30, "环境保护": 0.12, "交通运输": 0.10, "劳动和社会保障": 0.10,
                 "卫生计生": 0.07, "商贸旅游": 0.07, "教育文体": 0.08, "民政": 0.06, "政法": 0.05,
                 "农村农业": 0.03, "国土资源": 0.02}


def demo_end(today: dt.date | None = None) -> dt.datetime:
    """When the demo year ends (UTC): at ``END_HOUR`` (city time) of ``today`` when it is
    given (the same day gives the same cases: tests and reproducible builds), else now, to
    the minute (the build's today: the city's clock and the server's agree)."""
    if today is None:
        return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return dt.datetime.combine(today, dt.time(END_HOUR), tzinfo=CST).astimezone(dt.UTC)


@dataclass
class Message:
    subject: str
    detail: str
    label: str | None


def load_messages(folder: Path | None) -> tuple[list[Message], np.ndarray | None]:
    """Messages (labelled first) and the reply delays in days, if the files are there."""
    if folder is None:
        return [], None
    out: list[Message] = []
    for name in ("labelled.csv", "unlabelled.csv", "replied.csv"):
        with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                subject = (row.get("subject") or "").strip()
                if subject:
                    out.append(Message(subject, (row.get("detail") or "").strip(), row.get("label") or None))
    delays = []
    fmt = "%Y/%m/%d %H:%M:%S"
    with (folder / "replied.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                d = dt.datetime.strptime(row["reply_time"].strip(), fmt) - dt.datetime.strptime(row["time"].strip(), fmt)
            except (KeyError, ValueError):
                continue
            if d.total_seconds() > 0:
                delays.append(d.total_seconds() / 86400)
    return out, np.array(sorted(delays)) if delays else None


_TOWNISH = re.compile(r"A\d+[区县]")


def rewrite_places(text: str, town: str, community: str) -> str:
    """Move a message from the anonymised "A市" to the demo city: A市 → 东莞市, A2区 → the
    case's town, 西地省 → 广东省; long details are cut to a readable length."""
    text = text.replace("A市", "东莞市").replace("西地省", "广东省")
    text = _TOWNISH.sub(town, text)
    text = re.sub(r"[A-Z]\d+(街道|镇)", community, text)
    return text


@dataclass
class _People:
    """Who acts for each unit and place; staff accounts are made the first time needed."""

    session: Session
    city_id: int
    nodes: dict[int, Node]
    by_code: dict[str, Node]
    password_hash: str
    actors: dict[str, Actor] = field(default_factory=dict)
    known: dict[str, User] | None = None
    created: int = 0

    def _user(self, username: str, role: Role, node: Node, org: Organisation | None, name: str) -> Actor:
        actor = self.actors.get(username)
        if actor is not None:
            return actor
        if self.known is None:  # the accounts a previous run made, read once
            self.known = {u.username: u for u in self.session.scalars(
                select(User).where(User.city_id == self.city_id))}
        user = self.known.get(username)
        if user is None:
            user = User(city_id=self.city_id, username=username, display_name=name,
                        password_hash=self.password_hash, role=role.value, node_id=node.id,
                        organisation_id=org.id if org else None)
            self.session.add(user)
            self.session.flush()
            self.created += 1
        actor = Actor(city_id=self.city_id, role=user.role, node_path=node.path, user_id=user.id,
                      organisation_id=user.organisation_id, name=user.display_name)
        self.actors[username] = actor
        return actor

    def forget_since(self, created: int) -> None:
        """After a rollback: the accounts made since ``created`` are gone, read them again."""
        if self.created != created:
            self.created = created
            self.actors.clear()
            self.known = None

    def community_officer(self, community: Node, org: Organisation | None) -> Actor:
        return self._user(f"staff-{community.code}", Role.COMMUNITY_OFFICER, community, org,
                          f"{community.name_zh}干部")

    def town_officer(self, town: Node, org: Organisation | None) -> Actor:
        return self._user(f"staff-{town.code}", Role.TOWN_OFFICER, town, org, f"{town.name_zh}干部")

    def grid_worker(self, grid: Node, org: Organisation | None) -> Actor:
        return self._user(f"gw-{grid.code}", Role.GRID_WORKER, grid, org, f"{grid.name_zh}网格员")

    def handler(self, org: Organisation, node: Node) -> Actor:
        return self._user(f"h-{org.code}", Role.DEPARTMENT_HANDLER, node, org, f"{org.name_zh}处置员")

    def resident(self, grid: Node) -> Actor:
        return self._user(f"r-{grid.code}", Role.RESIDENT, grid, None, f"居民({grid.code[-6:]})")


@dataclass
class _Plan:
    fixed: bool
    reject: bool
    town_level: bool
    escalations: int
    extension: bool
    #: Working days the unit asks for when it asks for an extension.
    extension_days: int
    ledger: bool
    supervise: bool
    rework: bool
    handle_days: float


@dataclass
class YearClock:
    """The CPU time of the demo year's parts (``huying demo build`` prints it): the cases run
    through the service (their report by intake; the rest of their life, command by
    command), and the history written in bulk. CPU seconds of this process, which a quiet
    machine's wall time approaches."""

    service_cases: int = 0
    intake_s: float = 0.0
    life_s: float = 0.0
    history_rows: int = 0
    history_s: float = 0.0

    def restore(self, earlier: YearClock) -> None:
        """Back to ``earlier`` (a copy taken before a block that is then run again)."""
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(earlier, f.name))

    def render(self) -> str:
        n, out = self.service_cases, []
        if n:
            out.append(f"through the service: {n:,} cases, {(self.intake_s + self.life_s) / n * 1e3:.1f} ms of CPU "
                       f"a case (the report by intake {self.intake_s / n * 1e3:.1f} ms, the rest of its life "
                       f"{self.life_s / n * 1e3:.1f} ms)")
        if self.history_rows:
            out.append(f"as history: {self.history_rows:,} cases, {self.history_s / self.history_rows * 1e3:.2f} ms "
                       f"of CPU a case (drawn and written in bulk)")
        return "; ".join(out)


def run_cases(url: str, city_id: int, seed: int, *, end: dt.datetime, n: int = 40_000,
              live_days: int | None = None, progress: Callable[[int], None] | None = None,
              clock: YearClock | None = None) -> dict[str, int]:
    """Run the demo year of ``n`` cases ending at ``end`` into the database at ``url`` (the
    city committed); ``live_days`` as for :func:`build_cases`.

    One process: two processes writing to one SQLite file were measured slower (27 s
    against 18 s for 2,000 cases), their write transactions waiting on each other."""
    from sqlalchemy.orm import Session as _Session

    from huying.db import make_engine

    engine = make_engine(url)
    try:
        with _Session(engine, expire_on_commit=False) as session:
            if session.scalar(select(Category.id).where(Category.city_id == city_id).limit(1)) is None:
                categories.load_tree(session, city_id)
                session.commit()
            counts = build_cases(session, city_id, seed, end=end, n=n, live_days=live_days, progress=progress,
                                 clock=clock)
        # The year's messages that nobody sent are stale at its end: expired, never sent (a
        # sender plugged in later sends only the last days' news).
        counts["expired_messages"] = notify.expire(engine, now=end)
        return counts
    finally:
        engine.dispose()


@dataclass
class _Drawn:
    """What a case of the demo year is, drawn from its own generator (``rng``, which then
    tells its story)."""

    rng: np.random.Generator
    t0: dt.datetime
    grid: Node
    town: Node
    community: Node
    label: str
    leaf: Category
    title: str
    detail: str
    prediction: Any
    #: Whether ``label`` is the message's real category (a message of labelled.csv).
    known: bool
    channel: str
    plan: _Plan
    lon: float
    lat: float
    grid_org: Organisation | None
    comm_org: Organisation | None


def build_cases(session: Session, city_id: int, seed: int, *, end: dt.datetime, n: int = 40_000,
                live_days: int | None = None, progress: Callable[[int], None] | None = None,
                block: int | None = None, clock: YearClock | None = None) -> dict[str, int]:
    """Run ``n`` cases of the demo year that ends at ``end``; returns counts. ``block``: cases
    per transaction of the service (default ``_BLOCK``; 1 commits every command, as a server
    does).

    ``live_days``: only the cases reported in the year's last ``live_days`` days, and the
    older ones still open at ``end``, run through the service, with the sweeper between
    their steps (their stories: escalations, extensions, ledgers, supervision notices,
    dissatisfied follow-ups); the older cases closed by ``end`` go in as history
    (:func:`huying.intake.history.write_history`, in one transaction: the report, the close
    by the unit that handled it with the reporter's satisfaction, an overdue mark when the
    close came after the deadline), a few hundred times faster. An older case the year would
    have rejected is left out (history closes cases, it does not reject them). ``None``:
    every case through the service (a whole year: minutes). ``clock``: filled with the CPU
    time of each part (:class:`YearClock`)."""
    block = block or _BLOCK
    clock = clock if clock is not None else YearClock()
    msgs, delays = load_messages(messages_dir())
    cats = session.scalars(select(Category).where(Category.city_id == city_id).order_by(Category.code)).all()
    level1 = {c.name_zh: c for c in cats if c.level == 1}
    leaves: dict[str, list[Category]] = {}
    for c in cats:
        if c.level == 3:
            top = c.path.split("/")[1]
            leaves.setdefault(top, []).append(c)
    nodes = {n.id: n for n in session.scalars(select(Node).where(Node.city_id == city_id))}
    by_code = {n.code: n for n in nodes.values()}
    grids = sorted((n for n in nodes.values() if n.level == Level.GRID.value), key=lambda n: n.code)
    orgs = session.scalars(select(Organisation).where(Organisation.city_id == city_id)).all()
    org_by_code = {o.code: o for o in orgs}
    org_by_id = {o.id: o for o in orgs}
    people = _People(session, city_id, nodes, by_code, hash_password(STAFF_PASSWORD))
    leader = _existing(session, "leader") or people.town_officer(by_code["441900"], None)
    city_officer = _existing(session, "city")
    label_names = list(LABEL_WEIGHTS)
    label_p = np.array([LABEL_WEIGHTS[k] for k in label_names])
    label_p /= label_p.sum()
    label_cdf = _cdf(label_p)
    channels = [c for c, _ in CHANNELS]
    channel_cdf = _cdf(np.array([w for _, w in CHANNELS]))
    counts = {"cases": 0, "skipped": 0}
    # Every message is classified by intake: all at once here (one batch is thousands of times
    # cheaper than one call per report), and passed to intake; the labelled ones by a model
    # that has not seen them (the module docstring).
    from huying.triage.classifier import default_classifier, names_classifier

    preds: dict[int, Any] = {}
    for model, labelled in ((default_classifier(), False), (names_classifier(), True)):
        ks = [k for k, m in enumerate(msgs) if bool(m.label) is labelled]
        preds.update(zip(ks, model.predict([(msgs[k].subject, msgs[k].detail) for k in ks]), strict=True))
    # Reports arrive through the year, more in working hours; case i draws from its own
    # generator, so that its story does not depend on the others.
    starts = _report_moments(np.random.default_rng(np.random.SeedSequence([seed, 4119])), n, end)
    order = sorted(range(n), key=lambda i: starts[i])
    shapes: dict[int, Any] = {}

    def draw(i: int) -> _Drawn:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 4119, i]))
        grid = grids[int(rng.integers(len(grids)))]
        codes = [c for c in grid.path.split("/") if c]
        town, community = by_code[codes[2]], by_code[codes[3]]
        prediction, known = None, False
        if msgs:
            k = int(rng.integers(len(msgs)))
            m = msgs[k]
            prediction, known = preds.get(k), bool(m.label)
            label = m.label or (prediction.label if prediction else label_names[0])
            title = rewrite_places(m.subject, town.name_zh, community.name_zh)[:120]
            detail = rewrite_places(m.detail, town.name_zh, community.name_zh)[:600]
        else:
            label = label_names[_pick(rng, label_cdf)]
            title, detail = "", ""
        top = level1[label]
        leaf = leaves[top.code][int(rng.integers(len(leaves[top.code])))]
        if not title:
            title = f"{community.name_zh}{leaf.name_zh}问题"
            detail = f"{grid.name_zh}发现{leaf.name_zh}方面的问题，请尽快处理。"
        channel = channels[_pick(rng, channel_cdf)]
        plan = _plan(rng, channel, delays)
        lon, lat = _point_in(rng, grid, shapes)
        return _Drawn(rng, starts[i], grid, town, community, label, leaf, title, detail, prediction, known,
                      channel, plan, lon, lat, org_by_code.get(f"{grid.code}-team"),
                      org_by_code.get(f"{community.code}-party"))

    def dept_of(d: _Drawn) -> Organisation | None:
        return org_by_code.get(f"{d.town.code}-dept-{DEPARTMENT_OF.get(d.label, Department.URBAN_MANAGEMENT).value}")

    def one_case(i: int, counts: dict[str, int], strict: bool) -> None:
        d = draw(i)
        rng, t0, plan, grid, community = d.rng, d.t0, d.plan, d.grid, d.community
        reporter, anonymous, contact = _reporter(rng, d.channel, people, grid, d.grid_org, community,
                                                 d.comm_org, leader)
        cpu = time.process_time()
        try:
            result = intake(session, reporter, ReportIn(
                title=d.title, description=d.detail, lon=d.lon, lat=d.lat,
                # a reporter who knows the category gives it; the others leave it to intake
                category=None if d.prediction is not None else d.leaf.code,
                priority="urgent" if rng.random() < 0.06 else "normal", anonymous=anonymous,
                contact=contact, fixed_on_spot=("当场处置完毕，已拍照留证" if plan.fixed else None)),
                channel=d.channel, now=t0, prediction=d.prediction)
            case = result.case
        except CaseError:
            if strict:
                raise
            session.rollback()
            counts["skipped"] += 1
            return
        finally:
            clock.intake_s += time.process_time() - cpu
        counts["cases"] += 1
        clock.service_cases += 1
        cpu = time.process_time()
        if not plan.fixed:
            _run(session, rng, case, plan, t0, end, pending=_dispatchers_category(result, d), people=people,
                 town=d.town, community=community, grid=grid, comm_org=d.comm_org, grid_org=d.grid_org,
                 dept_org=dept_of(d), town_party=org_by_code.get(f"{d.town.code}-party"), org_by_id=org_by_id,
                 leader=leader, city_officer=city_officer, counts=counts, strict=strict)
        clock.life_s += time.process_time() - cpu

    live = order
    if live_days is not None:
        cpu = time.process_time()
        live, past = [], []
        rules: dict[tuple[str, str], SlaRule] = {}
        cutoff = end - dt.timedelta(days=live_days)
        for i in order:
            if starts[i] >= cutoff:
                live.append(i)
                continue
            d = draw(i)
            row = _history_row(session, city_id, i, d, dept=dept_of(d), town_party=org_by_code.get(
                f"{d.town.code}-party"), city_party=org_by_code.get(f"{CITY_CODE}-party"), rules=rules)
            if row is None:
                counts["left_out"] = counts.get("left_out", 0) + 1
            elif row.closed_at > end:  # still open at the end: its story runs through the service
                live.append(i)
            else:
                past.append(row)
        if past:
            importer = _existing(session, "city") or _existing(session, "admin")
            if importer is None:
                raise LookupError("the demo year's history needs the demo's city officer or admin")
            rep = write_history(session, importer, past, source=HISTORY_SOURCE)
            if rep.problems:
                raise ValueError(f"the demo year's history: {rep.problems[:3]}")
            session.commit()
            counts["history"] = rep.imported
            clock.history_rows = rep.imported
        clock.history_s = time.process_time() - cpu
        if progress is not None:
            progress(n - len(live))
        session.expunge_all()

    # Cases run in blocks of one transaction each (svc.one_transaction: one commit for
    # hundreds of commands). A block in which any command fails is rolled back and run again
    # command by command, each failure then handled alone, as a block of one would be; every
    # case draws from its own generator, so the second run tells the same stories.
    for first in range(0, len(live), block):
        chunk = live[first:first + block]
        in_one = False
        if block > 1:
            kept, made, timed = dict(counts), people.created, dataclasses.replace(clock)
            try:
                with svc.one_transaction(session):
                    for i in chunk:
                        one_case(i, counts, strict=True)
                in_one = True
            except (CaseError, IllegalTransition):
                counts.clear()
                counts.update(kept)
                people.forget_since(made)
                clock.restore(timed)  # the block is run again, one case at a time
        if not in_one:  # every command commits alone
            for i in chunk:
                one_case(i, counts, strict=False)
                session.commit()
        if progress is not None:
            progress(len(chunk))
        session.expunge_all()
    counts["staff_accounts"] = people.created
    return counts


#: The ``file`` that the demo year's history events name as their source.
HISTORY_SOURCE = "demo-year"


def _history_row(session: Session, city_id: int, i: int, d: _Drawn, *, dept: Organisation | None,
                 town_party: Organisation | None, city_party: Organisation | None,
                 rules: dict[tuple[str, str], SlaRule]) -> HistoryRow | None:
    """Case ``i`` of the year as a closed ledger row: who handled it (its dispatch, then its
    escalations), when it closed (its handling time, its extension, its rework), whether
    that was after its deadline, the reporter's word. ``None``: a case the year rejects."""
    rng, plan, t0 = d.rng, d.plan, d.t0
    if plan.reject:
        return None
    anonymous, contact = _contact(rng, d.channel)
    priority = "urgent" if rng.random() < 0.06 else "normal"
    if plan.fixed:
        unit, resolution, satisfaction, extension = d.grid_org, "当场处置完毕，已拍照留证", None, 0
        closed = t0 + dt.timedelta(hours=float(rng.uniform(0.1, 1.5)))
    else:
        resolution = "已办结"
        if plan.town_level and dept is not None:
            unit = dept
        elif d.grid_org is not None and rng.random() < 0.3:
            unit = d.grid_org
        else:
            unit = d.comm_org
        for _ in range(plan.escalations):  # community → town → city, as escalate moves it
            unit = city_party if unit is town_party or unit is dept else town_party
        days = plan.handle_days + float(rng.uniform(0.3, 2.5)) + plan.escalations * float(rng.uniform(0.5, 2))
        if plan.rework:
            days += plan.handle_days / 2 + float(rng.uniform(0.5, 2))
        extension = plan.extension_days if plan.extension else 0  # approved: the deadline moves
        closed = t0 + dt.timedelta(days=days)
        satisfaction = "满意" if rng.random() < 0.82 else "基本满意"
    rule = rules.get((d.leaf.path, priority))
    if rule is None:
        rule = rules[d.leaf.path, priority] = deadlines.rule_for(session, city_id, d.leaf.path, priority, Step.HANDLE)
    due = deadlines.due_at(session, city_id, rule, t0)
    if extension:
        due = deadlines.extend(session, city_id, due, extension)
    return HistoryRow(line=i + 1, title=d.title, detail=d.detail, lon=d.lon, lat=d.lat, address=None,
                      category=d.leaf.code, priority=priority, channel=d.channel, anonymous=anonymous,
                      contact=contact, reported_at=t0, closed_at=closed.replace(microsecond=0),
                      unit=unit.code if unit is not None else None, satisfaction=satisfaction,
                      overdue=closed > due, resolution=resolution, ref=None)


def _dispatchers_category(result: IntakeResult, d: _Drawn) -> tuple[str, str] | None:
    """The category the dispatcher gives a new case, with the event's note, or None (it keeps
    intake's): for a case left to a person, the real category when the message has one, else the
    top suggestion; for one the classifier decided, the real category when the classifier's
    first level is not the message's (a correction)."""
    if result.needs_review:
        if d.known:
            taken = bool(result.suggestions) and result.suggestions[0][1] == d.label
            return d.leaf.code, ("按系统建议分类" if taken else "更正分类")
        return (result.suggestions[0][0], "按系统建议分类") if result.suggestions else None
    if d.known and result.category_source == "classifier" and d.prediction.label != d.label:
        return d.leaf.code, "更正分类"
    return None


def _existing(session: Session, username: str) -> Actor | None:
    user = session.scalar(select(User).where(User.username == username))
    return Actor.of(session, user) if user else None


def _cdf(p: np.ndarray) -> np.ndarray:
    """The cumulative weights that :func:`_pick` draws from, normalised as numpy's
    ``Generator.choice`` normalises them."""
    cdf = np.asarray(p, dtype=np.float64).cumsum()
    cdf /= cdf[-1]
    return cdf


def _pick(rng: np.random.Generator, cdf: np.ndarray) -> int:
    """``int(rng.choice(len(p), p=p))`` for ``cdf = _cdf(p)``: the same index from the same
    one draw of ``rng`` (tests/demo/test_year_clock.py), without checking ``p`` again at every
    call (15 µs a call, once or twice for each of the year's 40,000 cases)."""
    return int(cdf.searchsorted(rng.random(), side="right"))


def _report_moments(rng: np.random.Generator, n: int, end: dt.datetime) -> list[dt.datetime]:
    """``n`` moments of report in the year that ends at ``end``, its last day included (a
    moment of that day after ``end`` moves to the day before: none is in the future)."""
    start = end - dt.timedelta(days=DEMO_DAYS)
    days = rng.integers(1, DEMO_DAYS + 1, size=n)
    hours = np.clip(rng.normal(11.5, 3.0, size=n), 7.0, 21.5)
    out = []
    for d, h in zip(days, hours, strict=True):
        local = (start.astimezone(CST) + dt.timedelta(days=int(d))).replace(hour=0, minute=0, second=0)
        at = (local + dt.timedelta(hours=float(h))).astimezone(dt.UTC).replace(microsecond=0)
        out.append(at - dt.timedelta(days=1) if at > end else at)
    return out


def _plan(rng: np.random.Generator, channel: str, delays: np.ndarray | None) -> _Plan:
    fixed = channel in ("grid_patrol", "inspection_walk") and rng.random() < 0.22
    town_level = rng.random() < 0.38
    esc = 0
    r = rng.random()
    if r < 0.05:
        esc = 1
    elif r < 0.06:
        esc = 2
    if delays is not None:
        base = float(delays[int(rng.integers(len(delays)))])
    else:
        base = float(np.exp(rng.normal(2.3, 1.2)))
    scale = 0.3 if not town_level else 0.5
    reject = rng.random() < 0.03
    handle_days = min(max(base * scale, 0.05), 60.0)
    # A unit that knows the work outlasts the handling time (5 working days) mostly asks for
    # the days it needs; a few others ask for a few days more.
    long = handle_days > LONG_DAYS
    extension = rng.random() < (0.7 if long else 0.04)
    days = int(rng.integers(2, 8))
    if long:
        days = max(days, min(60, math.ceil((handle_days - LONG_DAYS) * 5 / 7) + 2))
    return _Plan(fixed=fixed, reject=reject, town_level=town_level, escalations=esc,
                 extension=extension, extension_days=days, ledger=rng.random() < 0.02,
                 supervise=rng.random() < 0.03, rework=rng.random() < 0.08, handle_days=handle_days)


def _point_in(rng: np.random.Generator, grid: Node, shapes: dict[int, Any]) -> tuple[float, float]:
    """A point near the grid's representative point (always inside the grid); ``shapes``
    keeps each grid's polygon once made."""
    from shapely import contains_xy

    from huying.geo.shapes import to_shape

    poly = shapes.get(grid.id)
    if poly is None:
        poly = shapes[grid.id] = to_shape(grid.geometry or "")
    for _ in range(20):
        # rounded first, then checked: rounding may step off a grid at the city's edge
        lon = round(float(rng.uniform(grid.min_lon or 0, grid.max_lon or 0)), 6)
        lat = round(float(rng.uniform(grid.min_lat or 0, grid.max_lat or 0)), 6)
        if contains_xy(poly, lon, lat):
            return lon, lat
    return float(grid.centroid_lon or 0), float(grid.centroid_lat or 0)


def _reporter(rng: np.random.Generator, channel: str, people: _People, grid: Node, grid_org: Organisation | None,
              community: Node, comm_org: Organisation | None, leader: Actor) -> tuple[Actor, bool, str | None]:
    if channel == "grid_patrol":
        return people.grid_worker(grid, grid_org), False, None
    if channel == "resident_point_visit":
        return people.community_officer(community, comm_org), False, None
    if channel == "inspection_walk":
        return leader, False, None
    if channel == "resident_web":
        return people.resident(grid), False, None
    anonymous, contact = _contact(rng, channel)
    if channel == "hotline":  # the community's officer takes the call for the resident
        return people.community_officer(community, comm_org), anonymous, contact
    return people.resident(grid), anonymous, contact


def _contact(rng: np.random.Generator, channel: str) -> tuple[bool, str | None]:
    """Whether a report of ``channel`` is anonymous, and the masked phone it leaves: those
    by hotline and Open311 are, the staff's and the signed-in residents' are not."""
    if channel in ("grid_patrol", "resident_point_visit", "inspection_walk", "resident_web"):
        return False, None
    return True, f"1{int(rng.integers(30, 99))}****{int(rng.integers(0, 10000)):04d}"


def _run(session: Session, rng: np.random.Generator, case: Case, plan: _Plan, t: dt.datetime,
         end: dt.datetime, *,
         pending: tuple[str, str] | None = None, people: _People, town: Node, community: Node, grid: Node, comm_org: Organisation | None,
         grid_org: Organisation | None, dept_org: Organisation | None, town_party: Organisation | None,
         org_by_id: dict[int, Organisation], leader: Actor, city_officer: Actor | None,
         counts: dict[str, int], strict: bool = False) -> None:
    """Walk one case through the loop until it closes or the demo year ends (at ``end``);
    ``pending``: the category (and note) the dispatcher gives the new case first."""
    dispatcher = people.community_officer(community, comm_org)
    town_officer = people.town_officer(town, town_party)
    escalations_left = plan.escalations
    extension, ledger, supervise, rework = plan.extension, plan.ledger, plan.supervise, plan.rework
    handled_at: dt.datetime | None = None

    def unit_actor() -> Actor:
        org = org_by_id.get(case.unit_id or -1)
        if org is None:
            return dispatcher
        node = people.nodes[org.node_id]
        if org.kind == OrgKind.DEPARTMENT.value:
            return people.handler(org, node)
        if org.kind == OrgKind.GRID_TEAM.value:
            return people.grid_worker(node, org)
        if node.level == Level.TOWN.value:
            return town_officer
        if node.level == Level.CITY.value and city_officer is not None:
            return city_officer
        return dispatcher

    def later(hours_lo: float, hours_hi: float) -> dt.datetime:
        return t + dt.timedelta(hours=float(rng.uniform(hours_lo, hours_hi)))

    for _ in range(40):
        # the sweeper, running continuously in production, acts up to t
        while (case.sweep_at is not None and case.sweep_at <= min(t, end)
               and case.status not in ("closed", "rejected")):
            try:
                jobs.overdue_step(session, case, case.sweep_at, escalate_after=2)
            except (CaseError, IllegalTransition):
                if strict:
                    raise
                session.rollback()
                break
        if t > end:
            return
        s = Status(case.status)
        try:
            if s is Status.NEW:
                if pending is not None:
                    svc.classify(session, case, dispatcher, category=pending[0], now=t, note=pending[1])
                    pending = None
                    t = later(0.1, 2)
                    continue
                if plan.reject:
                    svc.reject(session, case, dispatcher, reason=str(rng.choice(
                        ["not_actionable", "duplicate", "not_our_responsibility"])), now=t)
                    return
                if plan.town_level and dept_org is not None:
                    svc.dispatch(session, case, town_officer, unit=dept_org.code, now=t)
                elif grid_org is not None and rng.random() < 0.3:
                    svc.dispatch(session, case, dispatcher, unit=grid_org.code, now=t)
                elif comm_org is not None:
                    svc.dispatch(session, case, dispatcher, unit=comm_org.code, now=t)
                else:
                    return
                t = later(0.2, 6)
            elif s is Status.DISPATCHED:
                svc.accept(session, case, unit_actor(), now=t)
                handled_at = t + dt.timedelta(days=plan.handle_days)
                t = later(0.5, 12)
            elif s is Status.IN_PROGRESS:
                actor = unit_actor()
                if escalations_left and case.handling_level != "city":
                    escalations_left -= 1
                    svc.escalate(session, case, dispatcher if case.handling_level == "community" else town_officer,
                                 note="本级无法解决，提请上级研处", now=t)
                    t = later(1, 24)
                elif extension:
                    extension = False
                    svc.request_extension(session, case, actor, days=plan.extension_days,
                                          note="需协调多个部门，申请延期", now=t)
                    t = later(1, 20)
                elif ledger:
                    ledger = False
                    svc.open_ledger(session, case, actor, plan="排查、整改、验收三步走",
                                    milestones=[("排查", t + dt.timedelta(days=3)),
                                                ("整改", t + dt.timedelta(days=12))],
                                    supervisor_id=leader.user_id, now=t)
                    t = later(1, 10)
                elif supervise:
                    supervise = False
                    svc.supervise(session, case, leader, reason="群众关注度高，请加快办理", now=t)
                    t = later(1, 10)
                else:
                    if handled_at is None or handled_at < t:
                        handled_at = t
                    t = handled_at
                    if t > end:
                        return
                    svc.mark_handled(session, case, actor, evidence="已现场处置，附整改说明", now=t)
                    t = later(4, 40)
            elif s is Status.EXTENSION_REQUESTED:
                approver = {"community": dispatcher, "town": town_officer}.get(case.handling_level,
                                                                              city_officer or town_officer)
                if rng.random() < 0.8:
                    svc.approve_extension(session, case, approver, now=t)
                else:
                    svc.refuse_extension(session, case, approver, note="请按期办结", now=t)
                t = later(0.5, 8)
            elif s is Status.HANDLED:
                if rework:
                    rework = False
                    svc.follow_up(session, case, dispatcher, satisfaction="不满意", method="phone",
                                  comment="问题仍未解决", now=t)
                    handled_at = t + dt.timedelta(days=plan.handle_days / 2)
                else:
                    sat = "满意" if rng.random() < 0.82 else "基本满意"
                    svc.follow_up(session, case, dispatcher, satisfaction=sat,
                                  method=str(rng.choice(["phone", "visit", "online"])), now=t)
                t = later(0.5, 24)
            elif s is Status.FOLLOWED_UP:
                svc.close(session, case, dispatcher, resolution="已办结", now=t)
                return
            else:
                return
        except (CaseError, IllegalTransition) as exc:
            if strict:
                raise
            session.rollback()
            counts["stopped"] = counts.get("stopped", 0) + 1
            log.debug("demo case %s stopped: %s", case.code, exc)
            return
