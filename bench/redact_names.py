"""The register's names in public text (issue 19): how long a city's :class:`Names` takes to
build, how much memory it holds, and how fast it masks titles, at a register of a million
people; and the same register read from the database (``redact.register_names``: the
first public request of a process pays it) with the check that tells a process the register
changed (``count``, ``max(id)`` of the city's people).

    .venv/bin/python bench/redact_names.py                  # 1,000,000 people, SQLite and PostgreSQL
    .venv/bin/python bench/redact_names.py --people 200000 --backends sqlite
    .venv/bin/python bench/redact_names.py --smoke          # 5,000 people, SQLite, seconds

Names are synthetic: a surname by its frequency (the hundred commonest, a few compound), and
one or two given characters from three hundred common ones, so that a million people hold
fewer distinct names, as a real register does. Titles: 2,000 of 12-40 characters, a quarter
with a registered name in them. Baseline: a ``frozenset`` of the name strings (the obvious
structure), built and looked up the same way; its memory is the figure ours is measured
against. Memory: ``tracemalloc``'s retained bytes after the build (and its peak during it).

Goals (ours): a million people build in ≤ 5 s and hold ≤ 32 MB; a title masked in ≤ 50 µs.
"""

from __future__ import annotations

import gc
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

BENCH = "redact_names"
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁龙林"
         "欣怡佳琪梓涵子轩雨婷晨曦思源博文嘉豪宏志远鹏飞建国国强春梅冬梅海燕丽华晓东晓明小红小军德华振华"
         "金凤淑珍桂兰秀珍玉兰凤英慧敏婉清若曦诗涵梦瑶紫萱昊然浩宇子墨一诺依诺可馨欣妍锦程俊熙天佑睿泽")


def people(n: int, seed: int = 19) -> list[str]:
    rng = random.Random(seed)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(SURNAMES))]
    surnames = rng.choices(SURNAMES, weights=weights, k=n)
    out = []
    for i in range(n):
        surname = COMPOUND[i % len(COMPOUND)] if i % 500 == 0 else surnames[i]
        given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
        out.append(surname + given)
    return out


