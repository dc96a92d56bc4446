"""The tables of the pages as :class:`~huying.web.downloads.Sheet`: one function per table,
each reading the very objects its page renders (the leader's board, the walks' figures, the
visits' coverage, the ledger's rows …), so that the file holds the page's rows, in its
order, with its filters. Words in the active language (the caller sets it); names of
statuses and kinds through the pages' own label macros; rates as percentages with one
decimal next to their numerator and denominator; moments in the city's local time. Free
text that a person typed (titles, plans, reasons, replies) goes through
``redact.public_text`` like every surface that leaves the system."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from huying.accountability import indicators
from huying.cases import redact
from huying.cases.timing import milestone_overdue
from huying.community.matching import type_name
from huying.errors import InvalidInput
from huying.http.sheets import Cell
from huying.metrics import cockpit
from huying.web import i18n
from huying.web.downloads import Sheet, moment, share
from huying.web.templating import templates

_ = i18n.gettext_


def labels(name: str, lang: str) -> Any:
    """A template's label macros (``_labels.html``, ``_walk_labels.html`` …) to call from Python."""
    return templates.env.get_template(name).make_module({"lang": lang})


def name_of(obj: Any, lang: str) -> str:
    """A node's, a unit's or a named row's name in ``lang`` (as ``L.name`` shows it)."""
    if obj is None:
        return ""
    en = getattr(obj, "name_en", "") or ""
    return str(en if lang == "en" and en else obj.name_zh)


def text(value: str | None) -> str:
    """Free text as it may leave the system: personal numbers masked. The register's names
    stay: these files are the staff's, within their scope, and the staff read the register."""
    return redact.public_text(value, redact.NO_NAMES) or ""


def choose(table: str, tables: Sequence[str]) -> str:
    """The table asked for by ``?table=`` among a page's ``tables`` (the first by default)."""
    if not table:
        return tables[0]
    if table not in tables:
        raise InvalidInput(f"one of {', '.join(tables)}", "table")
    return table


# ----------------------------------------------------------------------------- the leader's figures
#: The tables of the leader's page, in the order of the page.
LEADER_TABLES = ("children", "rankings", "units", "indicators", "ranking")


def _pct(x: float | None) -> float | str:
    return "" if x is None else round(x * 100, 1)


def figures_header() -> list[str]:
    return [_("Code"), _("Name"), _("Received"), _("Closed"), _("On time"), _("On-time rate (%)"),
            _("Satisfied"), _("Rated"), _("Satisfaction rate (%)"), _("Reworked"), _("Rework rate (%)"),
            _("Mean time to close (hours)"), _("Escalations"), _("Open now"), _("Overdue now")]


def figures_row(r: cockpit.Row, lang: str) -> list[Cell]:
    """A node's row of the figures table: the counts and the rates the page shows."""
    f, c = r.figures, r.counts
    hours = f["mean_hours_to_close"]
    return [r.code, name_of(r, lang), c.received, c.closed, c.on_time, _pct(f["on_time_rate"]),
            c.satisfied, c.satisfied + c.dissatisfied, _pct(f["satisfaction_rate"]), c.reworked,
            _pct(f["rework_rate"]), "" if hours is None else round(hours, 1), c.escalations, c.open_now,
            c.overdue_now]


def leader_children(board: cockpit.Board, lang: str, stem: str) -> Sheet:
    """The leader's table of the nodes below."""
    return Sheet(f"{stem}-children", figures_header(), [figures_row(r, lang) for r in board.children],
                 (14, 22, *([11] * 13)))


def ranking_titles() -> dict[str, str]:
    """The rankings of the leader's page (keys: ``cockpit.RANKINGS``) as the page names them."""
    return {"on_time_rate": _("On-time rate, highest first"),
            "overdue_share": _("Share of open cases overdue, lowest first"),
            "satisfaction_rate": _("Satisfaction rate, highest first")}


def leader_rankings(rankings: dict[str, list[cockpit.Ranked]], lang: str, stem: str) -> Sheet:
    """Every ranking of the leader's page, one after the other: which, rank, node, rate,
    numerator, denominator."""
    titles = ranking_titles()
    rows: list[list[Cell]] = [[titles[key], x.rank, x.row.code, name_of(x.row, lang), share(x.num, x.den),
                               x.num, x.den]
                              for key, *_rest in cockpit.RANKINGS for x in rankings.get(key, [])]
    return Sheet(f"{stem}-rankings", [_("Ranking"), _("Rank"), _("Code"), _("Name"), _("Rate (%)"),
                                      _("Numerator"), _("Denominator")], rows, (36, 8, 14, 22, 10, 12, 12))


