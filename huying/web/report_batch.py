"""A batch of reports rendered in worker processes: the figures read once by the parent
(``report.batch_context``), handed to each worker once, each report built (pure) and
rendered there. This module and what it imports are all a worker loads: no database, no
web application (``docs/performance.md``, reports)."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from huying.accountability import report_data
from huying.spawning import light_main
from huying.web import report_doc


def render(r: report_data.Report, fmt: str, lang: str) -> bytes:
    return report_doc.pdf(r, lang) if fmt == "pdf" else report_doc.html(r, lang).encode("utf-8")


def batch_name(r: report_data.Report, fmt: str, lang: str) -> str:
    """The file of one report of a batch: its code first (two places may share a name)."""
    return f"{r.node.code}-{report_doc.filename(r, fmt, lang)}"


# ----------------------------------------------------------------------------- the batch's workers
_CTX: report_data.Context | None = None


def _init(ctx: report_data.Context) -> None:
    global _CTX
    _CTX = ctx


def _write(codes: Sequence[str], fmt: str, lang: str, out_dir: str) -> list[tuple[str, int]]:
    assert _CTX is not None
    out = []
    for code in codes:
        r = report_data.build(_CTX, code)
        path = Path(out_dir) / batch_name(r, fmt, lang)
        data = render(r, fmt, lang)
        path.write_bytes(data)
        out.append((str(path), len(data)))
        gc.collect()  # a PDF leaves its font files mapped until its objects are collected: 24 MB each
    return out


def _chunks(codes: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(codes), size):
        yield codes[i:i + size]


#: Chunks a worker renders before it is replaced by a fresh one (see :func:`write_batch`).
TASKS_PER_WORKER = 20


def write_batch(ctx: report_data.Context, codes: Sequence[str], *, fmt: str, lang: str, out_dir: Path,
                workers: int, advance: Callable[[int], None] = lambda n: None, chunk: int = 8) -> list[tuple[str, int]]:
    """Write the report of every node of ``codes`` into ``out_dir``; returns (path, bytes)
    of each. ``workers`` processes (spawned: each imports what a report needs, no database
    connection crosses a fork); 1 renders in this process."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if workers <= 1:
        _init(ctx)
        done = []
        for part in _chunks(codes, chunk):
            done += _write(part, fmt, lang, str(out_dir))
            advance(len(part))
        return done
    done = []
    # the workers are replaced every TASKS_PER_WORKER chunks each (a fresh pool a round):
    # WeasyPrint keeps ~0.4 MB a report, and the process tree reached 752 MB over the 1,633
    # reports without it (docs/performance.md). Not ``max_tasks_per_child``: on Python 3.11
    # the pool hangs when its workers reach it.
    parts = list(_chunks(codes, chunk))
    per_round = workers * TASKS_PER_WORKER
    with light_main():  # workers start at the first submit of each round
        for r in range(0, len(parts), per_round):
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_init, initargs=(ctx,)) as pool:
                futures = [pool.submit(_write, part, fmt, lang, str(out_dir)) for part in parts[r:r + per_round]]
                for f in as_completed(futures):
                    got = f.result()
                    done += got
                    advance(len(got))
    return done
