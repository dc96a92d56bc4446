"""Sign-in rate limiting: failed attempts per (client address, username) and per address,
in a sliding window, in memory (one limiter per application process; several server
processes each keep their own count, which still bounds guessing)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field


@dataclass
class LoginLimiter:
    #: Failures allowed per address and username within the window.
    per_user: int = 5
    #: Failures allowed per address (any usernames) within the window.
    per_address: int = 30
    window: float = 15 * 60
    _fails: dict[tuple[str, str], deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _trim(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._fails[key]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def retry_after(self, address: str, username: str, now: float | None = None) -> int:
        """Seconds to wait before another attempt (0: go ahead)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key, limit in (((address, username.strip().lower()), self.per_user),
                               ((address, ""), self.per_address)):
                q = self._trim(key, now)
                if len(q) >= limit:
                    waits.append(int(q[0] + self.window - now) + 1)
            return max(waits, default=0)

    def failed(self, address: str, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._fails[(address, username.strip().lower())].append(now)
            self._fails[(address, "")].append(now)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._fails.pop((address, username.strip().lower()), None)
