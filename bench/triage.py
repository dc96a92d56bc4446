"""Benchmark of the triage classifier: messages classified per second, training time.

    .venv/bin/python bench/triage.py [--smoke] [--data DIR]

Prints one JSON line per figure (name, value, unit, baseline, ratio, sizes, machine):
- ``classify_msgs_per_s``: the shipped default model classifying real messages in one batch;
  baseline: the same model called once per message (a naive per-message loop).
- ``train_10k_s``: training (with temperature calibration) on 10,000 messages resampled from
  the real labelled + unlabelled messages (pseudo-labels from the default model); baseline:
  scikit-learn's TfidfVectorizer(char 1-2-grams) + LogisticRegression on the same data.
``--smoke`` uses tiny sizes so that a test can run it in a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from huying.triage.classifier import Config, TextClassifier, default_classifier

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "messages"


def _machine() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(terse=True)}


#: Goals of issue 8 (P6): classification >= 5,000 messages/s; training on 10k < 10 s.
GOALS = {"classify_msgs_per_s": (">= 5,000 msgs/s", lambda v: v >= 5000),
         "train_10k_s": ("< 10 s for 10k", lambda v: v < 10)}
SMOKE = {"on": False}


def _emit(name: str, value: float, unit: str, baseline: float, sizes: dict[str, int],
          higher_is_better: bool) -> None:
    ratio = value / baseline if higher_is_better else baseline / value
    goal, test = GOALS.get(name, (None, None))
    line = {"name": name, "value": round(value, 3), "unit": unit,
            "baseline": round(baseline, 3), "ratio": round(ratio, 2),
            "sizes": sizes, "machine": _machine(), "goal": goal,
            "met": None if test is None else bool(test(value)), "smoke": SMOKE["on"]}
    text = json.dumps(line, ensure_ascii=False)
    print(text, flush=True)
    if not SMOKE["on"]:  # the common results file of bench/_common.py
        out = Path(__file__).resolve().parent / "results" / "triage.jsonl"
        out.parent.mkdir(exist_ok=True)
        with out.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")


def _messages(data: Path) -> list[tuple[str, str]]:
    out = []
    for name in ("labelled.csv", "unlabelled.csv", "replied.csv"):
        with (data / name).open(encoding="utf-8") as fh:
            out += [(r["subject"], r["detail"]) for r in csv.DictReader(fh)]
    return out


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for tests")
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    SMOKE["on"] = args.smoke
    n_classify, n_loop, n_train, repeat = (200, 50, 300, 1) if args.smoke else (20_000, 1_000, 10_000, 3)

    rng = np.random.default_rng(0)
    msgs = _messages(args.data)
    clf = default_classifier()

    batch = [msgs[i] for i in rng.integers(0, len(msgs), n_classify)]
    t_batch = _best(lambda: clf.predict(batch), repeat)
    loop = batch[:n_loop]
    t_loop = _best(lambda: [clf.predict_one(s, d) for s, d in loop], 1)
    _emit("classify_msgs_per_s", n_classify / t_batch, "msgs/s", n_loop / t_loop,
          {"batch": n_classify, "baseline_loop": n_loop}, higher_is_better=True)

    train = [msgs[i] for i in rng.integers(0, len(msgs), n_train)]
    labels = [p.label for p in clf.predict(train)]
    t_ours = _best(lambda: TextClassifier(Config()).fit(train, labels), 1)

    def baseline_fit() -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        x = vec.fit_transform([s + " " + d for s, d in train])
        LogisticRegression(C=10.0, max_iter=300, tol=1e-3, class_weight="balanced").fit(x, labels)

    t_base = _best(baseline_fit, 1)
    _emit("train_10k_s" if not args.smoke else "train_smoke_s", t_ours, "s", t_base,
          {"train": n_train, "classes": len(set(labels))}, higher_is_better=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
