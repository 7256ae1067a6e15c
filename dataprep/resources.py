"""Find the declarative ``rules/`` folder, installed (``dataprep/_rules``) or in a checkout."""

from __future__ import annotations

import functools
from pathlib import Path

import orjson


@functools.lru_cache(maxsize=1)
def rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "presets").is_dir():
            return candidate
    raise FileNotFoundError("dataprep's rules/ folder is missing from this installation")


@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """A JSON Schema from ``rules/schemas`` by file stem (``report``, ``config``, ``chat``)."""
    return orjson.loads((rules_dir() / "schemas" / f"{name}.schema.json").read_bytes())
