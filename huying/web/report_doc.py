"""The report of a node as a document: its sentences (one builder per kind of statement, pure
over plain numbers and a gettext function), its SVG charts, and the one template that gives
both the HTML page and the PDF (WeasyPrint, A4, Noto Sans CJK SC).

The data is :class:`huying.accountability.report.Report`; nothing here reads the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from huying.accountability.report_data import CHILD_COLUMNS, Change, Figure, Report, Span, Statement
from huying.web import i18n, svgchart

Gettext = Callable[[str], str]
TEMPLATE = "report/node_report.html"
TEMPLATE_DIR = Path(__file__).parent / "templates"
#: The units drawn in the bar chart, most requests first, those with none left out (the
#: table lists them all).
BARS = 20


# ----------------------------------------------------------------------------- numbers
def num(n: float | None) -> str:
    """3,214 (thousands separated, as both languages write them); — for nothing."""
    if n is None:
        return "—"
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def pct(x: float | None) -> str:
    """A rate 0…1 as 91.8%."""
    return "—" if x is None else f"{x * 100:.1f}%"


def duration(hours: float | None, _: Gettext) -> str:
    """Hours as days from two days up (2.3 days), else hours (36.5 hours)."""
    if hours is None:
        return "—"
    if hours >= 48:
        return _("%(n)s days") % {"n": f"{hours / 24:.1f}"}
    return _("%(n)s hours") % {"n": f"{hours:.1f}"}


def period_label(p: Span, _: Gettext) -> str:
    """2026年 · 2026年第3季度 · 2026年7月 · 2026-01-01至2026-03-31 · 历年累计."""
    if p.start is None or p.end is None:
        return _("all time")
    if p.kind == "year":
        return _("%(year)s") % {"year": p.start.year}
    if p.kind == "quarter":
        return _("Q%(q)s %(year)s") % {"q": (p.start.month - 1) // 3 + 1, "year": p.start.year}
    if p.kind == "month":
        return _("%(year)s-%(month)s") % {"year": p.start.year, "month": f"{p.start.month:02d}"}
    return _("%(start)s to %(end)s") % {"start": p.start.isoformat(), "end": p.end.isoformat()}


def reference(p: Span, _: Gettext) -> str:
    """What a figure is compared with: the year before, or the same period of it."""
    return _("the year before") if p.kind == "year" else _("the same period a year before")


#: The figures of the report's first table, this period and a year before.
KEY_FIGURES = ("received", "closed", "on_time_rate", "response_rate", "satisfaction_rate", "solved_rate",
               "on_time_close_rate", "dispatch_accuracy", "rework_rate", "composite", "mean_hours_to_close")


def shown(kind: str, f: Figure | None, _: Gettext) -> str:
    """A figure as a table shows it: 3,214 · 91.8% · 2.3 days · —."""
    if f is None:
        return "—"
    if kind in ("rate", "composite"):
        return pct(None if f.value is None else float(f.value))
    if kind == "mean":
        return duration(None if f.value is None else float(f.value), _)
    return num(f.value)


# ----------------------------------------------------------------------------- clauses
def count_change(ch: Change, ref: str, _: Gettext) -> str:
    """``，较上年增长 3.9%`` · ``，较上年下降 …`` · ``，与上年持平`` · ``，上年同期为零`` · ''."""
    if ch.direction == "none":
        return ""
    if ch.direction == "flat":
        return _(", the same as %(ref)s") % {"ref": ref}
    if ch.share is None:  # from nothing
        return _(", none %(ref)s") % {"ref": ref}
    if round(ch.share * 100, 1) == 0:
        return _(", about the same as %(ref)s") % {"ref": ref}
    said = _(", up %(pct)s on %(ref)s") if ch.direction == "up" else _(", down %(pct)s on %(ref)s")
    return said % {"pct": f"{ch.share * 100:.1f}%", "ref": ref}


def rate_change(ch: Change, ref: str, _: Gettext) -> str:
    """``，较上年提高 2.1 个百分点`` · ``降低`` · ``，与上年持平`` · ''."""
    if ch.direction == "none":
        return ""
    if ch.direction == "flat":
        return _(", the same as %(ref)s") % {"ref": ref}
    said = (_(", up %(pp)s percentage points on %(ref)s") if ch.direction == "up"
            else _(", down %(pp)s percentage points on %(ref)s"))
    return said % {"pp": f"{ch.amount:.1f}", "ref": ref}


def hours_change(ch: Change, ref: str, _: Gettext) -> str:
    """``，较上年缩短 0.4 天`` · ``延长`` · ``，与上年持平`` · ''."""
    if ch.direction == "none":
        return ""
    if ch.direction == "flat":
        return _(", the same as %(ref)s") % {"ref": ref}
    amount = duration(ch.amount, _)
    said = _(", %(d)s shorter than %(ref)s") if ch.direction == "down" else _(", %(d)s longer than %(ref)s")
    return said % {"d": amount, "ref": ref}


def labels(_: Gettext) -> dict[str, str]:
    """The name of each figure (column headings, chart titles): the catalogue's labels
    (``indicators.CATALOGUE``), written out here so that the catalogue extracts them."""
    return {
        "received": _("Received"), "closed": _("Closed"), "on_time_rate": _("On-time rate"),
        "response_rate": _("Response rate"), "mean_hours_to_close": _("Mean time to close"),
        "open_now": _("Open now"), "overdue_now": _("Overdue now"), "walks": _("Inspection walks"),
        "walk_problems": _("Problems found on walks"), "walk_fixed": _("Problems fixed on the spot on walks"),
        "walk_closed": _("Walk problems closed"), "households_visited": _("Households visited"),
        "visit_coverage": _("Visit coverage"), "visit_requests": _("Requests collected on visits"),
        "visit_requests_closed": _("Visit requests closed"), "escalations": _("Escalations"),
        "fixed_on_spot": _("Fixed on the spot"), "dispatch_accuracy": _("Dispatch accuracy"),
        "on_time_handling_rate": _("On-time handling rate"), "on_time_close_rate": _("On-time close rate"),
        "rework_rate": _("Rework rate"), "composite": _("Composite score"),
        "projects_done": _("Exchange projects done"), "projects_active": _("Exchange projects under way"),
        "service_requests": _("Service requests accepted"), "service_requests_handled": _("Service requests handled"),
        "satisfaction_rate": _("Satisfaction rate"), "solved_rate": _("Solved rate"),
        "received_per_10k": _("Received per 10,000 residents"),
    }


def _count_phrase(key: str, n: str, _: Gettext) -> str:
    """A count with its words: ``共受理群众诉求 3,214 件``."""
    phrases = {
        "received": _("received %(n)s requests from the public"),
        "closed": _("closed %(n)s"),
        "walks": _("leaders and cadres went on %(n)s inspection walks"),
        "walk_problems": _("inspection walks found %(n)s problems"),
        "walk_fixed": _("%(n)s fixed on the spot"),
        "walk_closed": _("%(n)s put right"),
        "households_visited": _("visits reached %(n)s households"),
        "visit_requests": _("visits to residents collected %(n)s requests"),
        "visit_requests_closed": _("%(n)s of them closed"),
        "escalations": _("%(n)s cases escalated to a higher level"),
        "fixed_on_spot": _("grid teams fixed %(n)s problems on the spot"),
        "projects_done": _("%(n)s public-welfare projects were completed"),
        "projects_active": _("%(n)s under way"),
        "service_requests": _("the one-stop service accepted %(n)s requests"),
        "service_requests_handled": _("%(n)s handled"),
    }
    return phrases[key] % {"n": n}


def clause(s: Statement, ref: str, _: Gettext, *, compare: bool = True) -> str:
    """One statement as a clause (no final stop): the figure and how it moved since ``ref``."""
    kind = s.kind
    ch = s.change if compare else Change("none")
    v = s.figure.value
    if kind == "count":
        return _count_phrase(s.key, num(v), _) + count_change(ch, ref, _)
    if kind == "now":
        said = _("open now: %(n)s") if s.key == "open_now" else _("of them overdue: %(n)s")
        return said % {"n": num(v)}
    label = labels(_)[s.key]
    if v is None:
        return _("%(label)s: nothing to measure yet") % {"label": label}
    if kind in ("rate", "composite"):
        return _("%(label)s %(value)s") % {"label": label, "value": pct(v)} + rate_change(ch, ref, _)
    return _("%(label)s %(value)s") % {"label": label, "value": duration(v, _)} + hours_change(ch, ref, _)


def now_sentence(open_now: int, overdue_now: int, _: Gettext) -> str:
    """``目前在办 120 件，其中超期 8 件。`` (nothing to compare: a state at the moment)."""
    if not open_now:
        return _("No case is open now.")
    if not overdue_now:
        return _("%(open)s cases are open now, none of them overdue.") % {"open": num(open_now)}
    return _("%(open)s cases are open now, %(overdue)s of them overdue.") % {"open": num(open_now),
                                                                            "overdue": num(overdue_now)}


def sentence(clauses: list[str], _: Gettext) -> str:
    """Clauses joined and closed: ``a，b；c。``"""
    parts = [c for c in clauses if c]
    if not parts:
        return ""
    return _("; ").join(parts) + _(".")


# ----------------------------------------------------------------------------- paragraphs
@dataclass(frozen=True)
class Paragraph:
    key: str
    text: str


def _stmt(report: Report, key: str) -> Statement:
    for sec in report.sections:
        for s in sec.statements:
            if s.key == key:
                return s
    raise KeyError(key)


def _node_name(report: Report, lang: str) -> str:
    return report.node.name_zh if lang == "zh" else report.node.name_en


def paragraphs(report: Report, _: Gettext, lang: str) -> dict[str, list[str]]:
    """The sentences of each section, from the report's figures."""
    ref = reference(report.period, _)
    compare = report.before is not None
    c = lambda key: clause(_stmt(report, key), ref, _, compare=compare)  # noqa: E731
    zero = lambda *keys: all(not (_stmt(report, k).figure.value or 0) for k in keys)  # noqa: E731
    out: dict[str, list[str]] = {}

    opening = _("In %(period)s, %(node)s %(what)s") % {
        "period": period_label(report.period, _), "node": _node_name(report, lang), "what": c("received")}
    load = [sentence([opening, c("closed"), c("on_time_rate")], _),
            sentence([c("response_rate"), c("mean_hours_to_close")], _),
            now_sentence(int(_stmt(report, "open_now").figure.value or 0),
                         int(_stmt(report, "overdue_now").figure.value or 0), _)]
    if not compare:
        load.append(_("There are no figures for %(ref)s: nothing is compared.") % {"ref": ref})
    out["load"] = load

    through = []
    if zero("walks", "walk_problems", "walk_fixed", "walk_closed"):
        through.append(_("No inspection walk was recorded in this period."))
    else:
        through.append(sentence([c("walks"), c("walk_problems"), c("walk_fixed"), c("walk_closed")], _))
    if zero("households_visited", "visit_requests", "visit_requests_closed"):
        through.append(_("No visit to residents was recorded in this period."))
    else:
        through.append(sentence([c("households_visited"), c("visit_coverage"), c("visit_requests"),
                                 c("visit_requests_closed")], _))
    through.append(sentence([c("escalations")], _))
    ranked = [r for r in report.children if r.rank is not None]
    if len(ranked) >= 2:
        best, worst = ranked[0], ranked[-1]
        name = (lambda r: r.node.name_zh if lang == "zh" else r.node.name_en)  # noqa: E731
        through.append(_("Of the %(n)s units below, the highest %(label)s is %(best)s (%(bv)s), "
                         "the lowest %(worst)s (%(wv)s).") % {
            "n": len(report.children), "label": labels(_)[report.rank_key], "best": name(best),
            "bv": pct(best.values[report.rank_key].value), "worst": name(worst),
            "wv": pct(worst.values[report.rank_key].value)})
    out["through"] = through

    linkage = [sentence([c("fixed_on_spot")], _),
               sentence([c("dispatch_accuracy"), c("on_time_handling_rate"), c("on_time_close_rate"),
                         c("rework_rate")], _),
               sentence([c("composite")], _)]
    if zero("projects_done", "projects_active"):
        linkage.append(_("No public-welfare project was recorded in this period."))
    else:
        linkage.append(sentence([c("projects_done"), c("projects_active")], _))
    out["linkage"] = linkage

    service = []
    if zero("service_requests", "service_requests_handled"):
        service.append(_("No request was accepted at a one-stop service centre in this period."))
    else:
        service.append(sentence([c("service_requests"), c("service_requests_handled")], _))
    service.append(sentence([c("satisfaction_rate"), c("solved_rate")], _))
    out["service"] = service
    return out


