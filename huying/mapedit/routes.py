"""HTTP: redraw the children of a node from GeoJSON (preview, then apply) and rename a node
(``/api/v1/admin/map``; administrators within their scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from huying.deps import SessionDep
from huying.geo import service as geo
from huying.http.clock import Now
from huying.mapedit import service
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/admin/map", tags=["map"])

Code = Annotated[str, Path(max_length=20, description="The code of the node whose children are redrawn.")]
Collection = Annotated[dict[str, Any], Body(description="A GeoJSON FeatureCollection of the new children: "
                                                       "properties code (optional: kept by overlap), name_zh, name_en.")]
Tolerance = Annotated[float, Query(ge=0, le=50, description="Metres of sliver forgiven (outside, overlap, gap).")]


def refused(exc: geo.ImportRejected) -> JSONResponse:
    """A refused file: 422 with every reason (feature, kind, message)."""
    return JSONResponse({"error": "invalid_input", "detail": "\n".join(exc.report.lines()), "field": "file",
                         "issues": [i.__dict__ for i in exc.report.errors],
                         "warnings": [i.__dict__ for i in exc.report.warnings]}, status_code=422)


@router.post("/{code}/preview", response_model=None)
def preview(code: Code, body: Collection, session: SessionDep, actor: CurrentActor,
            tolerance: Tolerance = 1.0) -> dict[str, Any] | JSONResponse:
    """What redrawing the node's children from the file would do (nothing stored): codes kept,
    new and retired, the open cases and households that would move, old and new outlines."""
    try:
        return service.preview(session, actor, code, body, tolerance).to_dict()
    except geo.ImportRejected as exc:
        return refused(exc)


@router.post("/{code}/apply", response_model=None)
def apply(code: Code, body: Collection, session: SessionDep, actor: CurrentActor, now: Now,
          tolerance: Tolerance = 1.0,
          expected_version: Annotated[int | None, Query(ge=0, le=2**31 - 1, description=(
              "The map version of the preview: a map changed since is refused."))] = None,
          ) -> dict[str, Any] | JSONResponse:
    """Redraw the node's children from the file, moving the open cases and households of the
    redrawn grids (each with its event); all or nothing."""
    try:
        done = service.apply(session, actor, code, body, now=now, expected_version=expected_version,
                             tolerance=tolerance)
    except geo.ImportRejected as exc:
        return refused(exc)
    out = done.preview.to_dict()
    out["map_version"] = done.map_version
    del out["old"], out["new"]
    return out


class RenameIn(BaseModel):
    name_zh: str = Field(max_length=100)
    name_en: str = Field("", max_length=100)


@router.post("/{code}/rename")
def rename(code: Code, body: RenameIn, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Rename a node (Chinese and English names)."""
    node = service.rename(session, actor, code, body.name_zh, body.name_en, now=now)
    return {"code": node.code, "name_zh": node.name_zh, "name_en": node.name_en, "level": node.level}
