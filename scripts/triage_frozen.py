"""The honest evaluation of triage: a frozen test split of labelled.csv and a time split of
replied.csv (docs/triage.md, "The frozen split").

    .venv/bin/python scripts/triage_frozen.py split          # once: writes the frozen test ids
    .venv/bin/python scripts/triage_frozen.py eval           # CV on the train side + frozen test
    .venv/bin/python scripts/triage_frozen.py routing        # department of the reply, time split
    .venv/bin/python scripts/triage_frozen.py corrections    # macro-F1 against N corrections

``split`` draws a stratified 30% of labelled.csv (seed 20261206) and writes its ids and labels
to ``tests/data/triage_frozen_test.csv``; it refuses to overwrite the file. Every choice
(recipe, abstain threshold, semi-supervised step) is made by cross-validation on the other 70%
(the *train side*); the frozen test is scored once per recipe and reported beside it. The
reply-labelled and unlabelled pools leave out near-duplicates of *every* labelled message,
test side included, so a test message never enters training through them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from huying.triage.abstain import TARGET_PRECISION, choose_threshold  # noqa: E402
from huying.triage.build_default import REPLY_WEIGHT, reply_examples  # noqa: E402
from huying.triage.classifier import Config, TextClassifier, keyword_documents, train_names_model  # noqa: E402
from huying.triage.evaluation import bootstrap_ci, evaluate, macro_f1, reliability, wilson_interval  # noqa: E402
from huying.triage.training import load_pool, near_duplicates  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "messages"
SPLIT_PATH = ROOT / "tests" / "data" / "triage_frozen_test.csv"
SPLIT_SEED = 20261206
TEST_SHARE = 0.3

Msg = tuple[str, str]
Extra = list[tuple[Msg, str]]
Recipe = Callable[[list[Msg], list[str]], TextClassifier]


# --------------------------------------------------------------------------- data


def read_labelled(data: Path) -> list[dict[str, str]]:
    with (data / "labelled.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_ids(path: Path = SPLIT_PATH) -> set[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["id"] for r in csv.DictReader(fh)}


def frozen_split(data: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(train side, test side) rows of labelled.csv by the committed test ids."""
    rows = read_labelled(data)
    ids = test_ids()
    return [r for r in rows if r["id"] not in ids], [r for r in rows if r["id"] in ids]


def msgs_of(rows: list[dict[str, str]]) -> list[Msg]:
    return [(r["subject"], r["detail"]) for r in rows]


def do_split(data: Path, force: bool) -> dict[str, object]:
    from sklearn.model_selection import train_test_split

    if SPLIT_PATH.exists() and not force:
        raise SystemExit(f"{SPLIT_PATH} exists: the frozen split is never redrawn")
    rows = read_labelled(data)
    _tr, te = train_test_split(rows, test_size=TEST_SHARE, random_state=SPLIT_SEED,
                               stratify=[r["label"] for r in rows])
    te = sorted(te, key=lambda r: int(r["id"]))
    SPLIT_PATH.parent.mkdir(parents=True, exist_ok=True)
    with SPLIT_PATH.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "label"])
        w.writerows([r["id"], r["label"]] for r in te)
    return {"test": len(te), "train": len(rows) - len(te), "path": str(SPLIT_PATH)}


# --------------------------------------------------------------------------- recipes


def fit_with(cfg: Config, extra: Extra, weight: float) -> Recipe:
    """The n-gram model on the messages plus ``extra`` (weak labels) at ``weight``."""

    def fit(msgs: list[Msg], labels: list[str]) -> TextClassifier:
        return TextClassifier(cfg).fit(
            msgs + [m for m, _ in extra], labels + [lab for _, lab in extra],
            sample_weight=[1.0] * len(msgs) + [weight] * len(extra),
            calibrate_mask=[True] * len(msgs) + [False] * len(extra))

    return fit


