"""Apportionment: a whole number split in proportion to weights (the largest remainder
method), used for grids per town, teams per grid, households per grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def allocate(weights: Sequence[float], total: int, minimum: int = 1) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder method),
    each at least ``minimum``. Ties go to the earlier index, so the result is deterministic."""
    n = len(weights)
    if n == 0:
        return []
    if total < n * minimum:
        raise ValueError(f"cannot give {n} parts at least {minimum} out of {total}")
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("weights must be finite and non-negative")
    if w.sum() == 0:
        w = np.ones(n)
    fixed = np.zeros(n, dtype=bool)
    # Parts whose proportional share is under the minimum get the minimum; share the rest
    # among the others, and repeat until no share falls under the minimum.
    while True:
        free_total = total - minimum * int(fixed.sum())
        free_w = np.where(fixed, 0.0, w)
        quota = free_w / free_w.sum() * free_total if free_w.sum() > 0 else free_w
        under = (~fixed) & (quota < minimum)
        if not under.any():
            break
        fixed |= under
    counts = np.where(fixed, minimum, np.floor(quota).astype(int))
    remainder = total - int(counts.sum())
    if remainder:
        frac = np.where(fixed, -1.0, quota - np.floor(quota))
        order = sorted(range(n), key=lambda i: (-frac[i], i))
        for i in order[:remainder]:
            counts[i] += 1
    return [int(c) for c in counts]
