"""Service centres and the catalogue (the HSDS shape of :mod:`huying.community.models`):
load a catalogue into a city, add centres, say what they offer, and read them back. The
one place that checks a centre's fields (kind, setting, point, opening hours)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.community.catalogue import DEFAULT, CatalogueItem
from huying.community.models import Centre, CentreItem, CentreKind, ServiceItem, Setting
from huying.community.weekdays import DAYS, names
from huying.db import under
from huying.errors import InvalidInput, NotVisible
from huying.geo.models import Level, Node

# ---- the catalogue ------------------------------------------------------------------------


def load_catalogue(session: Session, city_id: int, items: Iterable[CatalogueItem] = DEFAULT) -> int:
    """Add the catalogue's items a city lacks (by code) and update those it has; returns how
    many were added. Flushed, not committed."""
    have = {i.code: i for i in session.scalars(select(ServiceItem).where(ServiceItem.city_id == city_id))}
    added = 0
    for it in items:
        row = have.get(it.code)
        if row is None:
            row = ServiceItem(city_id=city_id, code=it.code)
            session.add(row)
            added += 1
        row.name_zh, row.name_en, row.category = it.name_zh, it.name_en, it.category
        row.department = it.department.value if it.department else None
        row.level, row.time_limit_days, row.one_stop = it.level, it.time_limit_days, it.one_stop
        row.materials, row.description = list(it.materials), it.description
    session.flush()
    return added


def items(session: Session, city_id: int, *, one_stop: bool | None = None) -> list[ServiceItem]:
    """The city's active items, by category then code."""
    q = select(ServiceItem).where(ServiceItem.city_id == city_id, ServiceItem.active.is_(True))
    if one_stop is not None:
        q = q.where(ServiceItem.one_stop.is_(one_stop))
    return list(session.scalars(q.order_by(ServiceItem.category, ServiceItem.code)))


def item(session: Session, city_id: int, code: str) -> ServiceItem:
    row = session.scalar(select(ServiceItem).where(ServiceItem.city_id == city_id, ServiceItem.code == code))
    if row is None or not row.active:
        raise NotVisible(f"no service item {code!r}")
    return row


# ---- opening hours ------------------------------------------------------------------------

_RULE = re.compile(r"^(?P<days>[A-Z][a-z](?:-[A-Z][a-z])?(?:,[A-Z][a-z](?:-[A-Z][a-z])?)*)\s+"
                   r"(?P<times>\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)$")


@dataclass(frozen=True)
class Opening:
    """One day's opening: weekday (0 = Monday) and minutes from midnight."""

    weekday: int
    start: int
    end: int


def _minutes(hhmm: str, field: str) -> int:
    h, m = int(hhmm[:2]), int(hhmm[3:])
    if h > 24 or m > 59 or (h == 24 and m):
        raise InvalidInput(f"{hhmm!r} is not a time of day", field)
    return h * 60 + m


def parse_hours(text: str, field: str = "opening_hours") -> list[Opening]:
    """The subset of OpenStreetMap's ``opening_hours`` that centres use: rules like
    ``Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00`` (days, ranges of days, times). Empty:
    no hours given. Raises :class:`InvalidInput` naming what is wrong."""
    out: list[Opening] = []
    for rule in (r.strip() for r in text.split(";")):
        if not rule:
            continue
        m = _RULE.match(rule)
        if m is None:
            raise InvalidInput(f"{rule!r} is not like 'Mo-Fr 09:00-18:00'", field)
        days: list[int] = []
        for part in m["days"].split(","):
            a, _, b = part.partition("-")
            if a not in DAYS or (b and b not in DAYS):
                raise InvalidInput(f"{part!r}: days are {', '.join(DAYS)}", field)
            i, j = DAYS.index(a), DAYS.index(b or a)
            days.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        for span in m["times"].split(","):
            start, end = _minutes(span[:5], field), _minutes(span[6:], field)
            if end <= start:
                raise InvalidInput(f"{span!r} ends before it starts", field)
            out.extend(Opening(d, start, end) for d in days)
    return out


def describe_hours(text: str, lang: str) -> str:
    """Opening hours in plain words: ``周一至周五 09:00-12:00、14:00-18:00；周六 09:00-12:00``
    (days with the same times together, runs of days as ranges); empty when there are none
    or they cannot be read."""
    try:
        openings = parse_hours(text)
    except InvalidInput:
        return ""
    per_day: dict[int, list[tuple[int, int]]] = {}
    for o in openings:
        per_day.setdefault(o.weekday, []).append((o.start, o.end))
    by_times: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day in sorted(per_day):
        by_times.setdefault(tuple(sorted(per_day[day])), []).append(day)
    zh = lang == "zh"
    day_names, sep, to = names(lang), ("、" if zh else ", "), ("至" if zh else "–")
    parts = []
    for times, days in by_times.items():
        runs: list[tuple[int, int]] = []
        for d in days:
            if runs and runs[-1][1] == d - 1:
                runs[-1] = (runs[-1][0], d)
            else:
                runs.append((d, d))
        span = sep.join(day_names[a] if a == b else f"{day_names[a]}{to}{day_names[b]}" for a, b in runs)
        clock = sep.join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in times)
        parts.append(f"{span} {clock}")
    return ("；" if zh else "; ").join(parts)


