"""Configuration: presets, project files, command-line overrides → one resolved Config.

Precedence: command line > project config (``[tool.dataprep]`` in ``pyproject.toml`` or a
``dataprep.toml``, found by walking up from the working directory) > preset named by
``extends`` (default ``default``).  Validation is strict because a silently ignored
typo in a CI gate's config is a gate that does not guard: unknown keys and options exit
2 naming the key and the rule.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from dataprep.errors import ConfigError
from dataprep.resources import load_schema, rules_dir

TASKS = ("auto", "classification", "generative")


@dataclass
class Config:
    """The resolved configuration of one run."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: list[tuple[str, list[str]]] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    task: str = "auto"
    format_hint: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    eval: list[str] = field(default_factory=list)
    #: extra pattern packs (TOML files) for DP506 and DP6xx, relative to the config file
    pattern_packs: list[str] = field(default_factory=list)
    #: dataset paths linted when none are given (``dataprep lint`` alone, the dataset hook)
    paths: list[str] = field(default_factory=list)
    fail_under: float | None = None
    strict: bool = False
    weights: dict[str, float] = field(default_factory=dict)
    consistency: dict[str, float] = field(default_factory=dict)
    verdict: dict[str, float] = field(default_factory=dict)
    source: str = "defaults"
    warnings: list[str] = field(default_factory=list)
    #: ``[tool.dataprep.gate]``: answers for ``dataprep gate`` (validated there)
    gate: dict[str, Any] = field(default_factory=dict)

    def enabled_codes(self, all_codes: Iterable[str], path: str | None = None) -> frozenset[str]:
        """Codes on for ``path`` (or globally): the most specific select/ignore prefix wins."""
        ignores = list(self.ignore)
        if path is not None:
            for pattern, codes in self.per_file_ignores:
                if _path_matches(path, pattern):
                    ignores.extend(codes)
        return frozenset(c for c in all_codes if _selected(c, self.select, ignores))


def _path_matches(path: str, pattern: str) -> bool:
    norm = path.replace(os.sep, "/")
    return (
        fnmatch.fnmatch(norm, pattern)
        or fnmatch.fnmatch(os.path.basename(norm), pattern)
        or fnmatch.fnmatch(norm, "*/" + pattern)
    )


def _longest(code: str, prefixes: Iterable[str]) -> int:
    best = -1
    for p in prefixes:
        if p == "ALL":
            best = max(best, 0)
        elif code.startswith(p):
            best = max(best, len(p))
    return best


def _selected(code: str, select: list[str], ignore: list[str]) -> bool:
    s = _longest(code, select)
    return s >= 0 and s > _longest(code, ignore)


# ---------------------------------------------------------------- loading


def find_project_config(start: Path | None = None) -> Path | None:
    """The nearest ``dataprep.toml``, or ``pyproject.toml`` with ``[tool.dataprep]``."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        cand = d / "dataprep.toml"
        if cand.is_file():
            return cand
        cand = d / "pyproject.toml"
        if cand.is_file():
            try:
                data = tomllib.loads(cand.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue  # not ours to judge: someone else's broken pyproject
            if "dataprep" in data.get("tool", {}):
                return cand
    return None


def load_toml(path: Path, label: str) -> dict[str, Any]:
    """A TOML file as a dict; unreadable or invalid files are a one-line ConfigError
    naming ``label`` (configs, answers files and pattern packs all read this way)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {label}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"invalid TOML in {label}: {exc}") from None


def read_config_file(path: Path) -> dict[str, Any]:
    """The dataprep table of a config file (``[tool.dataprep]`` or a whole dataprep.toml)."""
    data = load_toml(path, f"config {path}")
    if path.name == "pyproject.toml":
        return dict(data.get("tool", {}).get("dataprep", {}))
    if "tool" in data and "dataprep" in data["tool"] and len(data) == 1:
        return dict(data["tool"]["dataprep"])
    return dict(data)


