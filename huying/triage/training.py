"""Training recipes: labelled messages, optionally plus unlabelled ones.

Reply labels: a pool message whose official reply names the department of one of the
categories (:mod:`huying.triage.replies`) joins the training set with that category at a low
weight. Self-training: a first model trained on the labelled messages labels the rest of the
pool; the pool messages it is sure of join with a lower weight. The teacher's probabilities may
also come from elsewhere (e.g. the slow embedding model run offline: docs/triage.md).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from huying.triage.classifier import Config, Message, TextClassifier
from huying.triage.data import DataError, read_messages


@dataclass(frozen=True)
class PoolMessage:
    key: str  # "<file stem>:<id>"
    subject: str
    detail: str
    reply: str = ""

    @property
    def message(self) -> tuple[str, str]:
        return (self.subject, self.detail)


def load_pool(paths: Iterable[str | Path], exclude_subjects: Iterable[str] = ()) -> list[PoolMessage]:
    """Unlabelled messages from CSVs (any columns beyond subject/detail ignored), without
    duplicates (same subject) and without those whose subject is in ``exclude_subjects``
    (the labelled messages, so that a labelled message never comes back as unlabelled)."""
    seen = {s.strip() for s in exclude_subjects}
    out: list[PoolMessage] = []
    for path in paths:
        path = Path(path)
        for i, row in enumerate(read_messages(path, require_label=False)):
            if row.subject in seen:
                continue
            seen.add(row.subject)
            out.append(PoolMessage(f"{path.stem}:{row.id or i}", row.subject, row.detail,
                                   row.reply))
    return out


def near_duplicates(
    pool: Sequence[Message], labelled: Sequence[Message], threshold: float = 0.6,
    chars: int = 300,
) -> np.ndarray:
    """Mask of the pool messages whose character-bigram TF-IDF cosine with some labelled
    message exceeds ``threshold`` (first ``chars`` characters of subject + detail): re-posts
    of a labelled message, to keep out of the pool so that a held-out message cannot return
    through it in cross-validation."""
    from huying.triage.classifier import split_message
    from huying.triage.features import fit_vocabulary, transform

    def text(m: Message) -> str:
        s, d = split_message(m)
        return (s + " " + d)[:chars]

    if not pool or not labelled:
        return np.zeros(len(pool), bool)
    vocab, xl = fit_vocabulary([text(m) for m in labelled], (2, 2), 1)
    xp = transform([text(m) for m in pool], vocab)
    return np.asarray((xp @ xl.T).max(axis=1).todense()).ravel() > threshold


def reply_labelled(
    pool: Sequence[PoolMessage], labels: Iterable[str]
) -> list[tuple[PoolMessage, str]]:
    """The pool messages whose reply names the departments of one of ``labels``, with it."""
    from huying.triage.replies import department_label

    wanted = set(labels)
    out = []
    for p in pool:
        lab = department_label(p.reply) if p.reply else ""
        if lab in wanted:
            out.append((p, lab))
    return out


def pseudo_label(
    proba: np.ndarray, labels: Sequence[str], threshold: float, weight: float
) -> tuple[dict[int, str], list[float]]:
    """Pool rows whose top probability is ≥ ``threshold``: {row: label} and their weights
    (``weight`` × the teacher's probability)."""
    top = proba.argmax(axis=1)
    conf = proba.max(axis=1)
    keep = np.flatnonzero(conf >= threshold)
    return {int(i): labels[int(top[i])] for i in keep}, [float(weight * conf[i]) for i in keep]


def train_self_training(
    texts: Sequence[Message],
    labels: Sequence[str],
    pool: Sequence[Message],
    *,
    config: Config | None = None,
    threshold: float = 0.7,
    weight: float = 0.5,
    teacher_proba: np.ndarray | None = None,
    reply_labels: Sequence[str] | None = None,
    reply_weight: float = 0.3,
    trained_at: str | None = None,
    extra_metadata: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> TextClassifier:
    """Train on ``texts``/``labels`` plus the ``pool`` messages pseudo-labelled by a teacher.

    ``reply_labels`` (one per pool message, "" for none) are the categories named by the
    replies (:func:`reply_labelled`): those messages join with that label at ``reply_weight``
    and the teacher labels only the others. The teacher is ``teacher_proba`` (rows = pool,
    columns = sorted labels) when given, else a first n-gram model trained on the labelled
    messages."""
    cfg = config or Config()
    say = progress or (lambda _m: None)
    label_set = sorted(set(labels))
    weak: dict[int, str] = {}
    if reply_labels is not None:
        if len(reply_labels) != len(pool):
            raise ValueError("reply labels do not match the pool")
        weak = {i: lab for i, lab in enumerate(reply_labels) if lab in label_set}
    if pool and teacher_proba is None and threshold <= 1.0:  # > 1: no self-training
        say(f"teacher: n-gram model on {len(texts)} labelled messages")
        from dataclasses import replace

        teacher = TextClassifier(replace(cfg, calibration_folds=0)).fit(texts, labels)
        say(f"labelling {len(pool)} unlabelled messages")
        teacher_proba = teacher.predict_proba(pool)
    chosen: dict[int, str] = {}
    weights: list[float] = []
    if pool and teacher_proba is not None:
        if teacher_proba.shape != (len(pool), len(label_set)):
            raise ValueError("teacher probabilities do not match the pool and the labels")
        chosen, weights = pseudo_label(teacher_proba, label_set, threshold, weight)
        kept = [i for i in chosen if i not in weak]
        weights = [w for i, w in zip(chosen, weights, strict=True) if i not in weak]
        chosen = {i: chosen[i] for i in kept}
    chosen.update(weak)
    weights += [reply_weight] * len(weak)
    all_texts = list(texts) + [pool[i] for i in chosen]
    all_labels = list(labels) + list(chosen.values())
    sw = [1.0] * len(texts) + weights
    real = [True] * len(texts) + [False] * len(chosen)
    meta = {"n_pool": len(pool), "pseudo_threshold": threshold, "pseudo_weight": weight,
            "n_reply_labelled": len(weak), "reply_weight": reply_weight}
    return TextClassifier(cfg).fit(
        all_texts, all_labels, sample_weight=sw, calibrate_mask=real, trained_at=trained_at,
        extra_metadata={**meta, **(extra_metadata or {})}, progress=progress,
    )


def read_pool_csvs(paths: Sequence[str | Path], exclude_subjects: Iterable[str]) -> list[PoolMessage]:
    """As :func:`load_pool`; kept separate so the CLI can report DataError per file."""
    try:
        return load_pool(paths, exclude_subjects)
    except (csv.Error, UnicodeDecodeError) as exc:  # pragma: no cover - read_messages wraps these
        raise DataError(str(exc)) from exc
