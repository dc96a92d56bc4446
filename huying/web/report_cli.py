"""``huying report``: the report of a node as a PDF or HTML file, or a batch of them (every
node of a level) rendered in worker processes.

    huying report --node 441900121 --period 2026 --format pdf --out humen.pdf
    huying report --node 441900121 --period 2026Q3 --format html
    huying report --node 441900121 --from 2026-01-01 --to 2026-06-30
    huying report --level town --period 2026 --out-dir reports/ [--workers 2]

A batch reads the city's figures once for the period (:func:`report.batch_context`); each
worker gets them once and renders its reports from them."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import typer

from huying.accountability import report
from huying.clikit import EXIT_INVALID, clean_errors, fail, parse_now
from huying.db import session_scope
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.geo.models import Level
from huying.metrics.period import Period
from huying.web import i18n, report_doc

FORMATS = ("pdf", "html")
LEVELS = (*(lv.value for lv in Level), "all")


def render(r: report.Report, fmt: str, lang: str) -> bytes:
    return report_doc.pdf(r, lang) if fmt == "pdf" else report_doc.html(r, lang).encode("utf-8")


def batch_name(r: report.Report, fmt: str, lang: str) -> str:
    """The file of one report of a batch: its code first (two places may share a name)."""
    return f"{r.node.code}-{report_doc.filename(r, fmt, lang)}"


# ----------------------------------------------------------------------------- the batch's workers
_CTX: report.Context | None = None


def _init(ctx: report.Context) -> None:
    global _CTX
    _CTX = ctx


def _write(codes: Sequence[str], fmt: str, lang: str, out_dir: str) -> list[tuple[str, int]]:
    assert _CTX is not None
    out = []
    for code in codes:
        r = report.build(_CTX, code)
        path = Path(out_dir) / batch_name(r, fmt, lang)
        data = render(r, fmt, lang)
        path.write_bytes(data)
        out.append((str(path), len(data)))
    return out


def _chunks(codes: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(codes), size):
        yield codes[i:i + size]


@contextmanager
def _light_main() -> Iterator[None]:
    """Spawned workers re-run the parent's ``__main__`` file before anything else: for the
    ``huying`` script that is every command group (14 s and 200 MB a worker). Hidden while
    the workers start, they import only what a report needs (:func:`_write`'s module)."""
    main = sys.modules["__main__"]
    path = getattr(main, "__file__", None)
    if path is not None and getattr(main, "__spec__", None) is None:
        del main.__file__
    try:
        yield
    finally:
        if path is not None and not hasattr(main, "__file__"):
            main.__file__ = path


def write_batch(ctx: report.Context, codes: Sequence[str], *, fmt: str, lang: str, out_dir: Path,
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
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init, initargs=(ctx,)) as pool:
        with _light_main():  # the workers start at the first submit
            futures = [pool.submit(_write, part, fmt, lang, str(out_dir)) for part in _chunks(codes, chunk)]
        for f in as_completed(futures):
            got = f.result()
            done += got
            advance(len(got))
    return done


# ----------------------------------------------------------------------------- the command
def _period(period: str, from_: str, to: str, now_: str | None) -> Period:
    try:
        return report.report_period(period, from_, to, now=parse_now(now_))
    except InvalidInput as exc:
        field = exc.field or str(exc).split(":", 1)[0]
        message = str(exc).removeprefix(f"{field}: ")
        fail(f"--{field if field in ('period', 'from', 'to') else 'period'}: {message}", EXIT_INVALID)


def report_command(
    node: str = typer.Option(None, "--node", help="The node's code (one report)."),
    level: str = typer.Option(None, "--level", help=f"Every node of a level ({', '.join(LEVELS)}): a batch."),
    period: str = typer.Option("", "--period", help="2026 (a year), 2026Q3, 2026-07; default: this year."),
    from_: str = typer.Option("", "--from", help="First day of custom dates (YYYY-MM-DD)."),
    to: str = typer.Option("", "--to", help="Last day of custom dates (YYYY-MM-DD)."),
    fmt: str = typer.Option("pdf", "--format", help="pdf or html."),
    out: Path = typer.Option(None, "--out", help="The file (one report; default: its name, here)."),
    out_dir: Path = typer.Option(None, "--out-dir", help="The folder of a batch (default: reports/)."),
    workers: int = typer.Option(None, "--workers", help="Processes of a batch (default: the CPUs)."),
    lang: str = typer.Option(i18n.DEFAULT, "--lang", help="zh or en."),
    city: str = typer.Option(None, "--city", help="City code (when the database holds several)."),
    now: str = typer.Option(None, "--now", help="The moment the report is made (default: now)."),
) -> None:
    """The report of a node (yearly or any period) in the article's style, as PDF or HTML."""
    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}", EXIT_INVALID)
    if lang not in i18n.LANGUAGES:
        fail(f"--lang: {lang!r} is not one of {', '.join(i18n.LANGUAGES)}", EXIT_INVALID)
    if (node is None) == (level is None):
        fail("give --node CODE (one report) or --level LEVEL (a batch)", EXIT_INVALID)
    if level is not None and level not in LEVELS:
        fail(f"--level: {level!r} is not one of {', '.join(LEVELS)}", EXIT_INVALID)
    if workers is not None and workers < 1:
        fail("--workers: at least 1", EXIT_INVALID)
    p = _period(period, from_, to, now)
    moment = parse_now(now)
    with session_scope() as session, clean_errors():
        c = geo.get_city(session, city)
        if node is not None:
            try:
                geo.get_node(session, c.id, node)
            except geo.NodeNotFound:
                fail(f"--node: no node {node!r} in city {c.code}", EXIT_INVALID)
        ctx = report.batch_context(session, c.id, p, now=moment)
    if node is not None:
        r = report.build(ctx, node)
        path = out or Path(report_doc.filename(r, fmt, lang))
        path.write_bytes(render(r, fmt, lang))
        typer.echo(f"wrote {path}")
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    codes = report.level_codes(ctx, level)
    folder = out_dir or Path("reports")
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn()) as bar:
        task = bar.add_task(f"reports ({level})", total=len(codes))
        done = write_batch(ctx, codes, fmt=fmt, lang=lang, out_dir=folder, workers=workers or os.cpu_count() or 1,
                           advance=lambda k: bar.advance(task, k))
    typer.echo(f"wrote {len(done)} reports into {folder}")
