"""An administrator redraws two grids from a GeoJSON file: the boundary between two
neighbouring grids of a community moves about 30 m. The preview shows the old outlines dashed
and the new ones filled, both codes kept; applied, the map has the new polygons. Then a
community is split along a grid's outline: the preview names the grid that changes community,
and applied, the grid is under the new community with its code. The map is put back
afterwards (the city database is shared)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo import service as geo
from huying.geo.models import Node
from huying.geo.shapes import to_shape
from huying.mapedit import service
from huying.orgs.actor import actor_for
from tests.web.browser.helpers import Page, expect, sign_in

pytestmark = pytest.mark.browser


def neighbours(s: Session) -> tuple[Node, Node, Node]:
    """A community and two of its grids that share a boundary."""
    for comm in s.scalars(select(Node).where(Node.level == "community").order_by(Node.code).limit(40)):
        kids = [k for k in geo.children(s, comm) if k.geometry]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                if to_shape(a.geometry).intersection(to_shape(b.geometry)).length > 0.003:  # type: ignore[arg-type]
                    return comm, a, b
    raise AssertionError("no community with two neighbouring grids")


def fc(*items: tuple[str, shapely.Geometry]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code}, "geometry": mapping(g)} for code, g in items]}


def test_an_admin_redraws_two_grids_previews_and_applies(
    page: Page, city_session: Session, shot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    comm, a, b = neighbours(city_session)
    ga, gb = to_shape(a.geometry), to_shape(b.geometry)  # type: ignore[arg-type]
    part = gb.intersection(ga.buffer(0.0003))
    new_a, new_b = ga.union(part), gb.difference(part)
    file = tmp_path / "two-grids.geojson"
    file.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": mapping(new_a)},
        {"type": "Feature", "properties": {}, "geometry": mapping(new_b)}]}), encoding="utf-8")
    original = fc((a.code, ga), (b.code, gb))
    area_a = a.area_km2
    try:
        page.set_viewport_size({"width": 1366, "height": 900})
        sign_in(page, "admin")
        page.goto(f"/admin/map?node={comm.code}")
        expect(page.locator("#map-children")).to_contain_text(a.code)
        page.locator("#upload-form input[type=file]").set_input_files(str(file))
        with page.expect_navigation():
            page.locator("#upload-form button[type=submit]").click()
        preview = page.locator("#map-preview")
        expect(preview).to_have_attribute("data-ready", "true")
        expect(preview).to_have_attribute("data-old", "2")
        expect(preview).to_have_attribute("data-new", "2")
        expect(page.locator('#map-codes tr[data-state="kept"]')).to_have_count(2)
        expect(page.locator('#map-codes tr[data-state="new"]')).to_have_count(0)
        expect(page.locator(".preview-old").first).to_be_attached()
        expect(page.locator("#map-moves")).to_contain_text("将调整网格的事件")
        shot(page, "map-preview-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        expect(preview).to_be_visible()
        shot(page, "map-preview-390")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.once("dialog", lambda d: d.accept())
        with page.expect_navigation():
            page.locator("#apply-form button[type=submit]").click()
        expect(page.locator("#map-done")).to_contain_text("地图已调整")
        shot(page, "map-applied-1366")
        city_session.expire_all()
        kept_a = geo.get_node(city_session, a.city_id, a.code)
        assert kept_a.id == a.id and kept_a.area_km2 > area_a  # type: ignore[operator]
        assert geo.get_node(city_session, b.city_id, b.code).id == b.id
    finally:
        city_session.rollback()
        admin = actor_for(city_session, "admin")
        service.apply(city_session, admin, comm.code, original, now=dt.datetime.now(dt.UTC))


def test_an_admin_splits_a_community_and_its_grid_goes_along_with_its_code(
    page: Page, city_session: Session, shot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    comm, a, _ = neighbours(city_session)
    town = geo.get_node(city_session, comm.city_id, comm.path.rstrip("/").split("/")[-2])
    whole, part = to_shape(comm.geometry), to_shape(a.geometry)  # type: ignore[arg-type]
    file = tmp_path / "split.geojson"
    file.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": comm.code}, "geometry": mapping(whole.difference(part))},
        {"type": "Feature", "properties": {"name_zh": "新拆分社区", "name_en": "Split-off Community"},
         "geometry": mapping(part)}]}), encoding="utf-8")
    try:
        page.set_viewport_size({"width": 1366, "height": 900})
        sign_in(page, "admin")
        page.goto(f"/admin/map?node={town.code}")
        expect(page.locator("#map-regroup-hint")).to_be_visible()
        page.locator("#upload-form input[type=file]").set_input_files(str(file))
        with page.expect_navigation():
            page.locator("#upload-form button[type=submit]").click()
        expect(page.locator("#map-preview")).to_have_attribute("data-ready", "true")
        rows = page.locator("#map-regrouped tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(a.name_zh)
        expect(rows.first).to_contain_text(comm.name_zh)
        expect(rows.first).to_contain_text("新拆分社区")
        expect(page.locator("#map-moves")).to_contain_text("将调整所属村(社区)的网格：1 个")
        shot(page, "map-split-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.locator("#map-regrouped")).to_be_attached()
        shot(page, "map-split-390")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.once("dialog", lambda d: d.accept())
        with page.expect_navigation():
            page.locator("#apply-form button[type=submit]").click()
        expect(page.locator("#map-done")).to_contain_text("调整所属村(社区)的网格：1 个")
        city_session.expire_all()
        moved = geo.get_node(city_session, a.city_id, a.code)
        new = city_session.get(Node, moved.parent_id)
        assert moved.id == a.id and new is not None and new.name_zh == "新拆分社区"
        assert moved.path == f"{new.path}{a.code}/"
    finally:
        city_session.rollback()
        admin = actor_for(city_session, "admin")
        service.apply(city_session, admin, town.code,
                      {"type": "FeatureCollection", "features": [
                          {"type": "Feature", "properties": {"code": comm.code}, "geometry": mapping(whole)}]},
                      now=dt.datetime.now(dt.UTC))
