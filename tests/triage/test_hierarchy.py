"""Suggestions at levels 1 to 3: P(level 1) · P(leaf | level 1), the top paths (issue #20)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from huying.triage.classifier import Prediction, default_classifier
from huying.triage.hierarchy import Hierarchy, default_hierarchy, name_matches, read_taxonomy
from tests.triage.conftest import TINY

LEAVES = [("教育文体", "教育收费", "乱收费"), ("教育文体", "教育收费", "收费标准"),
          ("交通运输", "公共交通", "公交线路"), ("交通运输", "出租车管理", "出租车"),
          ("交通运输", "出租车管理", "其他")]


def _tiny() -> Hierarchy:
    pool = [(s, d) for s, d, _ in TINY] + [("公交线路调整", "希望调整公交线路，增加站点")] * 3
    return Hierarchy.fit(pool, LEAVES)


def test_the_paths_are_ranked_by_the_joint_probability() -> None:
    h = _tiny()
    pred = Prediction("交通运输", 0.8, [("交通运输", 0.8), ("教育文体", 0.2)])
    paths = h.suggest(pred, "公交线路太少", "希望增加公交线路班次", k=5)
    assert paths[0].path == ("交通运输", "公共交通", "公交线路")
    assert [p.probability for p in paths] == sorted((p.probability for p in paths), reverse=True)
    by_l1: dict[str, float] = {}
    for p in paths:
        by_l1[p.path[0]] = by_l1.get(p.path[0], 0.0) + p.probability
    assert abs(by_l1["交通运输"] - 0.8) < 1e-6 and abs(by_l1["教育文体"] - 0.2) < 1e-6


def test_a_first_level_without_leaves_gets_no_path() -> None:
    h = _tiny()
    idx, cond = h.conditional(np.zeros((1, len(LEAVES))), "环境保护")
    assert len(idx) == 0 and cond.shape == (1, 0)


def test_name_matches_skip_the_other_leaf() -> None:
    assert name_matches(LEAVES, ["出租车拒载 其他问题", "学校乱收费"]) == [[3], [0]]


def test_save_and_load_give_the_same_suggestions(tmp_path: Path) -> None:
    h = _tiny()
    again = Hierarchy.load(h.save(tmp_path / "h.npz"))
    msgs = [("学校乱收费", "补课费"), ("", "出租车拒载")]
    assert np.allclose(h.scores(msgs), again.scores(msgs), atol=2e-3)
    assert again.leaves == h.leaves


def test_the_shipped_leaf_model_covers_the_tree_and_finds_a_named_leaf() -> None:
    h = default_hierarchy()
    assert len(h.leaves) == len(read_taxonomy()) and 0 < h.temperature < 1
    clf = default_classifier()
    s, d = "学校乱收费", "中学要求家长交补课费和资料费，属于乱收费"
    top = h.suggest(clf.predict_one(s, d), s, d)
    assert len(top) == 3 and top[0].path == ("教育文体", "教育收费", "乱收费")


def test_level2_suggestions_merge_the_paths_of_one_level2_and_drop_the_unlikely() -> None:
    from huying.triage.hierarchy import level2_suggestions

    h = _tiny()
    top = [("交通运输", 0.9), ("教育文体", 0.1)]
    got = level2_suggestions(top, "出租车拒载", "出租车司机拒载绕路", hierarchy=h, k=5, min_probability=0.0)
    assert [g[:2] for g in got].count(("交通运输", "出租车管理")) == 1
    assert abs(sum(p for _, _, p in got) - sum(p.probability for p in h.suggest(
        Prediction("交通运输", 0.9, top), "出租车拒载", "出租车司机拒载绕路", k=5))) < 1e-9
    assert all(p >= 0.5 for _, _, p in level2_suggestions(top, "出租车拒载", "", hierarchy=h, min_probability=0.5))
    assert level2_suggestions([], "出租车拒载", "", hierarchy=h) == []


def test_calibration_maps_change_the_probabilities_not_the_ranking(tmp_path: Path) -> None:
    from dataclasses import replace

    from huying.triage.hierarchy import level2_suggestions

    h = _tiny()
    pred = Prediction("交通运输", 0.8, [("交通运输", 0.8), ("教育文体", 0.2)])
    raw = h.suggest(pred, "公交线路太少", "希望增加公交线路班次", k=5)
    # a map that halves every conditional probability, and one that makes level 2 certain
    cal = replace(h, calibration={"leaf": ([0.0, 1.0], [0.0, 0.5]), "level2": ([0.0, 1.0], [1.0, 1.0])})
    got = cal.suggest(pred, "公交线路太少", "希望增加公交线路班次", k=5)
    assert [p.path for p in got] == [p.path for p in raw]
    assert all(abs(g.probability - r.probability / 2) < 1e-6 for g, r in zip(got, raw, strict=True))
    p1 = dict(pred.top)
    assert all(abs(g.level2_probability - p1[g.path[0]]) < 1e-6 for g in got)
    assert all(np.isnan(r.level2_probability) for r in raw)
    # the form's level 2: P(level 1) · calibrated P(level 2 | level 1), once per level 2
    l2 = level2_suggestions(pred.top, "公交线路太少", "希望增加公交线路班次", hierarchy=cal, k=5, min_probability=0.0)
    assert len({(a, b) for a, b, _ in l2}) == len(l2) and all(abs(p - p1[a]) < 1e-6 for a, _, p in l2)
    again = Hierarchy.load(cal.save(tmp_path / "cal.npz"))
    assert again.calibration == cal.calibration


def test_the_shipped_leaf_model_carries_monotone_calibration_maps() -> None:
    h = default_hierarchy()
    assert h.calibration is not None and set(h.calibration) == {"level2", "leaf"}
    for x, y in h.calibration.values():
        assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) >= 0) and 0 <= min(y) <= max(y) <= 1
