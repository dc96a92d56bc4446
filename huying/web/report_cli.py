"""``huying report``: the report of a node as a PDF or HTML file, or a batch of them (every
node of a level) rendered in worker processes.

    huying report --node 441900121 --period 2026 --format pdf --out humen.pdf
    huying report --node 441900121 --period 2026Q3 --format html
    huying report --node 441900121 --from 2026-01-01 --to 2026-06-30
    huying report --level town --period 2026 --out-dir reports/ [--workers 2]

A batch reads the city's figures once for the period (:func:`report.batch_context`); each
worker gets them once and renders its reports from them."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from huying.accountability import report
from huying.accountability.report_data import level_codes
from huying.clikit import EXIT_INVALID, clean_errors, fail, parse_now
from huying.db import read_session_scope
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.geo.models import Level
from huying.metrics.period import Period
from huying.web import i18n, report_doc
from huying.web.report_batch import render, write_batch

FORMATS = ("pdf", "html")
LEVELS = (*(lv.value for lv in Level), "all")


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
    with read_session_scope() as session, clean_errors():
        c = geo.get_city(session, city)
        if node is not None:
            try:
                geo.get_node(session, c.id, node)
            except geo.NodeNotFound:
                fail(f"--node: no node {node!r} in city {c.code}", EXIT_INVALID)
        ctx = report.batch_context(session, c.id, p, now=moment)
    if node is not None:
        r = report.build_or_refuse(ctx, node)
        path = out or Path(report_doc.filename(r, fmt, lang))
        path.write_bytes(render(r, fmt, lang))
        typer.echo(f"wrote {path}")
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    codes = level_codes(ctx, level)
    folder = out_dir or Path("reports")
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn()) as bar:
        task = bar.add_task(f"reports ({level})", total=len(codes))
        done = write_batch(ctx, codes, fmt=fmt, lang=lang, out_dir=folder, workers=workers or os.cpu_count() or 1,
                           advance=lambda k: bar.advance(task, k))
    typer.echo(f"wrote {len(done)} reports into {folder}")
