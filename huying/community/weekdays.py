"""The days of the week, written once for the whole domain: the tokens of OpenStreetMap's
``opening_hours`` (which the centres' hours and the lists' time windows are written in) and
their names in each language."""

from __future__ import annotations

#: OpenStreetMap's two-letter days, Monday first (index = ``datetime.weekday()``).
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: The days' names by language (short forms, as pages and explanations show them).
NAMES: dict[str, tuple[str, ...]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def index(token: str) -> int | None:
    """The weekday of a token written either way (``Sa`` or ``周六``), or None."""
    if token in DAYS:
        return DAYS.index(token)
    if token in NAMES["zh"]:
        return NAMES["zh"].index(token)
    return None


def names(lang: str) -> tuple[str, ...]:
    return NAMES.get(lang, NAMES["en"])
