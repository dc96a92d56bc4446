"""Versioned classifier models of a city, and the one the server serves now.

A city's retrained models live under ``<data_dir>/models/triage/<city code>/`` as
``<version>.npz`` with ``<version>.json`` (metrics) beside them; the newest file wins.
``current_classifier(city)`` looks at the folder at most every ``CHECK_SECONDS`` and loads a
newer model when one appears, so a running server picks up a retrained model without a
restart; a city without models uses the shipped default model.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from huying.config import get_settings
from huying.triage.classifier import ModelError, TextClassifier, default_classifier

CHECK_SECONDS = 5.0


def models_dir(city_code: str, data_dir: Path | None = None) -> Path:
    return (data_dir or get_settings().data_dir) / "models" / "triage" / city_code


def newest_model(city_code: str, data_dir: Path | None = None) -> Path | None:
    """The newest model file of the city (by modification time, then name), if any."""
    folder = models_dir(city_code, data_dir)
    if not folder.is_dir():
        return None
    files = [p for p in folder.glob("*.npz") if p.is_file()]
    if not files:
        return None
    return max(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


@dataclass
class _Served:
    path: Path | None
    mtime_ns: int
    model: TextClassifier
    checked: float


_served: dict[tuple[str, str], _Served] = {}
_lock = threading.Lock()


def current_classifier(city_code: str | None = None, *, data_dir: Path | None = None,
                       clock: float | None = None, check_seconds: float = CHECK_SECONDS) -> TextClassifier:
    """The model to classify the city's reports with now (see the module docstring).
    ``clock`` (monotonic seconds) is a parameter so that tests need no sleeps."""
    if city_code is None:
        return default_classifier()
    base = data_dir or get_settings().data_dir
    key = (str(base), city_code)
    now = time.monotonic() if clock is None else clock
    with _lock:
        served = _served.get(key)
        if served is not None and now - served.checked < check_seconds:
            return served.model
        path = newest_model(city_code, base)
        mtime = path.stat().st_mtime_ns if path is not None else 0
        if served is not None and served.path == path and served.mtime_ns == mtime:
            served.checked = now
            return served.model
        model = default_classifier()
        if path is not None:
            try:
                model = TextClassifier.load(path)
            except ModelError:
                if served is not None:  # a half-written or broken file: keep serving the old one
                    served.checked = now
                    return served.model
                path, mtime = None, 0
        _served[key] = _Served(path, mtime, model, now)
        return model


def newest_classifier(city_code: str, data_dir: Path | None = None) -> TextClassifier:
    """The model of the city's newest file, read now and not through the serving cache (the
    shipped default model when the city has none, or when its newest file cannot be read)."""
    path = newest_model(city_code, data_dir)
    if path is not None:
        try:
            return TextClassifier.load(path)
        except ModelError:
            pass
    return default_classifier()


def remove_models(city_code: str, data_dir: Path | None = None) -> int:
    """Delete the city's model files (its models folder); returns how many models there were.
    For a city that is deleted: its models learnt from cases that are gone."""
    folder = models_dir(city_code, data_dir)
    if not folder.is_dir():
        return 0
    n = sum(1 for p in folder.glob("*.npz") if p.is_file())
    shutil.rmtree(folder)
    return n


def forget_served() -> None:
    """Drop every loaded model (tests)."""
    with _lock:
        _served.clear()
