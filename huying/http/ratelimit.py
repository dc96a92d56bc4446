"""Small in-process token buckets: per client IP for anonymous requests, and the write
throttle per account and per address.

Settings (``HUYING_*``; read with these defaults while ``config.Settings`` lacks them):
``anon_rate_per_minute`` (tokens added per minute; 0 switches the limit off) and
``anon_rate_burst`` (bucket size: requests a client may make at once). A request carrying
an ``Authorization`` header or a signed-in session is not limited here. Over the limit:
429 with ``Retry-After`` (seconds). One process, one set of buckets: with several workers
each limits on its own (good enough against a runaway client; use the proxy for more).

The write throttle (:class:`WriteLimits`, the same :class:`TokenBucket`): every POST, PUT,
PATCH and DELETE, on the API, Open311 and the web forms, takes a token from its address's
bucket (:func:`limit_writes`, an application-wide dependency) and, when it names an account
(a bearer token, an Open311 ``api_key`` or a web session), one from the account's bucket
(:func:`count_account_write`, called where the account is resolved), before the route does
anything. Settings: ``write_rate_per_minute`` (0 = off) and ``write_rate_burst`` per account;
an address gets ``write_rate_address_factor`` times both. Over either: 429 with
``Retry-After`` and the reason. The buckets live on the application (one per process), so a
client spreading its writes over N workers gets up to N times the rate."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from huying.config import get_settings

DEFAULT_PER_MINUTE = 120
DEFAULT_BURST = 60
DEFAULT_WRITE_PER_MINUTE = 60
DEFAULT_WRITE_BURST = 30
DEFAULT_WRITE_ADDRESS_FACTOR = 10
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_CLIENTS = 50_000


class RateLimited(Exception):
    """Over a limit: ``retry_after`` seconds to wait; ``writes`` when it was the write throttle
    (the pages then say so rather than speak of sign-ins)."""

    def __init__(self, retry_after: int, reason: str | None = None, *, writes: bool = False) -> None:
        self.retry_after = retry_after
        self.writes = writes
        super().__init__(reason or f"too many requests from this address; retry in {retry_after} s")


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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_anonymous(request: Request) -> None:
    """Dependency: count an anonymous request against its client's bucket (in memory: on the
    event loop, no thread-pool hand-off)."""
    if request.headers.get("authorization") or getattr(request.state, "user_id", None) is not None:
        return
    wait = limiter().take(client_address(request))
    if wait > 0:
        raise RateLimited(max(1, math.ceil(wait)))


@dataclass
class WriteLimits:
    """The write throttle of one application: a bucket per account, a bucket per address."""

    accounts: TokenBucket
    addresses: TokenBucket

    @classmethod
    def of(cls, per_minute: float, burst: int, address_factor: float = DEFAULT_WRITE_ADDRESS_FACTOR,
           clock: Callable[[], float] = time.monotonic) -> WriteLimits:
        factor = max(1.0, address_factor)
        return cls(TokenBucket(per_minute, burst, clock),
                   TokenBucket(per_minute * factor, int(burst * factor), clock))

    @classmethod
    def from_settings(cls, settings: object) -> WriteLimits:
        return cls.of(_setting(settings, "write_rate_per_minute", DEFAULT_WRITE_PER_MINUTE),
                      int(_setting(settings, "write_rate_burst", DEFAULT_WRITE_BURST)),
                      _setting(settings, "write_rate_address_factor", DEFAULT_WRITE_ADDRESS_FACTOR))


def write_limits(request: Request) -> WriteLimits:
    """The application's write throttle, made from the settings on first use."""
    state = request.app.state
    limits: WriteLimits | None = getattr(state, "write_limits", None)
    if limits is None:
        limits = state.write_limits = WriteLimits.from_settings(get_settings())
    return limits


def _refuse(wait: float, who: str) -> RateLimited:
    seconds = max(1, math.ceil(wait))
    return RateLimited(seconds, f"too many changes from {who} in a short time; retry in {seconds} s",
                       writes=True)


async def limit_writes(request: Request) -> None:
    """Dependency of the whole application: a write counts against its address's bucket (in
    memory: on the event loop, no thread-pool hand-off)."""
    if request.method not in WRITE_METHODS:
        return
    wait = write_limits(request).addresses.take(client_address(request))
    if wait > 0:
        raise _refuse(wait, "this address")


def count_account_write(request: Request, account_id: int) -> None:
    """A write made by ``account_id`` counts against the account's bucket (once per request,
    however often the account is looked up); raises :class:`RateLimited` over the limit."""
    if request.method not in WRITE_METHODS or getattr(request.state, "write_account_counted", False):
        return
    request.state.write_account_counted = True
    wait = write_limits(request).accounts.take(f"account:{account_id}")
    if wait > 0:
        raise _refuse(wait, "this account")
