"""Where the suite's time goes, per test and per xdist worker (docs/performance.md, "The
suite's time").

As a pytest plugin it writes a line per phase of every test (worker, test, setup / call /
teardown, start, end) to ``$SUITE_TIMELINE_DIR/timeline-<worker>.tsv``; run as a script it
sums them: when each worker ended and how busy it was, the phases' totals, the files that
took longest.

    rm -rf /tmp/tl && mkdir /tmp/tl
    CI=true SUITE_TIMELINE_DIR=/tmp/tl PYTHONPATH=scripts .venv/bin/pytest -n 2 --dist loadfile -p suite_timeline
    .venv/bin/python scripts/suite_timeline.py /tmp/tl
"""

from __future__ import annotations

import collections
import os
import sys
from pathlib import Path
from typing import Any, TextIO

_out: TextIO | None = None


def pytest_runtest_logreport(report: Any) -> None:
    global _out
    where = os.environ.get("SUITE_TIMELINE_DIR")
    if not where or hasattr(report, "node"):  # (xdist's controller: the worker wrote it)
        return
    if _out is None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _out = (Path(where) / f"timeline-{worker}.tsv").open("a", encoding="utf-8", buffering=1)
    _out.write(f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}\t{report.nodeid}\t{report.when}\t"
               f"{report.start:.3f}\t{report.stop:.3f}\n")


def summary(where: Path, most: int = 30) -> str:
    rows: list[tuple[str, str, str, float, float]] = []
    for path in sorted(where.glob("timeline-*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            worker, nodeid, when, began, ended = line.split("\t")
            rows.append((worker, nodeid, when, float(began), float(ended)))
    if not rows:
        return f"no timeline in {where}"
    t0 = min(r[3] for r in rows)
    out = []
    for worker in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == worker]
        out.append(f"{worker}: ended at {max(r[4] for r in mine) - t0:.0f} s, "
                   f"busy {sum(r[4] - r[3] for r in mine):.0f} s")
    phases: dict[str, float] = collections.defaultdict(float)
    files: dict[str, float] = collections.defaultdict(float)
    tests: collections.Counter[str] = collections.Counter()
    for _worker, nodeid, when, start, stop in rows:
        phases[when] += stop - start
        files[nodeid.split("::")[0]] += stop - start
        tests[nodeid.split("::")[0]] += when == "call"
    out.append("phases: " + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(phases.items(), key=lambda kv: -kv[1]))
               + f"; all {sum(phases.values()):.0f} s")
    out.append(f"the {most} files that took longest (s, tests, file):")
    out += [f"{seconds:8.1f} {tests[name]:5d}  {name}"
            for name, seconds in sorted(files.items(), key=lambda kv: -kv[1])[:most]]
    return "\n".join(out)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")))