def leader_units(units: Sequence[cockpit.UnitLoad], lang: str, stem: str) -> Sheet:
    """The leader's table of the units here."""
    rows: list[list[Cell]] = [[u.code, name_of(u, lang), u.open_now, u.overdue_now,
                               "" if u.closed is None else u.closed] for u in units]
    return Sheet(f"{stem}-units", [_("Code"), _("Unit (most overdue first)"), _("Open now"), _("Overdue now"),
                                   _("Closed in the period")], rows, (18, 30, 12, 12, 16))


# ----------------------------------------------------------------------------- ledger and notices
def ledger(rows: Sequence[tuple[Any, Any, Sequence[Any]]], lang: str, now: Any, stem: str) -> Sheet:
    """The ledger (台账) of a node: a row per milestone, its case's and plan's cells on each."""
    L = labels("_labels.html", lang)
    out: list[list[Cell]] = []
    for led, c, ms in rows:
        base: list[Cell] = [c.code, text(c.title), str(L.status(c.status)), text(led.plan),
                            _("Ledger closed") if led.closed_at else _("Open")]
        for m in ms or [None]:
            if m is None:
                out.append([*base, "", "", ""])
                continue
            state = _("Done") if m.done_at else (_("Overdue") if milestone_overdue(m, now) else "")
            out.append([*base, text(m.title), moment(m.due_at), state])
    return Sheet(stem, [_("Case"), _("Title"), _("Status"), _("Plan"), _("Ledger"), _("Milestone"), _("Due"),
                        _("Milestone state")], out, (20, 30, 12, 40, 12, 30, 17, 12))


def notices(views: Sequence[Any], lang: str, now: Any, stem: str) -> Sheet:
    """The supervision notices (督办) listed."""
    out: list[list[Cell]] = []
    for v in views:
        n = v.notice
        if v.issuer:
            issuer = v.issuer + (f" ({name_of(v.issuer_unit, lang)})" if v.issuer_unit else "")
        elif n.source == "leader":
            issuer = _("a leader whose account has been removed")
        elif n.source == "milestone":
            issuer = _("the system: a ledger milestone is overdue")
        else:
            issuer = _("the system: the case is overdue")
        if n.replied_at:
            state = _("Answered")
        elif n.closed_at:
            state = _("Closed with its case")
        elif n.is_late(now):
            state = _("Reply overdue")
        else:
            state = _("Waiting for a reply")
        out.append([v.case_code or "", name_of(v.unit, lang), issuer, moment(n.issued_at), text(n.reason),
                    moment(n.reply_due_at), state, moment(n.replied_at), text(n.reply)])
    return Sheet(stem, [_("Case"), _("To"), _("Issued by"), _("Issued at"), _("Reason"), _("Reply due"),
                        _("State"), _("Replied at"), _("Reply")], out, (20, 24, 28, 17, 40, 17, 14, 17, 40))


# ----------------------------------------------------------------------------- contact with households
WALK_TABLES = ("figures", "log")


def walk_figures(fig: Any, lang: str, stem: str) -> Sheet:
    """The walk figures of a node and its sub-areas, as on the walks' page (sub-areas with
    neither walks nor problems left out, the node first)."""
    rows: list[list[Cell]] = [[n.code, name_of(n, lang), t.walks, t.problems, t.fixed, t.ledger, t.closed]
                              for n, t in [(fig.node, fig.total), *((n, t) for n, t in fig.by_child
                                                                   if t.walks or t.problems)]]
    return Sheet(f"{stem}-figures", [_("Code"), _("Sub-area"), _("Walks"), _("Problems"), _("Fixed on the spot"),
                                     _("On a ledger"), _("Closed")], rows, (14, 22, 10, 10, 14, 12, 10))


