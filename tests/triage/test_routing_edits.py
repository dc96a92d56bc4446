"""An administrator edits the routing rules: the next case routed uses them at once; a bad
rule is refused with its field and nothing stored; a city on the shipped rules keeps them
as its own at the first edit (and before a category is renamed)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cityconfig import categories
from huying.errors import NotVisible
from huying.triage import routing
from huying.triage.models import RoutingRule
from huying.triage.routing import RuleError, RuleIn, Target
from tests.cases.conftest import T0, World, build_world
from tests.intake import conftest as intake_fixtures

world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir

GRID = "441900/441900-A1/441900101/441900101001/441900101001001/"
CONSTRUCTION = "/01/"  # 城乡建设 in the shipped tree: the town's urban management by default


def rows(s: Session, city_id: int) -> int:
    return s.scalar(select(func.count()).select_from(RoutingRule).where(RoutingRule.city_id == city_id)) or 0


def test_a_new_rule_routes_the_next_case(world: World) -> None:
    s, city = world.session, world.city_id
    assert categories.get_by_code(s, city, "01").name_zh == "城乡建设"  # type: ignore[union-attr]
    before = routing.route(s, city, CONSTRUCTION, GRID)
    assert before.unit_code == "441900101-dept-urban_management"
    rule = routing.add_rule(s, city, RuleIn("01", "441900101", "department", "housing", "town",
                                            delegated=True, note="town 101 sends building to housing"))
    assert rows(s, city) == len(routing.read_rules_csv()) + 1  # the shipped rules became its own
    after = routing.route(s, city, CONSTRUCTION, GRID)
    assert after.rule is not None and after.rule.id == rule.id
    assert after.unit_code == "441900101-dept-housing"
    # Elsewhere in the city the shipped rule still applies.
    other = "441900/441900-A1/441900102/441900102001/441900102001001/"
    assert routing.route(s, city, CONSTRUCTION, other).unit_code == "441900102-dept-urban_management"


def test_an_edit_and_a_delete_apply_at_once(world: World) -> None:
    s, city = world.session, world.city_id
    rule = routing.add_rule(s, city, RuleIn("01", "", "department", "housing", "town", priority="9"))
    assert routing.route(s, city, CONSTRUCTION, GRID).unit_code == "441900101-dept-housing"
    routing.update_rule(s, city, rule.id, RuleIn("01", "", "party_committee", "", "town", priority="9",
                                                 fallbacks="party_organisation::community"))
    r = routing.route(s, city, CONSTRUCTION, GRID)
    assert r.rule is not None and r.rule.id == rule.id and r.unit_code == "441900101-party"
    assert routing.fallback_targets(rule) == (Target("party_organisation", None, "community"),)
    routing.delete_rule(s, city, rule.id)
    assert routing.route(s, city, CONSTRUCTION, GRID).unit_code == "441900101-dept-urban_management"
    with pytest.raises(NotVisible):
        routing.delete_rule(s, city, rule.id)


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "99"}, "category"),
    ({"node": "441900999"}, "node"),
    ({"org_kind": "guild"}, "org_kind"),
    ({"department": "space"}, "department"),
    ({"org_kind": "department", "department": ""}, "department"),
    ({"level": "county"}, "level"),
    ({"fallbacks": "guild::town"}, "fallbacks"),
    ({"fallbacks": "department:housing"}, "fallbacks"),
    ({"priority": "1.5"}, "priority"),
])
def test_a_bad_rule_is_refused_and_nothing_is_stored(world: World, change: dict[str, str], field: str) -> None:
    s, city = world.session, world.city_id
    given = {"category": "01", "node": "", "org_kind": "party_committee", "department": "", "level": "town",
             **change}
    with pytest.raises(RuleError) as caught:
        routing.add_rule(s, city, RuleIn(**given))
    assert caught.value.field == field
    s.rollback()
    assert rows(s, city) == 0  # still on the shipped rules


def test_renaming_a_category_keeps_its_routing(world: World) -> None:
    s, city = world.session, world.city_id
    categories.rename(s, city, "01", "城乡建设管理", "Urban and rural construction")
    # The shipped rules name 城乡建设: the city got them by code before the name changed.
    assert rows(s, city) == len(routing.read_rules_csv())
    with Session(s.get_bind()) as fresh:
        assert routing.route(fresh, city, CONSTRUCTION, GRID).unit_code == "441900101-dept-urban_management"


def test_a_rule_of_another_city_is_not_visible(world: World) -> None:
    s, city = world.session, world.city_id
    rule = routing.add_rule(s, city, RuleIn("01", "", "party_committee", "", "town"))
    with pytest.raises(NotVisible):
        routing.update_rule(s, city + 1000, rule.id, RuleIn("01", "", "party_committee", "", "city"))


def test_a_rule_stored_by_another_process_routes_the_next_request(fresh_engine: Engine) -> None:
    """Rules are kept per process (config_cache): a process that never saw the edit uses it
    at its next session, because the edit bumped the routing version row."""
    from huying.cityconfig import config_cache
    from huying.cityconfig.models import ConfigVersion
    from huying.geo import service as geo

    geo.clear_index_cache()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        routing.adopt_default_rules(s, world.city_id)
        assert routing.route(s, world.city_id, CONSTRUCTION, GRID).unit_code == \
            "441900101-dept-urban_management"  # now cached in this process
    # "Another process": its rows and its version bump, written as plain SQL.
    with fresh_engine.begin() as conn:
        conn.execute(insert(RoutingRule).values(
            city_id=world.city_id, category="01", node_path="441900/441900-A1/441900101/",
            org_kind="department", department="housing", level="town", delegated=True, auto=False,
            priority=0, note="", active=True, fallbacks="[]", updated_at=T0))
        conn.execute(update(ConfigVersion).where(ConfigVersion.city_id == world.city_id,
                                                 ConfigVersion.topic == config_cache.ROUTING)
                     .values(version=ConfigVersion.version + 1))
    with Session(fresh_engine) as s:
        assert routing.route(s, world.city_id, CONSTRUCTION, GRID).unit_code == "441900101-dept-housing"
