"""Village-level divisions (社区 / 村): the names people use, their English labels and the
division list shipped with huying (Dongguan's 609 units, ``data/dongguan-communities.csv``).

A division list names each unit by its 12-digit statistical code, its full name
(岗贝社区居民委员会, 中围村村民委员会) and its town (code and name). The map keeps the short
name people use (:func:`short_name`: 岗贝社区, 中围村): the committee is the organisation,
the place is the community or village.

English names: huying ships no romaniser, and a guessed pinyin would be wrong in places
(polyphones, local readings), so a community's English name is a label built from what is
known for sure (:func:`english_name`): the town's English name, the kind of unit and the last
three digits of its statistical code, e.g. ``Dongcheng Community 001`` for 岗贝社区
(441900003001) or ``Shatian Village 200`` for 中围村 (441900123200). The Chinese name stays
the name; a city may rename the English label on the map page.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

#: The division list shipped in ``huying/data`` (see its ``ATTRIBUTION.md``).
SHIPPED = "dongguan-communities.csv"
#: The columns of a division list.
COLUMNS = ("code", "name", "town_code", "town_name")
#: Committee suffixes dropped from a full name, longest first.
COMMITTEE_SUFFIXES = ("居民委员会", "村民委员会", "居委会", "村委会")
#: The kind of unit by the end of its short name (first match), in English.
KINDS_EN = (("生活区", "Residential Area"), ("村", "Village"), ("社区", "Community"))


def short_name(full: str) -> str:
    """The name people use: the full name without its committee suffix
    (岗贝社区居民委员会 → 岗贝社区, 中围村村民委员会 → 中围村); other names as they are."""
    name = full.strip()
    for suffix in COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def kind_en(short: str) -> str:
    """Community, Village or Residential Area, by the end of the short name."""
    return next((en for zh, en in KINDS_EN if short.endswith(zh)), "Community")


def town_short_en(town_name_en: str) -> str:
    """A town's English name without Subdistrict / Town (Humen Town → Humen)."""
    return town_name_en.removesuffix(" Subdistrict").removesuffix(" Town")


def english_name(town_name_en: str, code: str, short: str) -> str:
    """The English label of a community: town, kind and the last three digits of its code
    (``Dongcheng Community 001``). See the module's docstring for why not pinyin."""
    return f"{town_short_en(town_name_en)} {kind_en(short)} {code[-3:]}"


@dataclass(frozen=True)
class Division:
    """One row of a division list."""

    code: str
    name: str
    town_code: str
    town_name: str

    @property
    def short(self) -> str:
        return short_name(self.name)


def load_shipped() -> list[Division]:
    """The shipped division list (Dongguan, 国家统计局 2023), in code order."""
    text = resources.files("huying").joinpath("data", SHIPPED).read_text(encoding="utf-8")
    rows = [Division(r["code"], r["name"], r["town_code"], r["town_name"]) for r in csv.DictReader(text.splitlines())]
    return sorted(rows, key=lambda d: d.code)
