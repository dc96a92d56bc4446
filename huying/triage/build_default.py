"""Build the default model shipped in ``huying/triage/default_model/``.

    .venv/bin/python -m huying.triage.build_default [--data DIR] [--trained-at DATE]

Trains the chosen configuration (docs/triage.md, "Classification") on the competition's
labelled messages, stores the 5-fold cross-validated scores in the model's metadata and writes
``model.npz``. Deterministic: the same data and date give the same file contents.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from huying.triage.classifier import DEFAULT_MODEL_PATH, Config, TextClassifier

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "messages"
SOURCE = (
    "2020 TipDM Cup (泰迪杯) problem C 智慧政务中的文本挖掘应用, 附件2 (labelled.csv: a "
    "stratified 70% of its labelled rows), as published in repository "
    "694035434/Natural-language-processing-and-text-mining; competition data, published for research"
)


def cross_validate(msgs: list[tuple[str, str]], y: np.ndarray, cfg: Config, k: int = 5) -> dict:
    """k-fold stratified CV (seed 0): macro-F1 and accuracy mean ± std, and the expected
    calibration error of the calibrated confidence on the held-out folds."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    f1s, accs, conf, hit = [], [], [], []
    for tr, te in StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        clf = TextClassifier(cfg).fit([msgs[i] for i in tr], list(y[tr]))
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


def build(data: Path, out: Path, trained_at: str, cfg: Config | None = None) -> TextClassifier:
    cfg = cfg or Config()
    with (data / "labelled.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    msgs = [(r["subject"], r["detail"]) for r in rows]
    y = np.array([r["label"] for r in rows])
    cv = cross_validate(msgs, y, cfg)
    clf = TextClassifier(cfg).fit(
        msgs, list(y), trained_at=trained_at,
        extra_metadata={"version": f"default-{trained_at}", "metrics": {"cv": cv},
                        "source": SOURCE, "data_file": "labelled.csv"},
    )
    clf.save(out)
    return clf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    ap.add_argument("--trained-at", default="2026-01-01")
    args = ap.parse_args(argv)
    clf = build(args.data, args.out, args.trained_at)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size,
                      **clf.metadata["metrics"]["cv"]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
