"""What ``huying demo build`` says the demo year cost (:class:`huying.demo.cases.YearClock`),
and the cheaper draw of a weighted choice that leaves every case of the year as it was."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from huying.demo.cases import CHANNELS, YearClock, _cdf, _pick, run_cases
from tests.conftest import Databases
from tests.demo.test_cases import _small_city
from tests.demo.test_year import END

WEIGHTS = np.array([w for _, w in CHANNELS])


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**63), weights=st.lists(st.floats(0.001, 10.0), min_size=1, max_size=12))
def test_pick_is_numpys_weighted_choice_from_the_same_draw(seed: int, weights: list[float]) -> None:
    p = np.array(weights) / sum(weights)
    mine, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    cdf = _cdf(p)
    for _ in range(5):
        assert _pick(mine, cdf) == int(numpys.choice(len(p), p=p))
    assert mine.random() == numpys.random()  # the generator is where numpy's would be


def test_pick_follows_the_weights() -> None:
    rng, cdf = np.random.default_rng(1), _cdf(WEIGHTS)
    drawn = np.bincount([_pick(rng, cdf) for _ in range(20_000)], minlength=len(WEIGHTS)) / 20_000
    assert np.abs(drawn - WEIGHTS / WEIGHTS.sum()).max() < 0.015


def test_the_clock_counts_the_cases_of_each_part(backend: str, databases: Databases) -> None:
    url = _small_city(backend, databases)
    clock = YearClock()
    counts = run_cases(url, 1, 13, n=300, end=END, live_days=40, clock=clock)
    assert clock.service_cases == counts["cases"] > 0
    assert clock.history_rows == counts["history"] > 0
    assert clock.intake_s > 0 and clock.life_s > 0 and clock.history_s > 0
    said = clock.render()
    assert f"through the service: {counts['cases']:,} cases" in said
    assert f"as history: {counts['history']:,} cases" in said
    per_case = (clock.intake_s + clock.life_s) / clock.service_cases * 1e3
    assert f"{per_case:.1f} ms of CPU a case" in said


def test_a_year_without_cases_says_nothing() -> None:
    assert YearClock().render() == ""
