"""HTTP: the bulk import of organisations, people and accounts
(``POST /api/v1/admin/import/{kind}``, a multipart ``file``), the same service as the pages
and the command line (``huying.intake.directory.upload``). ``dry_run=true`` (the default)
reports what the file would do and stores nothing; ``dry_run=false`` applies it, refused
(409, nothing stored) when ``expect`` names a dry run whose outcome differs now. Every
refused row has its line, field, message and key; a file that cannot be read is a 422 with
its reason (413 when too large). Rows outside the administrator's place are refused row by
row.

This router does not refuse NUL bytes in the body (an XLSX file is binary): the CSV reader
refuses text holding them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from huying.cases.policy import check_admin
from huying.config import get_settings
from huying.deps import SessionDep
from huying.http.clock import Now
from huying.intake import directory
from huying.intake.rows import FileError, Mode
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])


class RowProblem(BaseModel):
    line: int
    field: str
    message: str
    key: str


class RowAdded(BaseModel):
    line: int
    name: str


class ImportReport(BaseModel):
    kind: str
    mode: str
    dry_run: bool
    rows: int
    imported: int
    would_import: int
    stored: bool
    bad_rows: int
    fingerprint: str
    added: list[RowAdded]
    problems: list[RowProblem]
    #: username → one-time reset code of each account imported without a password (applied only)
    resets: dict[str, str]


def report_of(rep: directory.DirectoryReport) -> ImportReport:
    return ImportReport(kind=rep.kind, mode=rep.mode, dry_run=rep.dry_run, rows=rep.rows, imported=rep.imported,
                        would_import=rep.would_import, stored=rep.stored, bad_rows=len(rep.bad_lines),
                        fingerprint=rep.fingerprint, resets=rep.resets,
                        added=[RowAdded(line=a.line, name=a.name) for a in rep.added],
                        problems=[RowProblem(line=p.line, field=p.field, message=p.reason, key=p.key)
                                  for p in rep.problems])


@router.post("/import/{kind}", response_model=ImportReport,
             responses={201: {"model": ImportReport}, 409: {"model": ImportReport}, 413: {}, 422: {}})
def import_file(kind: directory.Kind, session: SessionDep, actor: CurrentActor, t: Now,
                file: Annotated[UploadFile, File(description="A CSV (UTF-8) or XLSX file, header on line 1.")],
                dry_run: bool = True, mode: Mode = Mode.ALL_OR_NOTHING,
                expect: Annotated[str | None, Query(max_length=64, description="The fingerprint of the dry run "
                                                    "this confirms: refused (409) when the outcome differs.")] = None,
                ) -> JSONResponse:
    """Import organisations, people or accounts: 200 for a dry run, 201 when rows were
    stored, 422 when nothing was (the report lists every refused row)."""
    check_admin(actor, "import organisations, people or accounts")
    limit = get_settings().max_attachment_bytes
    data = file.file.read(limit + 1)
    try:
        rep = directory.upload(session, actor, actor.city_id, kind, data, file.filename or "upload.csv", now=t,
                               max_bytes=limit, mode=mode, dry_run=dry_run, expect=expect)
    except FileError as exc:
        session.rollback()
        status = 413 if exc.key == "too_large" else 422
        return JSONResponse({"error": "invalid_file", "detail": str(exc), "key": exc.key, "field": "file",
                             "missing": list(exc.missing)}, status_code=status)
    except directory.Stale as exc:
        return JSONResponse({"error": "stale", "detail": str(exc),
                             "report": report_of(exc.report).model_dump()}, status_code=409)
    status = 200 if rep.dry_run else 201 if rep.stored else 422
    return JSONResponse(report_of(rep).model_dump(), status_code=status)
