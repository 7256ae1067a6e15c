"""DP101-DP106: does each record fit a known format, and does the file hold one format?

The per-record work here is a format-run counter and one set comparison of the record's
keys; everything a user reads is reported at ``end_file``, aggregated per file, because a
problem that repeats in every record (an extra ``id`` column, a file in an unknown
layout) is one decision for the user, not ten thousand findings.

DP104 (missing field) and DP105 (wrong type) are declared here with the family but are
reported by the format checks (``chat.py``, ``records.py``), which walk the fields anyway;
both list these rule classes, so selecting only DP104 still runs the walk that finds it.

The small helpers at the bottom (pointers, quoting, JSON type names) are shared by the
record-level check modules so messages read the same everywhere.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson

from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep import records
from dataprep.records import FORMATS, METADATA_KEYS, UNKNOWN
from dataprep.model import ParseFailure, Record

#: distinct keys tracked per file for DP103/DP106 and the DP101 summary; beyond this a file
#: is using keys as data (ids as keys), and more findings would not help anyone
MAX_TRACKED_KEYS = 200
#: unknown records remembered individually while a file has shown no known record yet
MAX_PENDING_UNKNOWN = 1000
_ORDER = {f: i for i, f in enumerate(FORMATS)}
_EMPTY: frozenset[str] = frozenset()


class UnknownFormat(Rule):
    """The record fits no known format (chat, completion, alpaca, sharegpt, preference, ...).

    A trainer given a record it cannot map either crashes or, worse, silently drops it or
    trains on the wrong fields. When a whole file is in an unfamiliar layout the fix is
    usually a field mapping (``[tool.dataprep.fields]``) or ``--format-hint``, so such a
    file gets one finding instead of one per record.

    Examples:
    pass: {"prompt": "2+2=", "completion": "4"}
    fail: {"question": "2+2=", "answer": "4"}
    """

    code = "DP101"
    name = "structure.unknown-format"
    severity = "error"


class MixedFormats(Rule):
    """A file mixes record formats; records not in the file's majority format are flagged.

    Trainers and chat templates read one layout per dataset: a completion record inside a
    chat file is either rejected or rendered without roles, and its examples teach a
    different prompt shape than the rest. Usually such records are leftovers of a merge.

    Examples:
    pass: {"records": [{"prompt": "a", "completion": "b"}, {"prompt": "c", "completion": "d"}]}
    fail: {"records": [{"prompt": "a", "completion": "b"}, {"prompt": "c", "completion": "d"}, {"text": "stray"}]}
    """

    code = "DP102"
    name = "structure.mixed-formats"
    severity = "warning"
    scope = "dataset"


class UnknownKey(Rule):
    """A key that the record's format does not define (reported once per file and key).

    Extra keys are ignored by most trainers, so data placed under a misspelt key
    (``mesages``, ``complection``) is silently not trained on; other trainers reject the
    record. Known metadata keys (``id``, ``source``, ...) are reported by DP106 instead.

    Examples:
    pass: {"prompt": "2+2=", "completion": "4"}
    fail: {"prompt": "2+2=", "completion": "4", "complection": "four"}
    """

    code = "DP103"
    name = "structure.unknown-key"
    severity = "warning"


class MissingField(Rule):
    """A field the record's format requires is missing (a message without ``role``, ...).

    A record missing a required field cannot be rendered by the chat template or the
    trainer's formatting function: it fails the job or is dropped without notice, and a
    dataset that loses records silently is smaller than it looks.

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: {"messages": [{"role": "user", "content": "hi"}, {"content": "hello"}]}
    """

    code = "DP104"
    name = "structure.missing-field"
    severity = "error"


class WrongType(Rule):
    """A field has the wrong JSON type (``messages`` not a list, ``content`` a number, ...).

    Trainers assume types: a number where a string belongs crashes tokenisation, and a
    list where a label belongs becomes its string form ("['a', 'b']") as a class name.

    Examples:
    pass: {"text": "a plain training text"}
    fail: {"text": ["a", "list", "is", "not", "text"]}
    """

    code = "DP105"
    name = "structure.wrong-type"
    severity = "error"


class MetadataKey(Rule):
    """A metadata key (``id``, ``source``, ``meta``, ...) beside the training fields.

    Metadata is harmless to most trainers and useful for tracing data, so this is only a
    note; some providers' upload validators reject unknown keys, and it is good to know
    that such keys are not trained on.

    Examples:
    pass: {"text": "a plain training text"}
    fail: {"id": "r-17", "text": "a plain training text"}
    """

    code = "DP106"
    name = "structure.metadata-key"
    severity = "info"


class StructureCheck(Check):
    """Tracks formats and keys per file; reports DP101/DP102/DP103/DP106 at ``end_file``.

    Formats are kept as runs (format, first index, first line, length) of consecutive
    records, so a file in one format costs one run however long it is, yet every record
    of a minority format can still be located at the end.  Within a run, indexes and
    lines both advance by one: a blank line (line jumps, index does not) or a parse
    failure (``failure`` closes the run) starts a new run.
    """

    rules = (UnknownFormat, MixedFormats, UnknownKey, MetadataKey)

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        self._reset()

    def _reset(self) -> None:
        #: closed runs: formats, and parallel arrays of first index, first line (-1: none), length
        self._run_fmts: list[str] = []
        self._valid_fmts: Counter[str] = Counter()
        self._run_idx = array("q")
        self._run_line = array("q")
        self._run_len = array("q")
        self._fmt: str | None = None  # format of the open run
        self._known: frozenset[str] = _EMPTY  # its known keys
        self._idx0 = 0
        self._line0: int | None = None
        self._n = 0  # records in the open run
        self._lines = True  # the source numbers lines
        self._delta = 0  # line - index within the open run
        self._known_seen = False
        self._pending: list[tuple[int | None, int, str]] = []
        self._pending_full = False
        self._unknown_keys: Counter[str] = Counter()
        self._unknown_records = 0
        #: key -> [records, first line, first index, format of that record], for DP103 / DP106
        self._extra: dict[str, list[Any]] = {}
        self._meta: dict[str, list[Any]] = {}
        self._overflow: list[Any] | None = None

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        self._reset()

    # ------------------------------------------------------------------ per record

    def check(self, rec: Record, emit: Emit) -> None:
        fmt = rec.format
        if fmt is not self._fmt or fmt is UNKNOWN or (
                self._lines and rec.line - rec.index != self._delta):
            if self._switch(rec, fmt, emit):
                return
        else:
            self._n += 1
        d = rec.data
        if not d.keys() <= self._known:
            self._keys(rec, d, self._known)

    def observe(self, rec: Record, valid: bool) -> None:
        # the majority of a mixed file is decided by valid records only, so adding a
        # broken record can never move the majority (and the warnings) elsewhere
        if valid:
            self._valid_fmts[rec.format] += 1

    def failure(self, item: ParseFailure, emit: Emit) -> None:
        """A failure sits between records: the open run ends before it."""
        self._close_run()

    def _switch(self, rec: Record, fmt: str, emit: Emit) -> bool:
        """Continue or start a run for a record off the fast path; True if it is unknown."""
        line = rec.line
        self._lines = line is not None
        if (fmt is UNKNOWN and self._fmt is UNKNOWN and self._idx0 + self._n == rec.index
                and (line is None or line - rec.index == self._delta)):
            self._n += 1
        else:
            self._close_run()
            self._fmt, self._idx0, self._line0, self._n = fmt, rec.index, line, 1
            self._delta = 0 if line is None else line - rec.index
            self._known = records.get(fmt).keys
        if fmt == UNKNOWN:
            self._unknown(rec, emit)
            return True
        self._known_seen = True
        return False

    def _close_run(self) -> None:
        if self._fmt is None:
            return
        self._run_fmts.append(self._fmt)
        self._run_idx.append(self._idx0)
        self._run_line.append(-1 if self._line0 is None else self._line0)
        self._run_len.append(self._n)
        self._fmt = None

    def _unknown(self, rec: Record, emit: Emit) -> None:
        """Remember or report an unknown record (errors may be slow)."""
        self._unknown_records += 1
        keys = self._unknown_keys
        for k in rec.data:
            if k in keys or len(keys) < MAX_TRACKED_KEYS:
                keys[k] += 1
        what = _keys_text(rec.data)
        if self._known_seen:
            emit.at("DP101", rec, _unknown_message(what), "")
        elif len(self._pending) < MAX_PENDING_UNKNOWN:
            self._pending.append((rec.line, rec.index, what))
        else:
            self._pending_full = True

    def _keys(self, rec: Record, d: dict[str, Any], known: frozenset[str]) -> None:
        for k in d:
            if k in known:
                continue
            table = self._meta if k in METADATA_KEYS else self._extra
            entry = table.get(k)
            if entry is not None:
                entry[0] += 1
            elif len(self._extra) + len(self._meta) < MAX_TRACKED_KEYS:
                table[k] = [1, rec.line, rec.index, rec.format]
            elif self._overflow is None:
                self._overflow = [1, rec.line, rec.index, k]
            else:
                self._overflow[0] += 1

    # ------------------------------------------------------------------ end of file

    def end_file(self, info: FileInfo, emit: Emit) -> None:
        self._close_run()
        path = info.path
        if self._unknown_records:
            self._report_unknown(path, emit)
        if "DP102" in emit.enabled and len(set(self._run_fmts)) > 1:
            self._report_mixed(path, emit)
        for key, (n, line, index, fmt) in sorted(self._extra.items()):
            emit("DP103", path, line, index,
                 f"key {quote_key(key)} is not part of the {fmt} format ({_records(n)}); "
                 "trainers ignore or reject it: rename it, map it in [tool.dataprep.fields], "
                 "or drop it",
                 pointer=pointer_key(key), count=n)
        if self._overflow is not None:
            n, line, index, key = self._overflow
            emit("DP103", path, line, index,
                 f"more than {MAX_TRACKED_KEYS} distinct extra keys in this file (first untracked: "
                 f"{quote_key(key)}, {_records(n)}); are keys used as data?", count=n)
        for key, (n, line, index, fmt) in sorted(self._meta.items()):
            emit("DP106", path, line, index,
                 f"metadata key {quote_key(key)} ({_records(n)}) is not trained on",
                 pointer=pointer_key(key), count=n)
        self._reset()

    def _report_unknown(self, path: str, emit: Emit) -> None:
        if not self._known_seen:
            n = self._unknown_records
            common = ", ".join(f"{quote_key(k)} ({c})" for k, c in self._top_keys())
            emit("DP101", path, None, None,
                 f"none of the {n:,} record(s) fits a known format"
                 + (f"; most common keys: {common}" if common else "; records are empty objects")
                 + "; map your keys to canonical ones in [tool.dataprep.fields] "
                 "(e.g. prompt = \"question\") or pass --format-hint",
                 pointer=None, count=n)
            return
        last_index = -1
        for line, index, what in self._pending:
            emit("DP101", path, line, index, _unknown_message(what), pointer="")
            last_index = index
        if self._pending_full:
            # records beyond the remembered ones: locate them from the format runs
            for line, index in self._positions(UNKNOWN):
                if index > last_index and not self._after_first_known(index):
                    emit("DP101", path, line, index, _unknown_message(""), pointer="")

    def _after_first_known(self, index: int) -> bool:
        """Unknown records after the first known one were reported as they came."""
        for fmt, idx0 in zip(self._run_fmts, self._run_idx):
            if fmt != UNKNOWN:
                return index > idx0
        return False

    def _top_keys(self) -> list[tuple[str, int]]:
        return sorted(self._unknown_keys.items(), key=lambda kv: (-kv[1], kv[0]))[:5]

    def _report_mixed(self, path: str, emit: Emit) -> None:
        counts: Counter[str] = Counter()
        for fmt, n in zip(self._run_fmts, self._run_len):
            if fmt != UNKNOWN:
                counts[fmt] += n
        if len(counts) < 2:
            return
        basis = self._valid_fmts if self._valid_fmts else counts
        majority = max(counts, key=lambda f: (basis.get(f, 0), -_ORDER.get(f, 99)))
        total = sum(counts.values())
        for fmt in sorted(counts, key=lambda f: _ORDER.get(f, 99)):
            if fmt == majority:
                continue
            msg = (f"record is {fmt}, but this file's main format is {majority} "
                   f"({counts[majority]:,} of {total:,} records)")
            for line, index in self._positions(fmt):
                emit("DP102", path, line, index, msg)

    def _positions(self, fmt: str) -> Iterator[tuple[int | None, int]]:
        """(line, index) of every record of ``fmt``, rebuilt from the runs."""
        for f, idx0, line0, n in zip(self._run_fmts, self._run_idx, self._run_line, self._run_len):
            if f != fmt:
                continue
            for k in range(n):
                yield (None if line0 < 0 else line0 + k, idx0 + k)


def _records(n: int) -> str:
    return f"in {n:,} record" + ("" if n == 1 else "s")


def _keys_text(d: dict[str, Any]) -> str:
    keys = list(d)
    if not keys:
        return ""
    shown = ", ".join(quote_key(k) for k in keys[:6])
    return shown + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")


def _unknown_message(keys: str) -> str:
    head = f"record fits no known format (keys: {keys})" if keys else (
        "record fits no known format")
    return (head + "; expected e.g. \"messages\", \"prompt\"+\"completion\", "
            "\"instruction\"+\"output\", \"chosen\"+\"rejected\" or \"text\"")


# ---------------------------------------------------------------------- shared helpers

QUOTE_CHARS = 60


def quote(value: Any, limit: int = QUOTE_CHARS) -> str:
    """A value as short JSON text for a message, cut at ``limit`` characters."""
    try:
        text = orjson.dumps(value).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote_key(key: str) -> str:
    return quote(key, 40)


def pointer_key(key: str) -> str:
    """The RFC 6901 pointer of a top-level key (``~`` and ``/`` escaped)."""
    return "/" + str(key).replace("~", "~0").replace("/", "~1")
