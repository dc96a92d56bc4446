"""The demo's communities are the real ones: all of a town's in the full build, a
deterministic subset with the article's four and the demo accounts' in a small one."""

from __future__ import annotations

from huying.demo.build import ALWAYS_BUILT, choose_communities, demo_divisions, load_towns


def test_a_small_build_takes_a_subset_with_the_articles_communities_and_every_town() -> None:
    towns = load_towns()
    units = demo_divisions(towns)
    assert sum(len(v) for v in units.values()) == 606  # the three functional areas are off the map
    assert "441900402" not in units and len(units["441900401"]) == 1
    small = choose_communities(towns, units, 40)
    codes = {d.code for v in small.values() for d in v}
    assert set(ALWAYS_BUILT) <= codes and all(small[t.code] for t in towns)
    assert sum(len(v) for v in small.values()) == 40
    assert choose_communities(towns, units, 40) == small  # deterministic
    for t in towns:  # each town's units in code order, real ones only
        assert [d.code for d in small[t.code]] == sorted(d.code for d in small[t.code])
        assert {d.code for d in small[t.code]} <= {d.code for d in units[t.code]}
    everything = choose_communities(towns, units, None)
    assert everything == units
