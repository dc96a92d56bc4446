"""Abstaining: the classifier's category is used (and may be dispatched automatically) only
when its confidence reaches a threshold chosen for a target precision; below it a person
classifies.

The threshold is chosen on out-of-fold predictions of the training data
(:func:`choose_threshold`, run by ``scripts/triage_frozen.py``), stored in the model's metadata
(``metadata["abstain"]["threshold"]``) and carried by every :class:`Prediction` the model makes,
so that the decision itself is a pure function of the prediction::

    auto = abstain.decide(prediction, default=settings.triage_min_confidence)

A model without a stored threshold (older files, test models) falls back to ``default``.
"""

from __future__ import annotations

from huying.triage.classifier import Prediction
from huying.triage.evaluation import TARGET_PRECISION, Choice, choose_threshold

__all__ = ["TARGET_PRECISION", "Choice", "choose_threshold", "decide"]


def decide(prediction: Prediction, default: float = 0.6) -> bool:
    """True when the prediction is sure enough to be used without a person: its confidence
    is at or above the model's abstain threshold (``default`` when the model has none)."""
    threshold = prediction.auto_threshold if prediction.auto_threshold is not None else default
    return prediction.confidence >= threshold
