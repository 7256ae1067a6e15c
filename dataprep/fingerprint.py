"""Content fingerprints of the records findings point at.

A fingerprint identifies a record by what it contains, not where it is, so baselines,
SARIF ``partialFingerprints`` and GitLab fingerprints survive reordering and inserted
lines.  JSONL records (and their parse failures) are fingerprinted from their line text
after normalisation (NFKC, case-fold, whitespace collapse); records of other sources from
their canonical JSON (sorted keys).  Computed after the run, by re-reading only the files
that have record findings, and only when an output needs it.
"""

from __future__ import annotations

import dataclasses
import gzip
from collections.abc import Sequence
from hashlib import blake2b

import orjson

from dataprep.model import Finding, Record
from dataprep.normalize import normalize
from dataprep.sources import SourceSpec, read_source
from dataprep.sources.jsonl import BOM


def _digest(text: str) -> str:
    return blake2b(normalize(text).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _by_lines(spec: SourceSpec, lines: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    opener = gzip.open if spec.kind.endswith(".gz") else open
    try:
        with opener(spec.real_path, "rb") as fh:  # type: ignore[operator]
            for n, raw in enumerate(fh, 1):
                if n in lines:
                    if n == 1 and raw.startswith(BOM):
                        raw = raw[3:]
                    out[n] = _digest(raw.decode("utf-8", "replace"))
                    if len(out) == len(lines):
                        break
    except (OSError, EOFError, ValueError):
        pass
    return out


def _by_index(spec: SourceSpec, indexes: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for item in read_source(spec):
        if type(item) is Record and item.index in indexes:
            text = orjson.dumps(item.data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
                                default=str).decode("utf-8", "replace")
            out[item.index] = _digest(text)
            if len(out) == len(indexes):
                break
    return out


def add_fingerprints(findings: Sequence[Finding], specs: Sequence[SourceSpec]) -> list[Finding]:
    """``findings`` with ``fingerprint`` set wherever the finding points at a record."""
    by_path = {s.path: s for s in specs}
    wanted: dict[str, set[int]] = {}
    for f in findings:
        spec = by_path.get(f.path)
        if spec is None:
            continue
        line_based = spec.kind in ("jsonl", "jsonl.gz")
        key = f.line if line_based else f.record
        if key is not None:
            wanted.setdefault(f.path, set()).add(key)
    got: dict[str, dict[int, str]] = {}
    for path, keys in wanted.items():
        spec = by_path[path]
        got[path] = _by_lines(spec, keys) if spec.kind in ("jsonl", "jsonl.gz") else _by_index(spec, keys)
    out = []
    for f in findings:
        spec = by_path.get(f.path)
        fp = None
        if spec is not None:
            key = f.line if spec.kind in ("jsonl", "jsonl.gz") else f.record
            if key is not None:
                fp = got.get(f.path, {}).get(key)
        out.append(dataclasses.replace(f, fingerprint=fp) if fp is not None else f)
    return out
