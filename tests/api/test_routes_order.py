"""The order of the app's routers (``huying.app._ROUTERS``) is a matter of speed, not of
meaning: FastAPI tries the routes in order and the first that matches answers, so intake's
router comes first (the busiest write). That is safe only while no request could match routes
of two different routers; within one router a literal path before a parameter
(``/walks/figures`` before ``/walks/{walk_id}``) is the router's own choice. Checked here for
every route of the app, with a sample path made from its pattern."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from huying.app import _ROUTERS, create_app


def _leaves(routes: Iterable[Any]) -> Iterator[Any]:
    """The routes a request is matched against, in the order they are tried."""
    for route in routes:
        if hasattr(route, "effective_candidates"):  # an included router (FastAPI 0.165)
            yield from _leaves(route.effective_candidates())
        else:
            yield route


def _sample(path_format: str) -> str:
    return re.sub(r"\{[^}]+\}", "zz9", path_format)


@pytest.fixture(scope="module")
def routes() -> list[tuple[int, Any]]:
    """Every route, with the index of the top-level entry of ``app.routes`` it came from."""
    app = create_app()
    return [(top, leaf) for top, route in enumerate(app.routes) for leaf in _leaves([route])]


def _overlaps(routes: list[tuple[int, Any]]) -> Iterator[tuple[str, str, list[int], int]]:
    for i, (_, route) in enumerate(routes):
        path = getattr(route, "path_format", None)
        if path is None:
            continue
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            sample = _sample(path)
            hits = [j for j, (_, other) in enumerate(routes)
                    if getattr(other, "path_regex", None) is not None
                    and (getattr(other, "methods", None) is None or method in other.methods)
                    and other.path_regex.match(sample)]
            yield method, path, hits, i


def _hidden(routes: list[tuple[int, Any]]) -> list[tuple[str, str, list[str]]]:
    return [(method, path, [routes[j][1].path_format for j in hits])
            for method, path, hits, i in _overlaps(routes) if hits[0] != i]


def _shared(routes: list[tuple[int, Any]]) -> list[tuple[str, str, list[str]]]:
    return [(method, path, [routes[j][1].path_format for j in hits])
            for method, path, hits, _ in _overlaps(routes) if len({routes[j][0] for j in hits}) > 1]


def test_intake_is_first(routes: list[tuple[int, Any]]) -> None:
    assert _ROUTERS[0] == ("huying.intake.routes", "router")
    first = next(route for _, route in routes if getattr(route, "methods", None) and "POST" in route.methods)
    assert first.path_format == "/api/v1/cases" and first.name == "report_case"


def test_every_route_answers_its_own_path(routes: list[tuple[int, Any]]) -> None:
    """No route is hidden behind an earlier one (a parameter route before a literal one)."""
    assert len(routes) > 300  # the walk found the app's routes, not just the top level
    assert _hidden(routes) == []


def test_routers_never_share_a_request(routes: list[tuple[int, Any]]) -> None:
    """Two routes that could answer one request belong to the same router, so the order of
    ``_ROUTERS`` cannot change which of them answers."""
    assert _shared(routes) == []


def test_the_checks_can_fail() -> None:
    """Two routers that share a path, the parameter first: both checks see it."""
    from fastapi import APIRouter, FastAPI

    one, two = APIRouter(), APIRouter()
    one.get("/things/{thing}")(lambda thing: thing)
    two.get("/things/new")(lambda: "new")
    app = FastAPI()
    app.include_router(one)
    app.include_router(two)
    found = [(top, leaf) for top, route in enumerate(app.routes) for leaf in _leaves([route])]
    expected = [("GET", "/things/new", ["/things/{thing}", "/things/new"])]
    assert _hidden(found) == expected
    assert _shared(found) == expected
