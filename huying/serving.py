"""Running the server: uvicorn with TCP_NODELAY on its listening socket.

With ``--workers N`` (N > 1) uvicorn (0.54) binds the listening socket itself with
``proto=0``, and asyncio sets TCP_NODELAY only on accepted sockets whose ``proto`` is
IPPROTO_TCP: Nagle stays on, and every keep-alive response after the first waits ~40 ms for
the client's delayed ACK (Kludex/uvicorn#3149; measured here: a bare endpoint answered 22
requests/s on one keep-alive connection with two workers against 3,400 with one). Setting
TCP_NODELAY on the listener fixes it: accepted sockets inherit it on Linux. ``huying serve``
and the benchmarks' launcher both call :func:`nodelay_listener`.
"""

from __future__ import annotations

import socket

_patched = False


def nodelay_listener() -> None:
    """Make uvicorn's listening sockets TCP_NODELAY (idempotent)."""
    global _patched
    if _patched:
        return
    import uvicorn.config

    original = uvicorn.config.Config.bind_socket

    def bind_socket(self: uvicorn.config.Config) -> socket.socket:
        sock = original(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    uvicorn.config.Config.bind_socket = bind_socket  # type: ignore[method-assign]
    _patched = True
