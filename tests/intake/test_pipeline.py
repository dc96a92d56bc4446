"""One intake pipeline: validate → locate → classify → duplicates → route → SLA → event."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.cityconfig.models import Category
from huying.errors import InvalidInput
from huying.intake.service import ReportIn, intake
from huying.triage.classifier import Prediction, default_classifier
from huying.triage.models import RoutingRule
from tests.cases.conftest import T0, World
from tests.cases.test_fold import assert_folds


def _pred(label: str, p: float) -> Prediction:
    others = [("环境保护", (1 - p) * 0.6), ("交通运输", (1 - p) * 0.4)]
    return Prediction(label, p, [(label, p), *[o for o in others if o[0] != label]])


def _report(**kw: object) -> ReportIn:
    base: dict[str, object] = {"title": "路灯不亮", "description": "小区门口的路灯坏了三天",
                               "lon": 113.05, "lat": 23.05}
    base.update(kw)
    return ReportIn(**base)  # type: ignore[arg-type]


def _payload(world: World, case: Case) -> dict[str, object]:
    ev = world.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == 1)).one()
    return json.loads(ev.payload)["triage"]  # type: ignore[no-any-return]


def _code(world: World, name: str) -> str:
    return world.session.scalars(select(Category.code).where(
        Category.city_id == world.city_id, Category.name_zh == name).order_by(Category.code)).first()  # type: ignore[return-value]


def test_a_confident_prediction_sets_the_first_level_category(world: World) -> None:
    r = intake(world.session, world["resident"], _report(), channel="resident_web", now=T0,
               prediction=_pred("城乡建设", 0.93))
    assert r.category_source == "classifier" and not r.needs_review
    assert r.category == _code(world, "城乡建设")
    assert r.case.category_id is not None and r.case.status == "new"
    payload = _payload(world, r.case)
    assert payload["category_source"] == "classifier" and payload["confidence"] == 0.93
    assert_folds(world, r.case)


def test_it_goes_one_level_deeper_when_the_text_names_a_subcategory(world: World) -> None:
    r = intake(world.session, world["resident"],
               _report(title="楼顶违章建筑", description="邻居在楼顶加盖违章建筑，影响安全"),
               channel="resident_web", now=T0, prediction=_pred("城乡建设", 0.9))
    cat = world.session.scalars(select(Category).where(Category.code == r.category,
                                                       Category.city_id == world.city_id)).one()
    assert cat.name_zh == "违章建筑" and cat.level == 3 and cat.path.startswith(f"/{_code(world, '城乡建设')}/")


def test_a_low_confidence_report_waits_for_a_person_who_sees_the_suggestions(world: World) -> None:
    r = intake(world.session, world["resident"], _report(), channel="resident_web", now=T0,
               prediction=_pred("城乡建设", 0.41))
    assert r.needs_review and r.category is None and r.case.category_id is None
    assert [s[1] for s in r.suggestions] == ["城乡建设", "环境保护", "交通运输"]
    payload = _payload(world, r.case)
    assert payload["category_source"] == "person"
    assert [s[1] for s in payload["suggestions"]] == ["城乡建设", "环境保护", "交通运输"]  # type: ignore[index]
    assert r.route is not None and r.route.unit_code == "441900101001-party"  # the dispatcher
    assert not r.dispatched
    # the person picks a suggestion: an ordinary classify command
    svc.classify(world.session, r.case, world["community"], category=r.suggestions[0][0], now=T0)
    assert r.case.category_id is not None


def test_the_threshold_is_the_setting(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from huying.config import get_settings

    monkeypatch.setattr(get_settings(), "triage_min_confidence", 0.95)
    r = intake(world.session, world["resident"], _report(), channel="resident_web", now=T0,
               prediction=_pred("城乡建设", 0.93))
    assert r.needs_review


def test_a_given_category_is_kept_and_no_model_runs(world: World) -> None:
    class Exploding:
        def predict_one(self, *_a: object) -> Prediction:
            raise AssertionError("the classifier must not run")

    r = intake(world.session, world["resident"], _report(category="环境保护"), channel="resident_web",
               now=T0, classifier=Exploding())  # type: ignore[arg-type]
    assert r.category_source == "given" and r.category == _code(world, "环境保护")


def test_without_a_category_the_default_model_decides_by_its_confidence(world: World) -> None:
    r = intake(world.session, world["resident"],
               _report(title="小学学位不足", description="孩子今年上小学，学校说学位已满，请教育局解决入学问题"),
               channel="resident_web", now=T0)
    expected = default_classifier().predict_one("小学学位不足", "孩子今年上小学，学校说学位已满，请教育局解决入学问题")
    assert r.confidence == pytest.approx(expected.confidence)
    assert r.needs_review == (expected.confidence < 0.6)
    assert r.model_version == default_classifier().version


def test_routing_suggests_the_towns_department_and_leaves_dispatch_to_a_person(world: World) -> None:
    r = intake(world.session, world["resident"], _report(), channel="resident_web", now=T0,
               prediction=_pred("城乡建设", 0.9))
    assert r.route is not None and r.route.unit_code == "441900101-dept-urban_management"
    assert r.route.fallback == 0 and not r.dispatched and r.case.status == "new"
    assert _payload(world, r.case)["route"]["unit"] == "441900101-dept-urban_management"  # type: ignore[index]


def test_a_missing_unit_falls_back_along_the_rule(world: World) -> None:
    # no environment department in the small city: city's? none either → the town committee
    r = intake(world.session, world["resident"], _report(title="河道污染", description="工厂排污"),
               channel="resident_web", now=T0, prediction=_pred("环境保护", 0.9))
    assert r.route is not None and r.route.unit_code == "441900101-party" and r.route.fallback == 2


def test_a_rule_marked_auto_dispatches_as_the_system(world: World) -> None:
    from huying.triage import routing

    routing.install_rules(world.session, world.city_id)
    rule = world.session.scalars(select(RoutingRule).where(
        RoutingRule.city_id == world.city_id, RoutingRule.category == _code(world, "城乡建设"),
        RoutingRule.node_path == "")).one()
    rule.auto = True
    world.session.commit()
    world.session.info.pop("huying.routing.rules", None)
    r = intake(world.session, world["resident"], _report(), channel="resident_web", now=T0,
               prediction=_pred("城乡建设", 0.9))
    assert r.dispatched and r.case.status == "dispatched"
    events = svc.events_of(world.session, r.case)
    assert [(e.action, e.actor_role) for e in events] == [("report", "resident"), ("dispatch", "system")]
    assert_folds(world, r.case)
    # ...but not when the category is uncertain
    r2 = intake(world.session, world["resident"], _report(lon=113.15), channel="resident_web", now=T0,
                prediction=_pred("城乡建设", 0.3))
    assert not r2.dispatched and r2.case.status == "new"


@pytest.mark.parametrize(("kw", "field"), [
    ({"title": "  "}, "title"),
    ({"lon": None, "lat": None}, "location"),
    ({"lat": None}, "location"),
    ({"lon": 120.0, "lat": 30.0}, "location"),
])
def test_bad_reports_are_refused_before_anything_is_stored(world: World, kw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        intake(world.session, world["resident"], _report(**kw), channel="resident_web", now=T0,
               prediction=_pred("城乡建设", 0.9))
    assert err.value.field == field
    assert world.session.scalar(select(Case.id)) is None


def test_an_unknown_channel_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        intake(world.session, world["resident"], _report(), channel="pigeon", now=T0)
    assert err.value.field == "channel"


def test_fixed_on_the_spot_closes_at_once_without_routing(world: World) -> None:
    r = intake(world.session, world["gridworker"], _report(fixed_on_spot="已修好"), channel="grid_patrol",
               now=T0, prediction=_pred("城乡建设", 0.9))
    assert r.case.status == "closed" and r.route is None and r.duplicates == []
