"""What ``fix``, ``convert`` and ``split`` share: reading records back with their place,
writing JSON Lines safely, and saying what changed, line by line.

The three commands write new data; the linter never does.  So every write goes through
``write_jsonl``: a temporary file beside the target, flushed and synced, then renamed over
it in one step, so a crash or a full disk leaves either the old file or the new one,
never half of each.  ``--in-place`` keeps a backup of the original first.

``Change`` is the unit of accountability: one record at ``path:line``, what happened to
it and why.  ``--dry-run`` prints the changes (``format_changes``) instead of writing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from dataprep.errors import InputError
from dataprep.model import FileNote, ParseFailure, Record
from dataprep.sources import SourceSpec, discover, read_source

Action = Literal["drop", "edit", "reject", "train", "eval", "convert"]

#: how a change is marked in ``--dry-run`` output, diff-like: removed, changed, moved
MARKS: dict[str, str] = {"drop": "-", "reject": "-", "edit": "~", "convert": "~",
                         "train": ">", "eval": ">"}

#: longest before/after text shown for one change in ``--dry-run`` output
SHOW_CHARS = 160


@dataclass(frozen=True, slots=True)
class Change:
    """One record's change: where it was read, what happened to it and why.

    ``before``/``after`` show an edit (a label, a reply's ends); ``reason`` names the rule
    code when a rule's finding caused it, so a user can look it up with ``explain``.
    """

    path: str
    line: int | None
    record: int
    action: Action
    reason: str
    before: str | None = None
    after: str | None = None

    def where(self, shared: bool = False) -> str:
        return place(self.path, self.line, self.record, shared)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "record": self.record,
                "action": self.action, "reason": self.reason,
                "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True)
class Read:
    """What reading sources gave back: records with their place, and what could not be read."""

    specs: list[SourceSpec]
    records: list[Record]
    failures: list[ParseFailure]
    notes: list[FileNote]


def read_records(paths: Sequence[str], eval_paths: Sequence[str] = ()) -> Read:
    """Every record of ``paths`` (files, directories, globs, HF folders) in file order.

    Records keep their ``path``, 1-based ``line`` (None for Parquet/HF rows) and 0-based
    ``index`` exactly as the linter reports them, so a finding's place names the record
    a command acts on.  Unreadable lines are returned as failures, not dropped silently.
    """
    specs = discover(paths, eval_paths)
    records: list[Record] = []
    failures: list[ParseFailure] = []
    notes: list[FileNote] = []
    for spec in specs:
        for item in read_source(spec):
            if isinstance(item, Record):
                records.append(item)
            elif isinstance(item, ParseFailure):
                failures.append(item)
            elif isinstance(item, FileNote):
                notes.append(item)
    return Read(specs, records, failures, notes)


def dumps(data: Any) -> bytes:
    """One JSON Lines line (no trailing newline): compact, UTF-8, key order kept.

    orjson when it can (fast); the standard library for what orjson refuses (integers
    beyond 64 bits), so a record that was read is always written back.
    """
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_jsonl(path: str, rows: Iterable[Any], *, backup: str | None = None) -> int:
    """Write ``rows`` as JSON Lines to ``path`` atomically; return the number written.

    The rows go to a temporary file in the target's directory (same file system, so the
    rename is atomic), which is synced and then renamed over ``path``.  With ``backup``,
    the existing ``path`` is first copied there.  On any failure the temporary file is
    removed and ``path`` is untouched.

    A row that is ``bytes`` is one line already encoded (``SourceLines.line``: an
    unchanged record copied byte for byte) and is written as it is.
    """
    return write_many([(path, rows, backup)])[0]


def write_many(outputs: Sequence[tuple[str, Iterable[Any], str | None]]) -> list[int]:
    """Write several JSON Lines files (path, rows, backup) as nearly together as a file
    system allows: every file is written and synced to its temporary file first, and
    only then are they renamed, one after another.  A failure while writing leaves every
    target untouched (a train/eval pair is never half new); only a failure between two
    renames can leave some replaced.  Returns the rows written per file.
    """
    staged: list[tuple[str, str, str | None]] = []
    counts: list[int] = []
    current = ""
    try:
        for path, rows, backup in outputs:
            current = path
            tmp, n = _stage(path, rows)
            staged.append((tmp, path, backup))
            counts.append(n)
        while staged:
            tmp, current, backup = staged[0]
            target = os.path.abspath(current)
            _give_mode(tmp, target)
            if backup is not None and os.path.exists(target):
                shutil.copy2(target, backup)
            os.replace(tmp, target)
            staged.pop(0)
    except BaseException as exc:
        for tmp, _, _ in staged:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {current}: {exc.strerror or exc}") from None
        raise
    return counts


def _stage(path: str, rows: Iterable[Any]) -> tuple[str, int]:
    """``rows`` written and synced to a new temporary file beside ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dataprep-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    n = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            for row in rows:
                fh.write(row if type(row) is bytes else dumps(row))
                fh.write(b"\n")
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return tmp, n


