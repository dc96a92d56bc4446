"""The register's pages (一标三实) in the demo city: an officer's list of a place (counted,
searched, filtered, names masked), a household's page with its edit, move and move-out forms
(bad input shown beside the form, 422, nothing stored), the units; scope (404 outside it,
403 for those who keep no register)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.config import get_settings
from huying.contact import service as register
from huying.contact.models import Address, Household, HouseholdMove, Unit
from huying.geo.models import Node
from huying.intake.rows import Mode
from huying.orgs.models import Person
from tests.web.scene import HTML, HUMEN_GRID, actor, assigned_households, post, sign_in, utcnow

COMMUNITY = HUMEN_GRID[:-3]
NUMBER = "441900198505055671"


def household_of(s: Session, grid: str = HUMEN_GRID, n: int = 0) -> Household:
    rows = list(s.scalars(select(Household).join(Node, Node.id == Household.grid_id)
                          .where(Node.code == grid, Household.moved_out_at.is_(None)).order_by(Household.id)))
    assert len(rows) > n
    return rows[-1 - n]  # from the end: the other tests take the first ones


def moves(s: Session, hh: Household) -> int:
    s.expire_all()
    return s.scalar(select(func.count()).select_from(HouseholdMove).where(HouseholdMove.household_id == hh.id)) or 0


def test_an_officer_lists_counts_and_searches_the_households_of_a_place(city_client: TestClient,
                                                                       city_session: Session) -> None:
    s = city_session
    hh = household_of(s)
    register.edit_household(s, actor(s, "community"), hh.code,
                            register.HouseholdEdit(str(hh.size), "migrant", ("elder_alone",)), now=utcnow())
    s.commit()
    sign_in(city_client, "community")
    r = city_client.get(f"/register?node={COMMUNITY}", headers=HTML)
    assert r.status_code == 200
    assert 'href="/register"' in r.text  # in the navigation
    for word in ("户数", "人数", "外来", "独居老人", "留守儿童"):
        assert word in r.text, word
    assert "elder_alone" not in r.text.replace('value="elder_alone"', "").replace('data-count="elder_alone"', "")
    counts = dict(re.findall(r'data-count="([^"]+)"><span class="k">[^<]*</span><span class="v">(\d+)', r.text))
    n_hh = s.scalar(select(func.count()).select_from(Household).join(Node, Node.id == Household.grid_id)
                    .where(Node.path.startswith(s.scalar(select(Node.path).where(Node.code == COMMUNITY))),
                           Household.moved_out_at.is_(None)))
    assert int(counts["households"]) == n_hh and int(counts["elder_alone"]) >= 1
    # names masked: no full demo name on the page
    assert not re.search(r"居民\d{6}", r.text)
    found = city_client.get(f"/register?node={COMMUNITY}&need=elder_alone&origin=migrant", headers=HTML)
    assert f'data-household="{hh.code}"' in found.text
    by_code = city_client.get(f"/register?node={COMMUNITY}&q={hh.code}", headers=HTML)
    assert re.findall(r'data-household="([^"]+)"', by_code.text) == [hh.code]
    assert city_client.get(f"/register?node={COMMUNITY}&need=pigeon", headers=HTML).status_code == 422
    page2 = city_client.get(f"/register?node={COMMUNITY}&page=2", headers=HTML)
    assert page2.status_code == 200 and "第 2 页" in page2.text


def test_scope_of_the_register(city_client: TestClient, city_session: Session) -> None:
    hh = household_of(city_session)
    for who, status in (("resident", 403), ("handler", 403), ("gridworker", 403), ("leader", 403),
                        ("town2", 404), ("community", 200), ("town", 200), ("city", 200), ("admin", 200)):
        sign_in(city_client, who)
        r = city_client.get(f"/register/households/{hh.code}", headers=HTML)
        assert r.status_code == status, who
        if status != 200:  # nor may they change it
            for path, data in (("", {"size": "2", "origin": "local"}), ("/move", {"address": "人民路1号"}),
                               ("/move-out", {"place": "广州"})):
                assert post(city_client, f"/register/households/{hh.code}{path}", data).status_code == status, \
                    (who, path)
            assert city_client.get(f"/register?node={COMMUNITY}", headers=HTML).status_code == 403, who
    city_session.expire_all()
    assert city_session.get(Household, hh.id).moved_out_at is None  # type: ignore[union-attr]
    sign_in(city_client, "community")
    assert city_client.get("/register?node=nowhere", headers=HTML).status_code == 404
    assert city_client.get("/register/households/H-none", headers=HTML).status_code == 404


def test_a_household_page_shows_people_masked_its_cadre_and_history(
        city_client: TestClient, city_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    s = city_session
    [code] = assigned_households(s, 1)
    monkeypatch.setattr(get_settings(), "id_hash_key", "test-only-key")
    rep = register.import_register(s, actor(s, "city"), "people",
                                   [(2, {"name": "欧阳明月", "household": code, "id_number": NUMBER})],
                                   now=utcnow(), mode=Mode.ALL_OR_NOTHING)
    assert rep.stored, rep.problems
    s.commit()
    sign_in(city_client, "community")
    r = city_client.get(f"/register/households/{code}", headers=HTML)
    assert r.status_code == 200
    assert "欧阳**" in r.text and "欧阳明月" not in r.text
    assert "4419**********5671" in r.text and NUMBER not in r.text
    assert not re.search(r"居民\d{6}", r.text)
    assert "演示网格员" in r.text  # its cadre
    assert 'id="case-map"' in r.text and 'name="csrf_token"' in r.text
    for word in ("走访", "变动记录", "迁出"):
        assert word in r.text, word


def test_edit_move_and_move_out_from_the_page(city_client: TestClient, city_session: Session) -> None:
    s = city_session
    hh = household_of(s, n=1)
    sign_in(city_client, "community")
    url = f"/register/households/{hh.code}"
    before = moves(s, hh)
    bad = post(city_client, url, {"size": "0", "origin": "local"})
    assert bad.status_code == 422 and 'data-form="edit" data-field="size"' in bad.text and "1 到 30" in bad.text
    assert moves(s, hh) == before
    ok = post(city_client, url, {"size": "5", "origin": "migrant", "needs": ["disability", "low_income"]})
    assert ok.status_code == 303 and ok.headers["location"] == f"{url}?done=edited"
    s.expire_all()
    assert (s.get(Household, hh.id).size, s.get(Household, hh.id).needs) == (5, "disability,low_income")  # type: ignore[union-attr]
    page = city_client.get(f"{url}?done=edited", headers=HTML).text
    assert "已保存" in page and "残疾" in page and "disability" not in page.replace('value="disability"', "")

    # a move: an address typed that the register knows several of → a list to choose from
    other = s.scalar(select(Address).where(Address.grid_id == hh.grid_id, Address.id != hh.address_id,
                                           Address.kind == "room").order_by(Address.id.desc()))
    assert other is not None
    building = other.text.rsplit("号", 1)[0] + "号"
    choose = post(city_client, f"{url}/move", {"address": building})
    assert choose.status_code == 422 and 'id="move-candidates"' in choose.text
    assert moves(s, hh) == before + 1
    unknown = post(city_client, f"{url}/move", {"address": "火星路1号"})
    assert unknown.status_code == 422 and 'data-form="move" data-field="address"' in unknown.text
    future = post(city_client, f"{url}/move", {"address": other.text, "at": "2999-01-01"})
    assert future.status_code == 422 and 'data-field="at"' in future.text
    moved = post(city_client, f"{url}/move", {"address": other.text, "address_id": str(other.id)})
    assert moved.status_code == 303, moved.text[:500]
    s.expire_all()
    assert s.get(Household, hh.id).address_id == other.id  # type: ignore[union-attr]

    out_bad = post(city_client, f"{url}/move-out", {"place": "x" * 201})
    assert out_bad.status_code == 422 and 'data-form="out" data-field="place"' in out_bad.text
    out = post(city_client, f"{url}/move-out", {"place": "湖南省衡阳市"})
    assert out.status_code == 303
    page = city_client.get(f"{url}?done=moved_out", headers=HTML).text
    assert "湖南省衡阳市" in page and "迁出" in page and 'id="edit-form"' not in page
    assert [k for k in re.findall(r'data-kind="([^"]+)"', page)][-3:] == ["changed", "moved", "moved_out"]


def test_the_units_of_a_place(city_client: TestClient, city_session: Session) -> None:
    s = city_session
    addr = s.scalar(select(Address).join(Node, Node.id == Address.grid_id).where(Node.code == HUMEN_GRID)
                    .order_by(Address.id))
    assert addr is not None
    if not s.scalar(select(Unit.id).where(Unit.code == "WEB-U1")):
        rep = register.import_register(s, actor(s, "city"), "units", [
            (2, {"code": "WEB-U1", "name": "虎门演示五金厂", "kind": "enterprise", "address": addr.text,
                 "employees": "37"})], now=utcnow())
        assert rep.stored, rep.problems
        s.commit()
    sign_in(city_client, "community")
    r = city_client.get(f"/register/units?node={COMMUNITY}&q=五金", headers=HTML)
    assert r.status_code == 200 and "虎门演示五金厂" in r.text and "企业" in r.text and "enterprise" not in r.text
    d = city_client.get("/register/units/WEB-U1", headers=HTML)
    assert d.status_code == 200 and "37" in d.text and addr.text in d.text
    sign_in(city_client, "town2")
    assert city_client.get("/register/units/WEB-U1", headers=HTML).status_code == 404
    assert s.scalar(select(func.count()).select_from(Person)) > 0
