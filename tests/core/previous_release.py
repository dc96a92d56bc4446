"""A small city as the previous release stored it (schema revision ``0002``), written with
plain SQL through lightweight tables, so that it does not depend on today's models: a city,
its tree down to two grids, a unit, three accounts, four cases with their events (received,
handled and closed, reopened and escalated, fixed on the spot) and a rollup that is out of
date, as the older code left it before revision 0003 counted cases.

``build(conn, now)`` writes it into a database at revision 0002 and returns what it wrote;
``tests/core/test_upgrade_with_data.py`` upgrades that database to the head and checks it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from huying.db import UTCDateTime

#: The revision whose schema this dataset is written for.
REVISION = "0002"


def _t(name: str, *cols: str, times: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.Integer), *(sa.column(c) for c in cols),
                    *(sa.column(c, UTCDateTime()) for c in times))


CITIES = _t("cities", "code", "name_zh", "name_en", "crs", "timezone", times=("created_at",))
NODES = _t("geo_nodes", "city_id", "code", "level", "parent_id", "path", "name_zh", "name_en",
           "centroid_lon", "centroid_lat", "population", times=("created_at", "updated_at"))
ORGS = _t("organisations", "city_id", "code", "kind", "department", "node_id", "name_zh", "name_en",
          "active", times=("created_at",))
USERS = _t("users", "city_id", "username", "display_name", "password_hash", "role", "node_id",
           "organisation_id", "locale", "active", times=("created_at",))
CASES = _t("cases", "city_id", "code", "title", "description", "priority", "channel", "lon", "lat",
           "grid_id", "grid_path", "reporter_kind", "reporter_id", "unit_id", "unit_path", "handling_level",
           "status", "warned", "overdue_periods", "ever_overdue", "rework_count", "escalations",
           "satisfaction", "version", times=("created_at", "updated_at", "closed_at", "due_at"))
EVENTS = _t("case_events", "city_id", "case_id", "seq", "actor_id", "actor_role", "action", "from_status",
            "to_status", "note", "payload", times=("at",))
ROLLUP = _t("metrics_grid_month", "city_id", "grid_path", "month", "day", "received", "closed",
            "fixed_on_spot", "on_time", "reworked", "satisfied", "dissatisfied", "escalations",
            "close_seconds")


@dataclass
class Dataset:
    city_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    usernames: list[str] = field(default_factory=list)
    case_codes: list[str] = field(default_factory=list)


def _insert(conn: Connection, table: sa.TableClause, **values: Any) -> int:
    return int(conn.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one())


def build(conn: Connection, now: dt.datetime) -> Dataset:
    """Write the dataset (the caller commits). ``now`` is the moment of the last event."""
    out = Dataset()
    t0 = now - dt.timedelta(days=40)
    city = out.city_id = _insert(conn, CITIES, code="330199", name_zh="湖影市", name_en="Huying",
                                 crs="GCJ-02", timezone="Asia/Shanghai", created_at=t0)

    nodes: dict[str, tuple[int, str]] = {}

    def node(code: str, level: str, parent: str | None, name: str, lon: float, lat: float) -> None:
        parent_id, parent_path = nodes[parent] if parent else (None, "")
        path = f"{parent_path}{code}/"
        nodes[code] = (_insert(conn, NODES, city_id=city, code=code, level=level, parent_id=parent_id,
                               path=path, name_zh=name, name_en=name, centroid_lon=lon, centroid_lat=lat,
                               population=1000, created_at=t0, updated_at=t0), path)

    node("HY", "city", None, "湖影", 120.10, 30.20)
    node("HY-A1", "area", "HY", "东片", 120.12, 30.21)
    node("HY-T1", "town", "HY-A1", "湖滨街道", 120.13, 30.22)
    node("HY-C1", "community", "HY-T1", "柳岸社区", 120.131, 30.221)
    node("HY-G1", "grid", "HY-C1", "柳岸一网格", 120.1311, 30.2211)
    node("HY-G2", "grid", "HY-C1", "柳岸二网格", 120.1321, 30.2221)

    unit = _insert(conn, ORGS, city_id=city, code="HY-T1-CG", kind="department", department="urban_management",
                   node_id=nodes["HY-T1"][0], name_zh="湖滨城管中队", name_en="Hubin urban management",
                   active=True, created_at=t0)

    users: dict[str, int] = {}
    for username, role, where, org in (("alice", "resident", "HY-G1", None),
                                       ("gina", "grid_worker", "HY-G1", None),
                                       ("tom", "town_officer", "HY-T1", None),
                                       ("dana", "department_handler", "HY-T1", unit)):
        users[username] = _insert(conn, USERS, city_id=city, username=username, display_name=username.title(),
                                  password_hash="pbkdf2_sha256$1$x$y", role=role, node_id=nodes[where][0],
                                  organisation_id=org, locale="zh", active=True, created_at=t0)
        out.usernames.append(username)

    def story(n: int, grid: str, status: str, created: dt.datetime,
              steps: list[tuple[str, str, str | None, str, float]]) -> None:
        """A case and its events: (action, actor, from, to, hours after the report)."""
        closed = created + dt.timedelta(hours=steps[-1][4]) if status == "closed" else None
        code = f"HY-{created:%Y%m%d}-{n:05d}"
        case_id = _insert(
            conn, CASES, city_id=city, code=code, title=f"路灯不亮 {n}", description="晚上整条路都是黑的",
            priority="normal", channel="web", lon=120.1311 + n / 10_000, lat=30.2211, grid_id=nodes[grid][0],
            grid_path=nodes[grid][1], reporter_kind="resident", reporter_id=users["alice"],
            unit_id=unit if status != "new" else None, unit_path=nodes["HY-T1"][1] if status != "new" else None,
            handling_level="town" if any(s[0] == "escalate" for s in steps) else "community", status=status,
            warned=False, overdue_periods=0, ever_overdue=False,
            rework_count=sum(s[0] == "reopen" for s in steps),
            escalations=sum(s[0] == "escalate" for s in steps),
            satisfaction="satisfied" if status == "closed" else None, version=len(steps),
            created_at=created, updated_at=created + dt.timedelta(hours=steps[-1][4]), closed_at=closed,
            due_at=None if status in ("closed", "new") else created + dt.timedelta(days=5))
        for seq, (action, actor, frm, to, hours) in enumerate(steps, start=1):
            _insert(conn, EVENTS, city_id=city, case_id=case_id, seq=seq, actor_id=users[actor],
                    actor_role={"alice": "resident", "gina": "grid_worker", "tom": "town_officer",
                                "dana": "department_handler"}[actor],
                    action=action, from_status=frm, to_status=to, note=None, payload=json.dumps({}),
                    at=created + dt.timedelta(hours=hours))
        out.case_codes.append(code)

    story(1, "HY-G1", "closed", t0 + dt.timedelta(days=1), [
        ("report", "alice", None, "new", 0), ("dispatch", "tom", "new", "dispatched", 1),
        ("accept", "dana", "dispatched", "in_progress", 2), ("mark_handled", "dana", "in_progress", "handled", 30),
        ("follow_up", "gina", "handled", "followed_up", 40), ("close", "tom", "followed_up", "closed", 41)])
    story(2, "HY-G1", "in_progress", t0 + dt.timedelta(days=20), [
        ("report", "alice", None, "new", 0), ("dispatch", "tom", "new", "dispatched", 1),
        ("accept", "dana", "dispatched", "in_progress", 2), ("mark_handled", "dana", "in_progress", "handled", 20),
        ("reopen", "gina", "handled", "in_progress", 26), ("escalate", "gina", "in_progress", "in_progress", 27)])
    story(3, "HY-G2", "closed", now - dt.timedelta(days=3), [("fix_on_spot", "gina", None, "closed", 0)])
    story(4, "HY-G2", "new", now - dt.timedelta(hours=2), [("report", "alice", None, "new", 0)])

    # the older code's rollup: counted events rather than cases, and one month is missing
    _insert(conn, ROLLUP, city_id=city, grid_path=nodes["HY-G1"][1], month=t0.year * 100 + t0.month, day=0,
            received=9, closed=9, fixed_on_spot=0, on_time=9, reworked=0, satisfied=9, dissatisfied=9,
            escalations=9, close_seconds=1.0)

    out.counts = {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                  for t in (CITIES, NODES, ORGS, USERS, CASES, EVENTS)}
    return out
