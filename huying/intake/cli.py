"""``huying import``: bulk import of reports and of historical cases.

    huying import cases FILE.csv --as USER [--mode all-or-nothing|skip-bad] [--now ISO]
    huying import history FILE.csv --as USER [--mode all-or-nothing|skip-bad] [--now ISO]
    huying import register FILE.csv --kind addresses|households|people|units --as USER [--mode ...]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from huying.cases import present
from huying.cases import service as svc
from huying.cases.reports import ReportIn
from huying.clikit import EXIT_INVALID, clean_errors, echo_import, emit, fail, parse_now
from huying.db import session_scope
from huying.intake.service import intake
from huying.orgs.actor import actor_for

app = typer.Typer(no_args_is_help=True)

_AS = "Username of the operator importing (the reporter of record)."
_MODE = "all-or-nothing: store nothing when any row is bad; skip-bad: store the good rows."


@app.callback()
def group() -> None:
    """Bulk import (columns: docs/import.md)."""


def _import(file: Path, as_user: str, mode: str, now: str | None, progress: bool, run: Callable[..., Any],
            savepoints: bool) -> None:
    """Run an importer with a progress bar on stderr; print the JSON summary on stdout and
    every bad row as ``FILE:LINE: FIELD: REASON`` on stderr; exit 2 when a row was bad."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from huying.config import get_settings
    from huying.db import analyze_after_bulk, make_engine
    from huying.errors import CaseError
    from huying.intake.bulk import FileError, Mode, savepoint_engine

    moment = parse_now(now)
    try:
        mode_v = Mode(mode)
    except ValueError:
        fail(f"--mode {mode!r}: one of {', '.join(Mode)}", EXIT_INVALID)
    if not file.is_file():
        fail(f"{file}: no such file", EXIT_INVALID)
    engine = make_engine(get_settings().resolved_database_url)
    if savepoints:
        engine = savepoint_engine(engine)
    err = Console(stderr=True)
    try:
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, disable=not progress) as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            rep = run(engine, lambda s: actor_for(s, as_user), file, now=moment, mode=mode_v,
                      progress=lambda done, total: bar.update(task, completed=done, total=total))
        if rep.stored:
            analyze_after_bulk(engine)
    except FileError as exc:
        fail(str(exc), EXIT_INVALID)
    except CaseError as exc:
        fail(f"{file}: {exc}", EXIT_INVALID)
    finally:
        engine.dispose()
    echo_import(file, rep)


@app.command("cases")
def cases(
    file: Path = typer.Argument(..., help="CSV (UTF-8) or XLSX (needs openpyxl) of reports."),
    as_user: str = typer.Option(..., "--as", help=_AS),
    mode: str = typer.Option("all-or-nothing", help=_MODE),
    now: str = typer.Option(None, help="ISO date-time of the import (rows without reported_at)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Import reports to be handled, each through the intake pipeline; prints a JSON summary
    and names every bad row and field on stderr. Exit 0 when every row went in, 2 when some
    row was bad (and nothing was stored in all-or-nothing mode)."""
    from huying.intake.bulk import run

    _import(file, as_user, mode, now, progress, run, savepoints=True)


@app.command("history")
def history(
    file: Path = typer.Argument(..., help="CSV (UTF-8) or XLSX of closed cases (the old ledger)."),
    as_user: str = typer.Option(..., "--as", help="Username of the city officer or admin importing."),
    mode: str = typer.Option("all-or-nothing", help=_MODE),
    now: str = typer.Option(None, help="ISO date-time of the import (no case may close after it)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Import historical cases, closed before huying ran: each becomes a closed case with its
    report and close events, counted in the figures. Prints a JSON summary and names every
    bad row and field on stderr. Exit 0 when every row went in, 2 when some row was bad."""
    from huying.intake.history import run

    _import(file, as_user, mode, now, progress, run, savepoints=False)


@app.command("register")
def register(
    file: Path = typer.Argument(..., help="CSV (UTF-8) or XLSX of the register (columns: docs/contact.md)."),
    kind: str = typer.Option(..., help="addresses, households, people or units."),
    as_user: str = typer.Option(..., "--as", help="Username of the city officer, administrator, or town "
                                "or community officer (within their scope) importing."),
    mode: str = typer.Option("all-or-nothing", help=_MODE),
    now: str = typer.Option(None, help="ISO date-time of the import."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Import the register (一标三实, issue #16): standard addresses with their points, the
    households at them (a known household at a new address is a move, kept), their people
    (identity numbers stored as a keyed hash and a masked display) and units. Prints a JSON
    summary and names every bad row and field on stderr. Exit 0 when every row went in, 2
    when some row was bad (and nothing was stored in all-or-nothing mode)."""
    from functools import partial

    from huying.contact.service import KINDS, run

    if kind not in KINDS:
        fail(f"--kind {kind!r}: one of {', '.join(KINDS)}", EXIT_INVALID)
    _import(file, as_user, mode, now, progress, partial(run, kind=kind), savepoints=False)


def report_case(
    title: str = typer.Option(..., help="A short title."),
    detail: str = typer.Option("", help="What happened, where, since when."),
    lon: float = typer.Option(None, help="Longitude (the city's coordinate system)."),
    lat: float = typer.Option(None, help="Latitude."),
    channel: str = typer.Option(None, help=f"One of: {', '.join(svc.Channel)} (default: the one of the "
                                "reporter's role: a resident's web report, an officer's hotline call...)."),
    as_user: str = typer.Option(..., "--as", help="Username of the person reporting."),
    category: str = typer.Option(None, help="Category code or name."),
    priority: str = typer.Option("normal", help="low, normal, urgent or emergency."),
    anonymous: bool = typer.Option(False, help="Do not record who reported."),
    photo: list[Path] = typer.Option(None, help="A photo to attach (repeatable)."),
    fixed_on_spot: str = typer.Option(None, help="Evidence of a fix made on the spot (立行立改)."),
    now: str = typer.Option(None, help="ISO date-time to act at (default: now)."),
) -> None:
    """Report a problem through intake (classify, duplicates, route); prints the new case
    with what intake decided (``intake``)."""
    moment = parse_now(now)
    uploads = []
    for p in photo or []:
        if not p.is_file():
            fail(f"--photo {p}: no such file", EXIT_INVALID)
        uploads.append(svc.Upload(p.name, p.read_bytes()))
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        result = intake(session, actor, ReportIn(
            title=title, description=detail, lon=lon, lat=lat, category=category, priority=priority,
            anonymous=anonymous, uploads=uploads, fixed_on_spot=fixed_on_spot), channel=channel, now=moment)
        out = present.case_dict(session, result.case, actor, moment)
        out["intake"] = result.as_dict()
        emit(out)
