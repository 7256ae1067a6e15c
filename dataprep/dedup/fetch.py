"""Re-read records by location, so verification needs no stored texts.

JSONL records are read back with one seek to their byte offset; other sources
(gzip, JSON arrays, Parquet, HF folders) are streamed again and only the wanted
records are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from dataprep.model import Record
from dataprep.records import apply_mapping
from dataprep.sources import SourceSpec, read_source
from dataprep.sources.jsonl import BOM


def fetch(spec: SourceSpec, wanted: Mapping[int, int | None], mapping: Mapping[str, str]) -> dict[int, dict[str, Any]]:
    """Records of ``spec`` by index; ``wanted`` maps index → byte offset (None if unknown)."""
    out: dict[int, dict[str, Any]] = {}
    spec_fields = getattr(spec, "fields", ())
    if spec_fields:  # a registry's columns for this file win over the configured ones
        mapping = {**mapping, **dict(spec_fields)}
    if spec.kind == "jsonl" and all(o is not None for o in wanted.values()):
        try:
            with open(spec.real_path, "rb") as fh:
                for index, offset in sorted(wanted.items(), key=lambda kv: kv[1] or 0):
                    fh.seek(offset or 0)
                    raw = fh.readline()
                    if offset == 0 and raw.startswith(BOM):
                        raw = raw[3:]
                    try:
                        data = orjson.loads(raw)
                    except orjson.JSONDecodeError:
                        continue  # the file changed under us: skip, never guess
                    if type(data) is dict:
                        if mapping:
                            apply_mapping(data, mapping)
                        out[index] = data
            return out
        except OSError:
            return out
    remaining = set(wanted)
    for item in read_source(spec):
        if type(item) is Record and item.index in remaining:
            if mapping:
                apply_mapping(item.data, mapping)
            out[item.index] = item.data
            remaining.discard(item.index)
            if not remaining:
                break
    return out


def fetch_many(specs: Sequence[SourceSpec], locations: Iterable[tuple[int, int, int | None]],
               mapping: Mapping[str, str]) -> dict[tuple[int, int], dict[str, Any]]:
    """``locations`` = (file number, record index, offset) → {(file, index): data}."""
    by_file: dict[int, dict[int, int | None]] = {}
    for f, i, o in locations:
        by_file.setdefault(f, {})[i] = o
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for f, wanted in sorted(by_file.items()):
        for i, d in fetch(specs[f], wanted, mapping).items():
            out[(f, i)] = d
    return out
