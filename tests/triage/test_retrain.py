"""Learning from the city: corrections are derived from events; retraining writes a
versioned model with metrics; the server picks up the newest without a restart."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from huying.cases import service as svc
from huying.intake.service import ReportIn, intake
from huying.triage import versions
from huying.triage.classifier import Prediction, default_classifier
from huying.triage.corrections import Example, city_examples, corrections, retrain
from tests.cases.conftest import T0, World
from tests.intake import conftest as intake_fixtures
from tests.triage.conftest import TINY

# the small city with personas, and a data folder of the test's own (autouse)
world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir

SEED = [Example(s, d, lab) for s, d, lab in TINY * 2]
#: The city's own word for a problem the seed data has never seen.
CITY_TEXTS = [("共享单车乱停放", "小区门口共享单车堆满人行道"), ("共享单车占道", "地铁口共享单车乱停"),
              ("共享单车太多", "共享单车挡住盲道"), ("共享单车堵门", "商场门口共享单车堆积")]


def _report(world: World, title: str, detail: str, pred: Prediction, lon: float = 113.05) -> svc.Case:  # type: ignore[name-defined]
    return intake(world.session, world["resident"], ReportIn(title=title, description=detail, lon=lon, lat=23.05),
                  channel="resident_web", now=T0, prediction=pred).case


def test_corrections_are_derived_from_classify_events(world: World) -> None:
    wrong = _report(world, "公交班次太少", "等车半小时", Prediction("教育文体", 0.9, [("教育文体", 0.9)]))
    unsure = _report(world, "拖欠工资", "老板拖欠工资", Prediction("交通运输", 0.3, [("交通运输", 0.3)]), lon=113.15)
    right = _report(world, "学校乱收费", "补课费", Prediction("教育文体", 0.9, [("教育文体", 0.9)]), lon=113.25)
    given = intake(world.session, world["resident"], ReportIn(title="路灯", lon=113.35, lat=23.05, category="城乡建设"),
                   channel="resident_web", now=T0).case
    officer = world["community"]
    svc.classify(world.session, wrong, officer, category="交通运输", now=T0)
    svc.classify(world.session, unsure, officer, category="劳动和社会保障", now=T0)
    assert right.category_id is not None and given.category_id is not None
    found = corrections(world.session, world.city_id)
    assert [(c.case_code, c.source, c.predicted, c.corrected) for c in found] == [
        (wrong.code, "classifier", "教育文体", "交通运输"), (unsure.code, "person", "交通运输", "劳动和社会保障")]
    # training examples: what a person decided (given or set), not the model's own guesses
    assert sorted(e.label for e in city_examples(world.session, world.city_id)) == [
        "交通运输", "劳动和社会保障", "城乡建设"]


def test_retraining_learns_the_citys_corrections_and_is_served_without_restart(world: World, own_data_dir: Path) -> None:
    for i, (title, detail) in enumerate(CITY_TEXTS):
        case = _report(world, title, detail, Prediction("教育文体", 0.3, [("教育文体", 0.3)]), lon=113.01 + i * 0.05)
        svc.classify(world.session, case, world["town"], category="交通运输", now=T0)
    clock = 1000.0
    before = versions.current_classifier("441900", clock=clock)
    assert before is default_classifier()
    path, metrics = retrain(world.session, world.city_id, "441900", SEED, now=T0, cv_folds=2)
    assert path == own_data_dir / "models" / "triage" / "441900" / "20250303T013000Z.npz"
    assert metrics["n_city"] == 4 and metrics["n_corrections"] == 4 and metrics["cv_folds"] == 2
    assert json.loads(path.with_suffix(".json").read_text())["cv_macro_f1"] == metrics["cv_macro_f1"]
    # within the check interval the old model is still served; after it, the new one
    assert versions.current_classifier("441900", clock=clock + 1) is before
    served = versions.current_classifier("441900", clock=clock + versions.CHECK_SECONDS + 1)
    assert served.version == "20250303T013000Z" and served.metrics["n_city"] == 4
    assert served.predict_one("共享单车乱停", "人行道上共享单车太多").label == "交通运输"
    # a newer version replaces it the same way; intake then classifies with it
    later = T0 + dt.timedelta(days=1)
    path2, _ = retrain(world.session, world.city_id, "441900", SEED, now=later, cv_folds=0)
    os.utime(path2, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    newest = versions.current_classifier("441900", clock=clock + 2 * versions.CHECK_SECONDS + 2)
    assert newest.version == "20250304T013000Z"
    r = intake(world.session, world["resident"], ReportIn(title="共享单车乱停放", description="共享单车堆满路口",
                                                          lon=113.3, lat=23.1), channel="resident_web", now=later)
    assert r.model_version == "20250304T013000Z"


def test_a_broken_model_file_does_not_stop_serving(world: World, own_data_dir: Path) -> None:
    folder = own_data_dir / "models" / "triage" / "441900"
    folder.mkdir(parents=True)
    (folder / "20990101T000000Z.npz").write_bytes(b"not a model")
    assert versions.current_classifier("441900", clock=5.0) is default_classifier()
