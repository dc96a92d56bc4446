"""The bulk import of organisations, people and accounts on the web (``/admin/import``): an
administrator picks the kind, uploads a CSV or XLSX file and sees a dry run first (the rows
that would be added, every refused row with its line, field and reason); confirming applies
it. Nothing is stored before the confirmation: the confirmation form carries the file back
(base64) with the dry run's fingerprint, and ``huying.intake.directory.upload`` refuses it
(409, nothing stored) when the file or the data changed so that the outcome would differ
from what was shown. Accounts imported without a password get a one-time reset code each,
shown on the result page only. A template file per kind (header and one synthetic row)."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from huying.cases.policy import check_admin
from huying.config import get_settings
from huying.deps import SessionDep
from huying.errors import NotVisible
from huying.http.clock import Now
from huying.intake import directory
from huying.intake.rows import FileError, Mode
from huying.orgs import accounts
from huying.orgs.models import Department, OrgKind, Role, TeamKind
from huying.web.deps import PageActor
from huying.web.templating import render, request_lang

router = APIRouter(prefix="/admin/import")
#: The first Chinese header of each column (the template's header in Chinese).
HEADERS_ZH = {col: h for h, col in reversed(list(directory.ALIASES.items()))}


def _kind(kind: str) -> directory.Kind:
    try:
        return directory.Kind(kind)
    except ValueError:
        raise NotVisible(f"no import of {kind!r}") from None


def _mode(mode: str) -> Mode:
    return Mode.SKIP_BAD if mode == Mode.SKIP_BAD.value else Mode.ALL_OR_NOTHING


def _page(request: Request, kind: directory.Kind, *, mode: Mode = Mode.ALL_OR_NOTHING,
          report: directory.DirectoryReport | None = None, error: FileError | None = None, stale: bool = False,
          carry: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "admin/import.html", {
        "kind": kind.value, "kinds": [k.value for k in directory.Kind], "mode": mode.value,
        "columns": directory.COLUMNS[kind], "required": directory.REQUIRED[kind],
        "headers_zh": HEADERS_ZH, "report": report, "error": error, "stale": stale, "carry": carry or {},
        "max_mb": max(1, get_settings().max_attachment_bytes // (1024 * 1024)),
        "roles": [r.value for r in Role if r is not Role.CLIENT],
        "org_kinds": [k.value for k in OrgKind], "departments": [d.value for d in Department],
        "team_kinds": [t.value for t in TeamKind], "reset_hours": int(accounts.RESET_TTL.total_seconds() // 3600),
    }, status_code=status_code)


def _refused(request: Request, kind: directory.Kind, mode: Mode, exc: FileError) -> HTMLResponse:
    return _page(request, kind, mode=mode, error=exc, status_code=413 if exc.key == "too_large" else 422)


@router.get("", response_class=HTMLResponse)
def import_page(request: Request, actor: PageActor, kind: str = "organisations") -> Response:
    check_admin(actor, "import organisations, people or accounts")
    return _page(request, _kind(kind[:20]))


@router.get("/template/{kind}.csv")
def template(request: Request, actor: PageActor, kind: str) -> Response:
    """The file to fill in: the header (in the person's language) and one synthetic row."""
    check_admin(actor, "import organisations, people or accounts")
    k = _kind(kind)
    cols = directory.COLUMNS[k]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([HEADERS_ZH.get(c, c) for c in cols] if request_lang(request) == "zh" else list(cols))
    w.writerow([directory.EXAMPLES[k].get(c, "") for c in cols])
    return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="huying-{k.value}.csv"'})


@router.post("", response_class=HTMLResponse)
def dry_run(request: Request, session: SessionDep, actor: PageActor, t: Now,
            kind: Annotated[str, Form(max_length=20)] = "organisations",
            mode: Annotated[str, Form(max_length=20)] = "",
            file: Annotated[UploadFile | None, File()] = None) -> Response:
    """The dry run: what the file would do; nothing is stored."""
    check_admin(actor, "import organisations, people or accounts")
    k, m = _kind(kind), _mode(mode)
    limit = get_settings().max_attachment_bytes
    if file is None or not file.filename:
        return _refused(request, k, m, FileError("choose a file", "no_file"))
    data = file.file.read(limit + 1)
    try:
        rep = directory.upload(session, actor, actor.city_id, k, data, file.filename, now=t, max_bytes=limit,
                               mode=m, dry_run=True)
    except FileError as exc:
        session.rollback()
        return _refused(request, k, m, exc)
    return _page(request, k, mode=m, report=rep, carry=_carry(data, file.filename, rep))


def _carry(data: bytes, filename: str, rep: directory.DirectoryReport) -> dict[str, str]:
    """What the confirmation form sends back: the file and what its dry run showed."""
    return {"data": base64.b64encode(data).decode("ascii"), "filename": filename[:200],
            "fingerprint": rep.fingerprint}


@router.post("/apply", response_class=HTMLResponse)
def apply(request: Request, session: SessionDep, actor: PageActor, t: Now,
          kind: Annotated[str, Form(max_length=20)] = "organisations",
          mode: Annotated[str, Form(max_length=20)] = "",
          filename: Annotated[str, Form(max_length=200)] = "",
          fingerprint: Annotated[str, Form(max_length=64)] = "",
          data: Annotated[str, Form()] = "") -> Response:
    """The confirmation: the file of the dry run applied, when it would do what was shown."""
    check_admin(actor, "import organisations, people or accounts")
    k, m = _kind(kind), _mode(mode)
    limit = get_settings().max_attachment_bytes
    if len(data) > (limit + 2) // 3 * 4 + 4:
        return _refused(request, k, m, FileError("the file is too large", "too_large"))
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw or not fingerprint:
        return _refused(request, k, m, FileError("upload the file again", "no_file"))
    try:
        rep = directory.upload(session, actor, actor.city_id, k, raw, filename or "upload.csv", now=t,
                               max_bytes=limit, mode=m, dry_run=False, expect=fingerprint)
    except FileError as exc:
        session.rollback()
        return _refused(request, k, m, exc)
    except directory.Stale as exc:
        return _page(request, k, mode=m, report=exc.report, stale=True,
                     carry=_carry(raw, filename, exc.report), status_code=409)
    return _page(request, k, mode=m, report=rep, status_code=201 if rep.stored else 422)

