"""Links between pages that more than one page builds: a figure to the cases it counts."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from huying.metrics.drill import FIGURES


def drill_url(node: str, figure: str, period: Mapping[str, str]) -> str:
    """The work list of exactly the cases that ``figure`` of ``node`` counts in ``period``
    (``Period.query()``: its ``period``, ``from`` and ``to``)."""
    if figure not in FIGURES:
        raise ValueError(f"no figure {figure!r}")
    return "/work?" + urlencode({"tab": "all", "node": node, "fig": figure, **period})
