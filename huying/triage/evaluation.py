"""Scores of a classifier on labelled messages, and their plain-text report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Report:
    labels: list[str]
    n: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    support: dict[str, int]
    confusion: np.ndarray  # rows: true label, columns: predicted label


def evaluate(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> Report:
    """Accuracy, macro-F1 over the classes present in ``y_true`` and the confusion matrix."""
    labs = list(labels)
    idx = {lab: i for i, lab in enumerate(labs)}
    cm = np.zeros((len(labs), len(labs)), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        cm[idx[t], idx[p]] += 1
    tp = np.diag(cm).astype(float)
    pred_n = cm.sum(axis=0)
    true_n = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(pred_n + true_n > 0, 2 * tp / (pred_n + true_n), 0.0)
    present = true_n > 0
    return Report(
        labels=labs,
        n=int(cm.sum()),
        accuracy=float(tp.sum() / max(cm.sum(), 1)),
        macro_f1=float(f1[present].mean()) if present.any() else 0.0,
        f1={lab: float(f1[i]) for i, lab in enumerate(labs) if present[i]},
        support={lab: int(true_n[i]) for i, lab in enumerate(labs)},
        confusion=cm,
    )


def render_report(r: Report, *, model: str = "", data: str = "") -> str:
    """The text printed by ``huying triage eval``; its last line is ``macro_f1=0.XXXX``."""
    lines = []
    if model or data:
        lines.append(f"model: {model}  data: {data}  messages: {r.n}")
    lines.append(f"accuracy={r.accuracy:.4f}")
    lines.append("")
    lines.append("per-class F1:")
    width = max(len(lab) for lab in r.labels) if r.labels else 0
    for lab in r.labels:
        if lab in r.f1:
            lines.append(f"  {lab:<{width}}  f1={r.f1[lab]:.4f}  support={r.support[lab]}")
    lines.append("")
    lines.append("confusion matrix (rows: true, columns: predicted):")
    codes = [f"c{i}" for i in range(len(r.labels))]
    lines.append("      " + " ".join(f"{c:>5}" for c in codes))
    for i, _lab in enumerate(r.labels):
        lines.append(f"{codes[i]:>5} " + " ".join(f"{v:>5}" for v in r.confusion[i]))
    lines.append("  " + "  ".join(f"{c}={lab}" for c, lab in zip(codes, r.labels, strict=True)))
    lines.append("")
    lines.append(f"macro_f1={r.macro_f1:.4f}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- intervals, calibration


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Macro-F1 over the classes present in ``y_true`` (as :func:`evaluate`)."""
    labels = sorted(set(y_true) | set(y_pred))
    return evaluate(y_true, y_pred, labels).macro_f1


def bootstrap_ci(
    y_true: Sequence[str], y_pred: Sequence[str], *, n: int = 2000, seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the macro-F1 (messages resampled with replacement)."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    rng = np.random.default_rng(seed)
    scores = [macro_f1(list(t[i]), list(p[i]))
              for i in (rng.integers(0, len(t), len(t)) for _ in range(n))]
    lo, hi = np.quantile(scores, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n ((0, 1) when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


@dataclass(frozen=True)
class Reliability:
    """Reliability diagram of the top-1 confidence: per bin, messages, mean confidence and
    accuracy; ``ece`` is the expected calibration error (bins weighted by their share)."""

    edges: list[float]
    count: list[int]
    confidence: list[float]
    accuracy: list[float]
    ece: float


def reliability(confidence: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray,
                bins: int = 10) -> Reliability:
    c = np.asarray(confidence, float)
    h = np.asarray(correct, float)
    idx = np.minimum((c * bins).astype(int), bins - 1)
    count, conf, acc = [], [], []
    ece = 0.0
    for b in range(bins):
        m = idx == b
        count.append(int(m.sum()))
        conf.append(float(c[m].mean()) if m.any() else float("nan"))
        acc.append(float(h[m].mean()) if m.any() else float("nan"))
        if m.any():
            ece += abs(acc[-1] - conf[-1]) * m.mean()
    return Reliability([b / bins for b in range(bins + 1)], count, conf, acc, float(ece))


# --------------------------------------------------------------------------- abstain threshold

#: The precision of automatic classification the abstain threshold is chosen for
#: (``huying.triage.abstain``).
TARGET_PRECISION = 0.95


@dataclass(frozen=True)
class Choice:
    """An abstain threshold (:func:`choose_threshold`) and what it gave where it was chosen."""

    threshold: float
    precision: float  # on the rows used to choose it
    share: float  # share of those rows at or above the threshold
    n: int
    target: float = TARGET_PRECISION


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
        return Choice(1.0, float("nan"), 0.0, len(c), target)
    return Choice(float(cs[best]), float(prec[best]), float(k[best] / len(c)), len(c), target)
