"""Routing honours the towns a department serves (``organisation_towns``): of several
departments answering the same rule, the case goes to the one serving its town; a department
listing other towns only is passed over (the rule's fallbacks follow); one listing no town
serves every town."""

from __future__ import annotations

from huying.orgs import chart
from huying.orgs.models import Organisation
from huying.triage import routing
from huying.triage.models import RoutingRule
from tests.cases.conftest import T0, World
from tests.intake import conftest as intake_fixtures
from tests.intake.test_pipeline import _pred, _report

world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir

TOWN1_GRID_LON, TOWN2_GRID_LON = 113.05, 113.25


def _city_rule(world: World) -> None:
    """Every case to the city's urban-management department, else the town's Party committee."""
    world.session.add(RoutingRule(city_id=world.city_id, category="", node_path="", org_kind="department",
                                  department="urban_management", level="city",
                                  fallbacks='[["party_committee", null, "town"]]'))
    world.session.commit()


def _east_branch(world: World) -> Organisation:
    """A second city urban-management department (a larger code: without towns it never wins)."""
    org = chart.create(world.session, None, node=world.nodes["city"], code="441900-dept-urban_management-east",
                       name_zh="城管东部分局", name_en="Urban Management East", kind="department",
                       department="urban_management", now=T0)
    world.session.commit()
    return org


def _routed(world: World, town: int) -> str | None:
    return routing.route(world.session, world.city_id, None,
                         f"441900/441900-A1/44190010{town}/44190010{town}001/44190010{town}001001/").unit_code


def test_a_case_goes_to_the_department_serving_its_town(world: World) -> None:
    from huying.intake.service import intake

    _city_rule(world)
    east = _east_branch(world)
    chart.set_towns(world.session, world.units["city_urban"], None, towns=[world.nodes["town1"]], now=T0)
    chart.set_towns(world.session, east, None, towns=[world.nodes["town2"]], now=T0)
    world.session.commit()
    in_town1 = intake(world.session, world["resident"], _report(lon=TOWN1_GRID_LON), channel="resident_web",
                      now=T0, prediction=_pred("城乡建设", 0.9))
    in_town2 = intake(world.session, world["resident"], _report(lon=TOWN2_GRID_LON), channel="resident_web",
                      now=T0, prediction=_pred("城乡建设", 0.9))
    assert in_town1.route is not None and in_town1.route.unit_code == "441900-dept-urban_management"
    assert in_town2.route is not None and in_town2.route.unit_code == "441900-dept-urban_management-east"
    assert in_town2.route.fallback == 0


def test_a_department_listing_its_towns_wins_there_over_one_serving_every_town(world: World) -> None:
    _city_rule(world)
    east = _east_branch(world)
    chart.set_towns(world.session, east, None, towns=[world.nodes["town2"]], now=T0)
    world.session.commit()
    assert _routed(world, 2) == "441900-dept-urban_management-east"
    assert _routed(world, 1) == "441900-dept-urban_management"  # lists none: serves every town


def test_a_department_not_serving_the_town_is_passed_over_for_the_fallback(world: World) -> None:
    _city_rule(world)
    chart.set_towns(world.session, world.units["city_urban"], None, towns=[world.nodes["town2"]], now=T0)
    world.session.commit()
    r = routing.route(world.session, world.city_id, None, "441900/441900-A1/441900101/441900101001/441900101001001/")
    assert r.unit_code == "441900101-party" and r.fallback == 1
    assert _routed(world, 2) == "441900-dept-urban_management"


def test_without_towns_listed_the_smallest_code_answers_as_before() -> None:
    both = [(2, "b-dept", frozenset()), (1, "a-dept", frozenset())]
    assert routing.serving(both, 7) == (1, "a-dept")
    assert routing.serving([(2, "b-dept", frozenset({7})), (1, "a-dept", frozenset())], 7) == (2, "b-dept")
    assert routing.serving([(2, "b-dept", frozenset({8}))], 7) is None
    assert routing.serving([(2, "b-dept", frozenset({8}))], None) is None
