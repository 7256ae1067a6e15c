"""A progress bar on stderr for long runs.

Shown only when stderr is a terminal and the run has lasted more than a moment, so
pre-commit and CI logs stay clean and short runs never flicker.  The engine and the
sources report bytes read; the bar is by bytes because record counts are unknown until
the end.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TextIO

DELAY_S = 1.0
REFRESH_S = 0.2
WIDTH = 28


class Progress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = 0
        self.done_before = 0  # bytes of files already finished
        self.current = 0  # bytes of the current file
        self.records = 0
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def begin(self, specs: Sequence[Any]) -> None:
        self.total = sum(s.size for s in specs)
        self.start = time.monotonic()

    def advance(self, n: int, offset: int | None = None) -> None:
        self.records += n
        if offset is not None:
            self.current = offset
        now = time.monotonic()
        if now - self.start < DELAY_S or now - self.last < REFRESH_S:
            return
        self.last = now
        self._draw(now)

    def file_done(self, spec: Any) -> None:
        self.done_before += spec.size
        self.current = 0

    def _draw(self, now: float) -> None:
        done = self.done_before + self.current
        rate = self.records / max(now - self.start, 1e-9)
        if self.total > 0:
            frac = min(done / self.total, 1.0)
            filled = int(frac * WIDTH)
            bar = "#" * filled + "-" * (WIDTH - filled)
            text = f"\r[{bar}] {frac:4.0%}  {self.records:,} records  {rate:,.0f}/s"
        else:
            text = f"\r{self.records:,} records  {rate:,.0f}/s"
        self.stream.write(text)
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 72 + "\r")
            self.stream.flush()


def make_progress(stream: TextIO, enabled: bool) -> Progress | None:
    """A progress bar if ``enabled`` and ``stream`` is a terminal, else None (no cost)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return Progress(stream) if enabled and tty else None
