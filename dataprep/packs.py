"""Pattern packs: data-defined regular expressions in ``rules/packs/*.toml``.

Leftover templates (DP506) and PII/secret patterns (DP6xx) are data, not code, so users
extend them without a release: ``[tool.dataprep] pattern-packs = ["my-pack.toml"]`` adds
packs (paths relative to the config file).  A pack is TOML::

    [[pattern]]
    id = "api-key.acme"             # unique, shown in messages
    rule = "DP606"                  # the rule that reports it
    regex = 'acme_[A-Za-z0-9]{32}'  # Python regex
    description = "ACME API key"
    flags = ["IGNORECASE"]          # optional: IGNORECASE, MULTILINE, DOTALL
    roles = ["assistant"]           # optional: only these roles (default: all)
    check = "luhn"                  # optional: a named validator (see ``VALIDATORS``)
    secret = true                   # optional: matches are secrets, redacted everywhere

Invalid packs are configuration errors (exit 2 naming the pack and pattern).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.config import load_toml
from dataprep.errors import ConfigError
from dataprep.resources import rules_dir

_FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}
_KEYS = {"id", "rule", "regex", "description", "flags", "roles", "check", "secret"}


@dataclass(frozen=True)
class Pattern:
    id: str
    rule: str
    regex: re.Pattern[str]
    description: str
    roles: frozenset[str] | None = None
    check: str | None = None
    secret: bool = False
    source: str = ""


@dataclass
class PackSet:
    patterns: list[Pattern] = field(default_factory=list)

    def for_rule(self, codes: Iterable[str]) -> list[Pattern]:
        wanted = set(codes)
        return [p for p in self.patterns if p.rule in wanted]


def _load_file(path: Path, label: str) -> list[Pattern]:
    data = load_toml(path, f"pattern pack {label}")
    items = data.get("pattern", [])
    if not isinstance(items, list):
        raise ConfigError(f"pattern pack {label}: [[pattern]] must be an array of tables")
    out = []
    for i, item in enumerate(items):
        where = f"pattern pack {label}, pattern {item.get('id', i) if isinstance(item, dict) else i}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: not a table")
        extra = set(item) - _KEYS
        if extra:
            raise ConfigError(f"{where}: unknown key {sorted(extra)[0]!r}")
        for key in ("id", "rule", "regex"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise ConfigError(f"{where}: {key!r} must be a non-empty string")
        flags = 0
        for f in item.get("flags", []):
            if f not in _FLAGS:
                raise ConfigError(f"{where}: unknown flag {f!r} (known: {', '.join(_FLAGS)})")
            flags |= _FLAGS[f]
        try:
            rx = re.compile(item["regex"], flags)
        except re.error as exc:
            raise ConfigError(f"{where}: invalid regex: {exc}") from None
        roles = item.get("roles")
        out.append(Pattern(item["id"], item["rule"], rx, str(item.get("description", item["id"])),
                           frozenset(roles) if roles else None, item.get("check"),
                           bool(item.get("secret", False)), label))
    return out


def builtin_pack(name: str) -> list[Pattern]:
    return _load_file(rules_dir() / "packs" / f"{name}.toml", f"{name} (built in)")


def load(names: Iterable[str], extra_files: Iterable[str] = ()) -> PackSet:
    """Built-in packs by name plus the user's pack files."""
    pats: list[Pattern] = []
    for n in names:
        pats.extend(builtin_pack(n))
    for f in extra_files:
        pats.extend(_load_file(Path(f), f))
    seen: set[str] = set()
    for p in pats:
        if p.id in seen:
            raise ConfigError(f"pattern pack {p.source}: duplicate pattern id {p.id!r}")
        seen.add(p.id)
    return PackSet(pats)


def pack_files(config: Any) -> list[str]:
    return list(getattr(config, "pattern_packs", []) or [])
