"""Every list and figure table of the pages as a spreadsheet, one way for all of them.

A page declares its table as a :class:`Sheet` (the header in the person's language and the
rows) built by one function from the very data the page renders, after the page's own
query, filters and scope checks; ``?format=csv`` or ``?format=xlsx`` on the page's URL
then answers that sheet as a file instead of the HTML (:func:`answer`), and the template
offers the download with the ``_downloads.html`` macro, which keeps the page's query. The
files follow the rules of :mod:`huying.http.sheets`: CSV with a BOM for Excel, XLSX
written row by row, every text cell guarded against formulas; personal numbers typed into
free text are masked by the builders (``redact.public_text``) as on any surface that
leaves the system."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import Response

from huying.cityconfig import deadlines
from huying.errors import InvalidInput
from huying.http import sheets
from huying.http.sheets import Cell, Table
from huying.web import i18n
from huying.web.templating import request_lang

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The formats a page's table downloads in, and their media types.
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
#: The most rows a download of a paged list holds (the pages show 20 or 50 at a time).
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Sheet:
    """A page's table: ``name`` is the file's name (ASCII), ``header`` the column titles in
    the person's language, ``rows`` the cells (text, numbers, local moments)."""

    name: str
    header: list[str]
    rows: list[list[Cell]]
    widths: Sequence[int] = field(default=())

    def table(self) -> Table:
        return self.header, [sheets.safe_row(r) for r in self.rows]


def wanted(request: Request) -> str | None:
    """The format asked for by ``?format=`` (None: the page itself); an unknown one is bad
    input (the page's 4xx with the reason)."""
    kind = request.query_params.get("format", "")
    if not kind:
        return None
    if kind not in FORMATS:
        raise InvalidInput("a download is csv or xlsx", "format")
    return kind


def file(sheet: Sheet, kind: str, now: dt.datetime) -> Response:
    """``sheet`` as a file of ``kind`` (csv or xlsx), named after it and the moment."""
    stamp = now.astimezone(deadlines.zone()).strftime("%Y%m%d-%H%M")
    data = sheet.table()
    body = sheets.csv_bytes(data) if kind == "csv" else sheets.xlsx_bytes(data, sheet.widths)
    return Response(body, media_type=FORMATS[kind], headers={
        "Content-Disposition": f'attachment; filename="{sheet.name}-{stamp}.{kind}"',
        "Cache-Control": "private, no-store", "X-Rows": str(len(data[1]))})


def answer(request: Request, kind: str, build: Callable[[], Sheet], now: dt.datetime) -> Response:
    """The file of the sheet that ``build`` makes, its words in the request's language."""
    with i18n.active(request_lang(request)):
        sheet = build()
    return file(sheet, kind, now)


def moment(t: dt.datetime | None) -> Cell:
    """A stored moment as the city's local time to the minute (a date in the XLSX)."""
    if t is None:
        return ""
    return t.astimezone(deadlines.zone()).replace(tzinfo=None, second=0, microsecond=0)


def share(num: int, den: int) -> float | str:
    """A rate as a percentage with one decimal (as the pages show it), blank without a base."""
    return round(num * 100 / den, 1) if den else ""
