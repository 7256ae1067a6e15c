"""Turn command-line paths into sources, and sources into streams of records.

Discovery happens before any record is read, so a path that does not exist or cannot
be opened stops the run with exit 2 and one clear line, before output starts.
"""

from __future__ import annotations

import dataclasses
import glob
import gzip
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dataprep.errors import InputError
from dataprep.model import FileNote, ParseFailure

#: file endings read when walking a directory (explicit files are read whatever their ending)
DATA_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz", ".parquet")
EVAL_TOKENS = frozenset({"valid", "val", "validation", "dev", "test", "eval", "evaluation", "heldout"})
_TOKEN_RE = re.compile(r"[a-z]+")
SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One input to read: a file, or one split of an HF dataset folder."""

    path: str  # the path as reported in findings
    real_path: str  # the path opened
    kind: str  # jsonl | json | jsonl.gz | json.gz | parquet | hf
    split: str  # "train" | "eval"
    hf_split: str | None = None

    @property
    def size(self) -> int:
        try:
            return os.path.getsize(self.real_path) if self.kind != "hf" else 0
        except OSError:
            return 0


def split_role(name: str) -> str:
    """'eval' when a file or split name says valid/val/dev/test/eval, else 'train'."""
    tokens = _TOKEN_RE.findall(os.path.basename(name).lower())
    return "eval" if any(t in EVAL_TOKENS for t in tokens) else "train"


def _kind_of(path: str) -> str:
    low = path.lower()
    if low.endswith((".jsonl.gz", ".ndjson.gz")):
        return "jsonl.gz"
    if low.endswith(".json.gz") or low.endswith(".gz"):
        return "json.gz"
    if low.endswith(".parquet"):
        return "parquet"
    if low.endswith(".json"):
        return "json"
    return "jsonl"


def is_hf_folder(path: str) -> bool:
    return os.path.isdir(path) and (
        os.path.exists(os.path.join(path, "dataset_dict.json"))
        or (
            os.path.exists(os.path.join(path, "state.json"))
            and os.path.exists(os.path.join(path, "dataset_info.json"))
        )
    )


def _hf_specs(path: str, forced_eval: bool) -> list[SourceSpec]:
    from dataprep.sources.columnar import hf_splits

    splits = hf_splits(path)
    if splits is None:
        role = "eval" if forced_eval else split_role(path)
        return [SourceSpec(path, path, "hf", role)]
    return [
        SourceSpec(f"{path}[{s}]", path, "hf", "eval" if forced_eval else split_role(s), s)
        for s in splits
    ]


def _check_readable(path: str) -> None:
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror or exc}") from None


def _walk(root: str) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise_walk_error):
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if d.startswith(".") or d == "__pycache__":
                continue
            if is_hf_folder(full):
                found.append(full)
            else:
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            if not f.startswith(".") and f.lower().endswith(DATA_SUFFIXES):
                found.append(os.path.join(dirpath, f))
    return sorted(found)


def _raise_walk_error(exc: OSError) -> None:
    raise InputError(f"cannot read directory {exc.filename}: {exc.strerror or exc}")


def discover(paths: Iterable[str], eval_paths: Iterable[str] = ()) -> list[SourceSpec]:
    """Expand paths, directories and globs into sources; exit-2 errors for bad paths."""
    specs: list[SourceSpec] = []
    seen: set[str] = set()

    def add(p: str, forced_eval: bool) -> None:
        if os.path.isdir(p) and is_hf_folder(p):
            for s in _hf_specs(p, forced_eval):
                if s.path not in seen:
                    seen.add(s.path)
                    specs.append(s)
            return
        if os.path.isdir(p):
            for f in _walk(p):
                add(f, forced_eval)
            return
        norm = os.path.normpath(p)
        if norm in seen:
            return
        _check_readable(p)
        seen.add(norm)
        role = "eval" if forced_eval else split_role(p)
        specs.append(SourceSpec(norm, p, _kind_of(p), role))

    for group, forced in ((eval_paths, True), (paths, False)):
        for p in group:
            if os.path.exists(p):
                add(p, forced)
                continue
            if glob.has_magic(p):
                matches = sorted(glob.glob(p, recursive=True))
                if not matches:
                    raise InputError(f"no file matches {p}")
                for m in matches:
                    add(m, forced)
                continue
            raise InputError(f"path does not exist: {p}")
    if not specs:
        # e.g. only empty directories: nothing to lint is "no readable input" (exit 2)
        raise InputError("no data files found (looked for " + ", ".join(DATA_SUFFIXES) + ")")
    # --eval paths are added first, so a file given both ways keeps the eval role
    if not eval_paths and all(s.split == "eval" for s in specs):
        # Only files *named* like evaluation splits (``test.jsonl`` alone): the user is
        # auditing them, so they are the data to count, not a split set aside.
        specs = [dataclasses.replace(s, split="train") for s in specs]
    return specs


def _sniff_binary(head: bytes) -> bool:
    """True when the first bytes look like a binary (non-text) file.

    A text file with a few bad lines must still be read line by line, so that each bad
    line becomes its own finding (invalid UTF-8, NUL bytes) and the good lines are
    linted; only a file whose head is largely NULs or undecodable bytes is binary.
    """
    if not head:
        return False
    if head.count(b"\x00") > len(head) // 8:
        return True
    # random or compressed bytes are mostly not UTF-8; a few bad lines are not
    undecodable = len(head) - len(head.decode("utf-8", "ignore").encode("utf-8"))
    return undecodable > len(head) // 4


def read_source(spec: SourceSpec, progress: Any = None) -> Iterator[Any]:
    """Yield Records, ParseFailures and FileNotes for one source."""
    if spec.kind == "hf":
        from dataprep.sources.columnar import read_hf_dataset

        yield from read_hf_dataset(spec.real_path, spec.path, spec.hf_split, progress)
        return
    if spec.kind == "parquet":
        from dataprep.sources.columnar import read_parquet

        yield from read_parquet(spec.real_path, spec.path, progress)
        return
    try:
        if spec.kind.endswith(".gz"):
            yield from _read_gzip(spec, progress)
        else:
            yield from _read_plain(spec, progress)
    except OSError as exc:
        yield ParseFailure(spec.path, None, None, "unreadable", f"read failed: {exc.strerror or exc}")


def _read_plain(spec: SourceSpec, progress: Any) -> Iterator[Any]:
    from dataprep.sources.jsonarray import read_json_array
    from dataprep.sources.jsonl import read_jsonl

    with open(spec.real_path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        if _sniff_binary(head):
            yield FileNote(spec.path, "no-records", "file is binary, not JSON text")
            return
        if spec.kind == "json" and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            data = head + fh.read()
            yield from read_json_array(spec.path, data, progress)
            return
        fh.seek(0)
        yield from read_jsonl(spec.path, fh, progress)


def _read_gzip(spec: SourceSpec, progress: Any) -> Iterator[Any]:
    from dataprep.sources.jsonarray import read_json_array
    from dataprep.sources.jsonl import read_jsonl

    try:
        with gzip.open(spec.real_path, "rb") as gz:
            head = gz.read(SNIFF_BYTES)
            if _sniff_binary(head):
                yield FileNote(spec.path, "no-records", "decompressed content is binary, not JSON text")
                return
            if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
                yield from read_json_array(spec.path, head + gz.read(), progress)
                return
        with gzip.open(spec.real_path, "rb") as gz:
            yield from read_jsonl(spec.path, gz, progress)  # type: ignore[arg-type]
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        yield ParseFailure(spec.path, None, None, "unreadable", f"corrupt gzip stream: {exc}")
