"""Per-query latency: best and median of repeated ``timeit`` runs, after a warm-up call.

The warm-up call is where the engine builds its per-snapshot indexes (the
first-query cost, reported separately by ``load_child.py``), so the repeats time
answering only. The oracle's calls are slow (milliseconds to tens of
milliseconds), so each of its repeats is a single call and their number is
bounded by a time budget.
"""

from __future__ import annotations

import statistics
import timeit
from typing import Any, Callable, NamedTuple


class Timing(NamedTuple):
    """Seconds per call: the best and the median of ``repeat`` repeats of ``number`` calls each."""

    best: float
    median: float
    number: int
    repeat: int


def time_engine(fn: Callable[[], Any], repeat: int, min_repeat_s: float) -> Timing:
    """Time ``fn`` (warmed up once): ``number`` grows until one repeat lasts ``min_repeat_s``."""
    fn()
    timer = timeit.Timer(fn)
    number = 1
    while True:
        if timer.timeit(number) >= min_repeat_s:
            break
        number *= 4 if number < 1000 else 2
    per_call = [t / number for t in timer.repeat(repeat=repeat, number=number)]
    return Timing(min(per_call), statistics.median(per_call), number, repeat)


def time_oracle(fn: Callable[[], Any], budget_s: float, min_repeat: int = 3, max_repeat: int = 20) -> Timing:
    """Time ``fn`` one call per repeat: as many repeats as fit in ``budget_s``, within [min_repeat,
    max_repeat]."""
    fn()
    timer = timeit.Timer(fn)
    first = timer.timeit(1)
    repeat = max(min_repeat, min(max_repeat, int(budget_s / max(first, 1e-9))))
    per_call = [first, *timer.repeat(repeat=repeat - 1, number=1)]
    return Timing(min(per_call), statistics.median(per_call), 1, repeat)