def titles(names: list[str], k: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    parts = ["小区门口路灯不亮", "楼道堆放杂物影响通行", "垃圾桶满了没人清理", "下水道堵塞污水外溢", "工地夜间施工噪音很大",
             "路面塌陷有安全隐患", "电动车在楼道充电", "广场舞音响太吵", "家门口积水严重", "树枝快压到电线"]
    out = []
    for i in range(k):
        t = rng.choice(parts) + rng.choice(["", "，请尽快处理", "，已经三天了", "，联系电话13812345678"])
        if i % 4 == 0:
            t = f"{rng.choice(names)}反映" + t
        out.append(t)
    return out


def measured(build: Callable[[], Any]) -> tuple[float, int, int, Any]:
    """(seconds, retained bytes, peak bytes, the built object): timed on its own, then built
    again under ``tracemalloc`` (which slows it) for the memory."""
    gc.collect()
    t = time.perf_counter()
    build()
    seconds = time.perf_counter() - t
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    obj = build()
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, current - before, peak - before, obj


def set_mask(words: frozenset[str], lengths: tuple[int, ...], text: str) -> str:
    """The baseline's masking: every window of a registered length looked up in the set."""
    out, i = [], 0
    while i < len(text):
        for n in lengths:
            if text[i:i + n] in words:
                out.append(text[i] + "*" * (n - 1))
                i += n
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def from_database(backend: str, names: list[str], smoke: bool) -> None:
    from shapely.geometry import box
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from huying.cases import redact
    from huying.db import Base, import_all_models, make_engine
    from huying.geo import service as geo
    from huying.orgs.models import Person

    with tempfile.TemporaryDirectory() as tmp, C.scratch_database(backend, Path(tmp)) as url:
        engine = make_engine(url)
        import_all_models()
        Base.metadata.create_all(engine)
        with Session(engine) as s:
            city = geo.create_city(s, "441900", "东莞市", "Dongguan", geometry=box(113.0, 23.0, 113.4, 23.2))
            s.commit()
            city_id = city.id
        t = time.perf_counter()
        with engine.begin() as conn:
            for i in range(0, len(names), 50_000):
                conn.execute(insert(Person), [{"city_id": city_id, "name": n} for n in names[i:i + 50_000]])
        loaded = time.perf_counter() - t
        with Session(engine) as s:
            redact.forget()
            t = time.perf_counter()
            built = redact.register_names(s, city_id)
            cold = time.perf_counter() - t
            check, _ = C.best_of(lambda: redact._fingerprint(s, city_id), 5)
        engine.dispose()
    sizes = {"people": len(names), "distinct_names": built.size, "backend": backend, "insert_s": round(loaded, 1)}
    C.emit(BENCH, f"register_names_cold_{backend}", cold, "s", baseline=None, ratio=None, sizes=sizes,
           goal="≤ 10 s at a million people (read and built, once per process and change)",
           met=cold <= 10 or smoke, smoke=smoke)
    C.emit(BENCH, f"register_changed_check_{backend}", check * 1000, "ms", baseline=None, ratio=None, sizes=sizes,
           goal="≤ 200 ms (asked once per CHECK_EVERY seconds per process)", met=check <= 0.2 or smoke, smoke=smoke)


def main() -> None:
    ap = C.parser(__doc__)
    ap.add_argument("--people", type=int, default=1_000_000)
    args = ap.parse_args()
    n = 5_000 if args.smoke else args.people
    from huying.cases.redact import Names, public_text

    names = people(n)
    sizes: dict[str, Any] = {"people": n}
    ours_s, ours_mem, ours_peak, ours = measured(lambda: Names(names))
    forms = [x for x in names if len(x) >= 2]
    base_s, base_mem, _, base = measured(lambda: frozenset(forms))
    sizes["distinct_names"] = ours.size
    C.emit(BENCH, "names_build", ours_s, "s", baseline=("frozenset of the names", base_s),
           ratio=base_s / ours_s if ours_s else None, sizes=sizes, goal="≤ 5 s at a million people",
           met=ours_s <= 5 or args.smoke, smoke=args.smoke, peak_mb=round(ours_peak / 2**20, 1))
    C.emit(BENCH, "names_memory", ours_mem / 2**20, "MB", baseline=("frozenset of the names", base_mem / 2**20),
           ratio=base_mem / ours_mem if ours_mem else None, sizes=sizes, goal="≤ 32 MB at a million people",
           met=ours_mem <= 32 * 2**20 or args.smoke, smoke=args.smoke, peak_mb=round(ours_peak / 2**20, 1))

    sample = titles(names, 2_000)
    lengths = ours.lengths
    t_ours, masked = C.best_of(lambda: [public_text(t, ours) for t in sample], 3)
    t_base, masked_base = C.best_of(lambda: [set_mask(base, lengths, t) for t in sample], 3)
    hits = sum(1 for a, b in zip(sample, masked, strict=True) if a != b)
    C.emit(BENCH, "title_masked", t_ours / len(sample) * 1e6, "µs", baseline=("frozenset windows", t_base / len(sample) * 1e6),
           ratio=t_base / t_ours if t_ours else None, sizes={**sizes, "titles": len(sample), "changed": hits},
           goal="≤ 50 µs a title (numbers and names)", met=t_ours / len(sample) <= 50e-6, smoke=args.smoke,
           load_average=__import__("os").getloadavg()[0],
           names_agree=sum(1 for a, b in zip(masked, masked_base, strict=True) if "*" in b and "*" in a))
    for backend in (["sqlite"] if args.smoke else C.backends(args.backends)):
        from_database(backend, names, args.smoke)


if __name__ == "__main__":
    main()
