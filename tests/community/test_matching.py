"""The matcher, pure: time windows, feasible pairs, the optimal assignment (checked against
a brute force over every feasible assignment on small random instances: the same number of
matches and the same total distance) and the words of a match."""

from __future__ import annotations

import itertools
import random

import pytest

from huying.community import matching as mt
from huying.errors import InvalidInput

TYPES = ["meal_help", "legal_advice", "venue"]


def brute_force(needs: list[mt.NeedIn], offers: list[mt.OfferIn]) -> tuple[int, int]:
    """The best objective over every assignment of each need to one of its feasible offers
    or to none."""
    pairs = mt.candidates(needs, offers)
    options = [[None, *[p for p in pairs if p.need == n.id]] for n in needs]
    best = (0, 0)
    for choice in itertools.product(*options):
        chosen = [p for p in choice if p is not None]
        if mt.feasible(chosen, needs, offers):
            best = max(best, mt.objective(chosen))
    return best


def instance(rng: random.Random) -> tuple[list[mt.NeedIn], list[mt.OfferIn]]:
    def windows() -> tuple[mt.Window, ...]:
        k = rng.choice([0, 1, 1, 2])
        return tuple(mt.Window(rng.randrange(2), a, a + rng.randint(1, 4)) for a in
                     (rng.randrange(8, 18) for _ in range(k)))

    def point() -> tuple[float, float]:
        return 113.05 + rng.uniform(0, 0.03), 23.05 + rng.uniform(0, 0.03)

    needs = [mt.NeedIn(i, rng.choice(TYPES[:2]), *point(), rng.randint(1, 3), windows())
             for i in range(rng.randint(1, 6))]
    offers = [mt.OfferIn(100 + j, rng.choice(TYPES[:2]), *point(), rng.randint(0, 5), windows())
              for j in range(rng.randint(1, 3))]
    return needs, offers


@pytest.mark.parametrize("seed", range(60))
def test_the_assignment_is_optimal_as_a_brute_force_says(seed: int) -> None:
    needs, offers = instance(random.Random(seed))
    chosen = mt.solve(needs, offers)
    assert mt.feasible(chosen, needs, offers)
    assert mt.objective(chosen) == brute_force(needs, offers)


def test_one_more_match_is_worth_more_than_any_distance() -> None:
    # one offer with 2 places; the near need takes 2 people, the two far ones 1 each
    offers = [mt.OfferIn(9, "meal_help", 113.05, 23.05, 2)]
    needs = [mt.NeedIn(1, "meal_help", 113.0501, 23.05, 2), mt.NeedIn(2, "meal_help", 113.06, 23.05, 1),
             mt.NeedIn(3, "meal_help", 113.06, 23.051, 1)]
    assert sorted(p.need for p in mt.solve(needs, offers)) == [2, 3]


def test_pairs_need_the_same_type_a_window_in_common_room_and_nearness() -> None:
    n = mt.NeedIn(1, "meal_help", 113.05, 23.05, 2, (mt.Window(5, 10, 12),))
    ok = mt.OfferIn(1, "meal_help", 113.05, 23.055, 2, (mt.Window(5, 11, 14),))
    assert mt.candidates([n], [ok]) == [mt.Pair(1, 1, 556, mt.Window(5, 11, 12))]
    for bad in (mt.OfferIn(2, "legal_advice", 113.05, 23.055, 2, ok.windows),
                mt.OfferIn(3, "meal_help", 113.05, 23.055, 1, ok.windows),
                mt.OfferIn(4, "meal_help", 113.05, 23.055, 2, (mt.Window(5, 12, 14),)),
                mt.OfferIn(5, "meal_help", 113.05, 23.10, 2, ok.windows)):
        assert mt.candidates([n], [bad]) == []
    anytime = mt.OfferIn(6, "meal_help", 113.05, 23.055, 2)
    assert mt.candidates([n], [anytime])[0].window == mt.Window(5, 10, 12)


def test_a_match_is_explained_in_words_in_both_languages() -> None:
    sat = mt.Window(5, 9, 12)
    assert mt.explain("meal_help", 600, sat, 3, 10, "zh") == "养老助餐 · 600 m · 周六 9:00–12:00 · 还剩 3/10 个名额"
    assert mt.explain("meal_help", 600, sat, 3, 10, "en") == \
        "Meals for elders · 600 m · Sat 9:00–12:00 · 3 of 10 places left"
    assert mt.explain("venue", 1500, None, 0, 1, "zh") == "场地 · 1.5 km · 时间不限 · 还剩 0/1 个名额"


def test_time_windows_are_written_as_days_and_hours() -> None:
    assert mt.parse_windows("Sa 9-12; Mo 14-17") == [mt.Window(0, 14, 17), mt.Window(5, 9, 12)]
    assert mt.format_windows(mt.parse_windows("Sa 9-12；Mo 14-17")) == "Mo 14-17; Sa 9-12"
    assert mt.parse_windows("周六 9-12；周一 14-17") == mt.parse_windows("Sa 9-12; Mo 14-17")
    assert mt.parse_windows("") == []
    for bad in ("Saturday 9-12", "Sa 12-9", "Sa 9-25", "Xx 1-2"):
        with pytest.raises(InvalidInput) as e:
            mt.parse_windows(bad)
        assert e.value.field == "windows"
