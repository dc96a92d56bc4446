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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from huying.triage.classifier import Prediction

#: The precision of automatic classification the shipped threshold is chosen for.
TARGET_PRECISION = 0.95


def decide(prediction: Prediction, default: float = 0.6) -> bool:
    """True when the prediction is sure enough to be used without a person: its confidence
    is at or above the model's abstain threshold (``default`` when the model has none)."""
    threshold = prediction.auto_threshold if prediction.auto_threshold is not None else default
    return prediction.confidence >= threshold


@dataclass(frozen=True)
class Choice:
    threshold: float
    precision: float  # on the rows used to choose it
    share: float  # share of those rows at or above the threshold
    n: int


def choose_threshold(
    confidence: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray, target: float = TARGET_PRECISION,
    min_auto: int = 20,
) -> Choice:
    """The lowest confidence threshold t such that, for t and every higher candidate, the
    predictions at or above it are correct at least ``target`` of the time (at least
    ``min_auto`` of them). Candidates are the observed confidences. With no such t, 1.0
    (nothing automatic)."""
    c = np.asarray(confidence, float)
    h = np.asarray(correct, bool)
    order = np.argsort(-c, kind="stable")
    cs, hs = c[order], h[order]
    hits = np.cumsum(hs)
    k = np.arange(1, len(cs) + 1)
    prec = hits / k
    best: int | None = None
    for i in range(len(cs)):
        # only at the last row of a run of equal confidences (t includes all of them)
        if i + 1 < len(cs) and cs[i + 1] == cs[i]:
            continue
        if prec[i] < target and k[i] >= min_auto:
            break
        if k[i] >= min_auto and prec[i] >= target:
            best = i
    if best is None:
        return Choice(1.0, float("nan"), 0.0, len(c))
    return Choice(float(cs[best]), float(prec[best]), float(k[best] / len(c)), len(c))
