"""Pattern packs: data-defined regular expressions in ``rules/packs/*.toml``.

Leftover templates (DP506) and PII/secret patterns (DP6xx) are data, not code, so users
extend them without a release: ``[tool.dataprep] pattern-packs = ["my-pack.toml"]`` adds
packs (paths relative to the config file).  A pack is TOML::

    [[pattern]]
    id = "api-key.acme"             # unique, shown in messages
    rule = "DP606"                  # the rule that reports it (or: kind = "api-key",
                                    # a PII kind of rules/packs/pii.toml, whose rule it is)
    regex = 'acme_[A-Za-z0-9]{32}'  # Python regex
    description = "ACME API key"
    flags = ["IGNORECASE"]          # optional: IGNORECASE, MULTILINE, DOTALL
    roles = ["assistant"]           # optional: only these roles (default: all)
    check = "luhn"                  # optional: a named validator (``dataprep.pii.VALIDATORS``)
    secret = true                   # optional: matches are secrets, redacted everywhere

Invalid packs are configuration errors (exit 2 naming the pack and pattern).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.config import load_toml
from dataprep.errors import ConfigError
from dataprep.resources import rules_dir

_FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}
_KEYS = {"id", "rule", "kind", "regex", "description", "flags", "roles", "check", "secret"}


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
    #: the PII kind (``dataprep.pii.kinds``); a pattern with a kind may leave ``rule`` empty
    kind: str | None = None


@dataclass
class PackSet:
    patterns: list[Pattern] = field(default_factory=list)

    def for_rule(self, codes: Iterable[str]) -> list[Pattern]:
        wanted = set(codes)
        return [p for p in self.patterns if p.rule in wanted]


def tables(data: Mapping[str, Any], key: str, label: str, name_key: str,
           known: Collection[str]) -> list[tuple[str, dict[str, Any]]]:
    """The ``[[key]]`` tables of a pack, each with the place an error names ("pattern pack
    pii (built in), kind email"); a non-table or an unknown key is a configuration error."""
    items = data.get(key, [])
    if not isinstance(items, list):
        raise ConfigError(f"pattern pack {label}: [[{key}]] must be an array of tables")
    out = []
    for i, item in enumerate(items):
        where = f"pattern pack {label}, {key} {item.get(name_key, i) if isinstance(item, dict) else i}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: not a table")
        extra = set(item) - set(known)
        if extra:
            raise ConfigError(f"{where}: unknown key {min(extra)!r}")
        out.append((where, item))
    return out


def _load_file(path: Path, label: str) -> list[Pattern]:
    data = load_toml(path, f"pattern pack {label}")
    out = []
    for where, item in tables(data, "pattern", label, "id", _KEYS):
        named = [k for k in ("rule", "kind") if k in item] or ["rule"]  # a rule, a kind or both
        for key in ("id", "regex", *named):
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
        out.append(Pattern(item["id"], item.get("rule", ""), rx,
                           str(item.get("description", item["id"])),
                           frozenset(roles) if roles else None, item.get("check"),
                           bool(item.get("secret", False)), label, item.get("kind")))
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
