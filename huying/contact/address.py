"""Chinese addresses: parsing, a normalised key, and matching against the register
(address → grid), with no external geocoder.

:func:`parse` reads an address from the left into :class:`AddressParts`: town (镇/街道),
community (社区/村, with 居民委员会/村民委员会 dropped), road (大道/路/街/巷/道; without one of
these, whatever stands before the number), number (号, also ``12之3号``), estate (whatever
stands between the number and the building, e.g. 金色华庭), building (栋/座/幢/号楼), unit
(单元) and room (室/房, or a bare number at the end; the forms ``3-2-201`` and ``A-1201`` are
read as building–unit–room and building–room). Before that the text is normalised: NFKC
(full-width digits, letters and spaces to ASCII), spaces and punctuation removed, letters
upper-cased, the prefixes 广东省/东莞市 dropped, and Chinese numerals before
号/栋/座/幢/单元/室/房/楼/层 or at the end turned into digits (十二栋 → 12栋, 一二零一室 →
1201室); numbers lose leading zeros. A floor (3楼, 3层) is read and not kept: the room number
carries it.

:class:`AddressIndex` holds the register's addresses ``(id, text, grid code)`` in memory and
answers :meth:`AddressIndex.match`:

* ``exact``: the query's key is a register key (all of it, every part equal), one grid;
* ``fuzzy``: no key is equal, but the best-scoring addresses all lie in one grid (a query
  less specific than the register, a missing town, a misspelt road …): that grid;
* ``ambiguous``: the best-scoring addresses lie in more than one grid (人民路12号 without a
  town, when several towns have one): no grid, the candidates listed with their scores;
* ``unknown``: nothing compatible.

Scoring: candidates come from the (road, number) of the query — its road as written, else
(or when nothing on it fits: a misspelling can give another registered road, 创业路 → 兴业路)
the registered roads sharing all but one of its characters and within one edit in three
(:func:`similarity`) — else from its community and road, its road, or its community. A part
present in both query and address scores its weight when equal and disqualifies the address
when different (a misspelt road scores its similarity instead); a part only in the query
costs a little (the register lacks it); a part only in the address is ignored (the query is
less specific). The score is divided by the total weight of the query's parts, so it lies
in [0, 1].
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PARTS = ("town", "community", "road", "number", "estate", "building", "unit", "room")
#: The weight of each part in a score.
WEIGHTS = {"town": 2.0, "community": 2.0, "road": 3.0, "number": 3.0, "estate": 1.0,
           "building": 2.0, "unit": 1.0, "room": 1.0}
#: A part the query has and the address lacks costs this share of its weight.
MISSING_PENALTY = 0.25
#: Two scores this close are a tie.
TIE = 1e-9
#: The least similarity (:func:`similarity`) for a road to be taken for another.
ROAD_SIMILARITY = 0.6

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=号|栋|座|幢|单元|室|房|楼|层|$)")
_NOISE = re.compile(r"[\s,，。.、;；:：()（）\[\]【】\"'“”‘’#＃/\\|_]+")
_PREFIX = re.compile(r"^(?:中国)?(?:广东省)?(?:东莞市)?")

_TOWN = re.compile(r"(.{1,5}?(?:街道|镇))")
_COMMUNITY = re.compile(r"(.{1,10}?社区|.{1,6}?村(?![路街巷道委]))(?:居民委员会|村民委员会|居委会|村委会)?")
_ROAD = re.compile(r"(.{1,10}?(?:大道|路|街|巷|道))")
_ROAD_BEFORE_NUMBER = re.compile(r"(\D{2,10}?)\d+(?:之\d+)?号(?!楼)")
_NUMBER = re.compile(r"(\d+)(?:之(\d+))?号(?!楼)")
_BUILDING = re.compile(r"(.*?)([A-Z]|\d+)(?:栋|座|幢|号楼)")
_HYPHEN3 = re.compile(r"(.*?)([A-Z]|\d+)-(\d+)-(\d+)(?:室|房)?$")
_HYPHEN2 = re.compile(r"(.*?)([A-Z]|\d+)-(\d+)(?:室|房)?$")
_UNIT = re.compile(r"(\d+)单元")
_FLOOR = re.compile(r"(\d+)(?:楼|层)")
_ROOM = re.compile(r"(\d+)(?:室|房|号房)?$")


_SUFFIX = re.compile(r"(?:大道|路|街|巷|道)$")


def _stem(road: str) -> str:
    """A road's name without its 路/街/大道/巷/道 (the characters that tell roads apart)."""
    return _SUFFIX.sub("", road) or road


