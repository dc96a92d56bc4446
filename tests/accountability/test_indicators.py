"""Each indicator's formula on a hand-built set of cases run through the service: three cases
of town 1 — A handled on time and closed, its reporter satisfied but saying "not solved"; B
returned once by its unit, dispatched again, reopened as dissatisfied, handled again and
closed; C accepted weeks late (it went overdue first) — and the rankings, per 10,000
residents, per unit, and the refusals of bad keys, periods and options."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.accountability import indicators as ind
from huying.cases import service as svc
from huying.errors import InvalidInput, NotPermitted
from huying.metrics import rollup
from tests.cases.conftest import T0, World

URBAN = "441900101-dept-urban_management"
LATER = T0 + dt.timedelta(days=60)


def _h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _cases(w: World) -> None:
    s = w.session
    a = w.report(title="A 路灯不亮", now=_h(0))
    svc.dispatch(s, a, w["town"], unit=URBAN, now=_h(1))
    svc.accept(s, a, w["handler"], now=_h(2))
    svc.mark_handled(s, a, w["handler"], evidence="已更换灯泡", now=_h(20))
    svc.follow_up(s, a, w["community"], satisfaction="满意", solved=False, now=_h(30))
    svc.close(s, a, w["community"], resolution="已修复", now=_h(31))
    b = w.report(title="B 井盖缺失", now=_h(0.5))
    svc.dispatch(s, b, w["town"], unit=URBAN, now=_h(1))
    svc.return_to_dispatcher(s, b, w["handler"], note="不归我们", now=_h(1.5))
    svc.dispatch(s, b, w["town"], unit=URBAN, now=_h(2))
    svc.accept(s, b, w["handler"], now=_h(3))
    svc.mark_handled(s, b, w["handler"], evidence="已补", now=_h(20))
    svc.follow_up(s, b, w["community"], satisfaction="不满意", now=_h(30))
    svc.mark_handled(s, b, w["handler"], evidence="再补", now=_h(40))
    svc.follow_up(s, b, w["community"], satisfaction="基本满意", solved=True, now=_h(50))
    svc.close(s, b, w["community"], resolution="已补", now=_h(51))
    c = w.report(title="C 噪音", now=_h(1))
    svc.dispatch(s, c, w["town"], unit=URBAN, now=_h(2))
    svc.accept(s, c, w["handler"], now=_h(24 * 30))


def test_each_indicator_follows_its_formula(world: World) -> None:
    _cases(world)
    s: Session = world.session
    v = ind.node_values(s, world.nodes["town1"], now=LATER)
    got = {k: (x.value, x.num, x.den) for k, x in v.items()}
    assert got["received"][0] == 3 and got["registered"][0] == 3
    assert got["response_rate"] == (round(2 / 3, 4), 2, 3)  # C responded after going overdue
    assert got["solved_rate"] == (round(1 / 3, 4), 1, 3)  # A said "not solved", B's reopening
    assert got["satisfaction_rate"] == (round(2 / 3, 4), 2, 3)
    assert got["close_rate"] == (round(2 / 3, 4), 2, 3)
    assert got["on_time_close_rate"] == (round(2 / 3, 4), 2, 3)  # A, B on time; C fell due
    assert got["dispatch_accuracy"] == (0.5, 1, 2)  # B was returned
    assert got["on_time_handling_rate"] == (1.0, 2, 2)
    assert got["rework_rate"] == (0.5, 1, 2)
    assert got["on_time_rate"] == (1.0, 2, 2)
    assert got["composite"][0] == round((0.5 * 30 + 1.0 * 35 + (2 / 3) * 35) / 100, 4)
    assert got["open_now"][0] == 1 and got["overdue_now"][0] == 1  # C, past its handling deadline
    # town 2 has nothing: rates without a denominator are None, counts 0
    t2 = ind.node_values(s, world.nodes["town2"], now=LATER)
    assert t2["response_rate"].value is None and t2["received"].value == 0 and t2["composite"].value is None
    # a period that holds only C's late acceptance
    late = ind.node_values(s, world.nodes["town1"], now=LATER, since=_h(24 * 29), until=_h(24 * 31))
    assert (late["response_rate"].num, late["response_rate"].den) == (0, 1)
    assert late["received"].value == 0
    # per unit: the urban management department of town 1 holds the three
    units = ind.unit_values(s, world.city_id, now=LATER)
    assert units[URBAN]["dispatch_accuracy"].value == 0.5 and units[URBAN]["closed"].value == 2
    # rebuilt from the events alone
    before = ind.tree_values(s, world.city_id, now=LATER), ind.unit_values(s, world.city_id, now=LATER)
    rollup.rebuild(s, world.city_id)
    s.commit()
    assert (ind.tree_values(s, world.city_id, now=LATER), ind.unit_values(s, world.city_id, now=LATER)) == before


def test_rankings_compare_counts_per_10k_residents_and_rank_ties_equal(world: World) -> None:
    s = world.session
    _cases(world)
    world.nodes["comm1"].population = 20_000
    world.nodes["comm2"].population = 10_000
    s.flush()
    town_rows = ind.rank_children(s, world.nodes["city"], "received", now=LATER)
    assert [r.code for r in town_rows] == ["441900101", "441900102"]
    assert town_rows[0].value.per_10k == 1.5 and town_rows[1].score == 0.0
    # rates: a town with no denominator is left out
    assert [r.code for r in ind.rank_children(s, world.nodes["city"], "response_rate", now=LATER)] == ["441900101"]
    rows = [(world.nodes[k], ind.Value("x", 0.5, 1, 2, None)) for k in ("town1", "town2", "comm1")]
    ranked = ind.rank(ind.get("on_time_rate"), rows)
    assert [r.rank for r in ranked] == [1, 1, 1]
    rows[2] = (world.nodes["comm1"], ind.Value("x", 0.9, 9, 10, None))
    assert [r.rank for r in ind.rank(ind.get("on_time_rate"), rows)] == [1, 2, 2]
    assert [r.rank for r in ind.rank(ind.get("rework_rate"), rows)] == [1, 1, 3]


def test_bad_keys_and_outsiders_are_refused(world: World) -> None:
    s = world.session
    with pytest.raises(InvalidInput, match="response_rate"):
        ind.get("nope")
    with pytest.raises(InvalidInput, match="not listed"):
        ind.records(s, world["leader"], world.nodes["city"], "composite", now=LATER)
    with pytest.raises(NotPermitted):
        ind.records(s, world["community2"], world.nodes["town1"], "received", now=LATER)
    with pytest.raises(NotPermitted):
        ind.records(s, world["resident"], world.nodes["grid1a"], "received", now=LATER)


def test_the_api_gives_the_values_and_the_records_and_refuses_bad_input(api) -> None:  # type: ignore[no-untyped-def]
    client, headers, world = api
    leader, resident = headers["leader"], headers["resident"]
    r = client.get("/api/v1/indicators", headers=leader)
    assert r.status_code == 200 and any(i["key"] == "response_rate" for i in r.json()["indicators"])
    r = client.get("/api/v1/indicators/values?node=441900&period=all", headers=leader)
    assert r.status_code == 200, r.text
    assert [c["code"] for c in r.json()["children"]] == ["441900101", "441900102"]
    r = client.get("/api/v1/indicators/received/records?node=441900&period=all", headers=leader)
    assert r.status_code == 200 and r.json()["total"] == 0
    for url, word in (("/api/v1/indicators/nope/records?period=all", "response_rate"),
                      ("/api/v1/indicators/values?period=decade", "period"),
                      ("/api/v1/indicators/values?period=custom&from=2026-01-01", "custom"),
                      ("/api/v1/indicators/units?period=month&from=2026-13-01", "from"),
                      ("/api/v1/indicators/values?node=999", "999")):
        r = client.get(url, headers=leader)
        assert 400 <= r.status_code < 500 and word in r.text, (url, r.status_code, r.text)
    assert client.get("/api/v1/indicators/values?period=all", headers=resident).status_code == 403
    assert client.get("/api/v1/indicators/units?period=all", headers=headers["town"]).status_code == 200


def test_the_cli_names_a_bad_option() -> None:
    from huying.cli import app

    r = CliRunner().invoke(app, ["indicators", "values", "--period", "decade"])
    assert r.exit_code != 0 and "period" in r.output
    r = CliRunner().invoke(app, ["indicators", "list"])
    assert r.exit_code == 0 and "response_rate" in r.output
