"""A case: its page (facts, timeline, map, photos, ledger, supervision notices) and its
actions. The buttons are exactly ``policy.allowed_for``; each posts to one route that calls
the service command, which checks again (``check_act``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import AliasChoices
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from huying.cases import commands, kernel, ledger, policy, present, redact
from huying.cases import service as svc
from huying.cases.models import Attachment, Case, Ledger, Milestone, SupervisionNotice
from huying.cases.policy import allowed_for, check_act
from huying.cases.workflow import Action, Kind
from huying.cityconfig.categories import category_path
from huying.cityconfig.models import Category
from huying.community import onestop_service as onestop
from huying.config import get_settings
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.http.clock import Now
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, Role, is_staff
from huying.triage import duplicates, routing
from huying.web import queries, residents
from huying.web.deps import PageActor
from huying.web.maps import map_config
from huying.web.pages.common import errors_of, see_other
from huying.web.templating import render

router = APIRouter()

#: Actions whose form offers a choice of units.
UNIT_CHOICE = {Action.DISPATCH, Action.TRANSFER, Action.ADD_COHANDLER}


def _photos(actor: Actor, case: Case) -> Any:
    """The case's photos the actor may see: a co-reporter does not see the report's own
    (``policy.sees_report_in_full``), only the handling's evidence."""
    q = select(Attachment).where(Attachment.case_id == case.id)
    if not policy.sees_report_in_full(actor, case):
        q = q.where(Attachment.event_seq != 1)
    return q


def case_context(session: SessionDep, actor: Actor, case: Case, t: dt.datetime) -> dict[str, Any]:
    """Everything the case page and its fragments show."""
    data = present.case_dict(session, case, actor, t, events=True)
    actions = [Action(a) for a in data["allowed_actions"]]
    notices = queries.notice_views(session, actor, queries.notices_for(session, actor, case_id=case.id))

    ledger = session.scalar(select(Ledger).where(Ledger.case_id == case.id))
    milestones = list(session.scalars(select(Milestone).where(Milestone.ledger_id == ledger.id)
                                      .order_by(Milestone.due_at))) if ledger else []
    return {
        "case": data,
        "actions": actions,
        "follow_up_form": Action.FOLLOW_UP in actions or Action.REOPEN in actions,
        "units": queries.units_for_case(session, actor, case) if UNIT_CHOICE & set(actions) else [],
        "categories": queries.category_choices(session, actor.city_id) if Action.CLASSIFY in actions else [],
        "supervisors": queries.supervisors_for(session, case) if Action.OPEN_LEDGER in actions else [],
        "merge_candidates": merge_candidates(session, actor, case, t) if Action.MERGE in actions else [],
        "proposal": proposal(session, case) if Action.DISPATCH in actions else None,
        "open_milestones": [m for m in milestones if m.done_at is None],
        "milestone_rows": MILESTONE_ROWS,
        "notices": notices,
        "reply_due": _reply_due(session, case, t) if Action.SUPERVISE in actions else None,
        "ledger": ledger,
        "milestones": milestones,
        # (before, after): the report's photos and the handling's, as _photos lets the actor see
        "photo_sides": residents.photos_by_side(session, actor, [case])[case.id],
        "progress": present.progress(case.status),
        # a service request: where it was accepted, for what, with which materials
        "onestop": onestop.request_dict(session, case, public=actor.role == Role.RESIDENT and
                                        case.reporter_id != actor.user_id) if case.kind == Kind.SERVICE else None,
        "map_config": map_config(session),
        "staff": is_staff(actor.role),
        # what the public pages hide of the title, told to the person who wrote it
        "hidden_publicly": (redact.found(case.title, redact.register_names(session, case.city_id))
                            if case.reporter_id == actor.user_id else []),
        "now": t,
    }


@dataclass(frozen=True)
class Proposal:
    """The unit the routing table proposes for a case, and why: the rule's category (None
    for a rule on every category) and whether the rule's own unit was missing (a fallback)."""

    unit_code: str | None
    unit: Organisation | None
    category: Category | None
    fallback: bool