def _give_mode(tmp: str, target: str) -> None:
    """The permissions the written file should have: the replaced file's, else what a new
    file gets under the umask (``mkstemp`` creates 0600, which would hide the data from
    the group that could read the original)."""
    try:
        mode = os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


class SourceLines:
    """Byte-exact lines of a plain JSONL file, by the ``Record.offset`` a record was read at.

    Writing an unchanged record back as its original bytes (key order, spacing, number
    spelling and escapes as they were) keeps a dataset repository's diff down to the
    records a command really changed.  A line is handed out only when it still parses to
    the record's data, so a file changed since it was read, or a source whose offsets are
    not line starts, falls back to re-encoding instead of copying the wrong bytes.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fh: Any = None

    def line(self, offset: int | None, data: Any) -> bytes | None:
        """The record's line without its line end (and without a leading BOM), or None."""
        if offset is None:
            return None
        try:
            if self._fh is None:
                self._fh = open(self.path, "rb")
            self._fh.seek(offset)
            raw = self._fh.readline()
        except OSError:
            return None
        body = raw[:-1] if raw.endswith(b"\n") else raw
        if body.endswith(b"\r"):
            body = body[:-1]
        if offset == 0 and body.startswith(b"\xef\xbb\xbf"):
            body = body[3:]
        if b"\n" in body or b"\r" in body:
            return None
        try:
            same = orjson.loads(body) == data
        except Exception:  # noqa: BLE001 - any doubt: re-encode instead
            return None
        return body if same else None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> SourceLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _short(text: str | None) -> str:
    if text is None:
        return ""
    shown = text if len(text) <= SHOW_CHARS else text[: SHOW_CHARS - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


def place(path: str, line: int | None, index: int | None, shared: bool = False) -> str:
    """How a record is named to a person: ``path:line``, as the linter reports it.

    Records without a line (Parquet, HF rows) and records that ``shared`` a line with
    others (a one-line JSON array) are also named by number, 1-based as the linter's
    messages count them.
    """
    if index is None:
        return path if line is None else f"{path}:{line}"
    if line is None:
        return f"{path} record {index + 1}"
    return f"{path}:{line} record {index + 1}" if shared else f"{path}:{line}"


def shared_lines(places: Iterable[tuple[str, int | None]]) -> set[tuple[str, int]]:
    """The (path, line) pairs more than one record starts on."""
    seen: set[tuple[str, int]] = set()
    shared: set[tuple[str, int]] = set()
    for path, line in places:
        if line is None:
            continue
        key = (path, line)
        if key in seen:
            shared.add(key)
        seen.add(key)
    return shared


def format_changes(changes: Iterable[Change],
                   shared: set[tuple[str, int]] | frozenset[tuple[str, int]] = frozenset()
                   ) -> Iterator[str]:
    """``--dry-run`` lines, one per change (two more for an edit's before and after)::

        - data/train.jsonl:12  drop    DP301 exact duplicate of line 3
        ~ data/train.jsonl:40  edit    DP505 whitespace around the reply
            - "  Paris. "
            + "Paris."
    """
    for c in changes:
        where = c.where(c.line is not None and (c.path, c.line) in shared)
        yield f"{MARKS.get(c.action, '?')} {where}  {c.action:<7} {c.reason}"
        if c.before is not None or c.after is not None:
            yield f"    - {_short(c.before)}"
            yield f"    + {_short(c.after)}"
