"""Address → grid over the demo city's register: every demo household's address looked up
through the register's index, and its answer checked against the household's grid.

    HUYING_DATABASE_URL=sqlite:///var/huying.db .venv/bin/python bench/register_demo.py

Prints one JSON line: the register's size, the index build time, lookups per second, the
answers by kind and how many named another grid than the household's (goal: 0).

    .venv/bin/python bench/register_demo.py --write-import FILE.csv [--buildings 5000]

writes instead a file for ``huying import register FILE.csv --kind addresses``: that many new
buildings (an A座 at the first demo buildings' points) and one room of each, none registered."""

from __future__ import annotations

import csv
import json
import os
import sys
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cityconfig import config_cache
from huying.contact import service as register
from huying.contact.models import Address, Household
from huying.db import get_engine
from huying.demo.build import CITY_CODE
from huying.geo.models import City, Node


def write_import(path: str, buildings: int) -> None:
    with Session(get_engine()) as s:
        rows = s.execute(select(Address.text, Address.lon, Address.lat).where(Address.kind == "building")
                         .order_by(Address.id).limit(buildings)).all()
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["address", "lon", "lat"])
        w.writerows([f"{text}A座", lon, lat] for text, lon, lat in rows)
        w.writerows([f"{text}A座101室", "", ""] for text, _, _ in rows)


def main() -> None:
    if "--write-import" in sys.argv:
        n = int(sys.argv[sys.argv.index("--buildings") + 1]) if "--buildings" in sys.argv else 5000
        write_import(sys.argv[sys.argv.index("--write-import") + 1], n)
        return
    with Session(get_engine()) as s:
        city = s.scalar(select(City.id).where(City.code == CITY_CODE))
        assert city is not None, "build the demo city first (make demo)"
        config_cache.clear()
        t = time.perf_counter()
        register.register_index(s, city)
        built = time.perf_counter() - t
        rows = s.execute(select(Household.address, Node.code).join(Node, Node.id == Household.grid_id)
                         .where(Household.city_id == city)).all()
        kinds: dict[str, int] = {}
        wrong = 0
        t = time.perf_counter()
        for text, grid in rows:
            m = register.locate_address(s, city, text)
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
            wrong += m.grid_code is not None and m.grid_code != grid
        took = time.perf_counter() - t
        n_addr = len(s.scalars(select(Address.id).where(Address.city_id == city)).all())
    print(json.dumps({"addresses": n_addr, "index_build_s": round(built, 2), "lookups": len(rows),
                      "lookups_per_s": round(len(rows) / took), "kinds": kinds, "wrong_grid": wrong,
                      "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
