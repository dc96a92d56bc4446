"""The map edited on the web (administrators, within their scope): choose a node, rename it,
upload GeoJSON for its children, see the change on the map (old outlines dashed, new ones
filled; codes kept, new and retired; the cases and households that would move), confirm to
apply (a town's communities merged or split: the grids that change community, with their
open cases and households). The rules are ``huying.mapedit``'s; a refused file re-renders the page with its
reasons (HTTP 422) and stores nothing."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.geo import edit
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.mapedit import service
from huying.orgs.actor import Actor
from huying.orgs.scope import administers, check_administers
from huying.web.deps import PageActor
from huying.web.maps import map_config
from huying.web.pages.common import see_other
from huying.web.templating import render

router = APIRouter(prefix="/admin/map")
#: The largest GeoJSON file taken (bytes).
MAX_FILE = 8 * 1024 * 1024


def _here(session: Session, actor: Actor, code: str) -> Node:
    """The node asked for, or the actor's own; one outside their scope is refused (403)."""
    try:
        node = geo.get_node(session, actor.city_id, code) if code else None
    except geo.NodeNotFound:
        raise NotVisible(f"no node {code}") from None
    if node is None:  # the administrator's own node
        node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.path == actor.node_path))
    if node is None:
        raise NotVisible("no node")
    check_administers(actor, node.path, "edit the map")
    return node


def _page(request: Request, session: Session, actor: Actor, node: Node, *, issues: list[Any] | None = None,
          warnings: list[Any] | None = None, error: str = "", status_code: int = 200,
          values: dict[str, str] | None = None) -> HTMLResponse:
    trail = [n for n in geo.ancestors(session, node) if administers(actor, n.path)]
    return render(request, "admin/map.html", {
        "node": node, "trail": trail, "children": geo.children(session, node),
        "editable": node.level_enum in edit.EDITABLE, "issues": issues or [], "warnings": warnings or [],
        "error": error, "values": values or {}, "done": request.query_params.get("done", ""),
    }, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def page(request: Request, session: SessionDep, actor: PageActor, node: str = "") -> Response:
    return _page(request, session, actor, _here(session, actor, node[:20]))


@router.get("/export")
def export(session: SessionDep, actor: PageActor, node: str = "") -> Response:
    """The node's children as GeoJSON: the file to edit and upload again."""
    here = _here(session, actor, node[:20])
    fc = geo.export_geojson(session, actor.city_id, here.level_enum.child, here.code) if here.level_enum.child \
        else geo.export_geojson(session, actor.city_id, None, here.code)
    fc["features"] = [f for f in fc["features"] if f["properties"]["parent_code"] == here.code]
    return Response(json.dumps(fc, ensure_ascii=False), media_type="application/geo+json",
                    headers={"Content-Disposition": f'attachment; filename="{here.code}.geojson"'})


@router.post("/rename", response_class=HTMLResponse)
def rename(request: Request, session: SessionDep, actor: PageActor, now: Now,
           node: Annotated[str, Form(max_length=20)] = "",
           name_zh: Annotated[str, Form(max_length=200)] = "",
           name_en: Annotated[str, Form(max_length=200)] = "") -> Response:
    here = _here(session, actor, node)
    try:
        service.rename(session, actor, here.code, name_zh, name_en, now=now)
    except geo.InvalidNode:
        session.rollback()
        return _page(request, session, actor, here, error="name", status_code=422,
                     values={"name_zh": name_zh, "name_en": name_en})
    return see_other(f"/admin/map?node={here.code}&done=renamed")


def _read(upload: UploadFile | None, text: str) -> str:
    if upload is not None and upload.filename:
        raw = upload.file.read(MAX_FILE + 1)
        if len(raw) > MAX_FILE:
            raise InvalidInput("the file is too large", "file")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("the file is not UTF-8 text", "file") from None
    if text.strip():
        return text
    raise InvalidInput("choose a GeoJSON file", "file")


def _refused(request: Request, session: Session, actor: Actor, here: Node, exc: Exception) -> HTMLResponse:
    session.rollback()
    if isinstance(exc, geo.ImportRejected):
        return _page(request, session, actor, here, issues=exc.report.errors, warnings=exc.report.warnings,
                     status_code=422)
    field = getattr(exc, "field", "") or "file"
    kind = "stale" if field == "map_version" else ("not_json" if "JSON" in str(exc) else
                                                   "too_large" if "too large" in str(exc) else
                                                   "not_utf8" if "UTF-8" in str(exc) else "no_file")
    return _page(request, session, actor, here, error=kind, status_code=422)


@router.post("/preview", response_class=HTMLResponse)
def preview(request: Request, session: SessionDep, actor: PageActor,
            node: Annotated[str, Form(max_length=20)] = "",
            file: Annotated[UploadFile | None, File()] = None,
            geojson: Annotated[str, Form(max_length=MAX_FILE)] = "") -> Response:
    here = _here(session, actor, node)
    try:
        text = _read(file, geojson)
        pv = service.preview(session, actor, here.code, service.load_geojson_text(text))
    except InvalidInput as exc:
        return _refused(request, session, actor, here, exc)
    data = pv.to_dict()
    return render(request, "admin/map_preview.html", {
        "node": here, "trail": [n for n in geo.ancestors(session, here) if administers(actor, n.path)],
        "pv": pv, "data": data, "geojson": text, "map_config": map_config(session),
        "place_names": place_names(pv),
    })


def place_names(pv: service.Preview) -> dict[str, tuple[str, str]]:
    """Code → (Chinese, English) name of every place a preview shows: as the file names it,
    else as it was."""
    out = {n.code: (n.name_zh, n.name_en) for n in pv.plan.replaced}
    for k in pv.plan.kept:
        out[k.node.code] = (k.feature.name or k.node.name_zh, k.feature.name_en or k.node.name_en)
    for a in pv.plan.added:
        out[a.code] = (a.feature.name, a.feature.name_en)
    return out


@router.post("/apply", response_class=HTMLResponse)
def apply(request: Request, session: SessionDep, actor: PageActor, now: Now,
          node: Annotated[str, Form(max_length=20)] = "",
          geojson: Annotated[str, Form(max_length=MAX_FILE)] = "",
          map_version: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0) -> Response:
    here = _here(session, actor, node)
    try:
        text = _read(None, geojson)
        done = service.apply(session, actor, here.code, service.load_geojson_text(text), now=now,
                             expected_version=map_version)
    except InvalidInput as exc:
        return _refused(request, session, actor, here, exc)
    p = done.preview
    return see_other(f"/admin/map?node={here.code}&done=applied&cases={len(p.cases)}&households={len(p.households)}"
                     f"&grids={len(p.plan.regrouped)}")