# ----------------------------------------------------------------------------- charts
def trend_svg(report: Report, _: Gettext) -> str:
    t = report.trend
    months = [m[5:] if report.period.kind == "year" else m for m in t.months]
    return svgchart.line_chart(months, [(_("Received"), t.received), (_("Closed"), t.closed)],
                               title=_("Requests received and closed per month"), partial=t.partial,
                               partial_note=_("hollow: month to date"))


def children_svg(report: Report, _: Gettext, lang: str) -> str:
    rows = sorted((r for r in report.children if r.values["received"].value),
                  key=lambda r: -(r.values["received"].value or 0))[:BARS]
    return svgchart.bar_chart(
        [(r.node.name_zh if lang == "zh" else r.node.name_en, float(r.values["received"].value or 0),
          num(r.values["received"].value)) for r in rows],
        title=_("Requests received by the units below"))


# ----------------------------------------------------------------------------- the document
def context(report: Report, lang: str) -> dict[str, Any]:
    tr = i18n.translations(lang)
    _ = tr.gettext
    return {
        "r": report, "lang": lang, "html_lang": i18n.HTML_LANG[lang], "languages": i18n.LANGUAGES,
        "name": _node_name(report, lang), "period_label": period_label(report.period, _),
        "paragraphs": paragraphs(report, _, lang), "labels": labels(_),
        "trend_svg": trend_svg(report, _) if report.trend.months else "",
        "children_svg": children_svg(report, _, lang) if any(r.values["received"].value for r in report.children)
        else "",
        "num": num, "pct": pct, "duration": lambda h: duration(h, _), "kind": report.kind,
        "shown": lambda key, f: shown(report.kind(key), f, _), "key_figures": KEY_FIGURES, "child_columns": CHILD_COLUMNS,
        "child_name": lambda n: n.name_zh if lang == "zh" else n.name_en,
    }


