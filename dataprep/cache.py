"""A result cache for repeated runs on unchanged files (pre-commit, CI re-runs).

The key is a hash of dataprep's version and the content of its own code and rule
data, the resolved configuration and the pattern packs it names, the output needs
(fingerprints) and the *content* of every input file, so any change to data, config
or tool invalidates it (a version number alone did not: an edited checkout or a
development install served results of the code before the edit); file times are never
trusted.  Entries are JSON results in
``.dataprep_cache/`` (with its own ``.gitignore``), the newest ``KEEP`` kept.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Sequence
from hashlib import blake2b
from pathlib import Path
from typing import Any

from dataprep import __version__
from dataprep.resources import rules_dir
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


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """A digest of the content of dataprep's Python files and its ``rules/`` data.

    About 2 MB read once per process (a few milliseconds): cheaper than a stale result.
    """
    h = blake2b(digest_size=16)
    for top in (Path(__file__).resolve().parent, rules_dir()):
        for root, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".toml", ".json", ".yaml", ".txt")):
                    path = os.path.join(root, name)
                    h.update(os.path.relpath(path, top).encode("utf-8", "surrogatepass") + b"\0")
                    try:
                        _hash_file(h, path)
                    except OSError:
                        h.update(b"\1unreadable")
    return h.hexdigest()


def key(specs: Sequence[SourceSpec], config: Any, extra: str = "") -> str | None:
    """The cache key, or None when an input cannot be hashed (then nothing is cached)."""
    h = blake2b(digest_size=20)
    h.update(f"dataprep {__version__} {code_stamp()}\0{extra}\0".encode())
    cfg = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else vars(config)
    cfg.pop("warnings", None)
    cfg.pop("source", None)
    h.update(json.dumps(cfg, sort_keys=True, default=str).encode())
    try:
        for pack in cfg.get("pattern_packs") or ():
            # a user's pack edited in place changes the findings as much as the data does
            h.update(f"\0pack {pack}\0".encode())
            if os.path.isfile(pack):
                _hash_file(h, pack)
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
