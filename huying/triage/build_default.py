"""Build the default model shipped in ``huying/triage/default_model/``.

    .venv/bin/python -m huying.triage.build_default [--data DIR] [--trained-at DATE]

Trains the chosen configuration (docs/triage.md, "Classification": ``rules-0.3``) on the
competition's labelled messages plus the messages of ``replied.csv`` whose official reply names
the department of one of the categories (weight 0.3; near-duplicates of labelled messages left
out), stores the 5-fold cross-validated scores in the model's metadata and writes
``model.npz``. Deterministic: the same data and date give the same file contents.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from huying.triage.abstain import TARGET_PRECISION, choose_threshold
from huying.triage.classifier import (
    DEFAULT_MODEL_PATH,
    NAMES_MODEL_PATH,
    Config,
    TextClassifier,
    default_classifier,
    train_names_model,
)
from huying.triage.training import load_pool, near_duplicates, reply_labelled

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "messages"
SOURCE = (
    "2020 TipDM Cup (泰迪杯) problem C 智慧政务中的文本挖掘应用, 附件2 (labelled.csv: a "
    "stratified 70% of its labelled rows), as published in repository "
    "694035434/Natural-language-processing-and-text-mining; and 附件4 (replied.csv: messages "
    "with the official reply), as published in repository Rollbear-bot/HelloNLP-TopicC-in-TipDMCup2020; "
    "competition data, published for research"
)
REPLY_WEIGHT = 0.3
FROZEN_TEST = Path(__file__).resolve().parents[2] / "tests" / "data" / "triage_frozen_test.csv"


def reply_examples(data: Path, msgs: list[tuple[str, str]], labels: list[str]) -> list[tuple[tuple[str, str], str]]:
    """The messages of ``replied.csv`` labelled by the departments their reply names, without
    the labelled messages and their near-duplicates (so that cross-validation stays honest)."""
    pool = load_pool([data / "replied.csv"], exclude_subjects={s for s, _ in msgs})
    near = near_duplicates([p.message for p in pool], msgs)
    pool = [p for p, dup in zip(pool, near, strict=True) if not dup]
    return [(p.message, lab) for p, lab in reply_labelled(pool, labels)]


def _fit(cfg: Config, msgs: list[tuple[str, str]], labels: list[str],
         extra: list[tuple[tuple[str, str], str]], **kw: object) -> TextClassifier:
    return TextClassifier(cfg).fit(
        msgs + [m for m, _ in extra], labels + [lab for _, lab in extra],
        sample_weight=[1.0] * len(msgs) + [REPLY_WEIGHT] * len(extra),
        calibrate_mask=[True] * len(msgs) + [False] * len(extra), **kw,  # type: ignore[arg-type]
    )


def cross_validate(msgs: list[tuple[str, str]], y: np.ndarray, cfg: Config, k: int = 5,
                   extra: list[tuple[tuple[str, str], str]] | None = None) -> dict:
    """k-fold stratified CV (seed 0): macro-F1 and accuracy mean ± std, and the expected
    calibration error of the calibrated confidence on the held-out folds. ``extra`` (the
    reply-labelled messages) joins every fold's training part."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    f1s, accs, conf, hit = [], [], [], []
    for tr, te in StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        clf = _fit(cfg, [msgs[i] for i in tr], list(y[tr]), extra or [])
        preds = clf.predict([msgs[i] for i in te])
        pl = [p.label for p in preds]
        f1s.append(f1_score(y[te], pl, average="macro"))
        accs.append(accuracy_score(y[te], pl))
        conf += [p.confidence for p in preds]
        hit += [p.label == t for p, t in zip(preds, y[te], strict=True)]
    c, h = np.array(conf), np.array(hit, float)
    bins = np.minimum((c * 10).astype(int), 9)
    ece = sum(abs(h[bins == b].mean() - c[bins == b].mean()) * (bins == b).mean()
              for b in range(10) if (bins == b).any())
    return {"folds": k, "macro_f1": round(float(np.mean(f1s)), 4),
            "macro_f1_std": round(float(np.std(f1s)), 4),
            "accuracy": round(float(np.mean(accs)), 4),
            "accuracy_std": round(float(np.std(accs)), 4), "ece": round(float(ece), 4)}


