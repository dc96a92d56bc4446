"""A small in-process token bucket per client IP for anonymous requests.

Settings (``HUYING_*``; read with these defaults while ``config.Settings`` lacks them):
``anon_rate_per_minute`` (tokens added per minute; 0 switches the limit off) and
``anon_rate_burst`` (bucket size: requests a client may make at once). A request carrying
an ``Authorization`` header or a signed-in session is not limited here. Over the limit:
429 with ``Retry-After`` (seconds). One process, one set of buckets: with several workers
each limits on its own (good enough against a runaway client; use the proxy for more)."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

DEFAULT_PER_MINUTE = 120
DEFAULT_BURST = 60
MAX_CLIENTS = 50_000


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many requests from this address; retry in {retry_after} s")


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBucket:
    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: str) -> float:
        """0 when allowed, else the seconds until a token is available."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            b = self._buckets.get(client)
            if b is None:
                if len(self._buckets) >= MAX_CLIENTS:
                    self._prune(now)
                b = self._buckets[client] = _Bucket(float(self.burst), now)
            b.tokens = min(float(self.burst), b.tokens + (now - b.at) * self.rate)
            b.at = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for k in full:
            del self._buckets[k]
        while len(self._buckets) >= MAX_CLIENTS:  # still full: forget the oldest
            del self._buckets[min(self._buckets, key=lambda k: self._buckets[k].at)]


_limiter: TokenBucket | None = None


def _setting(settings: object, name: str, default: float) -> float:
    """The setting, or its ``HUYING_*`` variable while ``Settings`` has no such field."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"HUYING_{name.upper()}") or default
    return float(value)


def limiter() -> TokenBucket:
    global _limiter
    if _limiter is None:
        from huying.config import get_settings

        s = get_settings()
        _limiter = TokenBucket(float(_setting(s, "anon_rate_per_minute", DEFAULT_PER_MINUTE)),
                               int(_setting(s, "anon_rate_burst", DEFAULT_BURST)))
    return _limiter


def configure(per_minute: float | None = None, burst: int | None = None,
              clock: Callable[[], float] = time.monotonic) -> TokenBucket:
    """Replace the limiter (tests; ``None`` everywhere: back to the settings)."""
    global _limiter
    _limiter = None if per_minute is None else TokenBucket(per_minute, burst or DEFAULT_BURST, clock)
    return limiter()


def limit_anonymous(request: Request) -> None:
    """Dependency: count an anonymous request against its client's bucket."""
    if request.headers.get("authorization") or getattr(request.state, "user_id", None) is not None:
        return
    client = request.client.host if request.client else "unknown"
    wait = limiter().take(client)
    if wait > 0:
        raise RateLimited(max(1, math.ceil(wait)))
