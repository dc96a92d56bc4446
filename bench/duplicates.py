"""Duplicate detection measured on real messages: precision and recall of "is it one of these?".

    .venv/bin/python bench/duplicates.py build     # regenerate bench/data/duplicate_groups.csv
    .venv/bin/python bench/duplicates.py eval      # precision / recall (docs/triage.md ## Duplicates)

**The set.** Real groups: every pair of the 7,490 messages (labelled, unlabelled, replied)
whose character n-gram cosine is at least 0.45 is a candidate; a pair is kept as "the same
event" when its cosine is ≥ 0.9 (near-identical re-posts: 417 pairs, 14 read, all the same
event) or when the two subjects share a name (three characters in a row once the generic
words of complaints are removed: ``shares_a_name``), which removes the template look-alikes
(e.g. the same "餐馆油烟扰民" complaint about two different estates). The rule was checked by
reading 40 random pairs of 0.45–0.9 (docs/triage.md gives the agreement). Groups are the
connected components of kept pairs. Only (file, id, group) is committed, not the texts.
Planted variants: for 150 messages outside every group, three re-reports each: shorter (subject
+ the first 40 characters), another reporter (the detail's sentences in reverse order, no
subject), a nearby point (the same text).

**The task.** Reports arrive in time order. A report's candidates are the earlier open
reports within the window (30 days) of the same predicted first-level category within the
radius: its true group members there, plus ``--distractors`` other reports of that category
drawn at random (unrelated cases within 250 m; 20 is denser than the demo city, where 40,000
cases a year over 2,460 km² put about 0.3 open cases in a 250 m circle). The system suggests its
best candidate when the similarity reaches the threshold. Precision: suggestions that are a
true member / suggestions. Recall: reports with a true member among their candidates that get
a true member suggested / such reports. Bias: real groups were found with the same similarity
(cosine ≥ 0.45), so real pairs less alike than that are missing from the set; the planted
"another reporter" variants measure recall on reworded texts.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from huying.triage import duplicates as dup  # noqa: E402
from huying.triage.classifier import default_classifier  # noqa: E402

MESSAGES = ROOT.parent / "shared" / "data" / "messages"
GROUPS = ROOT / "bench" / "data" / "duplicate_groups.csv"
FILES = ("labelled", "unlabelled", "replied")
#: Generic words of complaints, removed before looking for a shared name in two subjects.
GENERIC = re.compile(r"[A-Z]\d*[市区县]|西地省|请求|请问|咨询|投诉|举报|反映|关于|建议|希望|问题|严重|扰民|油烟|"
                     r"噪音|违规|违法|非法|小区|业主|居民|商铺|餐馆|麻将馆|幼儿园|政府|街道|何时|什么|"
                     r"为什么|能否|如何|解决|要求|尽快|加快|领导|部门|情况|学生|[0-9]|[^\u4e00-\u9fa5A-Za-z0-9]")
SAME = 0.9
LOW = 0.45


def load() -> list[dict[str, str]]:
    rows = []
    for name in FILES:
        with (MESSAGES / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append({"file": name, "id": r["id"], "subject": (r["subject"] or "").strip(),
                             "detail": (r["detail"] or "").strip(), "time": r["time"].strip()})
    return rows


def when(text: str) -> dt.datetime | None:
    text = text.strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:  # an Excel serial day number
        return dt.datetime(1899, 12, 30) + dt.timedelta(days=float(text))
    except ValueError:
        return None


def shares_a_name(subject_a: str, subject_b: str, k: int = 3) -> bool:
    """The two subjects share k consecutive characters once the generic words of complaints
    are gone: the name of the estate, road, school, company... the messages are about."""
    a, b = GENERIC.sub("|", subject_a), GENERIC.sub("|", subject_b)
    grams = {a[i:i + k] for i in range(len(a) - k + 1) if "|" not in a[i:i + k]}
    return any(b[i:i + k] in grams for i in range(len(b) - k + 1))


def build() -> None:
    rows = load()
    texts = [dup.text_of(r["subject"], r["detail"]) for r in rows]
    x = dup._vectors(texts)
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    kept = 0
    for a in range(0, len(rows), 1000):
        s = (x[a:a + 1000] @ x.T).tocoo()
        for i, j, v in zip(s.row + a, s.col, s.data, strict=True):
            if i >= j or v < LOW:
                continue
            if v >= SAME or shares_a_name(rows[i]["subject"], rows[j]["subject"]):
                parent[find(int(i))] = find(int(j))
                kept += 1
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    multi = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    GROUPS.parent.mkdir(parents=True, exist_ok=True)
    with GROUPS.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "id", "group"])
        for k, g in enumerate(multi, start=1):
            for i in g:
                w.writerow([rows[i]["file"], rows[i]["id"], k])
    print(f"{kept} pairs kept, {len(multi)} groups of {sum(len(g) for g in multi)} messages → {GROUPS}")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？!?；;])", text) if s.strip()]


def evaluate(distractors: int, window_days: float, seed: int, thresholds: list[float]) -> dict[str, object]:
    rows = load()
    index = {(r["file"], r["id"]): i for i, r in enumerate(rows)}
    group_of: dict[int, int] = {}
    with GROUPS.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            i = index.get((r["file"], r["id"]))
            if i is not None:
                group_of[i] = int(r["group"])
    rng = np.random.default_rng(seed)
    # reports: every message with a time; planted variants of 150 singletons
    reports = []  # (time, text, group)
    for i, r in enumerate(rows):
        t = when(r["time"])
        if t is not None:
            reports.append((t, dup.text_of(r["subject"], r["detail"]), group_of.get(i, -1 - i), r["subject"], r["detail"]))
    singles = [k for k, rep in enumerate(reports) if rep[2] < 0 and len(rep[4]) > 60]
    planted = 0
    for k in rng.choice(singles, 150, replace=False):
        t, _text, g, subject, detail = reports[int(k)]
        g = 10_000_000 + int(k)
        reports[int(k)] = (t, _text, g, subject, detail)
        short = dup.text_of(subject, detail[:40])
        other = dup.text_of("", "".join(reversed(_sentences(detail))) or detail)
        same = dup.text_of(subject, detail)
        for v in (short, other, same):
            reports.append((t + dt.timedelta(days=float(rng.uniform(0.5, 10))), v, g, "", ""))
            planted += 1
    reports.sort(key=lambda r: r[0])
    clf = default_classifier()
    labels = [p.label for p in clf.predict([("", r[1]) for r in reports])]
    by_label: dict[str, list[int]] = {}
    for k, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(k)
    texts = [r[1] for r in reports]
    x = dup._vectors(texts)
    results = {th: {"suggested": 0, "correct": 0, "answerable": 0, "found": 0} for th in thresholds}
    window = dt.timedelta(days=window_days)
    for k, (t, _text, g, _s, _d) in enumerate(reports):
        same_cat = by_label[labels[k]]
        true = [j for j in same_cat if j < k and reports[j][2] == g and t - reports[j][0] <= window]
        pool_others = [j for j in same_cat if j < k and reports[j][2] != g and t - reports[j][0] <= window]
        if distractors >= 0 and len(pool_others) > distractors:
            pool_others = list(rng.choice(pool_others, distractors, replace=False))
        pool = true + [int(j) for j in pool_others]
        if not pool:
            continue
        sims = np.asarray((x[pool] @ x[k].T).todense()).ravel()
        best = int(np.argmax(sims))
        for th, res in results.items():
            if true:
                res["answerable"] += 1
            if sims[best] >= th:
                res["suggested"] += 1
                if reports[pool[best]][2] == g:
                    res["correct"] += 1
                    res["found"] += 1
    out = {"reports": len(reports), "planted": planted, "distractors": distractors,
           "window_days": window_days, "by_threshold": {}}
    for th, r in results.items():
        p = r["correct"] / r["suggested"] if r["suggested"] else 1.0
        rec = r["found"] / r["answerable"] if r["answerable"] else 0.0
        out["by_threshold"][f"{th:.2f}"] = {"precision": round(p, 4), "recall": round(rec, 4), **r}  # type: ignore[index]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["build", "eval"])
    ap.add_argument("--distractors", type=int, default=20, help="unrelated nearby open cases per report (-1: all of the category)")
    ap.add_argument("--window-days", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6,0.7")
    a = ap.parse_args(argv)
    if a.what == "build":
        build()
        return 0
    res = evaluate(a.distractors, a.window_days, a.seed, [float(t) for t in a.thresholds.split(",")])
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
