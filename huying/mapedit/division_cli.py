"""``huying geo divisions FILE --as USER``: a division list (CSV/XLSX: code, name, town_code,
town_name) checked against the map, previewed by default, applied with ``--apply`` (the same
service, checks and audit as the web page and the API: :mod:`huying.mapedit.divisions`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from huying.clikit import EXIT_INVALID, clean_errors, fail, parse_now
from huying.db import session_scope
from huying.intake.rows import FileError, Mode, read_table
from huying.mapedit import divisions
from huying.orgs.actor import actor_for
from huying.orgs.service import AccountError


def divisions_command(
    file: Path = typer.Argument(..., help="The division list: CSV (UTF-8) or XLSX."),
    as_user: str = typer.Option(..., "--as", help="Username of the administrator acting."),
    apply: bool = typer.Option(False, "--apply", help="Rename the communities (default: preview only)."),
    mode: str = typer.Option("all-or-nothing", help="all-or-nothing: store nothing when any row is refused; "
                             "skip-bad: store the good rows."),
    now: str = typer.Option(None, help="ISO date-time of the change (default: now)."),
) -> None:
    """Rename communities from a division list and list the new codes that need a polygon.
    Every refused row is printed as ``FILE:LINE: FIELD: REASON`` on stderr (exit 2); the
    summary is JSON on stdout."""
    try:
        mode_v = Mode(mode)
    except ValueError:
        fail(f"--mode: one of {', '.join(Mode)}", EXIT_INVALID)
    if not file.is_file():
        fail(f"{file}: no such file", EXIT_INVALID)
    try:
        rows = list(read_table(file, columns=divisions.COLUMNS, aliases=divisions.ALIASES,
                               required=divisions.REQUIRED, place=False))
    except FileError as exc:
        fail(str(exc), EXIT_INVALID)
    with session_scope() as session, clean_errors():
        try:
            actor = actor_for(session, as_user)
        except AccountError as exc:
            fail(str(exc))
        if apply:
            rep = divisions.apply(session, actor, rows, now=parse_now(now), mode=mode_v)
        else:
            rep = divisions.check(session, actor, rows, mode=mode_v)
    for p in rep.problems:
        typer.echo(f"{file}:{p.line}: {p.field}: {p.reason}", err=True)
    summary = rep.as_dict()
    summary.pop("problems")
    summary["file"] = str(file)
    summary["applied"] = rep.stored
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if rep.problems:
        if mode_v is Mode.ALL_OR_NOTHING:
            typer.echo(f"{len(rep.bad_lines)} bad row(s): nothing was stored (fix them, or use --mode skip-bad)",
                       err=True)
        raise typer.Exit(EXIT_INVALID)
    if not apply and rep.renames:
        typer.echo("preview only: add --apply to rename", err=True)
