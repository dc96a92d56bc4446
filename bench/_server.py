"""Start and stop HTTP servers for the benchmarks and the reliability tests: ``huying serve``
(uvicorn, N workers) on a free 127.0.0.1 port, or the bare baseline app."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen  # type: ignore[type-arg]
    base: str
    port: int

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor), or the process itself."""
        kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            pids = [int(x) for x in kids.read_text().split()]
        except OSError:
            pids = []
        # multiprocessing's resource tracker is a child too: keep the uvicorn workers
        out = []
        for pid in pids:
            with contextlib.suppress(OSError):
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"resource_tracker" not in cmd:
                    out.append(pid)
        return out or [self.proc.pid]


def huying_env(url: str, data_dir: Path, **more: str) -> dict[str, str]:
    return {**os.environ, "HUYING_DATABASE_URL": url, "HUYING_DATA_DIR": str(data_dir),
            "HUYING_SLA_SWEEP_INTERVAL": "0", "HUYING_ANON_RATE_PER_MINUTE": "0",
            # a load test is a flood by design: the write throttle would measure itself
            "HUYING_WRITE_RATE_PER_MINUTE": "0",
            "HUYING_LOG_LEVEL": "WARNING", **more}


def wait_up(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:  # type: ignore[type-arg]
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start (exit {proc.poll()})")
        time.sleep(0.1)


@contextlib.contextmanager
def serve(kind: str, *, workers: int, env: dict[str, str] | None = None, port: int | None = None,
          log: Path | None = None, app: str = "huying.app:create_app", timeout: float = 60) -> Iterator[Server]:
    """``kind``: ``huying-serve`` (``huying serve --workers N``, as shipped), ``huying``
    (the app factory ``app`` and the same flags through ``bench/_uvicorn_nodelay.py``), or
    ``bare`` (bench/_bare_app.py through the same launcher) or ``floor`` (bench/_floor_app.py:
    the same rows written with plain statements, ``env`` naming the database and the grid) or
    ``floor-product`` (bench/_floor_product.py: the floor in the product's server)."""
    port = port or free_port()
    launcher = [sys.executable, str(ROOT / "bench" / "_uvicorn_nodelay.py")]
    common = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    if kind == "huying-serve":
        cmd = [str(BIN / "huying"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    elif kind == "huying":
        cmd = [*launcher, app, "--factory", *common]
    elif kind == "floor":
        cmd = [*launcher, "bench._floor_app:app", *common]
    elif kind == "floor-product":
        cmd = [*launcher, "bench._floor_product:create_app", "--factory", *common]
    else:
        cmd = [*launcher, "bench._bare_app:app", *common]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env or dict(os.environ), cwd=ROOT, stdout=out, stderr=out,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, proc, timeout)
        yield Server(proc, base, port)
    finally:
        stop(proc)
        if log:
            out.close()  # type: ignore[union-attr]


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:  # type: ignore[type-arg]
    """Stop the server and its workers (its own process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":  # a helper, not a benchmark
    raise SystemExit(0)
