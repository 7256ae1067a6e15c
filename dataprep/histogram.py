"""Binned distributions for the result's ``summary.distributions`` (drawn by the HTML report).

A chart needs counts per bin, not the values: a result must stay small whatever the
dataset's size, so every distribution is binned where it is measured.  Two shapes:

- ``linear_bins``: values already in memory (the token counts of the DP501 sample), cut
  into at most ``MAX_BINS`` bins of a round width (1, 2 or 5 times a power of ten), so
  the axis reads 0, 200, 400 ... (or 700, 705, 710 ...) rather than 0, 187.3 ...;
- ``LogBins``: a stream of lengths (every reply of a million records) counted into fixed
  1-2-5 edges (0, 1, 2, 5, 10, 20, 50 ...): a constant number of counters, and lengths
  of 3 and 30,000 characters both visible on one axis.

Both give ``{"edges": [...], "counts": [...]}`` with one edge more than counts; bin ``i``
holds ``edges[i] <= v < edges[i + 1]`` (the last bin also holds its upper edge).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

#: most bins a linear histogram is cut into
MAX_BINS = 40


def _round_step(raw: float) -> int:
    """The smallest 1, 2 or 5 x 10^k at least ``raw`` (and at least 1: counts are integers)."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return int(m * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def linear_bins(values: Sequence[int], bins: int = MAX_BINS) -> dict[str, Any] | None:
    """Round-width bins over the values' range; None for no values.

    The first edge is 0 unless the values start far from it (all records between 700 and
    800 tokens): then it is a round number below the smallest value, so the bins spread
    over the data instead of an empty axis.
    """
    if not values:
        return None
    low, top = max(min(values), 0), max(max(values), 0)
    if low <= (top - low) / 4:
        low = 0
    step = _round_step((top - low) / bins)
    while (top - low // step * step) // step + 1 > bins:  # the top value needs a bin
        step = _round_step(step + 1)
    start = low // step * step
    n = (top - start) // step + 1
    counts = [0] * n
    for v in values:
        counts[min(max(v - start, 0) // step, n - 1)] += 1
    return {"edges": [start + i * step for i in range(n + 1)], "counts": counts}


def _edges_125(top: int) -> list[int]:
    edges = [0, 1]
    power = 1
    while edges[-1] <= top:
        for m in (2, 5, 10):
            edges.append(m * power)
        power *= 10
    return edges


#: fixed edges of ``LogBins``: 0, 1, 2, 5, 10, 20, 50 ... past a billion
_LOG_EDGES = _edges_125(10**9)


class LogBins:
    """Counts of non-negative integers in fixed 1-2-5 bins, streaming, in constant memory."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts = [0] * (len(_LOG_EDGES) - 1)

    def add(self, value: int) -> None:
        i = bisect_right(_LOG_EDGES, value) - 1
        self.counts[min(max(i, 0), len(self.counts) - 1)] += 1

    def __bool__(self) -> bool:
        return any(self.counts)

    def to_dict(self) -> dict[str, Any] | None:
        """The bins from the first non-empty one to the last (None when nothing was added)."""
        used = [i for i, c in enumerate(self.counts) if c]
        if not used:
            return None
        lo, hi = used[0], used[-1]
        return {"edges": _LOG_EDGES[lo : hi + 2], "counts": self.counts[lo : hi + 1]}
