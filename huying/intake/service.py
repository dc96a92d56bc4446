"""The one intake pipeline: every channel (web form, API, Open311, grid patrols,
resident-point visits, inspection walks, hotline, bulk import) turns a report into a case
here.

    validate → locate → classify → duplicates → route → SLA → event

* **classify**: a category given by the reporter is kept. Otherwise the city's current
  classifier predicts the first-level category; at or above ``triage_min_confidence`` it is
  set (one level deeper when the name of a sub-category of it appears in the text), below
  it the case waits for a person with the top suggestions recorded.
* **duplicates**: open cases nearby, recent, of the same first-level category, ranked by
  text similarity (``huying.triage.duplicates``); the likely ones are offered to the
  reporter ("is it one of these?", then :func:`join`), all go to staff (merge).
* **route**: the responsible unit by the city's rules (``huying.triage.routing``); it is a
  suggestion, except where the rule says ``auto`` and the case is clear (category decided,
  no likely duplicate): then the system dispatches it, as its own command and event.
* **SLA and event**: ``cases.service.report`` schedules the deadline and writes the one
  report event, whose payload records what intake decided (``triage``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import channels, reports
from huying.cases import service as svc
from huying.cases.models import Case
from huying.cases.reports import ReportIn
from huying.cityconfig import categories, config_cache
from huying.cityconfig.models import Category
from huying.config import get_settings
from huying.contact import service as register
from huying.errors import InvalidInput
from huying.orgs.actor import Actor
from huying.triage import duplicates as dup
from huying.triage import routing
from huying.triage.abstain import decide as abstain_decide  # issue #20
from huying.triage.classifier import Prediction, TextClassifier


@dataclass
class IntakeResult:
    case: Case
    #: ``given`` (by the reporter), ``classifier`` (confident), ``person`` (left for a person).
    category_source: str
    category: str | None
    confidence: float | None
    #: Top suggestions of the classifier: (category code, name, confidence).
    suggestions: list[tuple[str, str, float]] = field(default_factory=list)
    duplicates: list[dup.Candidate] = field(default_factory=list)
    route: routing.Route | None = None
    dispatched: bool = False
    model_version: str | None = None

    @property
    def needs_review(self) -> bool:
        return self.category_source == "person"

    @property
    def likely_duplicates(self) -> list[dup.Candidate]:
        """What the reporter is asked about: "is it one of these?"."""
        return [c for c in self.duplicates if c.likely]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.case.code, "category_source": self.category_source,
                "category": self.category, "confidence": self.confidence,
                "needs_review": self.needs_review,
                "suggestions": [{"category": c, "name": n, "confidence": round(p, 4)}
                                for c, n, p in self.suggestions],
                "duplicates": [c.as_dict() for c in self.duplicates],
                "route": self.route.as_dict() if self.route else None,
                "dispatched": self.dispatched, "model_version": self.model_version}


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Cat:
    id: int
    code: str
    path: str
    name: str
    level: int
    name_en: str


_CAT_COLUMNS = (Category.id, Category.code, Category.path, Category.name_zh, Category.level,
                Category.name_en)


@dataclass(frozen=True)
class _Tree:
    level1: dict[str, _Cat]  # active first-level categories by name (the classifier's labels)
    below: dict[str, list[_Cat]]  # active categories under each first-level code, in code order


def _tree(session: Session, city_id: int) -> _Tree:
    """The city's active categories as intake reads them, kept per process until the tree
    changes (``config_cache``; reading the 650 categories of the demo city on every report
    was a fifth of the CPU of ``POST /api/v1/cases``, docs/performance.md P1)."""

    def build(_token: Any) -> _Tree:
        cats = [_Cat(*r[:5], r[5] or "") for r in session.execute(
            select(*_CAT_COLUMNS).where(Category.city_id == city_id, Category.active.is_(True))
            .order_by(Category.code))]
        active1 = {c.path: c for c in cats if c.level == 1}
        below: dict[str, list[_Cat]] = {c.code: [] for c in active1.values()}
        for c in cats:
            top = active1.get(c.path[: c.path.index("/", 1) + 1])
            # under a disabled parent a category is out too (disabling takes the subtree)
            if c.level > 1 and top is not None:
                below[top.code].append(c)
        return _Tree({c.name: c for c in active1.values()}, below)

    return config_cache.cached(session, city_id, _INTAKE_TREE, build,
                               depends_on=(config_cache.CATEGORIES,))


#: config_cache entry of :func:`_tree` (its version is the category tree's).
_INTAKE_TREE = "intake.tree"


def _level1(session: Session, city_id: int) -> dict[str, _Cat]:
    return _tree(session, city_id).level1


def _below(session: Session, city_id: int, top: _Cat) -> list[_Cat]:
    return _tree(session, city_id).below.get(top.code, [])


#: Sub-category names shorter than this are too ambiguous to find in a text (文化, 电信...).
MIN_NAME_CHARS = 3


def deeper(session: Session, city_id: int, top: _Cat, text: str) -> _Cat:
    """The deepest sub-category of ``top`` whose name appears in the text (longest name
    first), else ``top``: the data has labels at the first level only, so this is as deep as
    it honestly goes."""
    best = top
    for c in _below(session, city_id, top):
        if len(c.name) >= MIN_NAME_CHARS and c.name != "其他" and c.name in text:
            if (c.level, len(c.name)) > (best.level, len(best.name) if best is not top else 0):
                best = c
    return best


def _settings_window() -> float:
    return float(getattr(get_settings(), "duplicate_window_days", dup.DEFAULT_WINDOW_DAYS))


# --------------------------------------------------------------------------- the pipeline


def locate_report(session: Session, city_id: int, report: ReportIn) -> tuple[ReportIn, tuple[int, str] | None]:
    """The report and its grid (id, path): by its point, else by its address through the
    register (the report then takes the registered address's point); an ambiguous or
    unknown address is refused on field ``address``, listing the candidates."""
    if report.lon is None and report.lat is None and report.address:
        placed = register.place(session, city_id, report.address)
        return (replace(report, lon=placed.spot.lon, lat=placed.spot.lat),
                (placed.spot.grid_id, placed.spot.grid_path))
    return report, svc.locate(session, city_id, report.lon, report.lat)


def classify(session: Session, city_id: int, report: ReportIn, *,
             prediction: Prediction | None = None,
             classifier: TextClassifier | None = None) -> tuple[str, _Cat | None, Prediction | None, str | None]:
    """(source, category, prediction, model version) for a report."""
    if report.category:
        cat = categories.find(session, city_id, report.category)
        if cat is None:
            raise InvalidInput(f"no category {report.category!r}", "category")
        return "given", _Cat(cat.id, cat.code, cat.path, cat.name_zh, cat.level, cat.name_en or ""), None, None
    version = None
    if prediction is None:
        if classifier is None:
            from huying.triage.versions import current_classifier

            classifier = current_classifier(svc.city_code(session, city_id))
        prediction = classifier.predict_one(report.title, report.description)
        version = classifier.version
    top = _level1(session, city_id).get(prediction.label)
    # abstain (issue #20): the model's threshold for its target precision, else the setting
    if top is not None and abstain_decide(prediction, default=get_settings().triage_min_confidence):
        return "classifier", deeper(session, city_id, top, f"{report.title} {report.description}"), \
            prediction, version
    return "person", None, prediction, version


def suggestions_of(session: Session, city_id: int,
                   prediction: Prediction | None) -> list[tuple[str, str, float]]:
    """The classifier's top first-level categories that the city has: (code, name, confidence)."""
    if prediction is None:
        return []
    level1 = _level1(session, city_id)
    return [(level1[label].code, level1[label].name, float(p))
            for label, p in prediction.top if label in level1]


def duplicate_level1(cat: _Cat | None, suggestions: list[tuple[str, str, float]]) -> set[str] | None:
    """The first-level categories whose open cases may be the same problem: the decided
    category's, else the top two suggestions' (None: any)."""
    level1 = {cat.path.split("/")[1]} if cat is not None else {s[0] for s in suggestions[:2]}
    return level1 or None


def intake(
    session: Session, actor: Actor, report: ReportIn, *, channel: str | None = None, now: dt.datetime,
    prediction: Prediction | None = None, classifier: TextClassifier | None = None,
    find_duplicates: bool = True,
) -> IntakeResult:
    """Turn a report into a case (see the module docstring). ``prediction`` lets a batch
    caller classify many reports at once; ``classifier`` overrides the city's current one."""
    # validate: the one check of a report, and the channel from who reports and how
    report = reports.check(report)
    title = report.title
    channel = channels.channel_for(actor, channel).value
    # locate (an address without a point: through the register, issue #16)
    report, grid = locate_report(session, actor.city_id, report)
    if grid is None:
        raise InvalidInput("the address could not be placed on the map; give lon/lat", "location")
    # classify
    source, cat, pred, version = classify(session, actor.city_id, report, prediction=prediction,
                                          classifier=classifier)
    suggestions = suggestions_of(session, actor.city_id, pred)
    if cat is not None:  # the deadline's SLA rule and the answer's names: no second read
        categories.remember_path(session, cat.id, cat.path, (cat.code, cat.name, cat.name_en))
    fixed = report.fixed_on_spot is not None
    # duplicates: same first level (or the top two suggestions when undecided)
    candidates: list[dup.Candidate] = []
    if find_duplicates and not fixed:
        candidates = dup.find_candidates(
            session, actor.city_id, lon=report.lon, lat=report.lat, title=title,
            detail=report.description or "", level1=duplicate_level1(cat, suggestions), now=now,
            radius_m=get_settings().duplicate_radius_m, window_days=_settings_window())
    # route
    route = None if fixed else routing.route(session, actor.city_id, cat.path if cat else None, grid[1])
    triage: dict[str, Any] = {
        "category_source": source, "category": cat.code if cat else None,
        "confidence": round(pred.confidence, 4) if pred else None, "model": version,
        "suggestions": [[c, n, round(p, 4)] for c, n, p in suggestions],
        "duplicates": [[c.code, round(c.similarity, 4), round(c.distance_m, 1), c.likely]
                       for c in candidates],
        "route": route.as_dict() if route else None,
    }
    # SLA + event
    case = svc.report(session, actor, replace(report, category=cat.code if cat else None),
                      channel=channel, now=now, triage=triage, grid=grid,
                      category_id=cat.id if cat else None)
    result = IntakeResult(case, source, cat.code if cat else None, pred.confidence if pred else None,
                          suggestions, candidates, route, False, version)
    if (route is not None and route.auto and route.unit_code and cat is not None
            and not result.likely_duplicates):
        city_path = grid[1].split("/")[0] + "/"
        svc.dispatch(session, case, Actor.system(actor.city_id, city_path), unit=route.unit_code,
                     now=now, note=f"routing rule {route.rule.id if route.rule else ''} (auto)")
        result.dispatched = True
    return result


def join(session: Session, actor: Actor, report: ReportIn, code: str, *, now: dt.datetime) -> Case:
    """The reporter answers "yes, it is this one": they join case ``code`` as a co-reporter
    instead of opening a new case. The case must be a duplicate candidate of their report."""
    case = session.scalar(select(Case).where(Case.city_id == actor.city_id, Case.code == code))
    if case is None:
        raise InvalidInput(f"no case {code}", "case")
    cands = dup.find_candidates(
        session, actor.city_id, lon=report.lon, lat=report.lat, title=report.title,
        detail=report.description or "", level1=None, now=now,
        radius_m=get_settings().duplicate_radius_m, window_days=_settings_window())
    if all(c.case_id != case.id for c in cands):
        raise InvalidInput(f"case {code} is not one of the open cases near your report", "case")
    return svc.join(session, case, actor, now=now, lon=report.lon, lat=report.lat,
                    contact=report.contact, anonymous=report.anonymous)



# --------------------------------------------------------------------------- before sending
# What the report form shows while the reporter writes: the category intake would set and
# its suggestions, and the open cases it would offer ("is it one of these?"). The same
# functions as the pipeline's, so that what is shown is what intake then does.


@dataclass(frozen=True)
class Suggestion:
    """What intake would decide about a text: the category it would set (None: it would
    leave the case to a person) and the classifier's top suggestions."""

    category: str | None
    category_name: str | None
    confidence: float | None
    suggestions: list[tuple[str, str, float]]
    model_version: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "category_name": self.category_name,
                "confidence": round(self.confidence, 4) if self.confidence is not None else None,
                "needs_review": self.category is None,
                "suggestions": [{"category": c, "name": n, "confidence": round(p, 4)}
                                for c, n, p in self.suggestions],
                "model_version": self.model_version}