def walk_log(views: Sequence[Any], lang: str, my_id: int | None, stem: str) -> Sheet:
    """The walks listed on the walks' page (the destination as its viewer may see it)."""
    W = labels("_walk_labels.html", lang)
    rows: list[list[Cell]] = []
    for v in views:
        w = v.walk
        rows.append([w.planned_on.isoformat(), str(W.status(w.status)), name_of(v.node, lang), text(w.place),
                     "" if w.planner_id == my_id else v.planner, len(v.problems), v.fixed, v.ledger])
    return Sheet(f"{stem}-log", [_("Day"), _("Status"), _("Destination"), _("Place"), _("Planned by"),
                                 _("Problems"), _("Fixed on the spot"), _("On a ledger")], rows,
                 (12, 22, 22, 30, 16, 10, 14, 12))


COVERAGE_TABLES = ("areas", "cadres")


def _coverage_cells(t: Any) -> list[Cell]:
    return [t.assigned, t.visited, share(t.visited, t.assigned), t.overdue]


def coverage(cov: Any, table: str, lang: str, stem: str) -> Sheet:
    """Visit coverage by sub-area or by cadre, as on the coverage page."""
    tail = [_("Households assigned"), _("Visited"), _("Coverage (%)"), _("Overdue")]
    if table == "cadres":
        rows: list[list[Cell]] = [[u.display_name, *_coverage_cells(t)] for u, t in cov.by_cadre]
        return Sheet(f"{stem}-cadres", [_("Cadre"), *tail], rows, (20, 18, 10, 12, 10))
    rows = [[n.code, name_of(n, lang), *_coverage_cells(t)] for n, t in cov.by_child]
    return Sheet(f"{stem}-areas", [_("Code"), _("Sub-area"), *tail], rows, (14, 22, 18, 10, 12, 10))


# ----------------------------------------------------------------------------- community
def projects(rows: Sequence[Any], lang: str, stem: str) -> Sheet:
    """The exchange's projects listed (公益汇), with the page's filters."""
    X = labels("exchange_labels.html", lang)
    out: list[list[Cell]] = []
    for r in rows:
        p = r.project
        remaining = r.remaining
        out.append([p.code, text(p.title), str(X.status(p.status)), str(X.type(p.type)), name_of(r.node, lang),
                    "" if p.budget is None else float(p.budget), float(p.pledged_amount or 0),
                    "" if remaining is None else float(max(remaining, 0)), p.pledges,
                    _("Yes") if p.claimed_by_id else "", moment(p.opened_at)])
    return Sheet(stem, [_("Code"), _("Project"), _("Status"), _("Type"), _("Place"), _("Budget (yuan)"),
                        _("Pledged (yuan)"), _("Still needed (yuan)"), _("Pledges"),
                        _("Claimed by an organisation"), _("Posted at")], out,
                 (16, 30, 16, 20, 18, 14, 14, 16, 10, 12, 17))


# ----------------------------------------------------------------------------- the indicator catalogue
def indicator_number(ind: indicators.Indicator, v: indicators.Value | None) -> float | int | None:
    """An indicator's value as the pages and the files show it: a rate or the composite score
    as a percentage (one decimal), a mean in hours (one decimal), a count as it is."""
    if v is None or v.value is None:
        return None
    if ind.kind in ("rate", "composite"):
        return round(float(v.value) * 100, 1)
    if ind.kind == "mean":
        return round(float(v.value), 1)
    return int(v.value)


def indicator_parts(ind: indicators.Indicator, v: indicators.Value | None) -> tuple[int | None, int | None]:
    """The numerator and denominator shown beside a value: a rate's or a mean's; none for a
    count (its numerator is the value itself)."""
    if v is None or ind.kind == "count":
        return None, None
    return v.num, v.den


def _blank(x: float | int | None) -> Cell:
    return "" if x is None else x


def indicator_header() -> list[str]:
    return [_("Group"), _("Indicator"), _("Value"), _("Unit"), _("Numerator"), _("Denominator"),
            _("Per 10,000 residents")]


def indicator_rows(values: dict[str, indicators.Value], lang: str) -> list[list[Cell]]:
    """The catalogue's indicators of one node, in the catalogue's order."""
    W = labels("_indicator_words.html", lang)
    out: list[list[Cell]] = []
    for ind in indicators.CATALOGUE:
        v = values.get(ind.key)
        num, den = indicator_parts(ind, v)
        out.append([str(W.group(ind.group)), str(W.label(ind)), _blank(indicator_number(ind, v)), str(W.unit(ind)),
                    _blank(num), _blank(den), _blank(v.per_10k if v else None)])
    return out