def frozen_test_ids(path: Path = FROZEN_TEST) -> set[str]:
    """The ids of the frozen test side of labelled.csv (scripts/triage_frozen.py split)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["id"] for r in csv.DictReader(fh)}


def abstain_choice(msgs: list[tuple[str, str]], y: np.ndarray, cfg: Config,
                   extra: list[tuple[tuple[str, str], str]], k: int = 5,
                   target: float = TARGET_PRECISION) -> dict:
    """The abstain threshold for ``target`` precision, chosen on the out-of-fold predictions of
    a k-fold CV (seed 0) of ``msgs`` (the train side of the frozen split: the test side takes
    no part in any choice)."""
    from sklearn.model_selection import StratifiedKFold

    conf = np.zeros(len(y))
    hit = np.zeros(len(y), bool)
    for tr, te in StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        clf = _fit(cfg, [msgs[i] for i in tr], list(y[tr]), extra)
        preds = clf.predict([msgs[i] for i in te])
        conf[te] = [p.confidence for p in preds]
        hit[te] = [p.label == t for p, t in zip(preds, y[te], strict=True)]
    c = choose_threshold(conf, hit, target)
    return {"threshold": round(c.threshold, 4), "target_precision": target,
            "cv_precision": round(c.precision, 4), "cv_auto_share": round(c.share, 4),
            "chosen_on": f"{k}-fold CV (seed 0) of the {len(y)} train-side messages of the "
                         "frozen split (tests/data/triage_frozen_test.csv)"}


def build(data: Path, out: Path, trained_at: str, cfg: Config | None = None) -> TextClassifier:
    cfg = cfg or Config()
    with (data / "labelled.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    msgs = [(r["subject"], r["detail"]) for r in rows]
    y = np.array([r["label"] for r in rows])
    extra = reply_examples(data, msgs, sorted(set(y)))
    cv = cross_validate(msgs, y, cfg, extra=extra)
    held = frozen_test_ids()
    side = [i for i, r in enumerate(rows) if r["id"] not in held]
    choice = abstain_choice([msgs[i] for i in side], y[side], cfg, extra)
    clf = _fit(
        cfg, msgs, list(y), extra, trained_at=trained_at,
        extra_metadata={"version": f"default-{trained_at}", "metrics": {"cv": cv},
                        "abstain": choice,
                        "source": SOURCE, "data_file": "labelled.csv",
                        "n_reply_labelled": len(extra), "reply_weight": REPLY_WEIGHT,
                        "reply_file": "replied.csv"},
    )
    clf.save(out)
    return clf


def build_names(data: Path, out: Path, trained_at: str) -> TextClassifier:
    """The names-only model of the default model's categories (see the module docstring). Its
    abstain threshold is chosen on its predictions of the frozen split's train side: it has
    seen none of them, so they are held out without folds."""
    labels = default_classifier().labels
    with (data / "labelled.csv").open(encoding="utf-8") as fh:
        held = frozen_test_ids()
        rows = [r for r in csv.DictReader(fh) if r["id"] not in held]
    probe = train_names_model(labels)
    preds = probe.predict([(r["subject"], r["detail"]) for r in rows])
    c = choose_threshold([p.confidence for p in preds], [p.label == r["label"] for p, r in zip(preds, rows, strict=True)])
    hits = sum(p.label == r["label"] for p, r in zip(preds, rows, strict=True))
    clf = train_names_model(labels, trained_at=trained_at, extra_metadata={
        "version": f"names-{trained_at}", "source": "keywords.csv (the taxonomy's names; no message)",
        "metrics": {"train_side": {"n": len(rows), "accuracy": round(hits / len(rows), 4)}},
        "abstain": {"threshold": round(c.threshold, 4), "target_precision": c.target,
                    "precision": round(c.precision, 4), "auto_share": round(c.share, 4),
                    "chosen_on": f"the {len(rows)} train-side messages of the frozen split "
                                 "(tests/data/triage_frozen_test.csv), none of them seen"}})
    clf.save(out)
    return clf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=None, help="default: model.npz (names.npz with --names)")
    ap.add_argument("--trained-at", default="2026-01-01")
    ap.add_argument("--names", action="store_true", help="build names.npz, the names-only model")
    args = ap.parse_args(argv)
    if args.names:
        out = args.out or NAMES_MODEL_PATH
        clf = build_names(args.data, out, args.trained_at)
        print(json.dumps({"out": str(out), "bytes": out.stat().st_size, **clf.metrics,
                          "abstain": clf.metadata["abstain"]}, ensure_ascii=False))
        return 0
    args.out = args.out or DEFAULT_MODEL_PATH
    clf = build(args.data, args.out, args.trained_at)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size,
                      **clf.metadata["metrics"]["cv"], "abstain": clf.metadata["abstain"]},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