def chinese_to_int(text: str) -> int:
    """十二 → 12, 一百零五 → 105, 两千 → 2000; digit by digit when there is no unit
    (一二零一 → 1201)."""
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, num = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            num = _CN_DIGITS[ch]
        else:
            total += (num or 1) * _CN_UNITS[ch]
            num = 0
    return total + num


def normalise(text: str) -> str:
    """NFKC, no spaces or punctuation, upper case, no province/city prefix, Chinese numerals
    before the numbered parts as digits."""
    s = unicodedata.normalize("NFKC", text)
    s = _NOISE.sub("", s).upper().replace("—", "-").replace("－", "-")
    s = _PREFIX.sub("", s)
    return _CN_NUMERAL.sub(lambda m: str(chinese_to_int(m.group(0))), s)


def _num(text: str | None) -> str | None:
    if text is None:
        return None
    return text.lstrip("0") or "0" if text.isdigit() else text


@dataclass(frozen=True)
class AddressParts:
    town: str | None = None
    community: str | None = None
    road: str | None = None
    number: str | None = None
    estate: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    rest: str = ""  # what could not be read

    def key(self) -> str:
        """The normalised key: the parts joined by ``|`` (empty where absent)."""
        return "|".join(getattr(self, p) or "" for p in PARTS)

    def present(self) -> list[str]:
        return [p for p in PARTS if getattr(self, p)]


def parse(text: str, read_town: bool = True) -> AddressParts:
    """Read an address into its parts (see the module's docstring); ``read_town=False``: the
    text has no town (圩镇社区… is a community, not the town 圩镇)."""
    s = normalise(text)
    got: dict[str, str | None] = {}
    for name, rx in (("town", _TOWN), ("community", _COMMUNITY), ("road", _ROAD)):
        if name == "town" and not read_town:
            continue
        m = rx.match(s)
        if m:
            got[name] = m.group(1)
            s = s[m.end():]
    if "road" not in got:  # a road whose suffix is misspelt: whatever stands before 号's number
        m = _ROAD_BEFORE_NUMBER.match(s)
        if m:
            got["road"] = m.group(1)
            s = s[m.end(1):]
    m = _NUMBER.match(s)
    if m:
        got["number"] = _num(m.group(1)) + (f"-{_num(m.group(2))}" if m.group(2) else "")  # type: ignore[operator]
        s = s[m.end():]
    m = _HYPHEN3.match(s) or _HYPHEN2.match(s)
    if m:
        got["estate"] = m.group(1) or None
        got["building"] = _num(m.group(2))
        if len(m.groups()) == 4:
            got["unit"], got["room"] = _num(m.group(3)), _num(m.group(4))
        else:
            got["room"] = _num(m.group(3))
        s = ""
    else:
        m = _BUILDING.match(s)
        if m:
            got["estate"] = m.group(1) or None
            got["building"] = _num(m.group(2))
            s = s[m.end():]
        m = _UNIT.match(s)
        if m:
            got["unit"] = _num(m.group(1))
            s = s[m.end():]
        m = _FLOOR.match(s)
        if m and s[m.end():]:  # a floor followed by a room: keep the room only
            s = s[m.end():]
        m = _ROOM.match(s)
        if m:
            got["room"] = _num(m.group(1))
            s = s[m.end():]
    return AddressParts(**got, rest=s)  # type: ignore[arg-type]