def indicators_sheet(values: dict[str, indicators.Value], lang: str, stem: str) -> Sheet:
    return Sheet(f"{stem}-indicators", indicator_header(), indicator_rows(values, lang), (22, 30, 10, 8, 12, 12, 14))


def indicator_ranking(ind: indicators.Indicator, ranked: Sequence[indicators.Ranked], lang: str, stem: str) -> Sheet:
    """The nodes below ranked by one indicator, best first."""
    rows: list[list[Cell]] = [[r.rank, r.code, name_of(r, lang), _blank(indicator_number(ind, r.value)),
                               *(_blank(x) for x in indicator_parts(ind, r.value)), _blank(r.value.per_10k)]
                              for r in ranked]
    return Sheet(f"{stem}-ranking-{ind.key}", [_("Rank"), _("Code"), _("Name"), _("Value"), _("Numerator"),
                                               _("Denominator"), _("Per 10,000 residents")], rows,
                 (8, 14, 22, 10, 12, 12, 14))


# ----------------------------------------------------------------------------- the register
def households(rows: Sequence[Any], lang: str, stem: str) -> Sheet:
    """The register's households found (一标三实), as the list shows them: the head's name
    masked as on the page, no identity number, no phone."""
    R, V = labels("_register_labels.html", lang), labels("_visit_labels.html", lang)
    out: list[list[Cell]] = []
    for r in rows:
        h = r.household
        needs = "、".join(str(V.need(n)) for n in (h.needs or "").split(",") if n)
        out.append([h.code, h.address, r.head, h.size, str(R.origin(h.is_migrant)), needs])
    return Sheet(stem, [_("Household number"), _("Address"), _("Head of household"), _("People"),
                        _("Local or migrant"), _("Needs")], out, (22, 40, 14, 8, 10, 24))


def units(rows: Sequence[Any], lang: str, stem: str) -> Sheet:
    """The register's units found (enterprises, shops, schools …)."""
    R = labels("_register_labels.html", lang)
    out: list[list[Cell]] = [[r.unit.code, r.unit.name, str(R.unit_kind(r.unit.kind)), r.address,
                              "" if r.unit.employees is None else r.unit.employees] for r in rows]
    return Sheet(stem, [_("Code"), _("Name"), _("Kind"), _("Address"), _("Employees")], out, (22, 30, 12, 40, 10))


# ----------------------------------------------------------------------------- community lists
COMMUNITY_TABLES = ("needs", "services", "resources", "matches")


def _plain(markup: Any) -> str:
    """A label macro's output as plain text (its tags, if any, dropped)."""
    return Markup(str(markup)).striptags()


def community(which: str, data: dict[str, Any], lang: str, stem: str) -> Sheet:
    """One of a community's lists (需求清单, 服务清单, 资源清单, the matches) as on its page."""
    C = labels("community_labels.html", lang)
    if which == "needs":
        rows: list[list[Cell]] = [[type_name(v.need.type, lang), v.household or _("The community"),
                                   _plain(C.windows(v.need.windows)), v.need.people, _plain(C.source(v.need.source)),
                                   _plain(C.match_status(v.status))] for v in data["needs"]]
        return Sheet(f"{stem}-needs", [_("What is needed"), _("Household"), _("Time windows"), _("People"),
                                       _("Source of the need"), _("Need status")], rows, (20, 22, 30, 8, 16, 14))
    if which in ("services", "resources"):
        rows = []
        for v in data[which]:
            serves = type_name(v.offer.type, lang) + (f" · {_plain(C.resource_kind(v.offer.kind))}" if v.offer.kind else "")
            rows.append([v.offer.name, serves, _plain(C.windows(v.offer.windows)), v.left, v.offer.capacity])
        return Sheet(f"{stem}-{which}", [_("Service or resource"), _("Serves"), _("Time windows"), _("Places left"),
                                         _("Capacity")], rows, (26, 24, 30, 10, 10))
    rows = [[_plain(C.match_status(m.match.status)), m.explain(lang), m.offer.name,
             "" if not m.match.rating else m.match.rating, text(m.match.comment)] for m in data["matches"]]
    return Sheet(f"{stem}-matches", [_("Status"), _("Match"), _("Service or resource"), _("Rating (1–5)"),
                                     _("Evaluation comment")], rows, (14, 50, 26, 10, 40))


