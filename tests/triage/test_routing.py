"""Routing rules: category × place → unit type and level; the most specific rule wins, with
fallbacks; a city edits its rules; the shipped defaults apply until it does."""

from __future__ import annotations

from pathlib import Path

import pytest

from huying.triage import routing
from huying.triage.routing import Rule, RuleError, Target
from tests.cases.conftest import World
from tests.intake import conftest as intake_fixtures

# the small city with personas, and a data folder of the test's own (autouse)
world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir

GRID = "441900/441900-A1/441900101/441900101001/441900101001001/"
TOWN = "441900/441900-A1/441900101/"
URBAN = Target("department", "urban_management", "town")
HOUSING = Target("department", "housing", "town")
CITY_HOUSING = Target("department", "housing", "city")
COMMUNITY = Target("party_organisation", None, "community")


def test_the_deeper_category_beats_the_wider_one() -> None:
    rules = [Rule(1, "01", "", URBAN), Rule(2, "01.03", "", HOUSING), Rule(3, "", "", COMMUNITY)]
    assert routing.choose(rules, "/01/01.03/01.03.002/", GRID).id == 2  # type: ignore[union-attr]
    assert routing.choose(rules, "/01/01.02/", GRID).id == 1  # type: ignore[union-attr]
    assert routing.choose(rules, "/05/", GRID).id == 3  # type: ignore[union-attr]
    assert routing.choose(rules, None, GRID).id == 3  # type: ignore[union-attr]


def test_a_place_rule_beats_the_city_wide_one_for_the_same_category() -> None:
    """A delegated power: the city keeps land at city level, town 101 decides it itself."""
    rules = [Rule(1, "07", "", CITY_HOUSING), Rule(2, "07", TOWN, HOUSING, delegated=True)]
    assert routing.choose(rules, "/07/", GRID).id == 2  # type: ignore[union-attr]
    other_town = "441900/441900-A1/441900102/441900102001/441900102001001/"
    assert routing.choose(rules, "/07/", other_town).id == 1  # type: ignore[union-attr]


def test_category_depth_comes_before_place_depth_and_priority_breaks_ties() -> None:
    rules = [Rule(1, "01", TOWN, URBAN), Rule(2, "01.03", "", HOUSING),
             Rule(3, "01.03", "", CITY_HOUSING, priority=5)]
    assert routing.choose(rules, "/01/01.03/", GRID).id == 3  # type: ignore[union-attr]
    assert [r.id for r in routing.ranked(rules, "/01/01.03/", GRID)] == [3, 2, 1]


def test_a_rule_does_not_match_a_code_that_merely_starts_alike() -> None:
    rules = [Rule(1, "01.1", "", URBAN)]
    assert routing.choose(rules, "/01/01.10/", GRID) is None


def test_the_route_follows_fallbacks_to_a_unit_that_exists(world: World) -> None:
    s = world.session
    from huying.triage.models import RoutingRule

    s.add_all([
        RoutingRule(city_id=world.city_id, category="", node_path="", org_kind="party_organisation",
                    level="community"),
        RoutingRule(city_id=world.city_id, category="05", node_path="", org_kind="department",
                    department="environment", level="town",
                    fallbacks='[["department", "environment", "city"], ["department", "urban_management", "city"]]'),
    ])
    s.commit()
    r = routing.route(s, world.city_id, "/05/", GRID)
    assert r.unit_code == "441900-dept-urban_management" and r.fallback == 2
    assert r.rule is not None and r.rule.category == "05"
    assert routing.route(s, world.city_id, "/01/", GRID).unit_code == "441900101001-party"


def test_no_unit_anywhere_leaves_the_route_empty(world: World) -> None:
    from huying.triage.models import RoutingRule

    world.session.add(RoutingRule(city_id=world.city_id, category="", node_path="", org_kind="department",
                                  department="fire", level="town"))
    world.session.commit()
    r = routing.route(world.session, world.city_id, "/01/", GRID)
    assert r.unit_id is None and r.rule is not None and not r.auto


def test_the_shipped_defaults_apply_until_the_city_has_rules(world: World) -> None:
    s = world.session
    defaults = routing.city_rules(s, world.city_id)
    assert len(defaults) == len(routing.read_rules_csv()) and all(r.id is None for r in defaults)
    n = routing.install_rules(s, world.city_id)
    s.commit()
    s.info.pop("huying.routing.rules", None)
    stored = routing.city_rules(s, world.city_id)
    assert len(stored) == n and all(r.id is not None for r in stored)
    assert [(r.category, r.target) for r in stored] == [(r.category, r.target) for r in defaults]


def test_every_default_rule_names_a_category_of_the_shipped_tree(world: World) -> None:
    rules = routing.city_rules(world.session, world.city_id)
    assert sum(1 for r in rules if r.category == "") == 1  # one catch-all
    assert any(r.delegated for r in rules) and any(not r.delegated for r in rules)


@pytest.mark.parametrize(("line", "field"), [
    ("城乡建设,,department,,town,true,false,0,,", "names its department"),
    ("城乡建设,,department,space,town,true,false,0,,", "department 'space'"),
    ("城乡建设,,guild,,town,true,false,0,,", "org_kind 'guild'"),
    ("城乡建设,,department,housing,county,true,false,0,,", "level 'county'"),
    ("城乡建设,,department,housing,town,maybe,false,0,,", "delegated 'maybe'"),
    ("城乡建设,,department,housing,town,true,false,0,department:housing,", "fallback"),
])
def test_a_bad_rules_file_names_the_line_and_field(tmp_path: Path, line: str, field: str) -> None:
    path = tmp_path / "rules.csv"
    header = "category,node,org_kind,department,level,delegated,auto,priority,fallbacks,note\n"
    path.write_text(header + "政法,,department,public_security,town,true,false,0,,\n" + line + "\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        routing.read_rules_csv(path)
    assert "rules.csv:3" in str(err.value) and field in str(err.value)


def test_an_unknown_category_or_node_is_named(world: World, tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text("category,node,org_kind,department,level\n不存在,,party_committee,,town\n", encoding="utf-8")
    with pytest.raises(RuleError, match="line 2: no category '不存在'"):
        routing.install_rules(world.session, world.city_id, path)
    path.write_text("category,node,org_kind,department,level\n,999,party_committee,,town\n", encoding="utf-8")
    with pytest.raises(RuleError, match="line 2: no node '999'"):
        routing.install_rules(world.session, world.city_id, path)