@cache
def environment() -> Environment:
    """The documents' own Jinja environment: the web's templates and catalogue, without the
    web application (a process that renders a batch of reports loads no more than this)."""
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html", "xml"]),
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True,
                      lstrip_blocks=True)
    env.install_gettext_callables(i18n.gettext_, i18n.ngettext_, newstyle=True,  # type: ignore[attr-defined]
                                  pgettext=i18n.pgettext_, npgettext=i18n.npgettext_)
    return env


def html(report: Report, lang: str = i18n.DEFAULT, *, links: dict[str, str] | None = None) -> str:
    """The report as one HTML document (``links``: the page's own links, e.g. the PDF and
    the way back; none in a file or a PDF)."""
    with i18n.active(lang):
        return environment().get_template(TEMPLATE).render(**context(report, lang), links=links or {})


def pdf(report: Report, lang: str = i18n.DEFAULT) -> bytes:
    """The report as an A4 PDF (WeasyPrint; the text stays text, fonts embedded)."""
    from weasyprint import HTML  # heavy: loaded by those who print

    return HTML(string=html(report, lang)).write_pdf()  # type: ignore[no-any-return]


def filename(report: Report, fmt: str, lang: str = i18n.DEFAULT) -> str:
    """``虎门镇-2026年-报告.pdf``."""
    _ = i18n.translations(lang).gettext
    base = _("%(node)s %(period)s report") % {"node": _node_name(report, lang),
                                               "period": period_label(report.period, _)}
    safe = "".join(ch if ch.isalnum() or ch in "-_()（）" else "-" for ch in base).strip("-")
    return f"{safe}.{fmt}"


def disposition(name: str) -> str:
    """``attachment`` with the name in ASCII and in UTF-8 (RFC 5987 ``filename*``)."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
