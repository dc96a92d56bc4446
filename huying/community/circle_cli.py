"""``huying circle``: the 10-minute service circle from the command line, with the same rules
as the API and the pages (:mod:`huying.community.circle_service`).

    huying circle coverage ITEM --as USER [--node CODE]
    huying circle propose ITEM --as USER [--node CODE] [--sites 3] [--candidates grids|addresses]
    huying circle import-network FILE --as USER        # GeoJSON lines or OSM XML
"""

from __future__ import annotations

from pathlib import Path

import typer

from huying.clikit import EXIT_INVALID, clean_errors, emit, fail, parse_now
from huying.community import circle_routes as present
from huying.community import circle_service as cs
from huying.db import session_scope
from huying.orgs.actor import actor_for

app = typer.Typer(no_args_is_help=True)

AS = typer.Option(..., "--as", help="Username (an officer or a leader; import: a city officer or admin).")
NODE = typer.Option("", "--node", help="A node code (default: yours).")


@app.callback()
def group() -> None:
    """The 10-minute service circle: coverage, proposed sites, the walking network."""


@app.command()
def coverage(item: str = typer.Argument(..., help="A service item's code."), as_user: str = AS,
             node: str = NODE) -> None:
    """The share of the node's households within the circle of a centre offering ITEM."""
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        emit(present.coverage_dict(cs.coverage(session, actor, cs.node_of(session, actor, node), item)))


@app.command()
def propose(item: str = typer.Argument(..., help="A service item's code."), as_user: str = AS, node: str = NODE,
            sites: int = typer.Option(3, "--sites", help="How many new sites (1–50)."),
            candidates: str = typer.Option("grids", "--candidates", help="grids (centroids) or addresses.")) -> None:
    """New sites that bring the most households within the circle (exact, with the gap;
    greedy beside it)."""
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        emit(present.proposal_dict(cs.propose(session, actor, cs.node_of(session, actor, node), item, sites,
                                              candidates=candidates)))


@app.command("import-network")
def import_network(file: Path = typer.Argument(..., help="GeoJSON (.geojson) or OSM XML (.osm)."),
                   as_user: str = AS, now: str = typer.Option(None, help="ISO date-time taken as now.")) -> None:
    """Import the city's walking network (replacing the one before)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"FILE: cannot read {file}: {exc.strerror}", EXIT_INVALID)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        row = cs.import_network(session, actor, data, file.name, now=parse_now(now))
        emit({"source": row.source, "name": row.name, "nodes": row.nodes, "edges": row.edges,
              "length_m": row.length_m})
