"""Learning from the city: the staff's corrections of the classifier, and retraining.

Corrections are *derived from the events*, not stored twice: the report event's payload says
where the category came from (``triage.category_source``: ``classifier``, ``person`` or
``given``, written by intake) and each ``classify`` event records the category a person set.
A correction is a ``classify`` that changed a category the classifier had set, or that gave
one to a case the classifier left for a person.

Retraining (``huying triage retrain --city CODE``) trains on the seed data plus the city's
own classified cases — every case whose category a person gave or set (the classifier's own
unconfirmed guesses are left out: training on them would only teach the model itself) —
writes ``<data_dir>/models/triage/<city>/<version>.npz`` with ``<version>.json`` (its
metrics) atomically, and the server picks it up without a restart
(:func:`huying.triage.versions.current_classifier`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Case, CaseEvent
from huying.cityconfig.models import Category
from huying.triage.classifier import Config, TextClassifier
from huying.triage.evaluation import choose_threshold, evaluate
from huying.triage.versions import models_dir, newest_classifier


@dataclass(frozen=True)
class Correction:
    case_code: str
    at: dt.datetime
    actor_id: int | None
    #: ``classifier`` (it had set a category) or ``person`` (it left the case undecided).
    source: str
    predicted: str | None  # first-level name the classifier predicted (its top suggestion)
    corrected: str  # first-level name a person set


@dataclass(frozen=True)
class Example:
    subject: str
    detail: str
    label: str  # first-level category name
    #: The city's case it comes from (None: a seed example).
    case_code: str | None = None


def _level1_names(session: Session, city_id: int) -> dict[int, str]:
    """Category id → the name of its first-level ancestor."""
    rows = session.execute(select(Category.id, Category.path, Category.code, Category.name_zh)
                           .where(Category.city_id == city_id)).all()
    top = {r.code: r.name_zh for r in rows if r.path.count("/") == 2}
    return {r.id: top.get(r.path.split("/")[1], r.name_zh) for r in rows}


def _report_triage(session: Session, city_id: int) -> dict[int, dict[str, Any]]:
    out = {}
    for case_id, payload in session.execute(
            select(CaseEvent.case_id, CaseEvent.payload)
            .where(CaseEvent.city_id == city_id, CaseEvent.seq == 1)):
        out[case_id] = json.loads(payload).get("triage") or {}
    return out


def corrections(session: Session, city_id: int) -> list[Correction]:
    """Every staff correction of the classifier in the city, oldest first."""
    names = _level1_names(session, city_id)
    code_name = {c: n for c, n in session.execute(
        select(Category.code, Category.name_zh).where(Category.city_id == city_id, Category.level == 1))}
    triage = _report_triage(session, city_id)
    out = []
    q = (select(CaseEvent.case_id, CaseEvent.at, CaseEvent.actor_id, CaseEvent.payload, Case.code)
         .join(Case, Case.id == CaseEvent.case_id)
         .where(CaseEvent.city_id == city_id, CaseEvent.action == "classify")
         .order_by(CaseEvent.at, CaseEvent.id))
    seen_before: dict[int, int | None] = {}
    for case_id, at, actor_id, payload, code in session.execute(q):
        t = triage.get(case_id, {})
        new = json.loads(payload).get("set", {}).get("category_id")
        if new is None or t.get("category_source") not in ("classifier", "person"):
            continue
        suggestions = t.get("suggestions") or []
        predicted = code_name.get(suggestions[0][0]) if suggestions else None
        before = seen_before.get(case_id, "report")
        seen_before[case_id] = new
        if before == "report" and t.get("category_source") == "classifier" and predicted == names.get(new):
            continue  # confirmed, not corrected
        out.append(Correction(code, at, actor_id, t["category_source"], predicted, names.get(new, "?")))
    return out


def city_examples(session: Session, city_id: int) -> list[Example]:
    """The city's cases whose category a person gave or set, as training examples."""
    names = _level1_names(session, city_id)
    triage = _report_triage(session, city_id)
    by_person = set(session.scalars(select(CaseEvent.case_id).where(
        CaseEvent.city_id == city_id, CaseEvent.action == "classify")))
    out = []
    for case_id, code, title, desc, cat in session.execute(
            select(Case.id, Case.code, Case.title, Case.description, Case.category_id)
            .where(Case.city_id == city_id, Case.category_id.is_not(None)).order_by(Case.id)):
        source = triage.get(case_id, {}).get("category_source", "given")
        if source == "classifier" and case_id not in by_person:
            continue
        if cat in names:
            out.append(Example(title, desc or "", names[cat], code))
    return out