def fit_self(cfg: Config, extra: Extra, pool: list[Msg], threshold: float,
             weight: float) -> Recipe:
    """``fit_with`` + self-training: a teacher (the same recipe on the training messages)
    labels the pool; messages it is at least ``threshold`` sure of join at weight·p."""
    base = fit_with(cfg, extra, REPLY_WEIGHT)

    def fit(msgs: list[Msg], labels: list[str]) -> TextClassifier:
        teacher = base(msgs, labels)
        p = teacher.predict_proba(pool)
        keep = np.flatnonzero(p.max(1) >= threshold)
        lab = np.array(teacher.labels)[p.argmax(1)]
        add = [(pool[i], str(lab[i])) for i in keep]
        w = [weight * float(p[i].max()) for i in keep]
        return TextClassifier(cfg).fit(
            msgs + [m for m, _ in extra] + [m for m, _ in add],
            labels + [lab_ for _, lab_ in extra] + [lab_ for _, lab_ in add],
            sample_weight=[1.0] * len(msgs) + [REPLY_WEIGHT] * len(extra) + w,
            calibrate_mask=[True] * len(msgs) + [False] * (len(extra) + len(add)))

    return fit


def fit_spread(cfg: Config, extra: Extra, pool: list[Msg], alpha: float, min_p: float,
               weight: float) -> Recipe:
    """``fit_with`` + label spreading: the labelled messages' labels spread over a 10-nearest-
    neighbour graph of the pool (character 1-2-gram TF-IDF cosine); pool messages whose spread
    distribution reaches ``min_p`` join at weight·p."""
    from sklearn.semi_supervised import LabelSpreading

    from huying.triage.features import fit_vocabulary, transform

    base = fit_with(cfg, extra, REPLY_WEIGHT)

    def fit(msgs: list[Msg], labels: list[str]) -> TextClassifier:
        texts = [(s + " " + d)[:150] for s, d in msgs + pool]
        vocab, _ = fit_vocabulary(texts, (1, 2), 2)
        x = transform(texts, vocab)
        names = sorted(set(labels))
        y = np.array([names.index(lab) for lab in labels] + [-1] * len(pool))
        ls = LabelSpreading(kernel="knn", n_neighbors=10, alpha=alpha, max_iter=50)
        ls.fit(x.toarray() if x.shape[0] < 2000 else x, y)  # type: ignore[arg-type]
        dist = ls.label_distributions_[len(msgs):]
        keep = np.flatnonzero(dist.max(1) >= min_p)
        if len(keep) == 0:
            return base(msgs, labels)
        add = [(pool[i], names[int(dist[i].argmax())]) for i in keep]
        w = [weight * float(dist[i].max()) for i in keep]
        return TextClassifier(cfg).fit(
            msgs + [m for m, _ in extra] + [m for m, _ in add],
            labels + [lab_ for _, lab_ in extra] + [lab_ for _, lab_ in add],
            sample_weight=[1.0] * len(msgs) + [REPLY_WEIGHT] * len(extra) + w,
            calibrate_mask=[True] * len(msgs) + [False] * (len(extra) + len(add)))

    return fit


def unlabelled_pool(data: Path, all_labelled: list[Msg], limit: int | None) -> list[Msg]:
    """replied.csv + unlabelled.csv without duplicate subjects and near-duplicates of any
    labelled message (both sides of the split)."""
    pool = load_pool([data / "replied.csv", data / "unlabelled.csv"],
                     exclude_subjects={s for s, _ in all_labelled})
    near = near_duplicates([p.message for p in pool], all_labelled)
    msgs = [p.message for p, dup in zip(pool, near, strict=True) if not dup]
    if limit is not None and len(msgs) > limit:
        rng = np.random.default_rng(0)
        msgs = [msgs[i] for i in sorted(rng.choice(len(msgs), limit, replace=False))]
    return msgs


# --------------------------------------------------------------------------- evaluation


