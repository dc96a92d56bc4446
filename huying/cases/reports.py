"""What a report is, and the one check of a report on every channel (web form, API, Open311,
hotline, patrols, visits, walks, bulk import): the API's schema takes its limits from here,
intake and ``loop.report`` call :func:`check`, the bulk importer :func:`problems` (which names
every problem of a row, not only the first)."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from huying.cases.attachments import Upload
from huying.cityconfig.sla import Priority
from huying.errors import InvalidInput
from huying.http.body import CONTROL  # the one rule of what a text may not hold


class Channel(enum.StrEnum):
    RESIDENT_WEB = "resident_web"
    OPEN311 = "open311"
    GRID_PATROL = "grid_patrol"
    RESIDENT_POINT_VISIT = "resident_point_visit"
    INSPECTION_WALK = "inspection_walk"
    HOTLINE = "hotline"
    BULK_IMPORT = "bulk_import"


#: The longest text each field of a report takes.
LIMITS = {"title": 200, "description": 5000, "address": 200, "contact": 60, "fixed_on_spot": 5000,
          "note": 2000, "category": 60}


@dataclass(frozen=True)
class ReportIn:
    """A report as any channel receives it (``category`` optional: intake classifies)."""

    title: str
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    category: str | None = None
    priority: str = "normal"
    anonymous: bool = False
    contact: str | None = None
    uploads: Sequence[Upload] = ()
    fixed_on_spot: str | None = None
    note: str | None = None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def problems(report: ReportIn) -> list[tuple[str, str]]:
    """Every problem of the report as (field, reason); empty when it is sound."""
    out: list[tuple[str, str]] = []
    if not (report.title or "").strip():
        out.append(("title", "must not be empty"))
    for name, limit in LIMITS.items():
        value = getattr(report, name)
        if value is None:
            continue
        if len(value.strip()) > limit:
            out.append((name, f"longer than {limit} characters"))
        if CONTROL.search(value):
            out.append((name, "contains a control character"))
    if report.fixed_on_spot is not None and not report.fixed_on_spot.strip():
        out.append(("fixed_on_spot", "the evidence of a fix must not be empty"))
    for name, bound in (("lon", 180.0), ("lat", 90.0)):
        value = getattr(report, name)
        if value is not None and (not math.isfinite(value) or not -bound <= value <= bound):
            out.append((name, f"{value} is outside [-{bound:g}, {bound:g}]"))
    if (report.lon is None) != (report.lat is None):
        out.append(("location", "give both lon and lat"))
    if report.lon is None and report.lat is None and not _clean(report.address):
        out.append(("location", "a location (lon/lat) or an address is required"))
    if report.priority not in Priority.__members__.values():
        out.append(("priority", f"{report.priority!r} is not one of {', '.join(Priority)}"))
    return out


def check(report: ReportIn) -> ReportIn:
    """The report with its texts stripped, or ``InvalidInput`` naming the first problem."""
    found = problems(report)
    if found:
        raise InvalidInput(found[0][1], found[0][0])
    return replace(report, title=report.title.strip(), description=(report.description or "").strip(),
                   address=_clean(report.address), category=_clean(report.category),
                   contact=_clean(report.contact), note=_clean(report.note),
                   fixed_on_spot=report.fixed_on_spot.strip() if report.fixed_on_spot is not None else None)