def _draft(title: str, detail: str) -> tuple[str, str]:
    title, detail = (title or "").strip(), (detail or "").strip()
    if not title and not detail:
        raise InvalidInput("give a title or a detail", "title")
    for name, value in (("title", title), ("description", detail)):
        if len(value) > reports.LIMITS[name]:
            raise InvalidInput(f"longer than {reports.LIMITS[name]} characters", name)
    return title, detail


#: The text a worker classifies at start-up (:func:`warm`): any text loads the same things.
_WARM_TEXT = "路灯不亮"


def warm(session: Session, city_ids: list[int]) -> None:
    """Load what the first report of each city would otherwise load in the middle of a request
    (a server worker at start-up, before it accepts one): the city's current classifier and
    category tree (a suggestion, nothing stored), its routing rules and units, its deadlines'
    rules and working calendar, and the register's names its answer masks."""
    from huying.cases import redact
    from huying.cityconfig import deadlines, holidays

    for city_id in city_ids:
        suggest(session, city_id, _WARM_TEXT)
        routing.city_rules(session, city_id)
        routing.warm(session, city_id)
        deadlines.rules_for(session, city_id)
        holidays.calendar_of(session, city_id)
        redact.warm(session, city_id)


def suggest(session: Session, city_id: int, title: str, detail: str = "", *,
            classifier: TextClassifier | None = None) -> Suggestion:
    """The category intake would give a report with this text (the city's current model)."""
    title, detail = _draft(title, detail)
    _, cat, pred, version = classify(session, city_id, ReportIn(title=title, description=detail),
                                     classifier=classifier)
    return Suggestion(cat.code if cat else None, cat.name if cat else None,
                      pred.confidence if pred else None, suggestions_of(session, city_id, pred),
                      version)


def similar(session: Session, city_id: int, *, lon: float, lat: float, title: str, detail: str = "",
            category: str | None = None, now: dt.datetime,
            classifier: TextClassifier | None = None) -> list[dup.Candidate]:
    """The open cases intake would find as duplicate candidates of this report, best first
    (``Candidate.likely``: the ones the reporter is asked about), each where the public map
    shows it (anyone may ask: ``find_candidates(public=True)``)."""
    title, detail = _draft(title, detail)
    svc.locate(session, city_id, lon, lat)  # a point outside the city is refused
    _, cat, pred, _ = classify(session, city_id, ReportIn(title=title, description=detail,
                                                          category=category or None),
                               classifier=classifier)
    return dup.find_candidates(
        session, city_id, lon=lon, lat=lat, title=title, detail=detail,
        level1=duplicate_level1(cat, suggestions_of(session, city_id, pred)), now=now,
        radius_m=get_settings().duplicate_radius_m, window_days=_settings_window(), public=True)
