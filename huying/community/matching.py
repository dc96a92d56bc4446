"""Matching needs to services and resources (需求清单 → 服务清单 · 资源清单), pure: no
database, no clock.

* **Time windows**, the one representation of the domain: a :class:`Window` is a weekday
  (0 = Monday … 6 = Sunday) and hours ``[start, end)`` of that day; a row keeps a list of
  them (empty: any time). Written ``Sa 9-12; Mo 14-17`` (:func:`parse_windows`,
  :func:`format_windows`).
* **Feasible pairs** (:func:`candidates`): the same type, within :data:`MAX_DISTANCE_M`
  (straight line, :func:`huying.geo.shapes.haversine_m`), a time window in common, and
  places enough left for the need's people.
* **The assignment** (:func:`solve`): each need gets at most one offer; the people an offer
  receives never exceed the places it has left; the most needs are matched, then the total
  distance is the least. A need's people cannot be split between offers, so this is a small
  integer programme (a weighted assignment with capacities; a plain min-cost flow would split
  them), solved exactly by OR-Tools' CP-SAT on integer metres (one worker: deterministic).
* **The words** of a match (:func:`explain`), in Chinese or English:
  "养老助餐 · 600 m · 周六 · 还剩 3/10 个名额".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from huying.community import weekdays
from huying.community.weekdays import DAYS
from huying.errors import InvalidInput
from huying.geo.shapes import haversine_m

#: The farthest a need is matched to an offer (metres, straight line).
MAX_DISTANCE_M = 3000


class NeedType(enum.StrEnum):
    """What a need asks for and what a service or a resource gives: the shared vocabulary
    of the three lists."""

    MEAL_HELP = "meal_help"  # 养老助餐
    MEDICAL_HELP = "medical_help"  # 助医
    STUDY_HELP = "study_help"  # 助学
    HOUSEKEEPING = "housekeeping"  # 家政
    LEGAL_ADVICE = "legal_advice"  # 法律咨询
    COUNSELLING = "counselling"  # 心理疏导
    RECREATION = "recreation"  # 文体活动
    VOLUNTEERING = "volunteering"  # 志愿服务
    VENUE = "venue"  # 场地


#: The names of the types (the explanation's words; the pages use the same).
TYPE_NAMES: dict[NeedType, tuple[str, str]] = {
    NeedType.MEAL_HELP: ("养老助餐", "Meals for elders"),
    NeedType.MEDICAL_HELP: ("助医", "Help with medical care"),
    NeedType.STUDY_HELP: ("助学", "Help with study"),
    NeedType.HOUSEKEEPING: ("家政", "Housekeeping"),
    NeedType.LEGAL_ADVICE: ("法律咨询", "Legal advice"),
    NeedType.COUNSELLING: ("心理疏导", "Counselling"),
    NeedType.RECREATION: ("文体活动", "Culture and sports"),
    NeedType.VOLUNTEERING: ("志愿服务", "Volunteering"),
    NeedType.VENUE: ("场地", "A venue"),
}



def need_type(value: str | None, field: str = "type") -> NeedType:
    try:
        return NeedType((value or "").strip())
    except ValueError:
        raise InvalidInput(f"one of {', '.join(NeedType)}", field) from None


def type_name(value: str, lang: str = "zh") -> str:
    try:
        zh, en = TYPE_NAMES[NeedType(value)]
    except ValueError:
        return value
    return zh if lang == "zh" else en


# --------------------------------------------------------------------------- time windows


@dataclass(frozen=True, order=True)
class Window:
    """A weekday (0 = Monday) and the hours ``[start, end)`` of that day."""

    day: int
    start: int
    end: int

    def as_list(self) -> list[int]:
        return [self.day, self.start, self.end]

    def text(self) -> str:
        return f"{DAYS[self.day]} {self.start}-{self.end}"


_WINDOW = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su|周[一二三四五六日])\s*(\d{1,2})\s*[-–]\s*(\d{1,2})$")
MAX_WINDOWS = 14


def window(day: int, start: int, end: int, field: str = "windows") -> Window:
    if not (0 <= day <= 6 and 0 <= start < end <= 24):
        raise InvalidInput("a weekday 0-6 and hours 0 ≤ from < to ≤ 24", field)
    return Window(day, start, end)


def parse_windows(text: str | None, field: str = "windows") -> list[Window]:
    """``"Sa 9-12; Mo 14-17"`` (or ``"周六 9-12；周一 14-17"``) → windows (empty text: any time)."""
    out: list[Window] = []
    for part in (text or "").replace("；", ";").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        m = _WINDOW.match(part)
        if m is None:
            raise InvalidInput(f"{part!r}: write a day and hours like 'Sa 9-12'", field)
        day = m.group(1)
        index = weekdays.index(day)
        assert index is not None  # the pattern admits only the days' tokens
        out.append(window(index, int(m.group(2)), int(m.group(3)), field))
    if len(out) > MAX_WINDOWS:
        raise InvalidInput(f"at most {MAX_WINDOWS} time windows", field)
    return sorted(set(out))


def windows_of(stored: Iterable[Sequence[int]] | None) -> list[Window]:
    """The windows of a row's JSON column."""
    return [Window(int(d), int(a), int(b)) for d, a, b in (stored or [])]