def _cv_metrics(texts: list[tuple[str, str]], labels: list[str], cfg: Config, folds: int = 3,
                changed: Sequence[int] = ()) -> dict[str, Any]:
    """Cross-validated scores of the recipe on the rows; ``changed``: rows of the cases whose
    first level a person changed from the classifier's, of which the out-of-fold predictions
    that are right are counted (``changed_cv_right``: the classifier had none of them right)."""
    from sklearn.model_selection import StratifiedKFold

    y = np.array(labels)
    counts = {lab: int((y == lab).sum()) for lab in set(labels)}
    k = min(folds, min(counts.values()))
    if k < 2:
        return {"cv_folds": 0}
    preds: list[str] = [""] * len(labels)
    conf = np.zeros(len(labels))
    skf = StratifiedKFold(k, shuffle=True, random_state=cfg.seed)
    for tr, te in skf.split(np.zeros(len(y)), y):
        clf = TextClassifier(config=cfg).fit([texts[i] for i in tr], [labels[i] for i in tr])
        for i, p in zip(te, clf.predict([texts[i] for i in te]), strict=True):
            preds[i] = p.label
            conf[i] = p.confidence
    rep = evaluate(labels, preds, sorted(counts))
    # the abstain threshold of the new model, from the same out-of-fold predictions (issue #20)
    choice = choose_threshold(conf, np.array(preds) == y)
    return {"cv_folds": k, "cv_accuracy": round(rep.accuracy, 4), "cv_macro_f1": round(rep.macro_f1, 4),
            "changed_cv_right": sum(preds[i] == labels[i] for i in changed),
            "abstain": {"threshold": round(choice.threshold, 4), "target_precision": choice.target,
                        "cv_precision": round(choice.precision, 4) if choice.share else None,
                        "cv_auto_share": round(choice.share, 4)}}


def retrain(session: Session, city_id: int, city_code: str, seed: Sequence[Example], *,
            now: dt.datetime, data_dir: Path | None = None, cv_folds: int = 3,
            config: Config | None = None) -> tuple[Path, dict[str, Any]]:
    """Train on ``seed`` + the city's examples; write the versioned model and its metrics.

    The metrics say what the model learns from: ``n_corrections`` (every correction, a
    person's classification of a case the classifier left undecided included) and ``n_changed``
    (those that changed the classifier's first level); with cross-validation, how many of the
    changed cases the new recipe gets right out of fold (``changed_cv_right``, against none for
    the classifier that was corrected), beside ``previous``: the version and recorded CV
    macro-F1 of the model served until now (measured on its own training data, not these)."""
    own = city_examples(session, city_id)
    rows = [*seed, *own]
    texts = [(e.subject, e.detail) for e in rows]
    labels = [e.label for e in rows]
    if len(set(labels)) < 2:
        raise ValueError("need examples of at least two categories to train")
    cfg = config or Config()
    version = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    fixes = corrections(session, city_id)
    changed_codes = {c.case_code for c in fixes if c.corrected != c.predicted}
    changed = [i for i, e in enumerate(rows) if e.case_code in changed_codes]
    served = newest_classifier(city_code, data_dir)
    metrics = {"version": version, "city": city_code, "n_seed": len(seed), "n_city": len(own),
               "n_corrections": len(fixes), "n_changed": len(changed_codes),
               "previous": {"version": served.version, "cv_macro_f1": recorded_cv_macro_f1(served)},
               **(_cv_metrics(texts, labels, cfg, cv_folds, changed) if cv_folds > 1 else {"cv_folds": 0})}
    extra: dict[str, Any] = {"version": version, "metrics": metrics}
    if "abstain" in metrics:  # served predictions carry it (abstain.decide)
        extra["abstain"] = metrics["abstain"]
    clf = TextClassifier(config=cfg).fit(texts, labels, trained_at=now.isoformat(),
                                         extra_metadata=extra)
    folder = models_dir(city_code, data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{version}.npz"
    tmp = folder / f".{version}.npz.part"
    clf.save(tmp)
    (folder / f"{version}.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, target)  # atomic: a reader never sees half a model
    return target, metrics


def recorded_cv_macro_f1(clf: TextClassifier) -> float | None:
    """The cross-validated macro-F1 a model's metadata records: a retrained city model's
    (``cv_macro_f1``) or the shipped model's (``cv.macro_f1``); None when it has none."""
    m = clf.metrics
    value = m.get("cv_macro_f1", (m.get("cv") or {}).get("macro_f1"))
    return None if value is None else float(value)


def seed_examples(path: Path) -> list[Example]:
    from huying.triage.data import read_messages

    return [Example(r.subject, r.detail, r.label or "") for r in read_messages(path, require_label=True)]


def as_dicts(items: Sequence[Correction]) -> list[dict[str, Any]]:
    return [{**asdict(c), "at": c.at.isoformat()} for c in items]