def proposal(session: SessionDep, case: Case) -> Proposal | None:
    """What ``routing.route`` (the one routing rule, as intake uses it) says of the case now;
    None when no rule applies."""
    found = routing.route(session, case.city_id, category_path(session, case.category_id), case.grid_path or "")
    if found.rule is None:
        return None
    category = (session.scalar(select(Category).where(Category.city_id == case.city_id,
                                                      Category.code == found.rule.category))
                if found.rule.category else None)
    unit = session.get(Organisation, found.unit_id) if found.unit_id is not None else None
    return Proposal(found.unit_code, unit, category, found.fallback > 0)


def _reply_due(session: SessionDep, case: Case, t: dt.datetime) -> dict[str, str]:
    """The supervision form's reply date: the default (the city's rule), the first and the
    last day it may be (``ledger.MAX_REPLY_DAYS``), as the date input takes them."""
    zone = queries.city_zone()
    today = t.astimezone(zone).date()
    return {"default": kernel.default_reply_due(session, case, t).astimezone(zone).date().isoformat(),
            "min": today.isoformat(), "max": (today + dt.timedelta(days=ledger.MAX_REPLY_DAYS)).isoformat()}


def merge_candidates(session: SessionDep, actor: Actor, case: Case, t: dt.datetime) -> list[Any]:
    """The open cases near this one that the duplicate finder proposes as its primary
    (visible to the actor), best first."""
    cands = duplicates.find_candidates(
        session, case.city_id, lon=case.lon, lat=case.lat, title=case.title, detail=case.description or "",
        level1=None, now=t, radius_m=get_settings().duplicate_radius_m,
        window_days=get_settings().duplicate_window_days, limit=8, exclude_case_id=case.id)
    visible = set(session.scalars(select(Case.id).where(
        Case.id.in_([c.case_id for c in cands]), policy.visible_filter(actor))))
    return [c for c in cands if c.case_id in visible and c.status != "merged"]


def _page(request: Request, session: SessionDep, actor: Actor, case: Case, t: dt.datetime, *,
          errors: dict[str, dict[str, str]] | None = None, values: dict[str, str] | None = None,
          status_code: int = 200) -> HTMLResponse:
    ctx = case_context(session, actor, case, t)
    done = request.query_params.get("done", "")
    ctx.update(errors=errors or {}, values=values or {}, reported=request.query_params.get("reported"),
               joined=request.query_params.get("joined"),
               done=done if done in DONE_MESSAGES and not errors else "")
    return render(request, "case.html", ctx, status_code=status_code)


#: The actions whose redirect back to the case page says what was done (``?done=``).
DONE_MESSAGES = frozenset(a.value for a in Action)


@router.get("/cases/{code}", response_class=HTMLResponse)
def case_page(request: Request, code: str, session: SessionDep, actor: PageActor, t: Now) -> Response:
    return _page(request, session, actor, svc.get_case(session, actor, code), t)


@router.get("/cases/{code}/actions", response_class=HTMLResponse)
def case_actions(request: Request, code: str, session: SessionDep, actor: PageActor, t: Now) -> Response:
    """The actions fragment alone (htmx refresh)."""
    case = svc.get_case(session, actor, code)
    ctx = case_context(session, actor, case, t)
    ctx.update(errors={}, values={})
    return render(request, "_actions.html", ctx)


@router.get("/cases/{code}/photos/{photo_id}")
def case_photo(code: str, photo_id: int, session: SessionDep, actor: PageActor) -> Response:
    case = svc.get_case(session, actor, code)
    photo = session.scalar(_photos(actor, case).where(Attachment.id == photo_id))
    if photo is None:
        raise NotVisible("no such photo")
    path = get_settings().data_dir / photo.stored_path
    if not path.is_file():
        raise NotVisible("photo file missing")
    return FileResponse(path, media_type=photo.content_type,
                        headers={"Cache-Control": "private, max-age=3600"})


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _uploads(form: FormData, name: str) -> list[svc.Upload]:
    out = []
    for item in form.getlist(name):
        if isinstance(item, UploadFile) and item.filename:
            out.append(svc.Upload(item.filename, await item.read(get_settings().max_attachment_bytes + 1)))
    return out


