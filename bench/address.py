"""Benchmark: address → grid over a 300,000-address register (``AddressIndex.match``),
lookups per second and how often the right grid comes back, next to two baselines measured
in the same run, as JSON lines.

    .venv/bin/python bench/address.py            # 300,000 addresses, 20,000 queries
    .venv/bin/python bench/address.py --smoke    # 20,000 addresses (seconds)

Register (``bench/_contact_city.py``): addresses spread over the demo city's 1,000 grids
like its population, each ``town + community + road + number号 + building栋 [unit单元]
room室``. Towns are the real ones; communities the real village-level names of the town
(``shared/data/dongguan-communities.csv`` when present, else the demo's names); roads drawn
per community from a list of common road names shared by every town (so 人民路12号 exists in
several towns, as in a real city). Seed 11.

Queries: addresses of the register written six ways — ``canonical``; ``noisy`` (full-width
digits, spaces and commas, Chinese numerals for the building and room, the city prefix);
``no_town``; ``typo`` (one character of the road replaced); ``less_specific`` (no building,
unit or room); and ``absent`` (a number the road does not have). A lookup is *right* when it
returns the true grid, or says ``ambiguous`` listing it; *wrong* when it returns another grid;
``absent`` is right when ``unknown``.

Baselines: (a) a dictionary of the register's texts normalised by NFKC without spaces —
exact string lookups (its right share); (b) ``difflib.get_close_matches`` over every text
(the straightforward fuzzy lookup), timed on a small sample and counted per lookup.
"""

from __future__ import annotations

import csv
import difflib
import resource
import time
import unicodedata
from collections import Counter, defaultdict

import _common  # noqa: F401 - puts the repository on sys.path
import numpy as np
from _common import ROOT, emit, parser
from _contact_city import City, demo_city, spread

from huying.contact.address import AddressIndex

BENCH = "address"
COMMUNITIES = ROOT.parent / "shared" / "data" / "dongguan-communities.csv"
ROADS = ("人民路 解放路 建设路 新华路 中山路 东城大道 鸿福路 迎宾路 振兴路 沿河路 工业路 金龙路 环城路 育才路 "
         "文化路 光明路 和平路 胜利路 跃进路 向阳路 朝阳路 幸福路 民主路 团结路 新风路 长安路 莞太路 "
         "银湖路 松柏路 桥头街 新市街 中心街 市场街 商业街 学院路 体育路 公园路 滨江路 荔枝路 榕树路 "
         "凤凰路 麒麟路 万福路 兴业路 科技路 创业路 同心路 花园路 龙湖大道 沙河路").split()
WAYS = ("canonical", "noisy", "no_town", "typo", "less_specific", "absent")
CN = "零一二三四五六七八九"
TYPO_CHARS = "仁明新兴华东南西北中"


def community_names(city: City) -> list[str]:
    """A community name for each grid: the real names of its town when the shared data has
    them (the demo's k-th community of a town → the town's k-th real one), else the demo's."""
    real: dict[str, list[str]] = defaultdict(list)
    if COMMUNITIES.exists():
        with COMMUNITIES.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                name = row["name"].replace("居民委员会", "").replace("村民委员会", "")
                real[row["town_name"]].append(name if name.endswith(("社区", "村")) else name + "社区")
    ordinal: dict[tuple[str, str], int] = {}
    out = []
    for town, comm in zip(city.grid_town, city.grid_community, strict=True):
        k = ordinal.setdefault((town, comm), sum(1 for t, _ in ordinal if t == town))
        names = real.get(town)
        out.append(names[k % len(names)] if names else comm)
    return out


def register(city: City, n: int, seed: int) -> tuple[list[tuple[int, str, str]], list[dict[str, str]]]:
    rng = np.random.default_rng(seed)
    _, grid = spread(city, n, rng)
    comms = community_names(city)
    roads_of: dict[str, np.ndarray] = {}
    rows: list[tuple[int, str, str]] = []
    parts: list[dict[str, str]] = []
    seen: set[str] = set()
    for g in grid.tolist():
        town, comm = city.grid_town[g], comms[g]
        key = town + comm
        if key not in roads_of:
            roads_of[key] = rng.choice(len(ROADS), int(rng.integers(4, 9)), replace=False)
        road = ROADS[int(rng.choice(roads_of[key]))]
        number = str(int(rng.integers(1, 300)))
        building = "ABCDEF"[int(rng.integers(0, 6))] if rng.random() < 0.2 else str(int(rng.integers(1, 31)))
        unit = str(int(rng.integers(1, 5))) if rng.random() < 0.5 else ""
        room = str(int(rng.integers(1, 33)) * 100 + int(rng.integers(1, 7)))
        text = f"{town}{comm}{road}{number}号{building}栋" + (f"{unit}单元" if unit else "") + f"{room}室"
        if text in seen:
            continue
        seen.add(text)
        rows.append((len(rows) + 1, text, city.grid_codes[g]))
        parts.append({"town": town, "community": comm, "road": road, "number": number,
                      "building": building, "unit": unit, "room": room})
    return rows, parts


