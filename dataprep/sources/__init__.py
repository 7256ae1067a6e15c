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
    """One input to read: a file, one split of an HF dataset folder, or a trainer's registry.

    ``layout`` and ``fields`` carry what a trainer's registry (LLaMA-Factory's
    ``dataset_info.json``) says about the file, so it is linted as that trainer reads it:
    ``fields`` renames the file's keys to canonical ones (pairs of canonical key, the
    file's key) before detection, and ``layout`` (a layout name) then replaces detection.
    ``fields`` is a tuple of pairs, not a dict, so a spec stays hashable.
    """

    path: str  # the path as reported in findings
    real_path: str  # the path opened
    kind: str  # jsonl | json | jsonl.gz | json.gz | parquet | hf | registry
    split: str  # "train" | "eval"
    hf_split: str | None = None
    #: the layout every record of this source is read as (None: detect per record)
    layout: str | None = None
    #: (canonical key, the file's key) pairs applied to each record before detection
    fields: tuple[tuple[str, str], ...] = ()

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
    if low.endswith(".gz"):  # .json.gz, or any other gzip: sniffed when read
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


@dataclass(frozen=True, slots=True)
class _Found:
    """A path a directory walk found, with what a registry says about it."""

    path: str
    kind: str | None = None  # "registry" for a trainer's registry, else from the name
    layout: str | None = None
    fields: tuple[tuple[str, str], ...] = ()


def _walk(root: str) -> list[_Found]:
    """Data files and HF folders under ``root``, sorted, with registries applied.

    Left out: hidden entries, files that are certainly not data (``documents.skip_in_walk``:
    dataprep's own reports, tool and model files).  A LLaMA-Factory ``dataset_info.json``
    is not read as data: it becomes a ``registry`` source (its problems are findings) and
    the files it names are read with the layout and fields it gives them, including named
    files outside ``root`` or in hidden folders, because the trainer reads those too.
    """
    from dataprep.sources import documents, llamafactory

    plain: list[str] = []
    registries: list[llamafactory.Registry] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise_walk_error):
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if d.startswith(".") or d == "__pycache__":
                continue
            if is_hf_folder(full):
                plain.append(full)
            else:
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            if f.startswith(".") or not f.lower().endswith(DATA_SUFFIXES):
                continue
            full = os.path.join(dirpath, f)
            registry = llamafactory.load(full) if f == llamafactory.REGISTRY_NAME else None
            if registry is not None:
                registries.append(registry)
            elif not documents.skip_in_walk(full):
                plain.append(full)
    found: list[_Found] = []
    claimed: dict[str, _Found] = {}
    for registry in sorted(registries, key=lambda r: r.path):
        found.append(_Found(os.path.normpath(registry.path), "registry"))
        for item in llamafactory.plan(registry).files:
            norm = os.path.normpath(item.real_path)
            claimed.setdefault(norm, _Found(norm, None, item.layout, item.fields))
    for p in plain:
        norm = os.path.normpath(p)
        found.append(claimed.pop(norm, _Found(norm)))
    found.extend(claimed.values())
    return sorted(found, key=lambda f: f.path)


#: what a registry says about a file: (layout, fields)
_Hint = tuple[str | None, tuple[tuple[str, str], ...]]


class _Registries:
    """The registries that may name an explicitly given file, parsed once per discovery.

    A file given by name (a pre-commit hook passes staged files one by one) is still read
    as its trainer reads it: a ``dataset_info.json`` in its folder or in one of the few
    folders above that names it gives its layout and fields.
    """

    LEVELS = 3

    def __init__(self) -> None:
        self._plans: dict[str, dict[str, _Hint]] = {}

    def lookup(self, path: str) -> _Hint:
        norm = os.path.normpath(os.path.abspath(path))
        folder = os.path.dirname(norm)
        for _ in range(self.LEVELS):
            named = self._named_in(folder)
            if norm in named:
                return named[norm]
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        return None, ()

    def _named_in(self, folder: str) -> dict[str, _Hint]:
        if folder not in self._plans:
            from dataprep.sources import llamafactory

            named: dict[str, _Hint] = {}
            registry = llamafactory.load(os.path.join(folder, llamafactory.REGISTRY_NAME))
            if registry is not None:
                for item in llamafactory.plan(registry).files:
                    named.setdefault(os.path.normpath(item.real_path), (item.layout, item.fields))
            self._plans[folder] = named
        return self._plans[folder]


def _raise_walk_error(exc: OSError) -> None:
    raise InputError(f"cannot read directory {exc.filename}: {exc.strerror or exc}")


def discover(paths: Iterable[str], eval_paths: Iterable[str] = ()) -> list[SourceSpec]:
    """Expand paths, directories and globs into sources; exit-2 errors for bad paths.

    A path given by name is always read, whatever it holds; directory walks and glob
    matches leave out files that are certainly not data (see ``_walk``).
    """
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    registries = _Registries()

    def push(spec: SourceSpec) -> None:
        if spec.path not in seen:
            seen.add(spec.path)
            specs.append(spec)

    def add_file(p: str, forced_eval: bool, found: _Found | None = None) -> None:
        if found is None or found == _Found(found.path):
            # not placed by a registry of the walk: one in a folder above may name it
            layout, fields = registries.lookup(p)
            found = _Found(p, None, layout, fields)
        if os.path.isdir(p):  # an HF save_to_disk folder
            for s in _hf_specs(p, forced_eval):
                push(dataclasses.replace(s, layout=found.layout, fields=found.fields))
            return
        norm = os.path.normpath(p)
        if norm in seen:
            return
        _check_readable(p)
        role = "eval" if forced_eval else split_role(p)
        push(SourceSpec(norm, p, found.kind or _kind_of(p), role,
                        layout=found.layout, fields=found.fields))

    def add(p: str, forced_eval: bool, named: bool) -> None:
        if os.path.isdir(p) and not is_hf_folder(p):
            for f in _walk(p):
                add_file(f.path, forced_eval, f)
            return
        if not named and not os.path.isdir(p) and _not_data(p):
            return
        add_file(p, forced_eval)

    for group, forced in ((eval_paths, True), (paths, False)):
        for p in group:
            if os.path.exists(p):
                add(p, forced, named=True)
                continue
            if glob.has_magic(p):
                matches = sorted(glob.glob(p, recursive=True))
                if not matches:
                    raise InputError(f"no file matches {p}")
                for m in matches:
                    add(m, forced, named=False)
                continue
            raise InputError(f"path does not exist: {p}")
    return _settle_splits(specs, bool(eval_paths))