# ----------------------------------------------------------------------------- deployments
def deployments(rows: Sequence[Any], lang: str, stem: str) -> Sheet:
    """The deployments listed (下沉): each with its place, dates, teams and staff; a
    deployment's roster has its own download on its page."""
    DL = labels("_deploy_labels.html", lang)
    out: list[list[Cell]] = [[x.deployment.name, _plain(DL.status(x.deployment.status)), name_of(x.node, lang),
                              moment(x.deployment.started_at), moment(x.deployment.ended_at), x.teams, x.staff]
                             for x in rows]
    return Sheet(stem, [_("Deployment"), _("Status"), _("Place"), _("Started"), _("Ended"), _("Teams"), _("Staff")],
                 out, (30, 10, 20, 17, 17, 8, 8))


# ----------------------------------------------------------------------------- accountability
def duty_items(views: Sequence[Any], node: Any, evidence: dict[int, list[Any]], lang: str, stem: str) -> Sheet:
    """The responsibility lists as the duties' page shows them: every item of every list (of
    the node's level when a node is chosen), and with a node, the evidence it cited that year."""
    A = labels("accountability_labels.html", lang)
    L = labels("_labels.html", lang)
    rows: list[list[Cell]] = []
    for v in views:
        if node is not None and v.duty_list.level != node.level:
            continue
        for item in v.items:
            cited = evidence.get(item.id, []) if node is not None else []
            rows.append([name_of(v.duty_list, lang), str(L.level_name(v.duty_list.level)), item.number, item.text,
                         item.answerable, _("yes") if item.active else _("no"), len(cited),
                         "; ".join(f"{A.evidence_kind(ev.kind)}: {text(ev.title)}" for ev in cited)])
    return Sheet(f"{stem}-items", [_("List"), _("Level"), _("Number"), _("Item"), _("Answers for it"),
                                   _("In force"), _("Evidence"), _("Evidence of")], rows,
                 (24, 10, 8, 60, 16, 8, 8, 60))


def reviews_list(rows: Sequence[tuple[Any, Any]], lang: str, stem: str) -> Sheet:
    """The reviews the person may see, as their page lists them (grade and mean once published)."""
    A = labels("accountability_labels.html", lang)
    out: list[list[Cell]] = []
    for r, n in rows:
        published = r.status == "published" and r.grade
        out.append([name_of(n, lang), r.year, str(A.review_status(r.status)),
                    str(A.grade(r.grade)) if published else "", round(r.overall, 1) if published and r.overall is not None
                    else ""])
    return Sheet(f"{stem}-reviews", [_("Organisation"), _("Year"), _("Status"), _("Grade"), _("Score")], out,
                 (26, 8, 14, 10, 10))


WEAK_TABLES = ("flags", "counts")


def weak_flags(views: Sequence[Any], lang: str, stem: str) -> Sheet:
    """The weak organisations on the page: why, their rectification plan and its progress."""
    A = labels("accountability_labels.html", lang)
    rows: list[list[Cell]] = []
    for f in views:
        done, total = f.progress
        rows.append([name_of(f.node, lang), f.flag.year, str(A.source(f.flag.source)), f.flag.quarter or "",
                     text(f.flag.reason), f.case.code, text(f.ledger.plan) if f.ledger else "", done, total,
                     f.supervisor or "", _("Rectified") if f.flag.cleared_at else _("Being rectified"),
                     moment(f.flag.cleared_at)])
    return Sheet(f"{stem}-organisations", [_("Organisation"), _("Year"), _("Identified by"), _("Quarter"), _("Reason"),
                                           _("Case"), _("Plan"), _("Milestones done"), _("Milestones"),
                                           _("Supervising leader"), _("Status"), _("Cleared")], rows,
                 (24, 8, 12, 10, 40, 20, 40, 10, 10, 14, 12, 18))


def weak_counts(counts: Sequence[Any], lang: str, stem: str) -> Sheet:
    """The yearly counts per level (identified, rectified, still open)."""
    L = labels("_labels.html", lang)
    rows: list[list[Cell]] = [[c.year, str(L.level_name(c.level)), c.identified, c.rectified, c.still_open]
                              for c in counts]
    return Sheet(f"{stem}-counts", [_("Year"), _("Level"), _("Identified"), _("Rectified"), _("Still open")], rows,
                 (8, 10, 12, 12, 12))