def cross_validate(fit: Recipe, msgs: list[Msg], y: list[str], seeds: int,
                   k: int = 5) -> tuple[list[float], np.ndarray, np.ndarray]:
    """Macro-F1 of every held-out fold (k folds × seeds) and, for seed 0, the out-of-fold
    top-1 confidence and correctness of every message."""
    from sklearn.model_selection import StratifiedKFold

    ya = np.array(y)
    f1s: list[float] = []
    conf = np.zeros(len(y))
    hit = np.zeros(len(y), bool)
    for seed in range(seeds):
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(msgs, ya):
            clf = fit([msgs[i] for i in tr], list(ya[tr]))
            preds = clf.predict([msgs[i] for i in te])
            f1s.append(macro_f1(list(ya[te]), [p.label for p in preds]))
            if seed == 0:
                conf[te] = [p.confidence for p in preds]
                hit[te] = [p.label == t for p, t in zip(preds, ya[te], strict=True)]
    return f1s, conf, hit


def score_test(clf: TextClassifier, test: list[Msg], y: list[str],
               threshold: float) -> dict[str, object]:
    preds = clf.predict(test)
    pl = [p.label for p in preds]
    lo, hi = bootstrap_ci(y, pl)
    conf = [p.confidence for p in preds]
    hit = [p.label == t for p, t in zip(preds, y, strict=True)]
    rel = reliability(conf, hit)
    auto = [c >= threshold for c in conf]
    n_auto = int(sum(auto))
    k_auto = int(sum(h for h, a in zip(hit, auto, strict=True) if a))
    plo, phi = wilson_interval(k_auto, n_auto)
    r = evaluate(y, pl, clf.labels)
    return {
        "n": len(y), "macro_f1": round(r.macro_f1, 4), "macro_f1_ci95": [round(lo, 4), round(hi, 4)],
        "accuracy": round(r.accuracy, 4),
        "top3_accuracy": round(float(np.mean([t in [lab for lab, _ in p.top]
                                              for p, t in zip(preds, y, strict=True)])), 4),
        "ece": round(rel.ece, 4),
        "reliability": [[round(rel.edges[i], 1), rel.count[i],
                         None if not rel.count[i] else round(rel.confidence[i], 3),
                         None if not rel.count[i] else round(rel.accuracy[i], 3)]
                        for i in range(len(rel.count))],
        "abstain": {"threshold": round(threshold, 4), "auto": n_auto,
                    "auto_share": round(n_auto / len(y), 4),
                    "auto_precision": round(k_auto / n_auto, 4) if n_auto else None,
                    "auto_precision_ci95": [round(plo, 4), round(phi, 4)]},
    }


def recipes(data: Path, all_labelled: list[Msg], labels: list[str],
            pool_limit: int | None) -> dict[str, Callable[[], Recipe]]:
    cfg = Config()
    cache: dict[str, object] = {}

    def extra() -> Extra:
        if "extra" not in cache:
            cache["extra"] = reply_examples(data, all_labelled, labels)
        return cache["extra"]  # type: ignore[return-value]

    def pool() -> list[Msg]:
        if "pool" not in cache:
            replied = {m for m, _ in extra()}
            cache["pool"] = [m for m in unlabelled_pool(data, all_labelled, pool_limit)
                             if m not in replied]
        return cache["pool"]  # type: ignore[return-value]

    def cli_pool() -> tuple[list[Msg], list[str]]:
        """What ``huying triage train --unlabelled replied.csv unlabelled.csv`` reads, without
        the near-duplicates of any labelled message: messages and their reply labels."""
        if "cli" not in cache:
            from huying.triage.replies import department_label

            pool = load_pool([data / "replied.csv", data / "unlabelled.csv"],
                             exclude_subjects={s for s, _ in all_labelled})
            near = near_duplicates([p.message for p in pool], all_labelled)
            kept = [p for p, dup in zip(pool, near, strict=True) if not dup]
            cache["cli"] = ([p.message for p in kept],
                            [department_label(p.reply) if p.reply else "" for p in kept])
        return cache["cli"]  # type: ignore[return-value]

    def cli_recipe(threshold: float) -> Recipe:
        from huying.triage.training import train_self_training

        def fit(msgs: list[Msg], labels_: list[str]) -> TextClassifier:
            pool, reply = cli_pool()
            return train_self_training(msgs, labels_, pool, threshold=threshold, reply_labels=reply)

        return fit

    def names_only(_msgs: list[Msg], labels_: list[str]) -> TextClassifier:
        return train_names_model(labels_)  # what default_model/names.npz holds

    return {
        "names": lambda: names_only,  # the taxonomy's names alone: no message at all
        "kw3": lambda: fit_with(cfg, [], 1.0),
        "rules-0.3": lambda: fit_with(cfg, extra(), REPLY_WEIGHT),
        "self-0.7": lambda: fit_self(cfg, extra(), pool(), 0.7, 0.5),
        "self-0.9": lambda: fit_self(cfg, extra(), pool(), 0.9, 0.3),
        "spread-0.9": lambda: fit_spread(cfg, extra(), pool(), 0.2, 0.9, 0.3),
        # the CLI: reply labels + self-training at 0.7 (its default), and without self-training
        "cli": lambda: cli_recipe(0.7),
        "cli-no-self": lambda: cli_recipe(1.1),
    }


