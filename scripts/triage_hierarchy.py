"""Levels 2 and 3: build the leaf model and measure it (docs/triage.md, "Levels 2 and 3").

    .venv/bin/python scripts/triage_hierarchy.py eval     # masked-name check, temperature
    .venv/bin/python scripts/triage_hierarchy.py build    # writes default_model/hierarchy.npz
    .venv/bin/python scripts/triage_hierarchy.py speed    # time of one suggestion
    .venv/bin/python scripts/triage_hierarchy.py levels   # against 35 hand-labelled messages
    .venv/bin/python scripts/triage_hierarchy.py examples # the examples quoted in the docs

No message of the data has a level-2 or level-3 label. The one level-3 signal is a message
that names a leaf (its level-3 name appears in the text). ``eval`` holds out half of the pool
messages that name exactly one leaf of the seven labelled first levels, builds the prototypes
without them, masks the name out of their text and asks the model for the leaf among the
leaves of the right first level (P(leaf | level 1)); the temperature is fitted on one half of
the held-out messages and the calibration error measured on the other. This is a proxy (the
text around a name is not a resident's paraphrase of a category), reported as such.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from huying.triage.classifier import default_classifier, fit_temperature  # noqa: E402
from huying.triage.evaluation import reliability, wilson_interval  # noqa: E402
from huying.triage.hierarchy import (  # noqa: E402
    CENTRE,
    DEFAULT_HIERARCHY_PATH,
    FORM_MIN,
    MAX_NAMED,
    NAME_SHARE,
    Hierarchy,
    level2_suggestions,
    message_text,
    name_matches,
    read_taxonomy,
)
from huying.triage.training import load_pool  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "messages"


def pool_messages(data: Path) -> list[tuple[str, str]]:
    return [p.message for p in load_pool([data / "replied.csv", data / "unlabelled.csv"])]


def held_out(data: Path, seed: int = 0, name_share: float = NAME_SHARE,
             centre: bool = CENTRE, max_named: int | None = MAX_NAMED) -> dict[str, object]:
    leaves = read_taxonomy()
    level1 = default_classifier().labels
    pool = pool_messages(data)
    texts = [message_text(m) for m in pool]
    matches = name_matches(leaves, texts)
    # one leaf name, of the seven first levels (several leaves share a name: take the
    # message only when all its named leaves are one name under one first level)
    single = [i for i, js in enumerate(matches)
              if js and len({leaves[j][2] for j in js}) == 1 and len({leaves[j][0] for j in js}) == 1
              and leaves[js[0]][0] in level1]
    rng = np.random.default_rng(seed)
    rng.shuffle(single)
    test = set(single[: len(single) // 2])
    h = Hierarchy.fit([m for i, m in enumerate(pool) if i not in test], leaves, level1=level1,
                      name_share=name_share, centre=centre, max_named=max_named)
    rows = sorted(test)
    masked = [("", texts[i].replace(leaves[matches[i][0]][2], "")) for i in rows]
    s = h.scores(masked)
    logits, gold, hit1, hit3, l2hit = [], [], [], [], []
    for r, i in enumerate(rows):
        l1 = leaves[matches[i][0]][0]
        idx = np.array([j for j, leaf in enumerate(leaves) if leaf[0] == l1])
        z = s[r, idx]
        ok = {int(np.flatnonzero(idx == j)[0]) for j in matches[i]}
        order = np.argsort(-z)
        hit1.append(int(order[0]) in ok)
        hit3.append(bool(ok & {int(o) for o in order[:3]}))
        l2hit.append(leaves[idx[order[0]]][1] in {leaves[j][1] for j in matches[i]})
        logits.append(z)
        gold.append(min(ok))
    half = len(rows) // 2
    # temperature on the first half (gold = first of the equal-named leaves), error on the second
    t = fit_temperature_ragged(logits[:half], gold[:half])
    conf, right = [], []
    for z, h1 in zip(logits[half:], hit1[half:], strict=True):
        p = np.exp((z - z.max()) / t)
        p /= p.sum()
        conf.append(float(p.max()))
        right.append(h1)
    rel = reliability(conf, right)
    n = len(rows)

    def rate(v: list[bool]) -> dict[str, object]:
        lo, hi = wilson_interval(int(sum(v)), len(v))
        return {"rate": round(float(np.mean(v)), 4), "ci95": [round(lo, 4), round(hi, 4)]}

    sizes = [int(sum(1 for leaf in leaves if leaf[0] == leaves[matches[i][0]][0])) for i in rows]
    return {"held_out": n, "naming_one_leaf": len(single), "temperature": round(t, 4),
            "leaf_top1": rate(hit1), "leaf_top3": rate(hit3), "level2_top1": rate(l2hit),
            "chance_top1": round(float(np.mean([1 / k for k in sizes])), 4),
            "ece_second_half": round(rel.ece, 4), "second_half": len(conf),
            "reliability": [[round(rel.edges[i], 1), rel.count[i],
                             None if not rel.count[i] else round(rel.confidence[i], 3),
                             None if not rel.count[i] else round(rel.accuracy[i], 3)]
                            for i in range(len(rel.count))]}


def proxy_confidences(data: Path, seed: int = 0) -> dict[str, object]:
    """The masked-name proxy of :func:`held_out` (the train side of levels 2-3: no message
    of the frozen test, no hand label), seen as the leaf model's calibration data: for every
    held-out message, with its right first level given, the top leaf's P(leaf | level 1) and
    whether it is right, and the top leaf's level 2's P(level 2 | level 1) (the leaves of that
    level 2 summed) and whether that is right. The temperature is the shipped model's."""
    leaves = read_taxonomy()
    level1 = default_classifier().labels
    pool = pool_messages(data)
    texts = [message_text(m) for m in pool]
    matches = name_matches(leaves, texts)
    single = [i for i, js in enumerate(matches)
              if js and len({leaves[j][2] for j in js}) == 1 and len({leaves[j][0] for j in js}) == 1
              and leaves[js[0]][0] in level1]
    rng = np.random.default_rng(seed)
    rng.shuffle(single)
    test = set(single[: len(single) // 2])
    h = Hierarchy.fit([m for i, m in enumerate(pool) if i not in test], leaves, level1=level1)
    h.temperature = Hierarchy.load(DEFAULT_HIERARCHY_PATH).temperature
    rows = sorted(test)
    s = h.scores([("", texts[i].replace(leaves[matches[i][0]][2], "")) for i in rows])
    out: dict[str, list] = {"p2": [], "ok2": [], "p3": [], "ok3": []}
    for r, i in enumerate(rows):
        idx, cond = h.conditional(s[r : r + 1], leaves[matches[i][0]][0])
        p = cond[0]
        top = int(np.argmax(p))
        l2 = leaves[idx[top]][1]
        out["p3"].append(float(p[top]))
        out["ok3"].append(int(idx[top]) in matches[i])
        out["p2"].append(float(sum(p[k] for k, j in enumerate(idx) if leaves[j][1] == l2)))
        out["ok2"].append(l2 in {leaves[j][1] for j in matches[i]})
    return out


def table(conf: list[float], right: list[bool], bins: int = 5) -> dict[str, object]:
    """ECE and the reliability table (``bins`` bins; the count, mean confidence, accuracy
    with its Wilson interval)."""
    rel = reliability(conf, right, bins=bins)
    c, h = np.asarray(conf), np.asarray(right, bool)
    idx = np.minimum((c * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        m = idx == b
        if m.any():
            lo, hi = wilson_interval(int(h[m].sum()), int(m.sum()))
            rows.append([f"{b / bins:.1f}-{(b + 1) / bins:.1f}", int(m.sum()), round(float(c[m].mean()), 3),
                         round(float(h[m].mean()), 3), [round(lo, 3), round(hi, 3)]])
    return {"ece": round(rel.ece, 4), "mean_p": round(float(c.mean()), 4),
            "rate": round(float(h.mean()), 4), "table": rows}


def calibration(data: Path, write: Path | None = None) -> dict[str, object]:
    """Calibration maps of P(level 2 | level 1) and P(leaf | level 1), fitted on the
    masked-name proxy only (isotonic regression of rightness on confidence; and, for
    comparison, one temperature per level), checked on the proxy's other half, then applied
    to the 35 hand-labelled frozen messages: before / after."""
    from sklearn.isotonic import IsotonicRegression

    px = proxy_confidences(data)
    n = len(px["p2"])
    half = n // 2
    res: dict[str, object] = {"proxy_messages": n}
    maps = {}
    for lv in ("2", "3"):
        conf, ok = np.array(px[f"p{lv}"]), np.array(px[f"ok{lv}"], bool)
        iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(conf[:half], ok[:half])
        res[f"proxy level {lv}, second half, before"] = table(list(conf[half:]), list(ok[half:]))
        res[f"proxy level {lv}, second half, isotonic from the first"] = table(
            list(iso.predict(conf[half:])), list(ok[half:]))
        maps[lv] = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(conf, ok)
    res["maps"] = {{"2": "level2", "3": "leaf"}[lv]: {"x": [round(float(v), 5) for v in m.X_thresholds_],
                        "y": [round(float(v), 5) for v in m.y_thresholds_]} for lv, m in maps.items()}
    fz = levels(data, collect=True, calibrated=False)
    conf1, c2, ok2, c3, ok3 = (fz["_p1"], fz["_p2"], fz["_ok2"], fz["_p3"], fz["_ok3"])  # type: ignore[misc]
    res["frozen 35: level 2 before (the top path's level-2 probability)"] = table(fz["_shown2"], ok2)  # type: ignore[arg-type]
    res["frozen 35: level 2 after (P(level 1) x isotonic P(level 2 | level 1))"] = table(
        list(np.array(conf1) * maps["2"].predict(c2)), ok2)
    res["frozen 35: level 2, P(level 1) x P(level 2 | level 1), no map"] = table(list(np.array(conf1) * np.array(c2)), ok2)
    res["frozen 35: level 3 before (the top path's probability)"] = table(fz["_shown3"], ok3)  # type: ignore[arg-type]
    res["frozen 35: level 3 after (P(level 1) x isotonic P(leaf | level 1))"] = table(
        list(np.array(conf1) * maps["3"].predict(c3)), ok3)
    # how sure the gain is on 35 messages: paired bootstrap of ECE before - after (10 bins too)
    rng = np.random.default_rng(0)
    for lv, before, after, ok in (("2", fz["_shown2"], np.array(conf1) * maps["2"].predict(c2), ok2),
                                  ("3", fz["_shown3"], np.array(conf1) * maps["3"].predict(c3), ok3)):
        b, a_, o = np.asarray(before), np.asarray(after), np.asarray(ok, bool)
        diffs = []
        for _ in range(2000):
            i = rng.integers(0, len(o), len(o))
            diffs.append(reliability(b[i], o[i], 5).ece - reliability(a_[i], o[i], 5).ece)
        res[f"frozen 35: level {lv} ECE before - after, 5 bins [95% bootstrap]"] = [
            round(reliability(b, o, 5).ece - reliability(a_, o, 5).ece, 4),
            [round(float(np.quantile(diffs, q)), 4) for q in (0.025, 0.975)]]
        res[f"frozen 35: level {lv} ECE 10 bins before / after"] = [
            round(reliability(b, o).ece, 4), round(reliability(a_, o).ece, 4)]
    if write is not None:  # the maps (fitted on the proxy only) into the shipped leaf model
        h = Hierarchy.load(write)
        h.calibration = {k: (v["x"], v["y"]) for k, v in res["maps"].items()}  # type: ignore[attr-defined]
        h.metadata = {**(h.metadata or {}), "calibration_from": "scripts/triage_hierarchy.py calibration --write"}
        h.save(write)
        res["written"] = str(write)
    return res


def fit_temperature_ragged(logits: list[np.ndarray], gold: list[int]) -> float:
    """fit_temperature for rows of different lengths (padded with -inf-like values). Cosines
    are small numbers: they are scaled by 100 so that the grid (0.05-20) covers 0.0005-0.2."""
    width = max(len(z) for z in logits)
    pad = np.full((len(logits), width), -1e4)
    for i, z in enumerate(logits):
        pad[i, : len(z)] = 100 * z
    return fit_temperature(pad, np.array(gold)) / 100


def build(data: Path, out: Path, temperature: float) -> dict[str, object]:
    h = Hierarchy.fit(pool_messages(data), read_taxonomy(), level1=default_classifier().labels)
    h.temperature = temperature
    h.metadata = {**(h.metadata or {}), "temperature_from": "scripts/triage_hierarchy.py eval"}
    h.save(out)
    return {"out": str(out), "bytes": out.stat().st_size, **(h.metadata or {})}


def speed(n: int = 200) -> dict[str, object]:
    """Per-message time of what the report form's suggestion would run: the classification
    (``predict_one``) and the level-2/3 paths (``suggest``), median and 95th percentile."""
    import statistics
    import time

    from huying.triage.hierarchy import default_hierarchy

    clf, h = default_classifier(), default_hierarchy()
    msgs = [("小区门口的路灯不亮了", "测试用例"), ("street light broken", "the street light at the east gate"),
            ("小区电梯坏了", "3栋电梯停运一周无人维修")]
    for s, d in msgs:  # warm
        h.suggest(clf.predict_one(s, d), s, d)
    from dataclasses import replace as _replace

    no_maps = _replace(h, calibration=None)
    a, b, c = [], [], []
    for i in range(n):
        s, d = msgs[i % len(msgs)]
        t0 = time.perf_counter()
        p = clf.predict_one(s, d)
        t1 = time.perf_counter()
        h.suggest(p, s, d)
        t2 = time.perf_counter()
        no_maps.suggest(p, s, d)  # the same without the calibration maps, interleaved
        a.append(t1 - t0)
        b.append(t2 - t1)
        c.append(time.perf_counter() - t2)

    def ms(v: list[float]) -> dict[str, float]:
        return {"median_ms": round(statistics.median(v) * 1000, 2),
                "p95_ms": round(sorted(v)[int(0.95 * len(v))] * 1000, 2)}

    # a batch of real messages with the English glossary and without (its cost on Chinese text)
    from dataclasses import replace

    batch = [p.message for p in load_pool([DATA / "unlabelled.csv", DATA / "replied.csv"])]
    batch = (batch * (20_000 // len(batch) + 1))[:20_000]
    plain = replace(clf, config=replace(clf.config, english_glossary=False))
    rates: dict[str, list[float]] = {"with_glossary": [], "without": []}
    for _ in range(3):
        for name, model in (("with_glossary", clf), ("without", plain)):
            t0 = time.perf_counter()
            model.predict_proba(batch)
            rates[name].append(len(batch) / (time.perf_counter() - t0))
    return {"calls": n, "predict_one": ms(a), "hierarchy_suggest": ms(b),
            "hierarchy_suggest_without_maps": ms(c),
            "batch_msgs_per_s_best_of_3": {k: round(max(v)) for k, v in rates.items()}}


LEVELS_PATH = ROOT / "tests" / "data" / "triage_frozen_levels.csv"


def levels(data: Path, max_named: int | None = MAX_NAMED, collect: bool = False,
           calibrated: bool = True) -> dict[str, object]:
    """Level-2/3 suggestions against hand labels of the 35 frozen-test messages of
    ``tests/data/triage_frozen_levels.csv`` (annotated by reading each message, before any
    suggestion of the model was looked at; one annotator). P(level 1) comes from the shipped
    recipe trained on the train side; the leaf model is built on the pool without the
    near-duplicates of any labelled message. Baseline: intake's name match (the deepest
    category whose name, 3+ characters, not 其他, appears in the text)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from triage_frozen import fit_with, frozen_split, msgs_of, read_labelled

    from huying.triage.build_default import REPLY_WEIGHT, reply_examples
    from huying.triage.classifier import Config
    from huying.triage.training import near_duplicates

    train, test = frozen_split(data)
    all_msgs = msgs_of(read_labelled(data))
    labels = sorted({r["label"] for r in train})
    clf = fit_with(Config(), reply_examples(data, all_msgs, labels), REPLY_WEIGHT)(
        msgs_of(train), [r["label"] for r in train])
    pool = pool_messages(data)
    pool = [m for m, dup in zip(pool, near_duplicates(pool, all_msgs), strict=True) if not dup]
    h = Hierarchy.fit(pool, read_taxonomy(), level1=labels, max_named=max_named)
    shipped = Hierarchy.load(DEFAULT_HIERARCHY_PATH)
    h.temperature = shipped.temperature
    h.calibration = shipped.calibration if calibrated else None
    by_id = {r["id"]: r for r in test}
    with LEVELS_PATH.open(encoding="utf-8", newline="") as fh:
        gold = list(csv.DictReader(fh))
    msgs = [(by_id[g["id"]]["subject"], by_id[g["id"]]["detail"]) for g in gold]
    preds = clf.predict(msgs)
    paths = h.suggest_many(preds, msgs, k=3)
    leaves = read_taxonomy()
    hits: dict[str, list[bool]] = {k: [] for k in ("l1_top1", "l2_top1", "l2_top3", "l3_top1", "l3_top3",
                                                   "name_match_l2", "name_match_l3", "form_l2_shown_right")}
    shown = 0
    conf2: list[float] = []
    conf3: list[float] = []
    raw: dict[str, list] = {"_p1": [], "_p2": [], "_p3": []}
    s = h.scores(msgs)
    for g, m, ps, pred in zip(gold, msgs, paths, preds, strict=True):
        # the top path's parts: P(level 1), P(its level 2 | level 1), P(its leaf | level 1)
        idx, cond = h.conditional(s[len(raw["_p1"]) : len(raw["_p1"]) + 1], ps[0].path[0])
        at = int(np.flatnonzero([h.leaves[j] == ps[0].path for j in idx])[0])
        raw["_p3"].append(float(cond[0][at]))
        raw["_p2"].append(float(sum(c for c, j in zip(cond[0], idx, strict=True)
                                    if h.leaves[j][1] == ps[0].path[1])))
        raw["_p1"].append(dict(pred.top)[ps[0].path[0]])
        l1 = by_id[g["id"]]["label"]
        want2, want3 = (l1, g["level2"]), (l1, g["level2"], g["level3"])
        hits["l1_top1"].append(ps[0].path[0] == l1)
        hits["l2_top1"].append(ps[0].path[:2] == want2)
        hits["l2_top3"].append(want2 in {p.path[:2] for p in ps})
        hits["l3_top1"].append(ps[0].path == want3)
        hits["l3_top3"].append(want3 in {p.path for p in ps})
        conf3.append(ps[0].probability)
        conf2.append(ps[0].level2_probability if h.calibration else
                     sum(p.probability for p in ps if p.path[:2] == ps[0].path[:2]))
        # what the report form shows: level-2 categories of the top paths at p >= FORM_MIN
        form = level2_suggestions(clf.predict([m])[0].top, m[0], m[1], hierarchy=h,
                                  min_probability=FORM_MIN)
        shown += bool(form)
        if form:
            hits["form_l2_shown_right"].append(form[0][:2] == want2)
        text = m[0] + " " + m[1]
        found = [leaf for leaf in leaves if leaf[0] == l1 and leaf[2] != "其他" and len(leaf[2]) >= 3
                 and leaf[2] in text]
        best = max(found, key=lambda leaf: len(leaf[2])) if found else None
        hits["name_match_l2"].append(best is not None and best[:2] == want2)
        hits["name_match_l3"].append(best == want3)

    def rate(v: list[bool]) -> dict[str, object]:
        lo, hi = wilson_interval(int(sum(v)), len(v))
        return {"right": int(sum(v)), "rate": round(float(np.mean(v)), 4), "ci95": [round(lo, 4), round(hi, 4)]}

    calibration = {
        "level2_top_path": {"mean_p": round(float(np.mean(conf2)), 4),
                            "ece": round(reliability(conf2, hits["l2_top1"]).ece, 4)},
        "level3_top_path": {"mean_p": round(float(np.mean(conf3)), 4),
                            "ece": round(reliability(conf3, hits["l3_top1"]).ece, 4)},
    }
    if collect:
        return {**raw, "_ok2": hits["l2_top1"], "_ok3": hits["l3_top1"], "_shown2": conf2, "_shown3": conf3}
    return {"messages": len(gold), "calibration_maps": bool(h.calibration),
            "form_min_probability": FORM_MIN, "form_l2_shown": shown,
            "calibration": calibration,
            **{k: rate(v) for k, v in hits.items()},
            "examples": [[m[0][:20], [("/".join(p.path), round(p.probability, 3)) for p in ps]]
                         for m, ps in list(zip(msgs, paths, strict=True))[:5]]}


EXAMPLES = [("小区门口的路灯坏了", "晚上一片漆黑，老人出入不安全。"), ("小区电梯坏了", "3栋电梯停运一周无人维修"),
            ("学校乱收费", "中学要求家长交补课费和资料费"), ("路灯坏了", "东门路灯晚上不亮"),
            ("street light broken", "")]


def examples() -> list[dict[str, object]]:
    """The examples quoted in docs/triage.md: the shipped model's first level (with and
    without the English glossary) and the level-2 suggestions the report form would add."""
    from dataclasses import replace

    from huying.triage.hierarchy import level2_suggestions

    clf = default_classifier()
    plain = replace(clf, config=replace(clf.config, english_glossary=False))
    out: list[dict[str, object]] = []
    for s, d in EXAMPLES:
        p, q = clf.predict_one(s, d), plain.predict_one(s, d)
        out.append({"text": f"{s} / {d}", "level1": [p.label, round(p.confidence, 3)],
                    "level1_without_glossary": [q.label, round(q.confidence, 3)],
                    "level2_all": [[a, b, round(x, 3)] for a, b, x in
                                   level2_suggestions(p.top, s, d, min_probability=0.0)],
                    "form_level2": [[a, b, round(x, 3)] for a, b, x in
                                    level2_suggestions(p.top, s, d, min_probability=FORM_MIN)]})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["eval", "build", "speed", "levels", "examples", "calibration"])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_HIERARCHY_PATH)
    ap.add_argument("--name-share", type=float, default=NAME_SHARE)
    ap.add_argument("--centre", action="store_true")
    ap.add_argument("--write", action="store_true", help="calibration: store the maps in --out")
    ap.add_argument("--raw", action="store_true", help="levels: without the calibration maps")
    ap.add_argument("--max-named", type=int, default=MAX_NAMED)
    a = ap.parse_args(argv)
    if a.command == "speed":
        print(json.dumps(speed(), indent=1))
        return 0
    if a.command == "examples":
        print(json.dumps(examples(), ensure_ascii=False, indent=1))
        return 0
    if a.command == "calibration":
        print(json.dumps(calibration(a.data, a.out if a.write else None), ensure_ascii=False, indent=1))
        return 0
    if a.command == "levels":
        print(json.dumps(levels(a.data, a.max_named, calibrated=not a.raw), ensure_ascii=False, indent=1))
        return 0
    res = held_out(a.data, name_share=a.name_share, centre=a.centre or CENTRE, max_named=a.max_named)
    if a.command == "build":
        res = {"eval": res, **build(a.data, a.out, float(res["temperature"]))}  # type: ignore[arg-type]
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