def similarity(a: str, b: str) -> float:
    """1 − the edit distance over the longer length (人民路/仁民路: 0.67)."""
    if a == b:
        return 1.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1 - prev[-1] / max(len(a), len(b))


@dataclass(frozen=True)
class Candidate:
    address_id: int
    text: str
    grid_code: str
    score: float


Kind = Literal["exact", "fuzzy", "ambiguous", "unknown"]
_RANK = {"exact": 0, "fuzzy": 1, "ambiguous": 2, "unknown": 3}


@dataclass(frozen=True)
class Match:
    kind: Kind
    grid_code: str | None  # None when ambiguous or unknown
    candidates: list[Candidate]
    parts: AddressParts


class AddressIndex:
    """The register's addresses in memory, for :meth:`match`."""

    def __init__(self, rows: Iterable[tuple[int, str, str]], max_candidates: int = 10) -> None:
        self.max_candidates = max_candidates
        self.ids: list[int] = []
        self.texts: list[str] = []
        self.grids: list[str] = []
        self.parts: list[AddressParts] = []
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.by_road_number: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.by_community_road: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.by_road: dict[str, list[int]] = defaultdict(list)
        self.by_community: dict[str, list[int]] = defaultdict(list)
        # the same three for the addresses without a number: the only ones a query with a
        # number can match once its (road, number) is not registered
        self.no_number: tuple[dict[tuple[str, str], list[int]], dict[str, list[int]], dict[str, list[int]]] = (
            defaultdict(list), defaultdict(list), defaultdict(list))
        self.road_chars: dict[str, set[str]] = defaultdict(set)
        self.towns: dict[str, str] = {}  # short name -> full name
        for aid, text, grid in rows:
            i = len(self.ids)
            p = parse(text)
            self.ids.append(aid)
            self.texts.append(text)
            self.grids.append(grid)
            self.parts.append(p)
            self.by_key[p.key()].append(i)
            cr, r, c = (self.by_community_road, self.by_road, self.by_community)
            if p.road and p.number:
                self.by_road_number[(p.road, p.number)].append(i)
            for d_cr, d_r, d_c in ((cr, r, c),) + ((self.no_number,) if not p.number else ()):
                if p.road:
                    d_r[p.road].append(i)
                    if p.community:
                        d_cr[(p.community, p.road)].append(i)
                if p.community:
                    d_c[p.community].append(i)
            if p.town:
                self.towns[p.town.removesuffix("街道").removesuffix("镇")] = p.town
        self.town_names = set(self.towns.values())
        for road in self.by_road:
            for ch in set(_stem(road)):
                self.road_chars[ch].add(road)

    def __len__(self) -> int:
        return len(self.ids)

    def readings(self, text: str) -> list[AddressParts]:
        """The ways to read ``text`` against this register: as parsed; without a town when
        the one read is not a registered town (圩镇社区…); with a registered town written
        without 镇/街道 at its start (虎门人民路…)."""
        p = parse(text)
        out = [p]
        if p.town is not None and p.town not in self.town_names:
            out.append(parse(text, read_town=False))
        if p.town is None or p.town not in self.town_names:
            s = normalise(text)
            for cut in (4, 3, 2):
                full = self.towns.get(s[:cut])
                if full is not None:
                    out.append(parse(full + s[cut:]))
                    break
        return out

    def similar_roads(self, road: str) -> list[tuple[str, float]]:
        """Registered roads within :data:`ROAD_SIMILARITY` of ``road``, most similar first
        (those sharing all but one of the characters before its 路/街/大道… are compared)."""
        counts: dict[str, int] = defaultdict(int)
        stem = set(_stem(road))
        for ch in stem:
            for r in self.road_chars.get(ch, ()):
                counts[r] += 1
        out = [(r, similarity(road, r)) for r, c in counts.items()
               if c >= max(1, min(len(stem), len(set(_stem(r)))) - 1)]
        return sorted((x for x in out if x[1] >= ROAD_SIMILARITY), key=lambda x: (-x[1], x[0]))[:5]

    def _pool(self, p: AddressParts, similar: bool) -> tuple[list[int], dict[str, float]]:
        """Candidate addresses for the query, and the similarity of each road considered: its
        road as written when registered (unless ``similar``), else the similar roads."""
        roads: dict[str, float] = {}
        if p.road:
            if p.road in self.by_road and not similar:
                roads = {p.road: 1.0}
            else:
                roads = dict(self.similar_roads(p.road))
        pool: list[int] = []
        by_cr, by_r, by_c = self.by_community_road, self.by_road, self.by_community
        if p.number:
            for r in roads:
                pool += self.by_road_number.get((r, p.number), [])
            by_cr, by_r, by_c = self.no_number
        if not pool and p.community:
            for r in roads:
                pool += by_cr.get((p.community, r), [])
        if not pool:
            for r in roads:
                pool += by_r.get(r, [])
        if not pool and p.community:
            pool = by_c.get(p.community, [])
        return pool, roads

    def score(self, q: AddressParts, a: AddressParts, roads: dict[str, float]) -> float | None:
        """The score of address ``a`` for the query ``q``, ``None`` if they disagree."""
        total = got = 0.0
        for name in PARTS:
            qv = getattr(q, name)
            if not qv:
                continue
            w = WEIGHTS[name]
            total += w
            av = getattr(a, name)
            if not av:
                got -= MISSING_PENALTY * w
            elif qv == av:
                got += w
            elif name == "road" and av in roads:
                got += w * roads[av]
            elif name in ("town", "community") and (qv in av or av in qv):
                got += 0.9 * w  # 虎门 for 虎门镇, 岗贝 for 岗贝社区
            else:
                return None
        return got / total if total else None

    def match(self, text: str) -> Match:
        """The grid of ``text`` (see the module's docstring). Where the text can be read in
        more than one way (:meth:`readings`), the best answer wins: exact, then fuzzy, then
        ambiguous, then unknown; between two of a kind, the higher score."""
        best: tuple[int, float, Match] | None = None
        for q in self.readings(text):
            m = self.match_parts(q)
            rank = (_RANK[m.kind], -(m.candidates[0].score if m.candidates else 0.0))
            if best is None or rank < best[:2]:
                best = (*rank, m)
        assert best is not None
        return best[2]

    def match_parts(self, q: AddressParts) -> Match:
        exact = self.by_key.get(q.key())
        if exact:
            grids = {self.grids[i] for i in exact}
            cands = [self._candidate(i, 1.0) for i in exact[: self.max_candidates]]
            if len(grids) == 1:
                return Match("exact", self.grids[exact[0]], cands, q)
            return Match("ambiguous", None, cands, q)
        scored: list[tuple[float, int]] = []
        # a misspelt road can be another registered road (创业路 → 兴业路): when nothing on the
        # road as written fits, the similar roads are tried
        for similar in (False, True) if q.road in self.by_road else (True,):
            pool, roads = self._pool(q, similar)
            for i in pool:
                s = self.score(q, self.parts[i], roads)
                if s is not None and s > 0:
                    scored.append((s, i))
            if scored:
                break
        if not scored:
            return Match("unknown", None, [], q)
        scored.sort(key=lambda x: (-x[0], x[1]))
        best = scored[0][0]
        top = [i for s, i in scored if s >= best - TIE]
        grids = {self.grids[i] for i in top}
        shown = [self._candidate(i, s) for s, i in scored[: self.max_candidates]]
        if len(grids) == 1:
            return Match("fuzzy", self.grids[top[0]], shown, q)
        # ambiguous: one candidate per grid among the best
        firsts: dict[str, Candidate] = {}
        for s, i in scored:
            if s >= best - TIE and self.grids[i] not in firsts:
                firsts[self.grids[i]] = self._candidate(i, s)
        return Match("ambiguous", None, list(firsts.values())[: self.max_candidates], q)

    def _candidate(self, i: int, score: float) -> Candidate:
        return Candidate(self.ids[i], self.texts[i], self.grids[i], round(score, 4))
