"""A small load generator for ``bench/intake_http.py`` where ``wrk`` is not installed: the
same requests as ``bench/_intake.lua`` (one fresh ``Idempotency-Key`` per request, the bodies
of a file cycled through, every key sent and every acknowledged ``Location`` logged) over
``connections`` keep-alive HTTP/1.1 connections, each sending its next request when the
previous answer is in (wrk's closed loop), and the same JSON summary as the Lua script.

It runs in a process of its own (``python bench/_loadgen.py ...``), as wrk does, and costs
more CPU per request than wrk (≈ 0.1–0.2 ms): on a 2-core machine it takes some of the
cores the server would have, so its requests/s of a cheap endpoint (the bare one) are
lower than wrk's. The workers' CPU per request, read from ``/proc``, does not depend on it.

    python bench/_loadgen.py URL TOKEN PREFIX BODIES DURATION CONNECTIONS [OUTDIR]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit


async def _conn(host: str, port: int, cid: int, token: str, prefix: str, bodies: list[bytes], stop: float,
                out: Path | None, stats: dict[str, int], lat: list[int]) -> None:
    sent = (out / f"sent-{cid}.txt").open("w") if out else None
    acked = (out / f"acked-{cid}.txt").open("w") if out else None
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        stats["connect_errors"] += 1
        return
    counter = 0
    try:
        while time.monotonic() < stop:
            counter += 1
            key = f"{prefix}-{cid}-{counter}"
            body = bodies[(counter - 1) % len(bodies)]
            if sent:
                sent.write(key + "\n")
                sent.flush()
            head = (f"POST /api/v1/cases HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                    f"Authorization: Bearer {token}\r\nIdempotency-Key: {key}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            t0 = time.perf_counter_ns()
            writer.write(head + body)
            try:
                status_line = await asyncio.wait_for(reader.readline(), 10)
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                await reader.readexactly(int(headers.get("content-length", "0")))
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                stats["read_errors"] += 1
                break
            lat.append((time.perf_counter_ns() - t0) // 1000)
            stats["requests"] += 1
            status = int(status_line.split()[1])
            if 200 <= status < 300:
                stats["ok"] += 1
                if acked:
                    acked.write(headers.get("location", "?") + "\n")
                    acked.flush()
            else:
                stats["bad"] += 1
    finally:
        writer.close()
        for f in (sent, acked):
            if f:
                f.close()


def _pct(xs: list[int], p: float) -> int:
    if not xs:
        return 0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def run(url: str, token: str, prefix: str, bodies: list[bytes], duration: float, connections: int,
              out: Path | None) -> dict[str, int]:
    parts = urlsplit(url)
    stats = {"requests": 0, "ok": 0, "bad": 0, "connect_errors": 0, "read_errors": 0, "write_errors": 0,
             "timeouts": 0, "status_errors": 0}
    lat: list[int] = []
    t0 = time.perf_counter()
    stop = time.monotonic() + duration
    await asyncio.gather(*(_conn(parts.hostname or "127.0.0.1", parts.port or 80, i + 1, token, prefix, bodies,
                                 stop, out, stats, lat) for i in range(connections)))
    return {**stats, "duration_us": int((time.perf_counter() - t0) * 1e6), "p50_us": _pct(lat, 50),
            "p90_us": _pct(lat, 90), "p99_us": _pct(lat, 99), "max_us": max(lat or [0])}


def main(argv: list[str]) -> int:
    url, token, prefix, bodies_file, duration, connections = argv[:6]
    out = Path(argv[6]) if len(argv) > 6 and argv[6] else None
    bodies = [line.encode() for line in Path(bodies_file).read_text(encoding="utf-8").splitlines() if line]
    res = asyncio.run(run(url, token, prefix, bodies, float(duration), int(connections), out))
    print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