def is_open(text: str, at: dt.datetime) -> bool:
    """Whether a centre with these hours is open at ``at`` (local time)."""
    minute = at.hour * 60 + at.minute
    return any(o.weekday == at.weekday() and o.start <= minute < o.end for o in parse_hours(text))


# ---- centres ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CentreIn:
    """A centre to add: ``community`` is the code of its community node."""

    code: str
    kind: str
    name_zh: str
    name_en: str
    community: str
    lon: float
    lat: float
    address: str = ""
    opening_hours: str = ""
    setting: str | None = None
    organisation_id: int | None = None


def check_centre(data: CentreIn) -> None:
    """The one check of a centre's own fields (the node is checked where it is looked up)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", data.code):
        raise InvalidInput("letters, digits, '-' and '_' (at most 40)", "code")
    if data.kind not in {k.value for k in CentreKind}:
        raise InvalidInput(f"one of {', '.join(k.value for k in CentreKind)}", "kind")
    if data.kind == CentreKind.SUNSHINE:
        if data.setting not in {s.value for s in Setting}:
            raise InvalidInput(f"a 阳光雨 centre stands in one of {', '.join(s.value for s in Setting)}", "setting")
    elif data.setting is not None:
        raise InvalidInput("only a 阳光雨 centre has a setting", "setting")
    if not data.name_zh.strip() or len(data.name_zh) > 120:
        raise InvalidInput("1 to 120 characters", "name_zh")
    if not (-180 <= data.lon <= 180) or not (-90 <= data.lat <= 90):
        raise InvalidInput("not a point on Earth", "lon")
    parse_hours(data.opening_hours)


def add_centre(session: Session, city_id: int, data: CentreIn) -> Centre:
    """Add a centre (flushed, not committed); its community must exist and be a community."""
    check_centre(data)
    node = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == data.community))
    if node is None or node.level != Level.COMMUNITY.value:
        raise InvalidInput(f"no community {data.community!r}", "community")
    if session.scalar(select(Centre.id).where(Centre.city_id == city_id, Centre.code == data.code)):
        raise InvalidInput(f"a centre {data.code!r} exists already", "code")
    centre = Centre(city_id=city_id, code=data.code, kind=data.kind, setting=data.setting, name_zh=data.name_zh,
                    name_en=data.name_en or data.name_zh, node_id=node.id, organisation_id=data.organisation_id,
                    address=data.address, lon=data.lon, lat=data.lat, opening_hours=data.opening_hours)
    session.add(centre)
    session.flush()
    return centre


def offer(session: Session, centre: Centre, item_codes: Sequence[str], *,
          capacity: dict[str, int] | None = None) -> int:
    """Make a centre offer these items (those it offers already are kept); returns how many
    were added. ``capacity`` by item code, for items limited a day."""
    known = {i.code: i for i in session.scalars(select(ServiceItem).where(ServiceItem.city_id == centre.city_id))}
    missing = [c for c in item_codes if c not in known]
    if missing:
        raise InvalidInput(f"no service item {', '.join(missing)}", "items")
    have = set(session.scalars(select(CentreItem.item_id).where(CentreItem.centre_id == centre.id)))
    added = 0
    for code in dict.fromkeys(item_codes):
        it = known[code]
        if it.id in have:
            continue
        cap = (capacity or {}).get(code)
        if cap is not None and cap < 1:
            raise InvalidInput("a capacity is at least 1", "capacity")
        session.add(CentreItem(city_id=centre.city_id, centre_id=centre.id, item_id=it.id, capacity=cap))
        added += 1
    session.flush()
    return added


def centre(session: Session, city_id: int, code: str) -> Centre:
    row = session.scalar(select(Centre).where(Centre.city_id == city_id, Centre.code == code))
    if row is None or not row.active:
        raise NotVisible(f"no centre {code!r}")
    return row


def offers(session: Session, centre: Centre) -> list[ServiceItem]:
    """The items a centre offers."""
    return list(session.scalars(
        select(ServiceItem).join(CentreItem, CentreItem.item_id == ServiceItem.id)
        .where(CentreItem.centre_id == centre.id, ServiceItem.active.is_(True))
        .order_by(ServiceItem.category, ServiceItem.code)))


def offering(session: Session, city_id: int, item_id: int) -> list[Centre]:
    """The active centres that offer an item."""
    return list(session.scalars(
        select(Centre).join(CentreItem, CentreItem.centre_id == Centre.id)
        .where(Centre.city_id == city_id, CentreItem.item_id == item_id, Centre.active.is_(True))
        .order_by(Centre.code)))


def centres_under(session: Session, city_id: int, node_path: str) -> list[Centre]:
    """The active centres of the communities under a node (its path), by code."""
    return list(session.scalars(
        select(Centre).join(Node, Node.id == Centre.node_id)
        .where(Centre.city_id == city_id, Centre.active.is_(True), under(Node.path, node_path))
        .order_by(Centre.code)))
