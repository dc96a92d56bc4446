"""HTTP: a division list (CSV/XLSX: code, name, town_code, town_name) checked and applied
(``/api/v1/admin/divisions``; administrators within their scope). The rules are
:mod:`huying.mapedit.divisions`'s."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse

from huying.deps import SessionDep
from huying.errors import InvalidInput
from huying.http.clock import Now
from huying.intake.rows import FileError, Mode
from huying.mapedit import divisions
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/admin/divisions", tags=["map"])

Upload = Annotated[UploadFile, File(description="The division list: CSV (UTF-8) or XLSX with the columns "
                                                "code, name, town_code, town_name.")]
ModeQ = Annotated[Mode, Query(description="all-or-nothing: store nothing when any row is refused; "
                                          "skip-bad: store the good rows.")]


def read_rows(upload: UploadFile) -> list[tuple[int, dict[str, str]]]:
    """The rows of an uploaded list; a file that cannot be read is a 422 naming the file."""
    data = upload.file.read(divisions.MAX_FILE + 1)
    try:
        return divisions.read_upload(data, upload.filename or "")
    except FileError as exc:
        raise InvalidInput(str(exc), "file") from None


@router.post("/preview")
def preview(file: Upload, session: SessionDep, actor: CurrentActor,
            mode: ModeQ = Mode.ALL_OR_NOTHING) -> dict[str, Any]:
    """What the list would do (nothing stored): renames (before, after), unchanged rows, new
    codes that need a polygon, communities it does not list, and every refused row (line,
    field, reason)."""
    return divisions.check(session, actor, read_rows(file), mode=mode).as_dict()


@router.post("/apply", response_model=None)
def apply(file: Upload, session: SessionDep, actor: CurrentActor, now: Now,
          mode: ModeQ = Mode.ALL_OR_NOTHING) -> dict[str, Any] | JSONResponse:
    """Rename the communities the list renames (each with its audit row); new codes are only
    reported. With refused rows and ``all-or-nothing``: 422, nothing stored."""
    rep = divisions.apply(session, actor, read_rows(file), now=now, mode=mode)
    out = rep.as_dict()
    if rep.problems and mode is Mode.ALL_OR_NOTHING:
        return JSONResponse({"error": "invalid_input", "field": "file",
                             "detail": "; ".join(str(p) for p in rep.problems[:20]), **out}, status_code=422)
    return out
