"""The model shipped in the package loads fast and classifies real messages sensibly."""

from __future__ import annotations

import time

from huying.triage.classifier import (
    DEFAULT_MODEL_PATH,
    TextClassifier,
    default_classifier,
    keyword_documents,
)
from tests.triage.conftest import TINY, labelled_rows


def test_the_default_model_loads_in_under_a_second() -> None:
    t0 = time.perf_counter()
    clf = TextClassifier.load(DEFAULT_MODEL_PATH)
    assert time.perf_counter() - t0 < 1.0
    assert len(clf.labels) == 7
    assert DEFAULT_MODEL_PATH.stat().st_size < 5_000_000


def test_it_carries_its_version_and_cross_validated_metrics() -> None:
    clf = default_classifier()
    assert clf.version.startswith("default-")
    cv = clf.metrics["cv"]
    assert cv["folds"] == 5 and 0.5 < cv["macro_f1"] <= 1.0
    assert clf.metadata["n_train"] == 348
    assert clf.config.model == "svm+nb" and clf.config.keyword_leaves  # docs/triage.md's choice
    assert clf.metadata["n_keyword_docs"] == len(keyword_documents(clf.labels, leaves=True))
    assert clf.metadata["n_reply_labelled"] == 772 and clf.metadata["reply_weight"] == 0.3


def test_it_fits_the_real_messages_it_was_trained_on() -> None:
    rows = labelled_rows()
    preds = default_classifier().predict([(r["subject"], r["detail"]) for r in rows])
    acc = sum(p.label == r["label"] for p, r in zip(preds, rows, strict=True)) / len(rows)
    assert acc > 0.95


def test_it_classifies_a_tiny_sanity_set_written_for_the_test() -> None:
    clf = default_classifier()
    preds = [clf.predict_one(s, d) for s, d, _ in TINY]
    right = sum(p.label == lab for p, (_, _, lab) in zip(preds, TINY, strict=True))
    assert right >= len(TINY) - 1


def test_top_suggestions_are_ranked_probabilities() -> None:
    p = default_classifier().predict_one("公交车班次太少", "希望增加公交线路")
    assert p.top[0] == (p.label, p.confidence)
    probs = [q for _, q in p.top]
    assert probs == sorted(probs, reverse=True) and len(p.top) == 3
    full = default_classifier().predict_proba([("公交车班次太少", "希望增加公交线路")])
    assert abs(full.sum() - 1.0) < 1e-6
