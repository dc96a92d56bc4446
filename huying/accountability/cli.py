"""``huying indicators``: the catalogue, and the values of a node and the nodes under it."""

from __future__ import annotations

import dataclasses

import typer
from rich.console import Console
from rich.table import Table

from huying.accountability import indicators as ind
from huying.clikit import clean_errors, emit, fail, parse_now
from huying.db import read_session_scope
from huying.errors import InvalidInput
from huying.geo import service as geo
from huying.metrics.period import parse_period

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """Every indicator: key, group, kind, unit, numerator / denominator, source."""
    t = Table("key", "group", "kind", "unit", "numerator", "denominator", "per 10k", "source")
    for i in ind.CATALOGUE:
        t.add_row(i.key, i.group, i.kind, i.unit, i.numerator or "", i.denominator or "",
                  "yes" if i.per_10k else "", i.source)
    Console(width=200).print(t)


def _show(v: ind.Value, kind: str) -> str:
    if v.value is None:
        return "—"
    if kind in ("rate", "composite"):
        frac = f" ({v.num}/{v.den})" if v.den is not None else ""
        return f"{float(v.value) * 100:.1f}%{frac}"
    return str(v.value)


@app.command()
def values(
    node: str = typer.Option(None, help="Node code (default: the city)."),
    period: str = typer.Option("year", help="all, month, quarter, year or custom."),
    from_: str = typer.Option("", "--from", help="A day inside the period (YYYY-MM-DD); custom: the first day."),
    to: str = typer.Option("", help="custom: the last day (YYYY-MM-DD)."),
    city: str = typer.Option(None, help="City code (when the database holds several)."),
    now: str = typer.Option(None, help="The moment for open/overdue counts (default: now)."),
    json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """The values of a node and of the nodes ranked under it, for the period."""
    moment = parse_now(now)
    try:
        p = parse_period(period, from_, to, now=moment)
    except InvalidInput as exc:
        fail(f"--period/--from/--to: {exc}", 2)
    with read_session_scope() as session, clean_errors():
        c = geo.get_city(session, city)
        target = ind.subject(session, c.id, node)
        tree = ind.tree_values(session, c.id, now=moment, since=p.since, until=p.until)
        below = ind.ranked_nodes(session, target)
        if json:
            emit({"node": target.code, "period": p.query(),
                  "values": {n.code: {k: dataclasses.asdict(v) for k, v in tree[n.code].items()}
                             for n in [target, *below]}})
            return
        t = Table("indicator", target.name_zh, *[n.name_zh for n in below[:12]])
        for i in ind.CATALOGUE:
            t.add_row(i.key, *[_show(tree[n.code][i.key], i.kind) for n in [target, *below[:12]]])
        Console(width=240).print(t)
