"""The counter of a service centre in Chinese (一站受理): 虎门's community officer accepts, at
their community's centre, a request of a resident of 长安 (sent to 长安's civil-affairs office)
after a refusal for missing materials shown beside the field, and one for the demo resident,
who then finds it on their own page and its case page, in words meant for them; the public
lookup by its code shows no place."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from tests.web.scene import CHANGAN_COMMUNITY, HTML, post, shown_errors, sign_in

CENTRE = "C441900121004"  # 东方社区 (虎门)'s centre (the demo's community officer's)
ALLOWANCE = ["身份证", "户口簿", "本人银行卡"]


def _accepted(c: TestClient, **form: object) -> str:
    r = post(c, f"/centres/{CENTRE}/accept", {"item": "elder_allowance", "contact": "13800135678",
                                              "materials": ALLOWANCE, **form})
    assert r.status_code == 303, r.text[:1500]
    return re.search(r"receipt=([^&]+)", r.headers["location"]).group(1)  # type: ignore[union-attr]


def test_the_counter_accepts_for_another_town_and_the_resident_follows(city_client: TestClient,
                                                                     city_session: Session) -> None:
    c = city_client
    sign_in(c, "community")
    start = c.get("/counter", headers=HTML)
    assert start.status_code == 200 and CENTRE in start.text and "一站受理窗口" in start.text
    page = c.get(f"/centres/{CENTRE}/accept?item=elder_allowance", headers=HTML)
    assert page.status_code == 200 and "高龄津贴申领" in page.text and "10 个工作日" in page.text
    assert all(m in page.text for m in ALLOWANCE)
    before = city_session.scalar(select(func.count()).select_from(Case))
    bad = post(c, f"/centres/{CENTRE}/accept", {"item": "elder_allowance", "contact": "13800135678",
                                                "community": CHANGAN_COMMUNITY, "materials": ["身份证"]})
    assert bad.status_code == 422 and shown_errors(bad.text) == ["materials"] and "缺少必需材料" in bad.text
    city_session.expire_all()
    assert city_session.scalar(select(func.count()).select_from(Case)) == before
    code = _accepted(c, community=CHANGAN_COMMUNITY)
    receipt = c.get(f"/centres/{CENTRE}/accept?receipt={code}", headers=HTML)
    assert receipt.status_code == 200 and code in receipt.text and "138****5678" in receipt.text
    city_session.expire_all()
    case = city_session.scalar(select(Case).where(Case.code == code))
    assert case is not None and case.kind == "service"
    unit = re.search(r'id="receipt-unit">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    assert "长安" in unit
    # the demo resident's request: on their page, and its own page in their words
    mine = _accepted(c, resident="resident")
    sign_in(c, "resident")
    my = c.get("/my", headers=HTML)
    assert mine in my.text and "办事申请" in my.text
    page = c.get(f"/cases/{mine}", headers=HTML)
    assert page.status_code == 200 and "受理地点" in page.text and "党群服务中心" in page.text
    assert "已在党群服务中心受理" in page.text and "虎门" in page.text
    public = c.get(f"/public/cases/{mine}", headers=HTML)
    assert public.status_code == 200 and "13800135678" not in public.text and "东方社区" not in public.text
