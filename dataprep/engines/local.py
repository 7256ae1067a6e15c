"""The map phase in local worker processes (``--jobs N``), results in submission order.

Workers are started with ``spawn`` (not ``fork``): a fresh interpreter that builds
its own plan is the same on every platform and inherits no threads or open files
from the driver.  At most ``2 x jobs`` items are in flight, so the driver never holds
more than that many results: memory stays bounded however large the input.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from dataprep.errors import DataprepError

T = TypeVar("T")

_FN: Callable[[Any], bytes] | None = None


def _init(factory: Callable[[], Callable[[Any], bytes]]) -> None:
    global _FN
    _FN = factory()


def _apply(item: Any) -> bytes:
    assert _FN is not None
    return _FN(item)


def ordered_map(items: Sequence[T], factory: Callable[[], Callable[[T], bytes]],
                jobs: int) -> Iterator[bytes]:
    """Yield ``factory()(item)`` for every item, in order, computed in ``jobs`` processes."""
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init, initargs=(factory,))
    window: deque[Future[bytes]] = deque()
    todo = iter(items)
    try:
        for item in todo:
            window.append(pool.submit(_apply, item))
            if len(window) >= 2 * jobs:
                break
        while window:
            fut = window.popleft()
            try:
                result = fut.result()
            except BrokenProcessPool as exc:
                raise DataprepError(f"a worker process died ({exc}); try fewer --jobs") from None
            nxt = next(todo, None)
            if nxt is not None:
                window.append(pool.submit(_apply, nxt))
            yield result
    finally:
        for fut in window:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
