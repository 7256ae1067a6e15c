"""Baselines: accept today's findings on legacy data, fail only on new ones.

JSONL has no comments to suppress a finding in place, so a baseline file records the
findings of a known state keyed by (code, content fingerprint of the record, path).
Keys do not contain line numbers, so the baseline survives reordering and inserted
lines; identical records are counted, so a second copy of a baselined bad record is new.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from hashlib import blake2b
from typing import Any

from dataprep import __version__
from dataprep.errors import ConfigError
from dataprep.model import Finding

FORMAT_VERSION = 1
_NUMBERS = re.compile(r"\d[\d,.]*")


def _norm_path(path: str) -> str:
    return path if path.startswith("<") else os.path.normpath(path).replace(os.sep, "/")


def key_of(f: Finding) -> tuple[str, str, str]:
    """(code, path, fingerprint) of a finding.

    Record findings use the record's content fingerprint; file- and dataset-level
    findings (no record) are keyed by code and path alone, so "below the minimum" stays
    one accepted finding while its counts change; anything else by its message with
    numbers removed.
    """
    if f.fingerprint:
        fp = f.fingerprint
    elif f.record is None and f.line is None:
        fp = "file"
    else:
        text = _NUMBERS.sub("#", f.message)
        fp = "msg:" + blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return f.code, _norm_path(f.path), fp


def build(findings: Iterable[Finding]) -> dict[str, Any]:
    counts = Counter(key_of(f) for f in findings)
    entries = [{"code": c, "path": p, "fingerprint": fp, "count": n}
               for (c, p, fp), n in sorted(counts.items())]
    return {"version": FORMAT_VERSION, "tool": {"name": "dataprep", "version": __version__},
            "entries": entries}


def write(path: str, findings: Iterable[Finding]) -> int:
    data = build(findings)
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return sum(e["count"] for e in data["entries"])


def load(path: str) -> Counter[tuple[str, str, str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(data.get("entries"), list):
        raise ConfigError(f"baseline {path} is not a dataprep baseline (version {FORMAT_VERSION})")
    out: Counter[tuple[str, str, str]] = Counter()
    for i, e in enumerate(data["entries"]):
        try:
            out[(str(e["code"]), str(e["path"]), str(e["fingerprint"]))] += int(e.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"baseline {path}: entry {i} needs code, path and fingerprint") from None
    return out


def apply(findings: Sequence[Finding], accepted: Counter[tuple[str, str, str]]) -> tuple[list[Finding], int, list[dict[str, Any]]]:
    """(new findings, how many were suppressed, baseline entries that matched nothing)."""
    left = Counter(accepted)
    new: list[Finding] = []
    suppressed = 0
    for f in findings:
        k = key_of(f)
        if left[k] > 0:
            left[k] -= 1
            suppressed += 1
        else:
            new.append(f)
    stale = [{"code": c, "path": p, "fingerprint": fp, "count": n}
             for (c, p, fp), n in sorted(left.items()) if n > 0]
    return new, suppressed, stale