async def form_params(action: Action, form: FormData, actor: Actor) -> dict[str, Any]:
    """A command's form as the dict its parameter model parses (``commands.parse``): every
    field of the model by name (lists from repeated fields), photos as uploads, the ledger's
    milestone rows as a list."""
    model = commands.spec_of(action).params
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name == "uploads":
            out[name] = await _uploads(form, "photos")
        elif name == "milestones":
            out[name] = [{"title": _text(form, f"milestone_{n}"), "due_at": _text(form, f"milestone_due_{n}")}
                         for n in _filled_rows(form)]
        elif str(info.annotation).startswith("list"):
            out[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
        else:
            aliases = [name, *(info.validation_alias.choices if isinstance(info.validation_alias, AliasChoices)
                               else [])]
            out[name] = next((_text(form, str(a)) for a in aliases if _text(form, str(a))), "")
    if action in (Action.FOLLOW_UP, Action.REOPEN) and actor.role == Role.RESIDENT:
        out["method"] = "online"
    if action is Action.MERGE and not out.get("into"):  # a code typed instead of a candidate picked
        out["into"] = _text(form, "into_code")
    return out


#: Rows of the ledger form's milestones (``milestone_N``, ``milestone_due_N``); empty ones
#: are left out.
MILESTONE_ROWS = 5


def _filled_rows(form: FormData) -> list[int]:
    return [n for n in range(1, MILESTONE_ROWS + 1)
            if _text(form, f"milestone_{n}") or _text(form, f"milestone_due_{n}")]


def _in_form_rows(exc: InvalidInput, form: FormData) -> InvalidInput:
    """The error of the ``i``-th filled milestone, named by its row of the form."""
    m = re.fullmatch(r"milestones\[(\d+)\](\..+)", exc.field or "")
    rows = _filled_rows(form)
    if m is None or int(m.group(1)) >= len(rows):
        return exc
    message = str(exc).removeprefix(f"{exc.field}: ")
    return InvalidInput(message, f"milestones[{rows[int(m.group(1))] - 1}]{m.group(2)}")


@router.post("/cases/{code}/act/{action}", response_class=HTMLResponse)
async def act(request: Request, code: str, action: str, session: SessionDep, actor: PageActor,
              t: Now) -> Response:
    case = svc.get_case(session, actor, code)
    try:
        act_ = Action(action)
    except ValueError:
        raise NotVisible(f"no action {action}") from None
    if act_ not in allowed_for(session, actor, case):
        # Not offered now: let the policy say why (403 not permitted / 409 not from here).
        check_act(session, actor, case, act_)
    form = await request.form()
    version = _text(form, "version")
    try:
        raw = await form_params(act_, form, actor)
        if act_ is Action.REOPEN:  # the follow-up form answers both
            act_ = Action.FOLLOW_UP
        expected = int(version) if version.isdigit() else None
        svc.perform(session, case, actor, act_.value, now=t, params=raw, expected_version=expected)
    except InvalidInput as exc:
        session.rollback()
        if act_ is Action.OPEN_LEDGER:
            exc = _in_form_rows(exc, form)
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        case = svc.get_case(session, actor, code)
        return _page(request, session, actor, case, t, errors={action: errors_of(exc)}, values=values,
                     status_code=422)
    return see_other(f"/cases/{code}?done={act_.value}#done")


@router.post("/notices/{notice_id}/reply", response_class=HTMLResponse)
async def reply_notice(request: Request, notice_id: int, session: SessionDep, actor: PageActor,
                       t: Now) -> Response:
    notice = session.get(SupervisionNotice, notice_id)
    if notice is None or notice.city_id != actor.city_id:
        raise NotVisible("no such notice")
    form = await request.form()
    back = _text(form, "back")
    back = back if back.startswith("/") and not back.startswith("//") else "/notices"
    try:
        svc.reply_notice(session, notice, actor, reply=_text(form, "reply"), now=t)
    except InvalidInput as exc:
        session.rollback()
        from huying.web.pages.work import notices_page

        return notices_page(request, session, actor, t, errors={notice_id: errors_of(exc)}, status_code=422)
    return see_other(back)
