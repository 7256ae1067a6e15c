"""Value objects shared by every stage: records, parse failures, findings.

``Record`` is the per-record hot-path object: a plain slotted class, not a frozen
dataclass, because it is created once per line and a frozen dataclass measured several
times slower to build.  ``Finding`` is created only when something is wrong, so it can
afford to be a frozen, ordered value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class Record:
    """One parsed record as it flows through the checks.

    ``line`` is the 1-based physical line (None for sources without lines, e.g. Parquet),
    ``index`` the 0-based record number in its file, ``offset`` the byte offset of the
    record in the (decompressed) file when the source has one, so later stages can
    re-read a record instead of keeping its text.
    """

    __slots__ = ("path", "line", "index", "offset", "data", "format", "chars", "derived")

    def __init__(
        self,
        path: str,
        line: int | None,
        index: int,
        offset: int | None,
        data: dict[str, Any],
    ) -> None:
        self.path = path
        self.line = line
        self.index = index
        self.offset = offset
        self.data = data
        self.format: str = "unknown"
        #: characters of text its layout reads (set by the engine after the record checks)
        self.chars = 0
        #: what the record's map phase computed for later hooks, by owner (see
        #: ``Check.derive_many``); filled by the engine, wherever the map phase ran
        self.derived: dict[str, Any] = {}


class ParseFailure:
    """A record-sized piece of input that could not become a record.

    Sources report these as values instead of raising, so one bad line never stops the
    rest of the file from being linted.  ``kind`` names the problem; the input rules
    (``checks/input.py``) turn kinds into findings.
    """

    __slots__ = ("path", "line", "index", "kind", "detail")

    def __init__(self, path: str, line: int | None, index: int | None, kind: str, detail: str):
        self.path = path
        self.line = line
        self.index = index
        self.kind = kind
        self.detail = detail


class FileNote:
    """A file-level observation from a source (BOM, CRLF line ends, no records)."""

    __slots__ = ("path", "kind", "detail", "line")

    def __init__(self, path: str, kind: str, detail: str, line: int | None = None):
        self.path = path
        self.kind = kind
        self.detail = detail
        self.line = line


@dataclass(frozen=True, slots=True, order=True)
class Related:
    """A pointer from a finding to another record (first occurrence, conflict partner)."""

    path: str
    line: int | None
    record: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "record": self.record}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported problem, at a file, a record or a place inside a record."""

    code: str
    name: str
    severity: Severity
    path: str
    line: int | None
    record: int | None
    message: str
    pointer: str | None = None
    related: tuple[Related, ...] = field(default=())
    #: how many records a file- or dataset-level finding stands for (1 for record findings)
    count: int = 1
    #: content hash of the record it points at (see ``dataprep.fingerprint``); only
    #: computed when an output needs it (baselines, SARIF, GitLab)
    fingerprint: str | None = None

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.path,
            self.line if self.line is not None else -1,
            self.record if self.record is not None else -1,
            self.code,
            self.pointer or "",
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "record": self.record,
            "pointer": self.pointer,
            "message": self.message,
            "related": [r.to_dict() for r in self.related],
            "count": self.count,
            **({"fingerprint": self.fingerprint} if self.fingerprint is not None else {}),
        }


def places(spots: Iterable[tuple[int | None, int]]) -> str:
    """Where records are, as a person reads it: ``lines 3, 9`` in a line-based file,
    ``records 1, 4`` (1-based) in one without lines (Parquet, an HF folder); the JSON
    ``record`` field stays 0-based, this is only for messages."""
    spots = list(spots)
    if spots and all(line is not None for line, _ in spots):
        nums, word = [str(line) for line, _ in spots], "line"
    else:
        nums, word = [str(index + 1) for _, index in spots], "record"
    return f"{word}{'s' if len(nums) > 1 else ''} {', '.join(nums)}"


_ABSENT = object()

_Batch = TypeVar("_Batch", bound=Callable[..., Any])


def shared_per_batch(fn: _Batch) -> _Batch:
    """Memoise ``fn(recs, *args)`` for the last map-phase batch it saw.

    Several hooks derive from the same batch one after the other and read the same
    texts (the exact and near stages their identity text, DP509 and DP510 their
    replies): the second reader gets the first's result instead of computing it again.
    The batch itself is held, not its ``id``, so a new list at a freed list's address
    can never be taken for it.
    """
    last: tuple[Any, tuple[Any, ...], Any] | None = None

    @functools.wraps(fn)
    def wrapper(recs: list[Record], *args: Any) -> Any:
        nonlocal last
        if last is not None and last[0] is recs and last[1] == args:
            return last[2]
        got = fn(recs, *args)
        last = (recs, args, got)
        return got

    return cast(_Batch, wrapper)


class Derives:
    """What checks and stages share about the map phase (see ``dataprep.engine``).

    The engine runs a lint in two phases: a *map* phase that sees each record on its own
    (parsing, record checks, and ``derive_many``) and may run in other processes or on a
    cluster, and an ordered *reduce* phase (``observe``, ``finish``) in the driver.  A
    hook whose per-record work is costly and depends on the record alone computes it in
    ``derive_many``; ``observe`` then reads it with ``derived``, so the costly part runs
    where the map phase runs and the result is the same wherever that is.
    """

    def derive_many(self, recs: list[Record]) -> list[Any] | None:
        """Per record of ``recs`` (one file's, in order), a picklable value for ``observe``.

        Must depend only on each record and the run's options (never on state built from
        other records), and be cheap to pickle.  None: nothing to derive.
        """
        return None

    def derived(self, rec: Record) -> Any:
        """The value ``derive_many`` gave ``rec`` (computed now if the map phase did not)."""
        value = rec.derived.get(type(self).__name__, _ABSENT)
        if value is _ABSENT:
            got = self.derive_many([rec])
            value = got[0] if got else None
        return value
