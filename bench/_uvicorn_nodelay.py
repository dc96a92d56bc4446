"""``python bench/_uvicorn_nodelay.py <uvicorn args>``: uvicorn with TCP_NODELAY on the listening
socket (accepted sockets inherit it on Linux).

Why: with ``--workers N`` uvicorn (0.54) binds the listener itself with ``proto=0``;
asyncio only sets TCP_NODELAY on accepted sockets whose ``proto`` is IPPROTO_TCP, so Nagle
stays on and every keep-alive response after the first waits ~40 ms for the client's
delayed ACK (Kludex/uvicorn#3149). Measured here: a bare endpoint does 22 requests/s on one
keep-alive connection with ``--workers 2`` against 3,400 with ``--workers 1``. The benchmarks
run both servers (huying and the bare baseline) through this launcher and also report the
unpatched ``huying serve`` figure."""

from __future__ import annotations

import socket
import sys

import uvicorn.config


def _patch() -> None:
    original = uvicorn.config.Config.bind_socket

    def bind_socket(self: uvicorn.config.Config) -> socket.socket:
        sock = original(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    uvicorn.config.Config.bind_socket = bind_socket  # type: ignore[method-assign]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _patch()
        from uvicorn.main import main

        sys.exit(main())
    raise SystemExit(0)  # no arguments (make bench): nothing to do