def write(p: dict[str, str], way: str, rng: np.random.Generator) -> str:
    def cn(x: str) -> str:
        return "".join(CN[int(d)] for d in x) if x.isdigit() else x

    def fw(x: str) -> str:
        return x.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    unit = f"{p['unit']}单元" if p["unit"] else ""
    tail = f"{p['building']}栋{unit}{p['room']}室"
    if way == "canonical":
        return f"{p['town']}{p['community']}{p['road']}{p['number']}号{tail}"
    if way == "noisy":
        return (f"东莞市 {p['town']}，{p['community']} {p['road']}{fw(p['number'])}号 "
                f"{cn(p['building'])}栋{fw(unit)} {cn(p['room'])}")
    if way == "no_town":
        return f"{p['community']}{p['road']}{p['number']}号{tail}"
    if way == "typo":
        road = p["road"]
        i = int(rng.integers(0, len(road) - 1))
        c = TYPO_CHARS[int(rng.integers(0, len(TYPO_CHARS)))]
        return f"{p['town']}{p['community']}{road[:i]}{c}{road[i + 1:]}{p['number']}号{tail}"
    if way == "less_specific":
        return f"{p['town']}{p['community']}{p['road']}{p['number']}号"
    return f"{p['town']}{p['community']}{p['road']}{int(p['number']) + 1000}号"  # absent


def plain_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def main(argv: list[str] | None = None) -> int:
    ap = parser(__doc__)
    ap.add_argument("--addresses", type=int, default=None)
    ap.add_argument("--queries", type=int, default=None)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    smoke = args.smoke
    n = args.addresses or (20_000 if smoke else 300_000)
    n_q = args.queries or (1_200 if smoke else 20_000)
    city = demo_city(1)
    rows, parts = register(city, n, args.seed)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    index = AddressIndex(rows)
    build_s = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rng = np.random.default_rng(args.seed + 1)
    picks = rng.integers(0, len(rows), n_q)
    queries = [(WAYS[i % len(WAYS)], int(j)) for i, j in enumerate(picks)]
    texts = [write(parts[j], way, rng) for way, j in queries]

    t0 = time.perf_counter()
    matches = [index.match(t) for t in texts]
    ours_s = time.perf_counter() - t0
    rate = len(texts) / ours_s

    by_way: dict[str, Counter[str]] = {w: Counter() for w in WAYS}
    right = 0
    for (way, j), m in zip(queries, matches, strict=True):
        truth = rows[j][2]
        kinds = by_way[way]
        kinds[m.kind] += 1
        if way == "absent":
            ok = m.kind == "unknown"
        else:
            ok = m.grid_code == truth or (m.kind == "ambiguous" and truth in {c.grid_code for c in m.candidates})
        kinds["right" if ok else ("wrong" if m.grid_code is not None else "missed")] += 1
        right += ok

    plain = {plain_key(t): g for _, t, g in rows}
    plain_right = 0
    for (way, j), t in zip(queries, texts, strict=True):
        got = plain.get(plain_key(t))
        plain_right += (got is None) if way == "absent" else (got == rows[j][2])

    all_texts = [t for _, t, _ in rows]
    sample = texts[: 3 if smoke else 12]
    t0 = time.perf_counter()
    for t in sample:
        difflib.get_close_matches(t, all_texts, n=3, cutoff=0.8)
    difflib_rate = len(sample) / (time.perf_counter() - t0)

    sizes = {"addresses": len(rows), "queries": len(texts), "grids": len(city.grid_codes),
             "real_communities": COMMUNITIES.exists()}
    emit(BENCH, "address → grid: lookups/s (AddressIndex.match)", rate, "lookups/s",
         baseline=("difflib.get_close_matches over every address", difflib_rate), ratio=rate / difflib_rate,
         sizes=sizes, smoke=smoke, build_s=round(build_s, 2), index_rss_mb=round(rss1 - rss0, 1),
         difflib_sample=len(sample))
    emit(BENCH, "address → grid: right share (true grid, or ambiguous listing it)", right / len(texts),
         "fraction", baseline=("exact lookup of the NFKC text without spaces", plain_right / len(texts)),
         ratio=right / max(1, plain_right), sizes=sizes, smoke=smoke,
         by_way={w: dict(c) for w, c in by_way.items()})
    wrong = sum(c["wrong"] for c in by_way.values())
    return 0 if wrong <= 0.01 * len(texts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
