"""Routing measured against reality: how often the router picks a unit of the kind that
actually answered the message.

    .venv/bin/python bench/routing.py            # JSON summary (docs/triage.md ## Routing)

Many official replies in ``replied.csv`` name the unit that answered ("A7县教育局",
"泉塘街道办事处", "我局" after a named bureau...). ``answering_kind`` takes the last unit
named in the reply's closing (its last 120 characters, where the signature is; else the
whole reply) and maps it to our kinds: a line department (``DEPARTMENT_WORDS``), a
town/subdistrict government (街道办事处, 镇人民政府: our town Party committee), or a village /
community committee (村委会, 居委会: the community's Party organisation). Replies naming no
recognisable unit are left out. Each message is classified by the shipped model and routed by
the shipped default rules (at the kind level: the kind and department of the chosen rule's
own target, before fallbacks, which depend on a city's organisations).

    .venv/bin/python bench/routing.py --model PATH   # classify with another model

The shipped model learnt from ``replied.csv`` itself (its messages labelled by the department
their reply names), so it has seen these messages and their answering units: the honest
figure classifies with a model trained without them (``huying triage train --data
labelled.csv --out PATH``); both are reported in docs/triage.md.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from huying.triage.classifier import TextClassifier, default_classifier  # noqa: E402
from huying.triage.routing import read_rules_csv  # noqa: E402

MESSAGES = ROOT.parent / "shared" / "data" / "messages"

#: Words of a unit's name → our department kind (first match wins; order matters).
DEPARTMENT_WORDS: list[tuple[str, str]] = [
    ("交警", "public_security"), ("公安", "public_security"), ("派出所", "public_security"),
    ("教育", "culture"), ("文化", "culture"), ("体育", "culture"), ("旅游", "culture"), ("广电", "culture"),
    ("城市管理", "urban_management"), ("城管", "urban_management"), ("行政执法", "urban_management"),
    ("执法大队", "urban_management"), ("执法局", "urban_management"), ("市容", "urban_management"),
    ("园林", "urban_management"), ("环卫", "urban_management"),
    ("住房", "housing"), ("住建", "housing"), ("城乡建设", "housing"), ("建设局", "housing"),
    ("规划", "housing"), ("房产", "housing"), ("房屋", "housing"), ("国土", "housing"),
    ("自然资源", "housing"), ("不动产", "housing"), ("公积金", "housing"), ("规建", "housing"),
    ("环境保护", "environment"), ("环保", "environment"), ("生态环境", "environment"),
    ("人力资源", "social_security"), ("人社", "social_security"), ("社会保险", "social_security"),
    ("社保", "social_security"), ("医疗保险", "social_security"), ("医保", "social_security"),
    ("劳动", "social_security"),
    ("卫生", "health"), ("卫健", "health"), ("卫计", "health"), ("疾控", "health"), ("医院", "health"),
    ("民政", "civil_affairs"), ("残联", "civil_affairs"),
    ("市场监督", "market_regulation"), ("市场监管", "market_regulation"), ("工商", "market_regulation"),
    ("食品药品", "market_regulation"), ("质监", "market_regulation"), ("商务", "market_regulation"),
    ("发改", "market_regulation"), ("税务", "market_regulation"),
    ("交通", "transport"), ("运输", "transport"), ("公路", "transport"), ("地铁", "transport"),
    ("农业", "agriculture"), ("农村", "agriculture"), ("林业", "agriculture"), ("水利", "agriculture"),
    ("水务", "agriculture"), ("畜牧", "agriculture"),
    ("消防", "fire"),
]
UNIT = re.compile(r"[\u4e00-\u9fa5A-Z0-9]{1,14}?(?:局|分局|委员会|管委会|办事处|人民政府|政府|中心|大队|支队|"
                  r"派出所|委|办公室|所)")
TOWN = re.compile(r"街道办事处|街道办|镇人民政府|乡人民政府|镇政府|乡政府|街道党工委|街道$|我镇|我街道|我乡")
COMMUNITY = re.compile(r"村委会|居委会|村民委员会|居民委员会|社区")


def kind_of(name: str) -> str | None:
    if TOWN.search(name):
        return "party_committee@town"
    if COMMUNITY.search(name) and not any(w in name for w, _ in DEPARTMENT_WORDS):
        return "party_organisation@community"
    for word, dept in DEPARTMENT_WORDS:
        if word in name:
            return f"department:{dept}"
    return None


def answering_kind(reply: str) -> tuple[str | None, str | None]:
    """(kind, the unit's name as written) of the unit that signed the reply, if named."""
    for part in (reply[-120:], reply):
        names = [m.group(0) for m in UNIT.finditer(part)] + [m.group(0) for m in TOWN.finditer(part)]
        for name in reversed(names):
            k = kind_of(name)
            if k is not None:
                return k, name
    return None, None


def deeper_paths() -> dict[str, list[str]]:
    """First-level name → the ``level1/level2`` paths of the shipped tree, whose level-2 name
    (3+ characters) intake would find in a text (as ``huying.intake.service.deeper``)."""
    out: dict[str, list[str]] = {}
    with (ROOT / "huying" / "data" / "taxonomy.csv").open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            path = f"{r['level1']}/{r['level2']}"
            if len(r["level2"]) >= 3 and path not in out.setdefault(r["level1"], []):
                out[r["level1"]].append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, help="a model file (default: the shipped model)")
    args = ap.parse_args(argv)
    if args.model is not None and not args.model.is_file():
        ap.error(f"--model: no model file at {args.model}")
    clf = TextClassifier.load(args.model) if args.model else default_classifier()
    rules = read_rules_csv()
    by_category = {r.category: r for r in rules if not r.node}
    below = deeper_paths()
    rows = list(csv.DictReader((MESSAGES / "replied.csv").open(encoding="utf-8-sig", newline="")))
    preds = clf.predict([(r["subject"], r["detail"]) for r in rows])
    total, named, same = len(rows), 0, 0
    truth: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    for r, p in zip(rows, preds, strict=True):
        kind, _name = answering_kind(r["reply"])
        if kind is None:
            continue
        named += 1
        text = f"{r['subject']} {r['detail']}"
        rule = by_category.get(p.label) or by_category[""]
        for path in below.get(p.label, []):
            if path.split("/")[1] in text and path in by_category:
                rule = by_category[path]
                break
        t = rule.target
        ours = f"department:{t.department}" if t.kind == "department" else f"{t.kind}@{t.level}"
        truth[kind] += 1
        confusion[(kind, ours)] += 1
        same += ours == kind
    base_kind, base_n = truth.most_common(1)[0]
    out = {"model": str(args.model) if args.model else "shipped", "replies": total, "naming_a_unit": named, "same_kind": same,
           "same_kind_rate": round(same / named, 4),
           "baseline_always": base_kind, "baseline_rate": round(base_n / named, 4),
           "answering_kinds": dict(truth.most_common()),
           "top_confusions": [[a, b, n] for (a, b), n in confusion.most_common(12) if a != b]}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
