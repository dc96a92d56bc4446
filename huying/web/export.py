"""The work list as a spreadsheet: the same rows as the page (``worklist.rows_of``), named
in the person's language through the same labels as the page (``_labels.html``), as CSV
(UTF-8 with a BOM, so that Excel reads Chinese) or XLSX. No contacts or descriptions: what
the list shows, nothing more; personal numbers typed into a title (identity, phone, bank
card, e-mail) are masked by the rule of every surface that leaves the system
(``redact.public_text``), since a file is mailed on. A cell that a spreadsheet would read as
a formula (``= + - @``, tab, carriage return first) is written with a leading ``'``."""

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

from huying.cases import redact
from huying.cityconfig import deadlines
from huying.web import i18n
from huying.web.templating import templates
from huying.web.worklist import Row, days_hours

_ = i18n.gettext_
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A cell: text, or a moment (local time, no zone) that the XLSX keeps as a date.
Cell = str | dt.datetime
Table = tuple[list[str], list[list[Cell]]]
WHEN = "%Y-%m-%d %H:%M"


def safe(value: str) -> str:
    """``value`` as a cell that no spreadsheet evaluates."""
    return "'" + value if value.startswith(FORMULA_START) else value


def span(delta: dt.timedelta) -> str:
    """``|delta|`` in days and hours ("2 天 3 小时"; minutes under an hour)."""
    days, hours, minutes = days_hours(delta)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": minutes}


def duration(delta: dt.timedelta | None) -> str:
    """Time left, or overdue by, in days and hours ("超期 1 天 4 小时")."""
    if delta is None:
        return ""
    words = _("Overdue by %(span)s") if delta.total_seconds() < 0 else _("%(span)s left")
    return words % {"span": span(delta)}


def table(rows: Sequence[Row], lang: str, now: dt.datetime) -> Table:
    """The header and the cells of ``rows`` in ``lang``."""
    with i18n.active(lang):
        labels: Any = templates.env.get_template("_labels.html").make_module({"lang": lang})
        zone = deadlines.zone()

        def when(t: dt.datetime | None) -> Cell:
            return t.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0) if t else ""

        def name(obj: Any) -> str:
            return obj.name(lang) if obj is not None else ""

        header = [_("Code"), _("Problem"), _("Status"), _("Community"), _("Grid"), _("Responsible unit"),
                  _("Category"), _("Channel"), _("Reported at"), _("Due"), _("Time left"), _("Supervision")]
        body = []
        for r in rows:
            supervision = ""
            if r.notices:
                supervision = _("Awaiting the reply") if r.notices_open else _("Supervised")
            cells = [r.code, redact.public_text(r.title) or "", str(labels.status(r.status)), name(r.community), name(r.grid),
                     name(r.unit), name(r.category), str(labels.channel(r.channel)), when(r.created_at),
                     when(r.due_at), duration(r.left), supervision]
            body.append([safe(c) if isinstance(c, str) else c for c in cells])
    return header, body


def csv_bytes(data: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(data[0])
    writer.writerows([c.strftime(WHEN) if isinstance(c, dt.datetime) else c for c in row] for row in data[1])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


WIDTHS = (20, 36, 12, 16, 18, 26, 22, 12, 17, 17, 18, 10)


def xlsx_bytes(data: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for i, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "B2"
    sheet.append(data[0])
    def cell(value: Cell) -> Any:
        if isinstance(value, dt.datetime):  # a date Excel sorts and filters as one
            out = WriteOnlyCell(sheet, value=value)
            out.number_format = "yyyy-mm-dd hh:mm"
            return out
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # no control characters in a workbook's XML

    for row in data[1]:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
