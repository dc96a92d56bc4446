"""Summarise a py-spy ``--format raw`` profile (collapsed stacks): the functions under a
root frame with their inclusive and own share of its samples, and milliseconds per request
when the rate and the request count are given.

    .venv/bin/py-spy record -r 250 -f raw -o /tmp/p.txt -- .venv/bin/python bench/intake_cpu.py ...
    .venv/bin/python bench/_spy.py /tmp/p.txt --root report_case --rate 250 --requests 330
    .venv/bin/python bench/_spy.py /tmp/p.txt --root "*"      # every stack of the process
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def summarise(path: Path, root: str, *, top: int, rate: float | None, requests: int | None,
              under: str | None = None) -> str:
    incl: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stack, _, n_s = line.rpartition(" ")
        if not stack:
            continue
        if not n_s.isdigit():
            raise SystemExit(f"{path}:{number}: not a line of collapsed stacks ('frame;frame;... count'): "
                             "give py-spy's raw output (the bench's *-all.txt or a per-process file), "
                             "not a summary")
        frames = stack.split(";")
        idx = 0 if root == "*" else next((i for i, f in enumerate(frames) if f.split(" (", 1)[0] == root), None)
        if idx is None:
            continue
        frames = frames[idx:]
        if under is not None and not any(f.split(" (", 1)[0] == under for f in frames):
            continue
        n = int(n_s)
        total += n
        seen = set()
        for f in frames:
            name = _short(f)
            if name not in seen:
                incl[name] += n
                seen.add(name)
        own[_short(frames[-1])] += n
    scale = (1e3 / rate / requests) if rate and requests else None
    out = [f"# {total} samples under {root}" + (f" = {total * scale:.2f} ms per request" if scale else "")]
    out.append(f"{'incl %':>7} {'own %':>6} {'incl ms':>8}  function")
    for name, n in incl.most_common(top):
        ms = f"{n * scale:8.3f}" if scale else " " * 8
        out.append(f"{100 * n / max(total, 1):7.1f} {100 * own[name] / max(total, 1):6.1f} {ms}  {name}")
    return "\n".join(out)


def _short(frame: str) -> str:
    """``func (path/to/file.py:12)`` -> ``func (file.py)`` with the package kept for ours."""
    fn, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    if "/huying/" in where:
        where = "huying/" + where.split("/huying/", 1)[1]
    else:
        where = where.split("site-packages/")[-1]
    return f"{fn} ({where})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("raw", type=Path)
    ap.add_argument("--root", default="report_case")
    ap.add_argument("--under", default=None, help="only the stacks that pass through this function too")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--rate", type=float, default=None)
    ap.add_argument("--requests", type=int, default=None)
    a = ap.parse_args(argv)
    print(summarise(a.raw, a.root, top=a.top, rate=a.rate, requests=a.requests, under=a.under))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
