"""One rule for every text a client sends: a control character in any field of a JSON body
or a form post is refused with 422 naming the field (400 in the GeoReport format under
``/open311/``), and a number JSON does not have (NaN, Infinity) is a 422, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import File, Form, UploadFile
from fastapi.testclient import TestClient

from huying.http.body import control_character, form_problem, json_problem
from tests.api.conftest import make_client
from tests.ops.conftest import Filled

BODY = {"title": "路灯不亮", "description": "小区门口的路灯坏了三天", "lon": 113.05, "lat": 23.05}


@pytest.fixture
def client(filled: Filled) -> Iterator[TestClient]:
    for c in make_client(filled.url):
        c.headers["Authorization"] = f"Bearer {filled.tokens['resident']}"
        yield c


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_a_json_field_is_422_naming_it(client: TestClient, char: str) -> None:
    r = client.post("/api/v1/cases", json={**BODY, "description": f"路灯{char}坏了"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input"
    assert r.json()["field"] == "description"
    assert f"U+{ord(char):04X}" in r.json()["detail"]


def test_a_nested_field_and_a_key_are_named(client: TestClient) -> None:
    photo = {"filename": "a\x01.jpg", "content_base64": ""}
    r = client.post("/api/v1/cases", json={**BODY, "photos": [photo]})
    assert r.json()["field"] == "photos[0].filename"
    r = client.post("/api/v1/cases", json={**BODY, "ti\x02tle": "x"})
    assert r.status_code == 422 and r.json()["field"] == "ti\x02tle"


def test_newlines_and_tabs_are_text(client: TestClient) -> None:
    r = client.post("/api/v1/cases", json={**BODY, "description": "第一行\n第二行\r\n\t缩进"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_number_is_422_not_500(client: TestClient, raw: str) -> None:
    body = f'{{"title": "路灯不亮", "lon": {raw}, "lat": 23.05}}'.encode()
    r = client.post("/api/v1/cases", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "lon" and "not a finite number" in r.json()["detail"]


def test_a_control_character_in_a_page_form_is_422_naming_the_field(client: TestClient) -> None:
    r = client.post("/login", data={"username": "resident\x08", "password": "x"},
                    headers={"Authorization": ""})
    assert r.status_code == 422
    assert r.json()["field"] == "username"


def test_a_control_character_in_a_query_parameter_is_422_naming_it(client: TestClient) -> None:
    r = client.get("/api/v1/cases?q=a%1Bb")
    assert r.status_code == 422 and r.json()["field"] == "q"
    assert client.get("/api/v1/cases?q=%E8%B7%AF%E7%81%AF").status_code == 200


def test_a_control_character_in_a_multipart_form_is_refused(client: TestClient) -> None:
    def upload(note: Annotated[str, Form()], photo: Annotated[UploadFile, File()]) -> dict[str, str]:
        return {"note": note, "photo": photo.filename or ""}

    client.app.add_api_route("/_test/upload", upload, methods=["POST"])  # type: ignore[attr-defined]
    jpeg = ("p.jpg", b"\xff\xd8\xff", "image/jpeg")
    ok = client.post("/_test/upload", data={"note": "换了灯泡\n"}, files={"photo": jpeg})
    assert ok.status_code == 200 and ok.json() == {"note": "换了灯泡\n", "photo": "p.jpg"}
    r = client.post("/_test/upload", data={"note": "a\x07b"}, files={"photo": jpeg})
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = client.post("/_test/upload", data={"note": "x"}, files={"photo": ("p\x1b.jpg", b"x", "image/jpeg")})
    assert r.status_code == 422 and r.json()["field"] == "photo"


@pytest.mark.parametrize("raw", ["\\ud800", "\\udfff", "a\\ud83d"])
def test_a_lone_surrogate_is_422_not_500(client: TestClient, raw: str) -> None:
    """Issue 19's probe: a lone surrogate (``"\\ud800"`` in the JSON text) gave a 500."""
    body = f'{{"title": "{raw}", "lon": 113.05, "lat": 23.05}}'.encode()
    r = client.post("/api/v1/cases", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "title" and "lone surrogate" in r.json()["detail"]


def test_open311_answers_in_its_own_format(client: TestClient) -> None:
    r = client.post("/open311/v2/requests.json",
                    data={"api_key": "k", "service_code": "x", "description": "a\x0bb"})
    assert r.status_code == 400
    assert r.json() == [{"code": 400, "description": "description: contains a control character (U+000B)"}]


def test_the_rule_itself() -> None:
    assert control_character("正常的文字\n\t\r") is None
    assert control_character("a\u200bb") is None  # format characters are not control characters
    assert control_character("a\x9fb") == "U+009F"
    assert json_problem(b'{"a": [{"b": "\\u0001"}]}') == ("a[0].b", "contains a control character (U+0001)")
    assert json_problem(b'["x", NaN]') == ("[1]", "NaN is not a finite number")
    assert json_problem(b'"\\u0003"') == ("body", "contains a control character (U+0003)")
    assert json_problem(b"not json") is None  # the route says what is wrong
    assert form_problem(b"a=1&b=%07") == ("b", "contains a control character (U+0007)")
    assert form_problem(b"a=1&b=2") is None
