"""An independent Open311 client, ``georeport`` (PyPI), reads our endpoint on a live
server in JSON and XML; creating goes through ``httpx`` (the client only reads)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Served

georeport = pytest.importorskip("georeport")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_services_and_requests(served: Served, live: str, fmt: str) -> None:
    client = georeport.GeoReport(f"{live}/open311/v2", jurisdiction="441900", output_format=fmt)
    services = client.get_service_list()
    assert len(services) > 100 and services[0]["service_code"] == "01.01.001"
    definition = client.get_service_definition("01.01.001")
    assert definition["service_code"] == "01.01.001"
    attrs = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attrs] == ["title", "priority"]

    r = httpx.post(f"{live}/open311/v2/requests.json", timeout=30, data={
        "api_key": served.tokens["client"], "jurisdiction_id": "441900", "service_code": "01.01.001",
        "lat": "23.05", "long": "113.05", "description": f"client check {fmt}"})
    assert r.status_code == 200, r.text
    code = r.json()[0]["service_request_id"]

    one = client.get_service_request(code)
    one = one[0] if isinstance(one, list) else one
    assert one["service_request_id"] == code and one["status"] == "open"
    assert one["description"] == f"client check {fmt}"
    many = client.get_service_requests(service_request_id=f"{code},{served.cases['c2']}")
    assert {m["service_request_id"] for m in many} == {code, served.cases["c2"]}
    opened = client.get_service_requests(status="open")
    assert code in {m["service_request_id"] for m in opened}
    with pytest.raises(Exception, match="404"):
        client.get_service_definition("99.99.999")
