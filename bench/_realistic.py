"""The realistic load of P1: reports as the demo year makes them, for ``POST /api/v1/cases``.

Each report is a real resident's message (``shared/data/messages``: ``labelled``,
``unlabelled`` and ``replied``, never ``holdout/``), its place names moved to the demo city
(``huying.demo.cases.rewrite_places``), at a random point inside a random grid of the city;
as in the demo year, a message with a label comes with a category (a random leaf of its
label's first-level category: the reporter knows it), one without a label comes without (the
classifier runs per report). Drawn with a fixed seed: the same bodies in every run.

Without the message files (a checkout without ``shared/``) the texts are synthetic and every
report is left to the classifier; the bench says which it used (``texts``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

#: Where the message files are (beside the checkout, as the demo finds them).
MESSAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "messages"


def bodies(engine: Engine, city_id: int, n: int, *, seed: int = 21) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``n`` JSON bodies of ``POST /api/v1/cases`` and what they hold (texts, categories given)."""
    from shapely import contains_xy

    from huying.cityconfig.models import Category
    from huying.demo.cases import load_messages, rewrite_places
    from huying.geo.models import Level, Node
    from huying.geo.shapes import to_shape

    folder = MESSAGES if (MESSAGES / "labelled.csv").exists() else None
    msgs, _ = load_messages(folder)
    with Session(engine) as s:
        nodes = {n.id: n for n in s.scalars(select(Node).where(Node.city_id == city_id))}
        cats = s.scalars(select(Category).where(Category.city_id == city_id, Category.active.is_(True))
                         .order_by(Category.code)).all()
        s.expunge_all()
    by_code = {n.code: n for n in nodes.values()}
    grids = sorted((n for n in nodes.values() if n.level == Level.GRID.value), key=lambda n: n.code)
    level1 = {c.name_zh: c for c in cats if c.level == 1}
    leaves: dict[str, list[Category]] = {}
    for c in cats:
        if c.level == 3:
            leaves.setdefault(c.path.split("/")[1], []).append(c)
    rng = np.random.default_rng(seed)
    shapes: dict[int, Any] = {}
    out: list[dict[str, Any]] = []
    given = 0
    for i in range(n):
        grid = grids[int(rng.integers(len(grids)))]
        codes = [c for c in grid.path.split("/") if c]
        town, community = by_code[codes[2]], by_code[codes[3]]
        category = None
        if msgs:
            m = msgs[int(rng.integers(len(msgs)))]
            title = rewrite_places(m.subject, town.name_zh, community.name_zh)[:120]
            detail = rewrite_places(m.detail, town.name_zh, community.name_zh)[:600]
            top = level1.get(m.label or "")
            if top is not None and leaves.get(top.code):
                pool = leaves[top.code]
                category = pool[int(rng.integers(len(pool)))].code
        else:
            title, detail = f"{community.name_zh}路灯不亮{i}", f"{grid.name_zh}门口的路灯坏了{i % 7 + 1}天"
        poly = shapes.get(grid.id)
        if poly is None:
            poly = shapes[grid.id] = to_shape(grid.geometry or "")
        lon, lat = float(grid.centroid_lon or 0), float(grid.centroid_lat or 0)
        for _ in range(20):
            x = float(rng.uniform(grid.min_lon or 0, grid.max_lon or 0))
            y = float(rng.uniform(grid.min_lat or 0, grid.max_lat or 0))
            if contains_xy(poly, x, y):
                lon, lat = round(x, 6), round(y, 6)
                break
        body: dict[str, Any] = {"title": title, "description": detail, "channel": "resident_web",
                                "lon": lon, "lat": lat}
        if category:
            body["category"] = category
            given += 1
        out.append(body)
    return out, {"texts": "real messages" if msgs else "synthetic", "reports": n,
                 "category_given": given, "grids": len(grids)}


def worst_bodies(lon: float, lat: float) -> list[dict[str, Any]]:
    """The worst case the bench always had: one short text at one point, no category."""
    return [{"title": "路灯不亮", "description": "小区门口的路灯坏了三天，晚上很黑", "channel": "resident_web",
             "lon": lon, "lat": lat}]


def write_lines(path: Path, items: list[dict[str, Any]]) -> Path:
    """One compact JSON body per line (what ``bench/_intake.lua`` cycles through)."""
    path.write_text("".join(json.dumps(b, ensure_ascii=False, separators=(",", ":")) + "\n" for b in items),
                    encoding="utf-8")
    return path


if __name__ == "__main__":  # a helper, not a benchmark
    raise SystemExit(0)
