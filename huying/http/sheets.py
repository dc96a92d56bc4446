"""Tables leaving the system as spreadsheets: CSV (UTF-8 with a BOM, so that Excel reads
Chinese) and XLSX (openpyxl, write-only). One rule for every export: a cell that a
spreadsheet would read as a formula (``= + - @``, tab, carriage return first) is written
with a leading ``'`` (:func:`safe`), and a workbook holds no control characters."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A cell: text, a number, or a moment (local time, no zone) that the XLSX keeps as a date.
Cell = str | int | float | dt.datetime
Table = tuple[list[str], list[list[Cell]]]
WHEN = "%Y-%m-%d %H:%M"


def safe(value: str) -> str:
    """``value`` as a cell that no spreadsheet evaluates."""
    return "'" + value if value.startswith(FORMULA_START) else value


def safe_row(cells: Sequence[Cell]) -> list[Cell]:
    """Every text cell of a row made :func:`safe`."""
    return [safe(c) if isinstance(c, str) else c for c in cells]


def csv_bytes(data: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(data[0])
    writer.writerows([c.strftime(WHEN) if isinstance(c, dt.datetime) else c for c in row] for row in data[1])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(data: Table, widths: Sequence[int] = ()) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "B2"
    sheet.append(data[0])

    def cell(value: Cell) -> Any:
        if isinstance(value, dt.datetime):  # a date Excel sorts and filters as one
            out = WriteOnlyCell(sheet, value=value)
            out.number_format = "yyyy-mm-dd hh:mm"
            return out
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value)  # no control characters in a workbook's XML
        return value

    for row in data[1]:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
