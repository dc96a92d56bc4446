"""The sweeper and the notification worker inside the server: one thread per process that
wakes every ``HUYING_SLA_SWEEP_INTERVAL`` seconds. Several server processes may run it at
once: the sweeper and the outbox both take work item by item with compare-and-set."""

from __future__ import annotations

import logging
import threading

from huying.cases import jobs, notify
from huying.config import get_settings
from huying.db import get_engine, utcnow

log = logging.getLogger("huying.background")


class Background:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="huying-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run_once(self) -> None:
        engine = get_engine()
        report = jobs.sweep(engine, now=utcnow())
        if report.warned or report.overdue or report.escalated or report.milestones:
            log.info("sweep: %s", report.as_dict())
        notify.deliver(engine, _notifier(), now=utcnow())

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - the loop must survive a bad sweep
                log.exception("background sweep failed")


_NOTIFIER: notify.Notifier | None = None


def _notifier() -> notify.Notifier:
    global _NOTIFIER
    if _NOTIFIER is None:
        _NOTIFIER = notify.load_notifier()
    return _NOTIFIER


def background() -> Background:
    return Background(get_settings().sla_sweep_interval)
