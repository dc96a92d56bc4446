"""Shared helpers of the command-line interface: JSON output, clean errors, the actor."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, Protocol

import typer

from huying.errors import CaseError, IllegalTransition, InvalidInput

#: Exit codes: 1 refused by the rules (403/404/409), 2 bad input (422).
EXIT_REFUSED, EXIT_INVALID = 1, 2


def emit(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Turn the domain's errors into one line on stderr and a non-zero exit."""
    try:
        yield
    except InvalidInput as exc:
        fail(str(exc), EXIT_INVALID)
    except IllegalTransition as exc:
        fail(str(exc))
    except CaseError as exc:  # the map's and the accounts' errors are CaseErrors too
        fail(str(exc), EXIT_INVALID if isinstance(exc, ValueError) else EXIT_REFUSED)


def parse_day(value: str | None, option: str) -> dt.date | None:
    """A date option (``YYYY-MM-DD``; none given: None); a bad one exits naming the option."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date (YYYY-MM-DD)", EXIT_INVALID)


def parse_now(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now {value!r} is not an ISO date-time (e.g. 2026-03-02T09:30:00+08:00)", EXIT_INVALID)
    if moment.tzinfo is None:
        fail("--now needs a time zone offset (e.g. +08:00 or Z)", EXIT_INVALID)
    return moment.astimezone(dt.UTC)


class _Outcome(Protocol):
    """What an import tells (``huying.intake.rows.Outcome``)."""

    problems: Any
    mode: str

    @property
    def bad_lines(self) -> list[int]: ...

    def as_dict(self) -> dict[str, Any]: ...


def echo_import(file: Path, outcome: _Outcome) -> None:
    """An import's outcome at the command line (every importer's): each bad row as
    ``FILE:LINE: FIELD: REASON`` on stderr, the summary as one JSON line on stdout, and in
    all-or-nothing mode that nothing was stored; exit 2 when a row was bad."""
    for p in outcome.problems:
        typer.echo(f"{file}:{p.line}: {p.field}: {p.reason}", err=True)
    summary = outcome.as_dict()
    summary.pop("problems")
    summary["file"] = str(file)
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if outcome.problems:
        if outcome.mode == "all-or-nothing":
            typer.echo(f"{len(outcome.bad_lines)} bad row(s): nothing was stored (fix them, or use "
                       "--mode skip-bad)", err=True)
        raise typer.Exit(EXIT_INVALID)
