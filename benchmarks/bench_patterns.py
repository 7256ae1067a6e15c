"""Per-record cost of the pattern-pack rule families, with the task groups' literal
screen against the plain literal gate it replaced, side by side.

Usage::

    python benchmarks/bench_patterns.py FILE [FILE ...] [--repeat 10]

Lints each file in-process (``dataprep.api.lint``, rules DP506 and DP70x only) once per
mode and repetition, the modes interleaved, and times every call of the three checks
that run the pattern packs:

- ``DP701/702/705``: ``TaskRequestsCheck`` (dangling references, requests a text model
  cannot do, merged instruction blocks);
- ``DP506``: ``HygieneCheck`` with only DP506 on (template leftovers and refusals);
- ``DP703/704``: ``TaskAnswersCheck`` (non-text replies, wrong arithmetic).

Modes: ``screen`` is the code as it is: each task pattern group is searched through
``patterns.Screen``, which tests every literal a regex needs and looks whole-word
literals up in the set of the text's words.  ``plain-gate`` swaps the groups back to the
earlier search (``hygiene.leftovers.Leftovers``: per pattern, the best one or two
literal sets by plain ``in`` tests; DP705's header count likewise), so the difference is
the screen alone.  Both modes
must give the same findings; the script says so, or prints the difference.

Prints microseconds per record (the fastest repetition, and the mean) and the
plain-gate / screen ratio.  A report, not a test: always exits 0 (2 for bad arguments).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dataprep import regexlits
from dataprep.api import lint
from dataprep.checks import task_answers, task_requests
from dataprep.checks.hygiene import leftovers, walk
from dataprep.checks.task import dangling, doable, merged, patterns

FAMILIES = {
    "DP701/702/705": task_requests.TaskRequestsCheck,
    "DP506": walk.HygieneCheck,
    "DP703/704": task_answers.TaskAnswersCheck,
}
SELECT = ["DP506", "DP701", "DP702", "DP703", "DP704", "DP705"]
MODES = ("plain-gate", "screen")


class PlainFinder:
    """The task groups' search before the screen: the DP506 gate per pattern."""

    __slots__ = ("_search",)

    def __init__(self, pats: list[Any]) -> None:
        self._search = leftovers.Leftovers(pats)

    def __bool__(self) -> bool:
        return bool(self._search)

    def all(self, text: str) -> list[Any]:
        if not self._search or not text:
            return []
        found = self._search.find(text, "user")
        if len(found) > 1:
            found.sort(key=lambda pm: pm[1].start())
        return found

    def first(self, text: str) -> Any:
        found = self.all(text)
        return found[0] if found else None

    def any(self, text: str) -> bool:
        return bool(self._search) and bool(text) and bool(self._search.find(text, "user"))


class PlainCounter:
    """DP705's header count before the screen: the DP506 gate per pattern."""

    __slots__ = ("_gated",)

    def __init__(self, pats: list[Any]) -> None:
        self._gated = [(p, *regexlits.gate(p.regex)) for p in pats]

    def __bool__(self) -> bool:
        return bool(self._gated)

    def matches(self, text: str) -> list[Any]:
        out: list[Any] = []
        folded: str | None = None
        searched: str | None = None
        for p, steps, lower in self._gated:
            if lower:
                if folded is None:
                    folded = text.casefold()
                hay = folded
            else:
                hay = text
            if not all(any(lit in hay for lit in step) for step in steps):
                continue
            if searched is None:
                searched = leftovers.prose(text)
            out.extend(p.regex.finditer(searched))
        out.sort(key=lambda m: m.start())
        return out


@contextlib.contextmanager
def mode(name: str) -> Iterator[None]:
    """Run the block with the task groups searched the ``name`` way."""
    if name == "screen":
        yield
        return
    saved = (patterns.Finder, dangling.Finder, doable.Finder, merged.Counter)
    patterns.Finder = dangling.Finder = doable.Finder = PlainFinder  # type: ignore[assignment,misc]
    merged.Counter = PlainCounter  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        patterns.Finder, dangling.Finder, doable.Finder, merged.Counter = saved  # type: ignore[misc]


def timed(totals: dict[str, list[float]]) -> Callable[[], None]:
    """Wrap each family's ``check`` to add its time to ``totals``; returns the undo."""
    saved = {}
    for family, cls in FAMILIES.items():
        orig = cls.check
        saved[cls] = orig

        def wrapper(self: Any, rec: Any, emit: Any, _orig: Any = orig,
                    _acc: list[float] = totals[family]) -> None:
            t = time.perf_counter()
            try:
                _orig(self, rec, emit)
            finally:
                _acc[0] += time.perf_counter() - t

        cls.check = wrapper  # type: ignore[method-assign]

    def undo() -> None:
        for cls, orig in saved.items():
            cls.check = orig  # type: ignore[method-assign]
    return undo


def one_run(path: str, name: str) -> tuple[dict[str, float], int, list[tuple[Any, ...]]]:
    totals: dict[str, list[float]] = {f: [0.0] for f in FAMILIES}
    undo = timed(totals)
    try:
        with mode(name):
            result = lint([path], select=SELECT)
    finally:
        undo()
    found = sorted((f.code, f.path, f.line or 0, f.record or 0, f.pointer or "", f.message)
                   for f in result.findings)
    return {f: v[0] for f, v in totals.items()}, result.to_dict()["summary"]["records"], found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--repeat", type=int, default=10, help="runs per mode and file")
    args = ap.parse_args(argv)
    if args.repeat < 1 or not all(os.path.isfile(f) for f in args.files):
        ap.error("--repeat must be at least 1 and every FILE must exist")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; us/record, fastest of "
          f"{args.repeat} runs (mean in brackets)\n")
    for path in args.files:
        per: dict[str, dict[str, list[float]]] = {m: defaultdict(list) for m in MODES}
        findings: dict[str, list[tuple[Any, ...]]] = {}
        n = 0
        for _ in range(args.repeat):
            for m in MODES:
                times, n, found = one_run(path, m)
                findings.setdefault(m, found)
                for fam, t in times.items():
                    per[m][fam].append(t / max(n, 1) * 1e6)
        print(f"{Path(path).name}: {n:,} records, {len(findings['screen'])} findings")
        print(f"  {'family':<16}{'plain-gate':>20}{'screen':>20}{'ratio':>8}")
        for fam in FAMILIES:
            old, new = per["plain-gate"][fam], per["screen"][fam]
            ratio = min(old) / min(new) if min(new) > 0 else float("nan")
            print(f"  {fam:<16}{min(old):>10.1f} ({statistics.mean(old):>6.1f})"
                  f"{min(new):>12.1f} ({statistics.mean(new):>6.1f}){ratio:>7.2f}x")
        if findings["plain-gate"] == findings["screen"]:
            print("  same findings in both modes\n")
        else:
            old_set, new_set = set(findings["plain-gate"]), set(findings["screen"])
            print(f"  DIFFERENT findings: {len(old_set - new_set)} only with the plain gate, "
                  f"{len(new_set - old_set)} only with the screen")
            for f in sorted(old_set ^ new_set)[:10]:
                print("   ", f[:5], f[5][:100])
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