def _not_data(path: str) -> bool:
    """A glob match a walk would leave out: dataprep output, tool files, a registry."""
    from dataprep.sources import documents, llamafactory

    if os.path.basename(path) == llamafactory.REGISTRY_NAME and llamafactory.load(path):
        return True
    return documents.skip_in_walk(path)


def _settle_splits(specs: list[SourceSpec], eval_given: bool) -> list[SourceSpec]:
    """Final split roles; exit 2 when there is nothing to lint.

    A registry holds no records; it takes the train role when any data is training data
    and the eval role otherwise, so it never makes an evaluation-only run look like one
    with training files (or the reverse).
    """
    data = [s for s in specs if s.kind != "registry"]
    if not data and not any(_registry_has_problems(s) for s in specs):
        # e.g. only empty directories: nothing to lint is "no readable input" (exit 2)
        raise InputError("no data files found (looked for " + ", ".join(DATA_SUFFIXES) + ")")
    # --eval paths are added first, so a file given both ways keeps the eval role
    if not eval_given and data and all(s.split == "eval" for s in data):
        # Only files *named* like evaluation splits (``test.jsonl`` alone): the user is
        # auditing them, so they are the data to count, not a split set aside.
        specs = [dataclasses.replace(s, split="train") for s in specs]
    role = "train" if any(s.split == "train" for s in specs if s.kind != "registry") else "eval"
    return [dataclasses.replace(s, split=role) if s.kind == "registry" else s for s in specs]


def _registry_has_problems(spec: SourceSpec) -> bool:
    from dataprep.sources import llamafactory

    if spec.kind != "registry":
        return False
    registry = llamafactory.load(spec.real_path)
    return registry is not None and bool(llamafactory.plan(registry).problems)


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
    if spec.kind == "registry":
        yield from _read_registry(spec, progress)
        return
    try:
        if spec.kind.endswith(".gz"):
            yield from _read_gzip(spec, progress)
        else:
            yield from _read_plain(spec, progress)
    except OSError as exc:
        yield ParseFailure(spec.path, None, None, "unreadable", f"read failed: {exc.strerror or exc}")


def _read_registry(spec: SourceSpec, progress: Any) -> Iterator[Any]:
    """A registry's problems as notes (DP012); it holds no records, so no DP001 either.

    If the file stopped being a registry since discovery, it is read as any ``.json``.
    """
    from dataprep.sources import llamafactory

    registry = llamafactory.load(spec.real_path)
    if registry is None:
        yield from _read_plain(dataclasses.replace(spec, kind="json"), progress)
        return
    for problem in llamafactory.plan(registry).problems:
        yield FileNote(spec.path, problem.kind, problem.detail, problem.line)


def _judge(spec: SourceSpec) -> Any:
    from dataprep.sources.documents import judge_for

    return judge_for(os.path.basename(spec.real_path), spec.layout, spec.fields)


def _first_byte(head: bytes) -> bytes:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]


def _read_plain(spec: SourceSpec, progress: Any) -> Iterator[Any]:
    from dataprep.sources.jsonarray import read_json_array
    from dataprep.sources.jsondoc import read_json_objects
    from dataprep.sources.jsonl import read_jsonl

    with open(spec.real_path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        if _sniff_binary(head):
            yield FileNote(spec.path, "no-records", "file is binary, not JSON text")
            return
        first = _first_byte(head) if spec.kind == "json" else b""
        if first == b"[":
            data = head + fh.read()
            yield from read_json_array(spec.path, data, progress)
            return
        fh.seek(0)
        if first == b"{":
            yield from read_json_objects(spec.path, fh, _judge(spec), progress)
            return
        yield from read_jsonl(spec.path, fh, progress)


def _read_gzip(spec: SourceSpec, progress: Any) -> Iterator[Any]:
    from dataprep.sources.jsonarray import read_json_array
    from dataprep.sources.jsondoc import read_json_objects
    from dataprep.sources.jsonl import read_jsonl

    try:
        with gzip.open(spec.real_path, "rb") as gz:
            head = gz.read(SNIFF_BYTES)
            if _sniff_binary(head):
                yield FileNote(spec.path, "no-records", "decompressed content is binary, not JSON text")
                return
            first = _first_byte(head)
            if first == b"[":
                yield from read_json_array(spec.path, head + gz.read(), progress)
                return
        with gzip.open(spec.real_path, "rb") as gz:
            if first == b"{" and spec.kind == "json.gz":
                yield from read_json_objects(spec.path, gz, _judge(spec), progress)  # type: ignore[arg-type]
                return
            yield from read_jsonl(spec.path, gz, progress)  # type: ignore[arg-type]
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        yield ParseFailure(spec.path, None, None, "unreadable", f"corrupt gzip stream: {exc}")
