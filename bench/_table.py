"""Print the performance table from ``bench/results/*.jsonl``: the latest full-size line of
each figure (``--smoke`` lines are not kept there).

    .venv/bin/python bench/_table.py [--all]

Without arguments (as ``make bench``'s loop runs every ``bench/*.py``) it prints the table
too; it measures nothing."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
#: The sizes shown next to each figure (a goal met at one size says nothing of a larger one).
SIZE_KEYS = ("nodes", "cases", "events", "open", "due", "polygons", "points", "rows", "connections", "workers",
             "batch", "train", "members", "households", "staff", "teams", "addresses", "queries")
IDS = [("intake_http", "P1"), ("locate", "P2"), ("figures", "P3"), ("import", "P4"), ("sweep", "P5"),
       ("triage", "P6"), ("memory", "P7"), ("linking", "C1"), ("deploy", "C2"), ("address", "C3"),
       ("reports", "A1"), ("soak", "S1")]


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def rows() -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    out = []
    for stem, pid in IDS:
        path = RESULTS / f"{stem}.jsonl"
        if not path.exists():
            continue
        latest: dict[str, dict] = {}  # type: ignore[type-arg]
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                if not d.get("smoke"):
                    latest[d["name"]] = d
        out += [(pid, d) for d in latest.values()]
    return out


def main() -> int:
    print("| id | figure | size | value | baseline | ratio | goal | met |")
    print("|---|---|---|---|---|---|---|---|")
    for pid, d in rows():
        b = d.get("baseline")
        base = f"{_fmt(b['value'])} ({b['name']})" if isinstance(b, dict) else _fmt(b)
        met = {True: "yes", False: "**no**", None: "–"}[d.get("met")]
        if d.get("met") is False and d.get("bound"):
            met += f" — bound: {d['bound']}"
        sz = d.get("sizes") or {}
        size = ", ".join(f"{k} {_fmt(sz[k])}" for k in SIZE_KEYS if k in sz) or "–"
        print(f"| {pid} | {d['name']} | {size} | {_fmt(d['value'])} {d['unit']} | {base} | {_fmt(d.get('ratio'))} "
              f"| {d.get('goal') or '–'} | {met} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
