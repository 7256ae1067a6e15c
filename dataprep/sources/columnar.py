"""Readers for columnar sources: Parquet files and HF ``save_to_disk`` folders.

Both libraries are heavy, so they are imported only when such a source is met; a
missing one is a usage error (exit 2) that names the extra to install.  These sources
have no physical lines: records carry ``line=None`` and their 0-based index.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dataprep.errors import InputError
from dataprep.model import FileNote, ParseFailure, Record

BATCH_ROWS = 4096


def _require(module: str, extra: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise InputError(
            f"reading this source needs {module}: pip install 'dataprep-lint[{extra}]'"
        ) from None


#: keys whose presence decides a record's format (see ``formats.detect``)
_FORMAT_KEYS = ("messages", "conversations", "chosen", "rejected", "prompt", "completion",
                "instruction", "output")


def _drop_null_format_keys(row: dict[str, Any]) -> dict[str, Any]:
    """Columnar rows carry every column; a null in a format-defining column means absent.

    A table mixing chat and text rows has ``messages = None`` on its text rows; without
    this they would be detected as chat.  JSONL keeps presence semantics (an explicit
    ``"messages": null`` there is a wrong type, and is reported as one).
    """
    for key in _FORMAT_KEYS:
        if key in row and row[key] is None:
            del row[key]
    return row


def read_parquet(path: str, label: str | None = None, progress: Any = None) -> Iterator[Any]:
    """Stream a Parquet file in record batches (memory stays bounded by the batch).

    ``path`` is opened; ``label`` (default: ``path``) is the path items report, the
    normalised one the engine uses for the file.
    """
    pq = _require("pyarrow.parquet", "parquet")
    opened, path = path, label or path
    try:
        pf = pq.ParquetFile(opened)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        yield ParseFailure(path, None, None, "unreadable", f"not a readable Parquet file ({_one_line(exc)})")
        return
    index = 0
    try:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                yield Record(path, None, index, None, _drop_null_format_keys(row))
                index += 1
            if progress is not None:
                progress.advance(batch.num_rows, None)
    except Exception as exc:
        yield ParseFailure(path, None, index, "unreadable", f"Parquet read failed: {_one_line(exc)}")
    if index == 0:
        yield FileNote(path, "no-records", "Parquet file holds no rows")


def read_hf_dataset(path: str, label: str, split: str | None, progress: Any = None) -> Iterator[Any]:
    """Iterate one split of a ``save_to_disk`` folder through ``datasets.load_from_disk``."""
    datasets = _require("datasets", "hf")
    try:
        ds = datasets.load_from_disk(path)
        if split is not None:
            ds = ds[split]
    except Exception as exc:
        yield ParseFailure(label, None, None, "unreadable",
                           f"not a readable HF dataset folder ({_one_line(exc)})")
        return
    index = 0
    try:
        for batch in ds.iter(batch_size=BATCH_ROWS):
            keys = list(batch)
            n = len(batch[keys[0]]) if keys else 0
            for i in range(n):
                row = {k: batch[k][i] for k in keys}
                yield Record(label, None, index, None, _drop_null_format_keys(row))
                index += 1
            if progress is not None:
                progress.advance(n, None)
    except Exception as exc:  # a corrupt Arrow shard mid-read: report, keep what was read
        yield ParseFailure(label, None, index, "unreadable", f"dataset read failed: {_one_line(exc)}")
    if index == 0:
        yield FileNote(label, "no-records", "dataset holds no rows")


def hf_splits(path: str) -> list[str] | None:
    """Split names of a DatasetDict folder, or None for a single Dataset folder."""
    import json
    import os

    dd = os.path.join(path, "dataset_dict.json")
    if not os.path.exists(dd):
        return None
    try:
        with open(dd, encoding="utf-8") as fh:
            splits = json.load(fh).get("splits")
    except (OSError, ValueError, AttributeError) as exc:
        raise InputError(f"cannot read {dd}: {_one_line(exc)}") from None
    if not isinstance(splits, list) or not all(isinstance(s, str) for s in splits):
        raise InputError(f"{dd} has no list of split names")
    return splits


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
