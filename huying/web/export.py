"""The work list as a spreadsheet: the same rows as the page (``worklist.rows_of``), named
in the person's language through the same labels as the page (``_labels.html``), as CSV
(UTF-8 with a BOM, so that Excel reads Chinese) or XLSX. No contacts or descriptions: what
the list shows, nothing more; personal numbers typed into a title (identity, phone, bank
card, e-mail) are masked by the rule of every surface that leaves the system
(``redact.public_text``), since a file is mailed on. A cell that a spreadsheet would read as
a formula (``= + - @``, tab, carriage return first) is written with a leading ``'``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from huying.cases import redact
from huying.cityconfig import deadlines
from huying.http import sheets
from huying.http.sheets import FORMULA_START, WHEN, Cell, Table, csv_bytes, safe  # noqa: F401 - the work list's export
from huying.web import i18n
from huying.web.templating import templates
from huying.web.worklist import Row, days_hours

_ = i18n.gettext_


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
            cells = [r.code, redact.public_text(r.title, redact.NO_NAMES) or "", str(labels.status(r.status)), name(r.community), name(r.grid),
                     name(r.unit), name(r.category), str(labels.channel(r.channel)), when(r.created_at),
                     when(r.due_at), duration(r.left), supervision]
            body.append([safe(c) if isinstance(c, str) else c for c in cells])
    return header, body


WIDTHS = (20, 36, 12, 16, 18, 26, 22, 12, 17, 17, 18, 10)


def xlsx_bytes(data: Table) -> bytes:
    return sheets.xlsx_bytes(data, WIDTHS)