def load_preset(name: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A preset from ``rules/presets`` with its own ``extends`` chain merged in."""
    if name in _seen:
        raise ConfigError(f"preset cycle: {' -> '.join((*_seen, name))}")
    path = rules_dir() / "presets" / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in (rules_dir() / "presets").glob("*.toml"))
        raise ConfigError(f"extends: unknown preset {name!r} (known: {', '.join(known)})")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    parent = data.pop("extends", None)
    if parent:
        return merge(load_preset(parent, (*_seen, name)), data)
    return data


def merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; ``extend-select``/``extend-ignore`` append to the base lists."""
    out = dict(base)
    for key, value in over.items():
        if key == "extend-select":
            out["select"] = list(out.get("select", [])) + list(value)
        elif key == "extend-ignore":
            out["ignore"] = list(out.get("ignore", [])) + list(value)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _validate_table(table: Mapping[str, Any], where: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema("config"))
    errors = sorted(validator.iter_errors(table), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            bad = extra[0] if extra else key
            full = f"{key}.{bad}" if key != "(top level)" else bad
            hint = difflib.get_close_matches(bad, list(err.schema.get("properties", {})), 1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"invalid config {where}: unknown key {full!r}{tip}")
        raise ConfigError(f"invalid config {where}: {key}: {err.message}")


def resolve(
    rules: Mapping[str, Any],
    config_path: str | None = None,
    cli: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Build the Config: preset ← project file ← command line, validated throughout.

    ``rules`` maps code → rule class (for option schemas, did-you-mean and name aliases).
    """
    cli = dict(cli or {})
    if config_path is not None:
        path: Path | None = Path(config_path)
        if not path.is_file():
            raise ConfigError(f"config file not found: {config_path}")
    else:
        path = find_project_config(cwd)
    table: dict[str, Any] = read_config_file(path) if path else {}
    where = f"{path}" if path else "defaults"
    _validate_table(table, where)
    preset = load_preset(table.pop("extends", "default"))
    merged = merge(preset, table)
    if cli.get("select"):
        merged["select"] = list(cli["select"])
    if cli.get("extend_select"):
        merged["select"] = list(merged.get("select", [])) + list(cli["extend_select"])
    if cli.get("ignore"):
        merged["ignore"] = list(merged.get("ignore", [])) + list(cli["ignore"])

    cfg = Config(source=where)
    cfg.select = list(merged.get("select", []))
    cfg.ignore = list(merged.get("ignore", []))
    cfg.per_file_ignores = [(k, list(v)) for k, v in merged.get("per-file-ignores", {}).items()]
    cfg.task = cli.get("task") or merged.get("task", "auto")
    cfg.format_hint = cli.get("format_hint") or merged.get("format-hint")
    cfg.fields = dict(merged.get("fields", {}))
    cfg.eval = list(cli.get("eval") or merged.get("eval", []))
    # configured paths are relative to the config file, wherever dataprep runs from
    base = path.parent if path else Path.cwd()
    cfg.paths = [p if os.path.isabs(p) else os.path.relpath(os.path.join(base, p))
                 for p in merged.get("paths", [])]
    cfg.pattern_packs = [p if os.path.isabs(p) else os.path.relpath(os.path.join(base, p))
                         for p in merged.get("pattern-packs", [])]
    cfg.fail_under = cli.get("fail_under", merged.get("fail-under"))
    if cli.get("fail_under") is None:
        cfg.fail_under = merged.get("fail-under")
    cfg.strict = bool(cli.get("strict") or merged.get("strict", False))
    cfg.gate = dict(merged.get("gate", {}))
    cfg.weights = dict(merged.get("score", {}).get("weights", {}))
    cfg.consistency = dict(merged.get("score", {}).get("consistency", {}))
    cfg.verdict = dict(merged.get("score", {}).get("verdict", {}))

    codes = list(rules)
    names = {r.name: c for c, r in rules.items()}
    for group in (cfg.select, cfg.ignore, *(v for _, v in cfg.per_file_ignores)):
        for item in group:
            if item != "ALL" and not any(c.startswith(item) for c in codes):
                hint = difflib.get_close_matches(item, codes, 1)
                tip = f"; did you mean {hint[0]}?" if hint else ""
                cfg.warnings.append(f"{item!r} matches no rule{tip}")

    for key, spec in merged.get("rules", {}).items():
        code = key if key in rules else names.get(key)
        if code is None:
            hint = difflib.get_close_matches(key, codes + list(names), 1)
            tip = f"; did you mean {hint[0]}?" if hint else ""
            cfg.warnings.append(f"rules.{key}: no such rule{tip}")
            continue
        rule = rules[code]
        for opt, value in spec.items():
            if opt == "severity":
                cfg.severity[code] = value
                continue
            if opt not in rule.options:
                known = ", ".join(sorted(rule.options)) or "none"
                raise ConfigError(
                    f"invalid config {where}: rule {code} ({rule.name}) has no option {opt!r}"
                    f" (options: {known})"
                )
            _check_option(code, rule, opt, value, where)
            cfg.options.setdefault(code, {})[opt] = value
    return cfg


def _check_option(code: str, rule: Any, opt: str, value: Any, where: str) -> None:
    import jsonschema

    schema = {k: v for k, v in rule.options[opt].items() if k not in ("default", "description")}
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        raise ConfigError(
            f"invalid config {where}: rule {code} ({rule.name}) option {opt!r}: {exc.message}"
        ) from None


def rule_options(cfg: Config, rules: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every rule's options: declared defaults overlaid with the configured values."""
    return {code: {**r.default_options(), **cfg.options.get(code, {})} for code, r in rules.items()}
