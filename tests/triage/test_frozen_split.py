"""The frozen test split of labelled.csv and the scores reported on it (issue #20)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np

from huying.triage.evaluation import bootstrap_ci, macro_f1, reliability, wilson_interval
from tests.triage.conftest import labelled_rows

SPLIT = Path(__file__).resolve().parents[1] / "data" / "triage_frozen_test.csv"


def test_the_frozen_split_is_a_stratified_30_percent_of_the_labelled_messages() -> None:
    rows = labelled_rows()
    with SPLIT.open(encoding="utf-8", newline="") as fh:
        test = list(csv.DictReader(fh))
    by_id = {r["id"]: r["label"] for r in rows}
    assert len({r["id"] for r in test}) == len(test)
    assert all(by_id[r["id"]] == r["label"] for r in test)  # the ids and labels of the data
    assert abs(len(test) / len(rows) - 0.3) < 0.01
    share = Counter(r["label"] for r in test)
    for label, n in Counter(by_id.values()).items():
        assert abs(share[label] - 0.3 * n) <= 1  # stratified


def test_a_calibrated_confidence_has_a_small_expected_calibration_error() -> None:
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.2, 1.0, 20000)
    ok = reliability(conf, rng.uniform(size=20000) < conf)
    over = reliability(conf, rng.uniform(size=20000) < conf ** 3)  # overconfident
    assert ok.ece < 0.02 < 0.1 < over.ece
    assert sum(ok.count) == 20000 and len(ok.edges) == 11


def test_intervals_contain_the_point_estimate_and_shrink_with_data() -> None:
    y = ["a"] * 30 + ["b"] * 30
    p = ["a"] * 25 + ["b"] * 5 + ["b"] * 27 + ["a"] * 3
    lo, hi = bootstrap_ci(y, p, n=300)
    assert lo < macro_f1(y, p) < hi
    small, big = wilson_interval(9, 10), wilson_interval(900, 1000)
    assert small[0] < 0.9 < small[1] and big[1] - big[0] < small[1] - small[0]
    assert wilson_interval(0, 0) == (0.0, 1.0)