def format_windows(windows: Iterable[Window]) -> str:
    return "; ".join(w.text() for w in windows)


def common_window(a: Sequence[Window], b: Sequence[Window]) -> Window | None | bool:
    """The first window the two lists share (the overlap of its hours); ``True`` when both
    are "any time"; ``None`` when there is none."""
    if not a and not b:
        return True
    if not a or not b:
        return (b or a)[0]
    for x in a:
        for y in b:
            if x.day == y.day and max(x.start, y.start) < min(x.end, y.end):
                return Window(x.day, max(x.start, y.start), min(x.end, y.end))
    return None


# --------------------------------------------------------------------------- the problem


@dataclass(frozen=True)
class NeedIn:
    """A need as the solver sees it."""

    id: int
    type: str
    lon: float
    lat: float
    people: int
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class OfferIn:
    """A service or resource as the solver sees it: ``left`` places are still free."""

    id: int
    type: str
    lon: float
    lat: float
    left: int
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class Pair:
    """A feasible need–offer pair: its distance (whole metres) and the window in common
    (``None``: both any time)."""

    need: int
    offer: int
    distance_m: int
    window: Window | None


def candidates(needs: Sequence[NeedIn], offers: Sequence[OfferIn], *,
               max_distance_m: int = MAX_DISTANCE_M) -> list[Pair]:
    """Every pair that may be matched: same type, near enough, a window in common, room for
    the need's people."""
    out: list[Pair] = []
    for n in needs:
        for o in offers:
            if o.type != n.type or o.left < n.people or n.people < 1:
                continue
            d = round(haversine_m(n.lon, n.lat, o.lon, o.lat))
            if d > max_distance_m:
                continue
            w = common_window(n.windows, o.windows)
            if w is None:
                continue
            out.append(Pair(n.id, o.id, d, None if w is True else w))  # type: ignore[arg-type]
    return out


def objective(pairs: Iterable[Pair]) -> tuple[int, int]:
    """What the solver optimises, to compare: (matches, -total distance), the larger the better."""
    chosen = list(pairs)
    return len(chosen), -sum(p.distance_m for p in chosen)


def feasible(pairs: Iterable[Pair], needs: Sequence[NeedIn], offers: Sequence[OfferIn]) -> bool:
    """Each need at most once; no offer over its places left."""
    chosen = list(pairs)
    people = {n.id: n.people for n in needs}
    left = {o.id: o.left for o in offers}
    if len({p.need for p in chosen}) != len(chosen):
        return False
    used: dict[int, int] = {}
    for p in chosen:
        used[p.offer] = used.get(p.offer, 0) + people[p.need]
    return all(used[o] <= left[o] for o in used)


def solve(needs: Sequence[NeedIn], offers: Sequence[OfferIn], *,
          max_distance_m: int = MAX_DISTANCE_M) -> list[Pair]:
    """The optimal assignment: the most needs matched, then the least total distance."""
    pairs = candidates(needs, offers, max_distance_m=max_distance_m)
    if not pairs:
        return []
    people = {n.id: n.people for n in needs}
    left = {o.id: o.left for o in offers}
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(pairs))]
    by_need: dict[int, list[int]] = {}
    by_offer: dict[int, list[int]] = {}
    for i, p in enumerate(pairs):
        by_need.setdefault(p.need, []).append(i)
        by_offer.setdefault(p.offer, []).append(i)
    for idx in by_need.values():
        model.add_at_most_one(x[i] for i in idx)
    for offer, idx in by_offer.items():
        if sum(people[pairs[i].need] for i in idx) > left[offer]:
            model.add(sum(people[pairs[i].need] * x[i] for i in idx) <= left[offer])
    # One more match is worth more than any saving of distance.
    big = sum(p.distance_m for p in pairs) + 1
    model.minimize(sum((p.distance_m - big) * x[i] for i, p in enumerate(pairs)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20.0
    status = solver.solve(model)
    if status != cp_model.OPTIMAL:  # pragma: no cover - tiny models always solve to optimality
        raise RuntimeError(f"matching did not reach an optimum ({solver.status_name(status)})")
    return [p for i, p in enumerate(pairs) if solver.value(x[i])]


# --------------------------------------------------------------------------- the words


def explain(type_: str, distance_m: int, window_: Window | None, left: int, capacity: int,
            lang: str = "zh") -> str:
    """A match in words: its type, how far, when, and the places left of the offer's."""
    parts = [type_name(type_, lang), f"{distance_m:,} m" if distance_m < 1000 else f"{distance_m / 1000:.1f} km"]
    names = weekdays.names("zh" if lang == "zh" else "en")
    if window_ is None:
        parts.append("时间不限" if lang == "zh" else "any time")
    else:
        parts.append(f"{names[window_.day]} {window_.start}:00–{window_.end}:00")
    if lang == "zh":
        parts.append(f"还剩 {left}/{capacity} 个名额")
    else:
        parts.append(f"{left} of {capacity} places left")
    return " · ".join(parts)
