"""Low-confidence predictions wait for a person, who sees the top suggestions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from huying.triage.classifier import (
    Config,
    Prediction,
    TextClassifier,
    default_classifier,
    fit_temperature,
)
from tests.triage.conftest import TINY, tiny_rows


def _tiny_model() -> TextClassifier:
    rows = tiny_rows(3)
    return TextClassifier(Config(min_df=1, calibration_folds=3)).fit(
        [(r["subject"], r["detail"]) for r in rows], [r["label"] for r in rows]
    )


def test_a_message_without_substance_is_flagged_for_review() -> None:
    clf = default_classifier()
    for subject, detail in [("", "谢谢"), ("", "您好")]:
        assert clf.predict_one(subject, detail).needs_review(threshold=0.5)


def test_a_clear_real_message_is_not_flagged() -> None:
    clf = default_classifier()
    clear = clf.predict_one("孩子上小学学位问题", "户口在A3区，学区内小学说学位已满，无法入学")
    assert clear.label == "教育文体" and not clear.needs_review(threshold=0.5)


def test_needs_review_compares_with_the_threshold() -> None:
    p = Prediction("城乡建设", 0.49, [("城乡建设", 0.49), ("环境保护", 0.3)])
    assert p.needs_review(0.5) and not p.needs_review(0.4)


def test_temperature_recovers_overconfident_logits() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 2000)
    true_logits = rng.normal(size=(2000, 3))
    true_logits[np.arange(2000), y] += 1.0
    # sample labels from softmax(true_logits) then present logits 3x too sharp
    p = np.exp(true_logits) / np.exp(true_logits).sum(1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    assert 2.4 < fit_temperature(3 * true_logits, y) < 3.6


def test_save_and_load_give_the_same_probabilities(tmp_path: Path) -> None:
    clf = _tiny_model()
    path = clf.save(tmp_path / "m.npz")
    again = TextClassifier.load(path)
    msgs = [(s, d) for s, d, _ in TINY] + [("", "随便说说")]
    assert np.allclose(clf.predict_proba(msgs), again.predict_proba(msgs), atol=2e-3)
    assert again.temperature == clf.temperature and again.labels == clf.labels