def do_eval(data: Path, names: list[str], seeds: int, pool_limit: int | None,
            target: float) -> dict[str, object]:
    train, test = frozen_split(data)
    all_msgs = msgs_of(read_labelled(data))
    labels = sorted({r["label"] for r in train})
    xs, ys = msgs_of(train), [r["label"] for r in train]
    xt, yt = msgs_of(test), [r["label"] for r in test]
    book = recipes(data, all_msgs, labels, pool_limit)
    out: dict[str, object] = {
        "train": len(xs), "test": len(xt), "target_precision": target,
        # test messages with a near-duplicate (bigram cosine > 0.6) on the train side
        "test_near_duplicates_on_train_side": int(near_duplicates(xt, xs).sum()),
        "keyword_documents": len(keyword_documents(labels, leaves=True)),
    }
    if any(n.startswith(("self", "spread")) for n in names):
        extra_ = reply_examples(data, all_msgs, labels)
        replied = {m for m, _ in extra_}
        out["reply_labelled"] = len(extra_)
        out["pool_other"] = len([m for m in unlabelled_pool(data, all_msgs, pool_limit)
                                 if m not in replied])
    for name in names:
        t0 = time.perf_counter()
        fit = book[name]()
        f1s, conf, hit = cross_validate(fit, xs, ys, seeds)
        choice = choose_threshold(conf, hit, target)
        clf = fit(xs, ys)
        res = {
            "cv_macro_f1": round(float(np.mean(f1s)), 4),
            "cv_macro_f1_std": round(float(np.std(f1s)), 4), "cv_folds": len(f1s),
            "cv_ece": round(reliability(conf, hit).ece, 4),
            "cv_threshold": {"threshold": round(choice.threshold, 4),
                             "precision": round(choice.precision, 4),
                             "share": round(choice.share, 4)},
            "frozen": score_test(clf, xt, yt, choice.threshold),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        out[name] = res
        print(json.dumps({name: res}, ensure_ascii=False), file=sys.stderr)
    return out


# --------------------------------------------------------------------------- routing (time split)


def parse_time(s: str) -> datetime | None:
    s = s.strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            pass
    try:  # an Excel serial day number
        return datetime(1899, 12, 30) + timedelta(days=float(s))
    except ValueError:
        return None


def do_routing(data: Path, test_share: float) -> dict[str, object]:
    """The kind of unit that signed each reply (``bench/routing.answering_kind``), predicted
    from the message: an n-gram model trained on the earlier messages, scored on the later
    ones; baselines: the most common kind of the earlier messages, and the shipped path
    (first-level category by a model trained on labelled.csv → default rules, at kind level)."""
    from bench.routing import answering_kind, deeper_paths
    from huying.triage.routing import read_rules_csv

    with (data / "replied.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    items = []
    for r in rows:
        kind, _ = answering_kind(r["reply"])
        t = parse_time(r["time"])
        if kind is not None and t is not None:
            items.append((t, (r["subject"], r["detail"]), kind))
    items.sort(key=lambda x: x[0])
    cut = int(len(items) * (1 - test_share))
    tr, te = items[:cut], items[cut:]
    xs, ys = [m for _, m, _ in tr], [k for _, _, k in tr]
    xt, yt = [m for _, m, _ in te], [k for _, _, k in te]
    out: dict[str, object] = {"messages": len(items), "train": len(tr), "test": len(te),
                              "train_until": str(tr[-1][0]), "test_from": str(te[0][0])}

    def scored(pred: list[str]) -> dict[str, object]:
        lo, hi = bootstrap_ci(yt, pred)
        acc = float(np.mean([a == b for a, b in zip(pred, yt, strict=True)]))
        alo, ahi = wilson_interval(int(round(acc * len(yt))), len(yt))
        return {"accuracy": round(acc, 4), "accuracy_ci95": [round(alo, 4), round(ahi, 4)],
                "macro_f1": round(macro_f1(yt, pred), 4), "macro_f1_ci95": [round(lo, 4), round(hi, 4)]}

    common = max(set(ys), key=ys.count)
    out["majority"] = {"kind": common, **scored([common] * len(yt))}
    # the shipped path: level-1 category (model trained on labelled.csv only) → default rules
    rows_l = read_labelled(data)
    l1 = TextClassifier(Config()).fit(msgs_of(rows_l), [r["label"] for r in rows_l])
    rules = read_rules_csv()
    by_category = {r.category: r for r in rules if not r.node}
    below = deeper_paths()
    pred = []
    for (s, d), p in zip(xt, l1.predict(xt), strict=True):
        rule = by_category.get(p.label) or by_category[""]
        for path in below.get(p.label, []):
            if path.split("/")[1] in f"{s} {d}" and path in by_category:
                rule = by_category[path]
                break
        tg = rule.target
        pred.append(f"department:{tg.department}" if tg.kind == "department" else f"{tg.kind}@{tg.level}")
    out["category_then_rules"] = scored(pred)
    clf = TextClassifier(Config(keyword_docs=False)).fit(xs, ys)
    out["ngram_on_kinds"] = scored([p.label for p in clf.predict(xt)])
    return out


# --------------------------------------------------------------------------- corrections curve


def do_corrections(data: Path, steps: list[int], orders: int,
                   replies: bool = True) -> dict[str, object]:
    """A city that starts with no labelled message of its own (the taxonomy's names, and the
    reply-labelled messages unless ``replies`` is off) and whose staff classify N cases (drawn
    from the train side, in a random order): macro-F1 on the frozen split against N (mean ±
    std over orders)."""
    train, test = frozen_split(data)
    all_msgs = msgs_of(read_labelled(data))
    labels = sorted({r["label"] for r in train})
    extra = reply_examples(data, all_msgs, labels) if replies else []
    xs, ys = msgs_of(train), [r["label"] for r in train]
    xt, yt = msgs_of(test), [r["label"] for r in test]
    cfg = replace(Config(), calibration_folds=0)
    kw_only = keyword_documents(labels, leaves=True)  # what a city without any label has
    curve = []
    for n in steps:
        f1s = []
        for o in range(orders):
            idx = np.random.default_rng(o).permutation(len(xs))[:n]
            # the taxonomy's documents of all the categories, whatever the N cases cover
            clf = TextClassifier(replace(cfg, keyword_docs=False)).fit(
                [m for m, _ in kw_only] + [xs[i] for i in idx] + [m for m, _ in extra],
                [lab for _, lab in kw_only] + [ys[i] for i in idx] + [lab for _, lab in extra],
                sample_weight=[1.0] * (len(kw_only) + n) + [REPLY_WEIGHT] * len(extra))
            f1s.append(macro_f1(yt, [p.label for p in clf.predict(xt)]))
            if n in (0, len(xs)):
                break  # the same set for every order
        curve.append({"n": n, "macro_f1": round(float(np.mean(f1s)), 4),
                      "std": round(float(np.std(f1s)), 4), "orders": len(f1s)})
        print(json.dumps(curve[-1]), file=sys.stderr)
    return {"test": len(xt), "reply_labelled": len(extra), "curve": curve}


# --------------------------------------------------------------------------- English and mixed


EN_PATH = ROOT / "tests" / "data" / "triage_frozen_en.csv"


def default_abstain_threshold() -> float:
    """The abstain threshold of the shipped model (chosen on the train side)."""
    from huying.triage.classifier import default_classifier

    return float(default_classifier().auto_threshold or 1.0)


def do_english(data: Path) -> dict[str, object]:
    """The shipped recipe (trained on the train side) on a sample of the frozen test (5 per
    category, drawn with seed 7) in its Chinese original, an English translation and a mixed
    Chinese-English version (``tests/data/triage_frozen_en.csv``, translated by hand after the
    glossary was written), with and without the English glossary."""
    train, test = frozen_split(data)
    all_msgs = msgs_of(read_labelled(data))
    labels = sorted({r["label"] for r in train})
    extra = reply_examples(data, all_msgs, labels)
    by_id = {r["id"]: r for r in test}
    with EN_PATH.open(encoding="utf-8", newline="") as fh:
        sample = list(csv.DictReader(fh))
    y = [by_id[r["id"]]["label"] for r in sample]
    versions = {
        "chinese": [(by_id[r["id"]]["subject"], by_id[r["id"]]["detail"]) for r in sample],
        "english": [(r["subject_en"], r["detail_en"]) for r in sample],
        "mixed": [(r["subject_mixed"], r["detail_mixed"]) for r in sample],
    }
    clf = fit_with(Config(), extra, REPLY_WEIGHT)(msgs_of(train), [r["label"] for r in train])
    threshold = default_abstain_threshold()
    out: dict[str, object] = {"messages": len(sample), "abstain_threshold": threshold}
    for glossary in (False, True):
        clf.config = replace(clf.config, english_glossary=glossary)
        for name, msgs in versions.items():
            preds = clf.predict(msgs)
            pl = [p.label for p in preds]
            lo, hi = bootstrap_ci(y, pl)
            auto = [i for i, p in enumerate(preds) if p.confidence >= threshold]
            out[f"{name}{'+glossary' if glossary else ''}"] = {
                "macro_f1": round(macro_f1(y, pl), 4), "ci95": [round(lo, 4), round(hi, 4)],
                "accuracy": round(float(np.mean([a == b for a, b in zip(pl, y, strict=True)])), 4),
                "mean_confidence": round(float(np.mean([p.confidence for p in preds])), 4),
                "auto": len(auto), "auto_right": sum(pl[i] == y[i] for i in auto)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["split", "eval", "routing", "corrections", "english"])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--force", action="store_true", help="split: overwrite (never do this)")
    ap.add_argument("--only", nargs="*", default=["kw3", "rules-0.3"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--pool-limit", type=int, default=None)
    ap.add_argument("--target", type=float, default=TARGET_PRECISION)
    ap.add_argument("--test-share", type=float, default=0.3)
    ap.add_argument("--steps", default="0,10,25,50,100,150,200,243")
    ap.add_argument("--orders", type=int, default=5)
    ap.add_argument("--no-replies", action="store_true",
                    help="corrections: the city has no reply-labelled messages either")
    a = ap.parse_args(argv)
    if a.command == "split":
        res = do_split(a.data, a.force)
    elif a.command == "eval":
        res = do_eval(a.data, a.only, a.seeds, a.pool_limit, a.target)
    elif a.command == "routing":
        res = do_routing(a.data, a.test_share)
    elif a.command == "english":
        res = do_english(a.data)
    else:
        res = do_corrections(a.data, [int(s) for s in a.steps.split(",")], a.orders,
                             replies=not a.no_replies)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
