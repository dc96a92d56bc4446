"""The model of the taxonomy's names alone (``default_model/names.npz``): a classifier that has
seen no message, which the demo city classifies its labelled messages with."""

from __future__ import annotations

import numpy as np

from huying.triage.classifier import default_classifier, names_classifier, train_names_model


def test_the_shipped_names_model_is_the_one_its_recipe_trains() -> None:
    """``names.npz`` is rebuilt from the taxonomy by ``build_default --names``: the same
    categories and the same predictions as a model trained from the names now."""
    shipped = names_classifier()
    fresh = train_names_model(default_classifier().labels)
    texts = [("路灯不亮", "东门路灯晚上不亮"), ("拖欠工资", "老板拖欠工资半年"), ("公交班次太少", "等车半小时")]
    assert fresh.labels == shipped.labels == default_classifier().labels
    assert fresh.metadata["n_train"] == shipped.metadata["n_train"] > 100  # names, no message
    # the same up to the float32 weights of the file
    assert np.allclose(fresh.predict_proba(texts), shipped.predict_proba(texts), atol=1e-3)
    assert [p.label for p in fresh.predict(texts)] == [p.label for p in shipped.predict(texts)]


def test_the_names_model_abstains_at_a_threshold_chosen_on_messages_it_has_never_seen() -> None:
    chosen = names_classifier().metadata["abstain"]
    assert 0.3 < chosen["threshold"] < 1 and chosen["precision"] >= chosen["target_precision"]
    assert "train-side" in chosen["chosen_on"]
    assert names_classifier().predict_one("路灯不亮", "东门路灯晚上不亮").auto_threshold == chosen["threshold"]
