"""A result cache for repeated runs on unchanged files (pre-commit, CI re-runs).

The key is a hash of dataprep's version, the resolved configuration, the output needs
(fingerprints) and the *content* of every input file, so any change to data, config
or tool invalidates it; file times are never trusted.  Entries are JSON results in
``.dataprep_cache/`` (with its own ``.gitignore``), the newest ``KEEP`` kept.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from hashlib import blake2b
from pathlib import Path
from typing import Any

from dataprep import __version__
from dataprep.sources import SourceSpec

CACHE_DIR = ".dataprep_cache"
KEEP = 32
_CHUNK = 1 << 20


def _hash_file(h: Any, path: str) -> None:
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            h.update(block)


def key(specs: Sequence[SourceSpec], config: Any, extra: str = "") -> str | None:
    """The cache key, or None when an input cannot be hashed (then nothing is cached)."""
    h = blake2b(digest_size=20)
    h.update(f"dataprep {__version__}\0{extra}\0".encode())
    cfg = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else vars(config)
    cfg.pop("warnings", None)
    cfg.pop("source", None)
    h.update(json.dumps(cfg, sort_keys=True, default=str).encode())
    try:
        for s in specs:
            h.update(f"\0{s.path}\0{s.kind}\0{s.split}\0{s.hf_split}\0".encode())
            # how a registry (LLaMA-Factory dataset_info.json) says to read the file
            h.update(f"{s.layout}\0{s.fields}\0".encode())
            if os.path.isdir(s.real_path):
                for root, dirs, files in os.walk(s.real_path):
                    dirs.sort()
                    for name in sorted(files):
                        h.update(name.encode())
                        _hash_file(h, os.path.join(root, name))
            else:
                _hash_file(h, s.real_path)
    except OSError:
        return None
    return h.hexdigest()


def _dir(root: Path) -> Path:
    return root / CACHE_DIR


def load(root: Path, k: str) -> dict[str, Any] | None:
    try:
        with open(_dir(root) / f"{k}.json", encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def store(root: Path, k: str, data: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written is no cache, never an error."""
    d = _dir(root)
    try:
        d.mkdir(exist_ok=True)
        gi = d / ".gitignore"
        if not gi.exists():
            gi.write_text("# written by dataprep: its cache is never committed\n*\n", encoding="utf-8")
        tmp = d / f"{k}.json.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, d / f"{k}.json")
        entries = sorted(d.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
