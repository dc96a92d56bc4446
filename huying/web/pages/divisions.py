"""A division list imported on the web (administrators, within their scope): upload the list,
see what it would change (renames, unchanged rows, new codes that need a polygon, the
communities it does not list, every refused row by line and field), confirm to apply. The
rules are :mod:`huying.mapedit.divisions`'s; a file that cannot be read, or a list refused
whole, re-renders the page (HTTP 422) and stores nothing."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from huying.deps import SessionDep
from huying.http.clock import Now
from huying.intake.rows import FileError, Mode
from huying.mapedit import divisions
from huying.orgs.actor import Actor
from huying.orgs.scope import check_administers
from huying.web.deps import PageActor
from huying.web.pages.common import see_other
from huying.web.templating import render

router = APIRouter(prefix="/admin/divisions")
#: The largest form field that carries the file from the preview to the apply (base64).
MAX_CARRIED = divisions.MAX_FILE * 4 // 3 + 8


def _page(request: Request, *, report: divisions.DivisionReport | None = None, error: str = "",
          status_code: int = 200, carried: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "admin/divisions.html", {
        "report": report, "error": error, "carried": carried or {}, "modes": list(Mode),
        "done": request.query_params.get("done", ""),
    }, status_code=status_code)


def _mode(text: str) -> Mode:
    try:
        return Mode(text)
    except ValueError:
        return Mode.ALL_OR_NOTHING


def _check_admin(actor: Actor) -> None:
    check_administers(actor, actor.node_path, "import a division list")


@router.get("", response_class=HTMLResponse)
def page(request: Request, actor: PageActor) -> Response:
    _check_admin(actor)
    return _page(request)


@router.post("/preview", response_class=HTMLResponse)
def preview(request: Request, session: SessionDep, actor: PageActor,
            file: Annotated[UploadFile | None, File()] = None,
            mode: Annotated[str, Form(max_length=20)] = Mode.ALL_OR_NOTHING.value) -> Response:
    _check_admin(actor)
    if file is None or not file.filename:
        return _page(request, error="no_file", status_code=422)
    data = file.file.read(divisions.MAX_FILE + 1)
    try:
        rows = divisions.read_upload(data, file.filename)
    except FileError as exc:
        return _page(request, error="too_large" if "too large" in str(exc) else "unreadable", status_code=422,
                     carried={"detail": str(exc)})
    report = divisions.check(session, actor, rows, mode=_mode(mode))
    return _page(request, report=report, carried={
        "data": base64.b64encode(data).decode(), "filename": file.filename, "mode": report.mode})


@router.post("/apply", response_class=HTMLResponse)
def apply(request: Request, session: SessionDep, actor: PageActor, now: Now,
          data: Annotated[str, Form(max_length=MAX_CARRIED)] = "",
          filename: Annotated[str, Form(max_length=200)] = "",
          mode: Annotated[str, Form(max_length=20)] = Mode.ALL_OR_NOTHING.value) -> Response:
    _check_admin(actor)
    try:
        rows = divisions.read_upload(base64.b64decode(data, validate=True), filename)
    except (FileError, binascii.Error, ValueError):
        return _page(request, error="unreadable", status_code=422)
    report = divisions.apply(session, actor, rows, now=now, mode=_mode(mode))
    if not report.stored and not report.problems:  # nothing to rename: said, not refused
        return _page(request, report=report, error="nothing")
    if not report.stored:
        carried: dict[str, Any] = {"data": data, "filename": filename, "mode": report.mode}
        return _page(request, report=report, error="refused", status_code=422, carried=carried)
    return see_other(f"/admin/divisions?done={report.imported}")
