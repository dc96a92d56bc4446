"""A body larger than ``HUYING_MAX_BODY_BYTES`` is refused with 413 and the reason before it
is read: at once from its ``Content-Length``, by counting when it comes in chunks; and no
error reply echoes a large input."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from huying.config import Settings
from huying.http.body import LimitBody
from tests.api.conftest import live_server, make_client
from tests.ops.conftest import Filled

LIMIT = 4096
BIG = {"title": "路灯不亮", "description": "x" * 5000, "lon": 113.05, "lat": 23.05}


@pytest.fixture
def client(filled: Filled, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("HUYING_MAX_BODY_BYTES", str(LIMIT))
    for c in make_client(filled.url):
        c.headers["Authorization"] = f"Bearer {filled.tokens['resident']}"
        yield c


def test_the_default_limit_holds_a_report_with_nine_largest_photos() -> None:
    s = Settings(max_attachment_bytes=10 * 1024 * 1024)
    assert s.body_limit >= 9 * 10 * 1024 * 1024 * 4 // 3 + 100_000
    assert Settings(max_body_bytes=123).body_limit == 123


def test_a_declared_length_over_the_limit_is_413_with_the_reason(client: TestClient) -> None:
    r = client.post("/api/v1/cases", json=BIG)
    assert r.status_code == 413
    assert r.json() == {"error": "too_large", "limit": LIMIT,
                        "detail": f"the request body is larger than {LIMIT} bytes"}
    assert "xxxx" not in r.text
    assert r.headers["X-Content-Type-Options"] == "nosniff"  # the security headers too


def test_a_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        data = json.dumps(BIG).encode()
        for i in range(0, len(data), 1000):
            yield data[i:i + 1000]

    r = client.post("/api/v1/cases", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "too_large"


def test_a_body_under_the_limit_goes_through(client: TestClient) -> None:
    r = client.post("/api/v1/cases", json={**BIG, "description": "x" * 1000})
    assert r.status_code == 201, r.text


def _asgi(scope_headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[list[Message], int, bool]:
    """Run LimitBody(limit=10) over an app that reads the whole body; (sent, reads, app ran)."""
    reads = 0
    ran = False
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal ran
        ran = True
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": chunks[reads - 1], "more_body": reads < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": scope_headers}
    anyio.run(LimitBody(app, max_bytes=10), scope, receive, send)
    return sent, reads, ran


def test_a_declared_length_is_refused_before_a_byte_is_read() -> None:
    sent, reads, ran = _asgi([(b"content-length", b"1000000")], [b"x" * 100] * 3)
    assert sent[0]["status"] == 413 and reads == 0 and not ran


def test_counting_stops_reading_at_the_chunk_that_passes_the_limit() -> None:
    sent, reads, ran = _asgi([], [b"x" * 6] * 100)
    assert sent[0]["status"] == 413
    assert reads == 2 and ran  # 6 then 12 > 10: the 98 other chunks are never read
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_a_body_within_the_limit_reaches_the_app() -> None:
    sent, reads, _ = _asgi([(b"content-length", b"10")], [b"x" * 5, b"y" * 5])
    assert sent[0]["status"] == 200 and reads == 2


def test_the_real_server_answers_413_without_waiting_for_the_body(filled: Filled, tmp_path: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUYING_MAX_BODY_BYTES", str(LIMIT))
    with live_server(filled.url, tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            # a gigabyte announced, a few bytes sent: the reply comes without the rest
            sock.sendall(b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000000000\r\n\r\n{\"title\":")
            raw = b""
            while b"}" not in raw:  # the headers, then the JSON reason
                chunk = sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
            reply = raw.decode()
        assert reply.startswith("HTTP/1.1 413"), reply[:200]
        assert f"larger than {LIMIT} bytes" in reply


def test_a_validation_error_does_not_echo_a_large_input(filled: Filled) -> None:
    for c in make_client(filled.url):
        r = c.post("/api/v1/cases", json={**BIG, "description": "y" * 20_000},
                   headers={"Authorization": f"Bearer {filled.tokens['resident']}"})
        assert r.status_code == 422, r.text
        assert len(r.content) < 1000 and "yyyy" not in r.text
        assert r.json()["detail"][0]["loc"] == ["body", "description"]
        small = c.post("/api/v1/cases", json={**BIG, "description": "", "title": ""},
                       headers={"Authorization": f"Bearer {filled.tokens['resident']}"})
        assert small.status_code == 422
        assert small.json()["detail"][0]["input"] == ""  # a short input is still shown


