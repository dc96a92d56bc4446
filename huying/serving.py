"""Running the server: uvicorn with TCP_NODELAY on its listening socket.

With ``--workers N`` (N > 1) uvicorn (0.54) binds the listening socket itself with
``proto=0``, and asyncio sets TCP_NODELAY only on accepted sockets whose ``proto`` is
IPPROTO_TCP: Nagle stays on, and every keep-alive response after the first waits ~40 ms for
the client's delayed ACK (Kludex/uvicorn#3149; measured here: a bare endpoint answered 22
requests/s on one keep-alive connection with two workers against 3,400 with one). Setting
TCP_NODELAY on the listener fixes it: accepted sockets inherit it on Linux. ``huying serve``
and the benchmarks' launcher both call :func:`nodelay_listener`.

With several workers, Prometheus's samples go through files in one directory
(:func:`metrics_dir`), so that ``/metrics`` of any worker sums them all.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

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


def metrics_dir(default: Path, workers: int) -> Path | None:
    """Prometheus's multiprocess directory for ``workers`` processes: ``PROMETHEUS_MULTIPROC_DIR``
    if set, else ``default`` when there is more than one worker (then set in the environment
    the workers inherit); emptied of a previous run's samples. None: one process, no files."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not given and workers <= 1:
        return None
    path = Path(given) if given else default
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path
