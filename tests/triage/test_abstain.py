"""Abstaining: the classifier's category is used alone only at or above the threshold chosen
for a target precision; below it a person classifies (issue #20)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from huying.intake.service import ReportIn, intake
from huying.triage import abstain
from huying.triage.classifier import Prediction, default_classifier
from huying.triage.models import RoutingRule
from tests.cases.conftest import T0, World
from tests.intake import conftest as intake_fixtures

world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir


def _pred(p: float, threshold: float | None) -> Prediction:
    return Prediction("城乡建设", p, [("城乡建设", p), ("环境保护", 1 - p)], threshold)


def _report(lon: float = 113.05) -> ReportIn:
    return ReportIn(title="路灯不亮", description="小区门口的路灯坏了三天", lon=lon, lat=23.05)


def test_decide_uses_the_models_threshold_and_else_the_default() -> None:
    assert abstain.decide(_pred(0.93, 0.9)) and not abstain.decide(_pred(0.89, 0.9))
    assert not abstain.decide(_pred(0.93, 0.95), default=0.5)  # the model's threshold wins
    assert abstain.decide(_pred(0.61, None), default=0.6)
    assert not abstain.decide(_pred(0.59, None), default=0.6)


def test_the_threshold_is_the_lowest_that_keeps_the_target_precision() -> None:
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.3, 1.0, 4000)
    correct = rng.uniform(size=4000) < conf  # calibrated: P(correct) = confidence
    c = abstain.choose_threshold(conf, correct, target=0.95)
    # precision above t is about (1 + t) / 2 for a calibrated model: t ≈ 0.9
    assert 0.85 < c.threshold < 0.95
    assert c.precision >= 0.95
    above = conf >= c.threshold
    assert c.share == pytest.approx(above.mean())
    assert correct[above].mean() == pytest.approx(c.precision)


def test_no_threshold_reaches_an_impossible_target() -> None:
    c = abstain.choose_threshold([0.9] * 50 + [0.5] * 50, [True] * 40 + [False] * 60, target=0.95)
    assert c.threshold == 1.0 and c.share == 0.0


def test_the_shipped_model_carries_its_threshold_into_every_prediction() -> None:
    clf = default_classifier()
    t = clf.metadata["abstain"]["threshold"]
    assert 0.5 < t < 1.0 and clf.metadata["abstain"]["target_precision"] == abstain.TARGET_PRECISION
    p = clf.predict_one("小区电梯坏了", "3栋电梯停运一周无人维修")
    assert p.auto_threshold == t


def test_intake_leaves_a_prediction_below_the_models_threshold_to_a_person(world: World) -> None:
    # 0.93 is above the setting (0.6) but below this model's threshold
    r = intake(world.session, world["resident"], _report(), channel="resident_web", now=T0,
               prediction=_pred(0.93, 0.97))
    assert r.needs_review and r.category is None and r.case.category_id is None
    assert [s[1] for s in r.suggestions] == ["城乡建设", "环境保护"]
    sure = intake(world.session, world["resident"], _report(lon=113.15), channel="resident_web",
                  now=T0, prediction=_pred(0.98, 0.97))
    assert not sure.needs_review and sure.category_source == "classifier"
    assert sure.category == r.suggestions[0][0]  # the first level it would not decide alone


def test_intake_dispatches_automatically_only_above_the_threshold(world: World) -> None:
    from huying.triage import routing

    first = intake(world.session, world["resident"], _report(lon=113.25), channel="resident_web",
                   now=T0, prediction=_pred(0.98, 0.97))
    routing.install_rules(world.session, world.city_id)
    rule = world.session.scalars(select(RoutingRule).where(
        RoutingRule.city_id == world.city_id, RoutingRule.category == first.category,
        RoutingRule.node_path == "")).one()
    rule.auto = True
    world.session.commit()
    world.session.info.pop("huying.routing.rules", None)
    below = intake(world.session, world["resident"], _report(), channel="resident_web", now=T0,
                   prediction=_pred(0.93, 0.97))
    assert not below.dispatched and below.case.status == "new"
    above = intake(world.session, world["resident"], _report(lon=113.15), channel="resident_web",
                   now=T0, prediction=_pred(0.98, 0.97))
    assert above.dispatched and above.case.status == "dispatched"


def test_a_model_retrained_for_the_city_carries_its_own_threshold(world: World, own_data_dir: object) -> None:
    from huying.triage.classifier import TextClassifier
    from huying.triage.corrections import Example, retrain
    from tests.triage.conftest import TINY

    seed = [Example(s, d + "。" * i, lab) for i in range(4) for s, d, lab in TINY]
    path, metrics = retrain(world.session, world.city_id, "441900", seed, now=T0, cv_folds=3)
    chosen = metrics["abstain"]
    assert chosen["target_precision"] == abstain.TARGET_PRECISION and 0 < chosen["threshold"] <= 1
    assert TextClassifier.load(path).auto_threshold == chosen["threshold"]
    without = retrain(world.session, world.city_id, "441900", seed, now=T0, cv_folds=0)[0]
    assert TextClassifier.load(without).auto_threshold is None  # falls back to the setting
