"""The paraphrased-duplicates set (tests/data/paraphrase_pairs.csv) and its measurement,
at smoke size (issue #20; figures in docs/triage.md, "Paraphrased duplicates")."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.triage.conftest import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
PAIRS = ROOT / "tests" / "data" / "paraphrase_pairs.csv"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("duplicates_paraphrase", ROOT / "bench" / "duplicates_paraphrase.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_the_set_has_both_kinds_of_pairs_each_once() -> None:
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pairs = {frozenset((r["a"], r["b"])) for r in rows}
    assert len(pairs) == len(rows) and all(len(p) == 2 for p in pairs)
    same = [int(r["same"]) for r in rows]
    assert set(same) == {0, 1} and 80 <= sum(same) <= len(same) - 80


def test_the_threshold_is_chosen_on_one_half_and_scored_on_the_other() -> None:
    b = _bench()
    same = np.array([1] * 50 + [0] * 50)
    perfect = np.where(same == 1, 0.9, 0.1)
    r = b.two_fold(perfect, same)
    assert r["precision"] == 1.0 and r["recall"] == 1.0
    useless = np.full(100, 0.5)
    r = b.two_fold(useless, same)  # no threshold reaches 95% precision: nothing suggested
    assert r["suggested"] == 0 and r["recall"] == 0.0
    assert b.threshold_for(np.array([0.9, 0.8, 0.7]), np.array([1, 1, 0])) == 0.8


def test_the_shipped_signal_is_measured_on_real_pairs_at_smoke_size() -> None:
    if not (MESSAGES / "replied.csv").exists():
        pytest.skip("shared data not found")
    res = _bench().evaluate(None, limit=40)
    assert res["pairs"] == 40
    shipped = res["ngram at LIKELY (shipped)"]
    # every pair of the set is below the cosine the groups were found with (0.45 < LIKELY)
    assert shipped["suggested"] == 0 and shipped["recall"] == 0.0
    assert 0.5 < res["ngram"]["auc"] <= 1.0


def test_mined_terms_keep_the_longest_name_of_an_object() -> None:
    b = _bench()
    subjects = ["A市丽发新城搅拌站噪音", "投诉小区附近搅拌站", "搅拌站扰民", "反映搅拌站问题", "新建搅拌站"] * 3
    terms = b.mine_terms(subjects, low=5, high=400)
    assert "搅拌站" in terms and "搅拌" not in terms and "拌站" not in terms
    # places, administrative prefixes and complaint words are not terms
    assert not any(t in ("A市", "投诉", "反映", "问题") for t in terms)


def test_what_signals_are_measured_on_real_pairs_at_smoke_size() -> None:
    if not (MESSAGES / "replied.csv").exists():
        pytest.skip("shared data not found")
    res = _bench().evaluate(None, what=True)
    for name in ("leaf cosine", "mined terms: Jaccard", "ngram + subject + leaf + mined terms (LR)"):
        assert 0.0 <= res[name]["auc"] <= 1.0 and res[name]["positives"] > 0
    nested = res["nested protocol"]["ngram + subject + leaf"]
    assert nested["suggested"] == 0 or nested["precision"] is not None
