"""Configuration: presets, project files, command-line overrides → one resolved Config.

Precedence: command line > project config (``[tool.dataprep]`` in ``pyproject.toml`` or a
``dataprep.toml``, found by walking up from the working directory) > preset named by
``extends`` (default ``default``).  Validation is strict because a silently ignored
typo in a CI gate's config is a gate that does not guard: unknown keys and options, and
rule codes, prefixes or names that match no rule (in the file or on the command line),
exit 2 naming the key and offering a did-you-mean.
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


# ---------------------------------------------------------------- rule references
#
# Every place a user names rules is checked against the registry before anything else:
# a misspelt code in ``ignore`` or ``[rules.X]`` would otherwise leave the gate guarding
# less (or other) than the user believes, with nothing on screen to say so.

#: keys of the config table that hold lists of codes or prefixes
SELECTOR_KEYS = ("select", "extend-select", "ignore", "extend-ignore")


def _did_you_mean(item: str, rules: Mapping[str, Any], *, want_code: bool) -> str:
    """`` (did you mean X?)`` from difflib over codes and dotted names, or ``""``.

    ``want_code``: the place takes codes (select, ignore ...), so a name is suggested as
    its code.
    """
    by_name = {r.name: c for c, r in rules.items()}
    if item.lower() in by_name:  # the CLI upper-cases selectors: DUP.EXACT is dup.exact
        return f" (did you mean {by_name[item.lower()]}?)"
    if want_code and len(item) <= 3 and item.upper().startswith("DP"):
        # a one-digit family: a close code (DP8 → DP508) would be a guess; list the families
        families = sorted({c[:3] for c in rules})
        return f" (rule families: {', '.join(families)})"
    hits = difflib.get_close_matches(item, [*rules, *by_name], 1) or difflib.get_close_matches(
        item.lower(), list(by_name), 1)
    if not hits:
        return ""
    hit = hits[0]
    if hit in by_name:
        return f" (did you mean {by_name[hit]}?)" if want_code else \
            f" (did you mean {hit!r}, {by_name[hit]}?)"
    return f" (did you mean {hit}?)" if want_code else \
        f" (did you mean {hit}, {rules[hit].name!r}?)"


def check_selectors(items: Iterable[Any], rules: Mapping[str, Any], key: str, prefix: str) -> None:
    """Each code or prefix in ``items`` must match at least one rule (``ALL`` matches all).

    A prefix such as ``DP3`` or ``DP30`` is a family selector and is fine as long as some
    rule starts with it; ``DP9999`` or a dotted rule name is a ConfigError naming ``key``.
    Non-strings are left to the schema, which says what type it wants.
    """
    for item in items:
        if not isinstance(item, str) or item == "ALL" or any(c.startswith(item) for c in rules):
            continue
        what = "is a rule name; give its code" if item.lower() in {r.name for r in rules.values()} \
            else "matches no rule"
        raise ConfigError(f"{prefix}{key}: {item!r} {what}"
                          f"{_did_you_mean(item, rules, want_code=True)}")


def check_rule_references(table: Mapping[str, Any], rules: Mapping[str, Any], prefix: str) -> None:
    """Refuse any rule reference of a project config table that names no rule.

    Covers ``select``/``ignore`` and their ``extend-`` forms, ``per-file-ignores``,
    ``[rules.X]`` (a code or a dotted name, for options and severity) and the rule
    families of ``[score.consistency]``.  ``prefix`` starts the message (the file).
    """
    for key in SELECTOR_KEYS:
        value = table.get(key)
        if isinstance(value, list):
            check_selectors(value, rules, key, prefix)
    pfi = table.get("per-file-ignores")
    if isinstance(pfi, Mapping):
        for pattern, value in pfi.items():
            if isinstance(value, list):
                check_selectors(value, rules, f"per-file-ignores.{_key(pattern)}", prefix)
    consistency = table.get("score", {}).get("consistency") \
        if isinstance(table.get("score"), Mapping) else None
    if isinstance(consistency, Mapping):
        check_selectors(list(consistency), rules, "score.consistency", prefix)
    per_rule = table.get("rules")
    if isinstance(per_rule, Mapping):
        names = {r.name for r in rules.values()}
        for name in per_rule:
            if name not in rules and name not in names:
                raise ConfigError(f"{prefix}rules.{_key(name)}: no such rule"
                                  f"{_did_you_mean(name, rules, want_code=False)}")


def _key(name: str) -> str:
    """A table key as TOML writes it: bare when it can be, quoted otherwise."""
    bare = name.replace("-", "").replace("_", "").isalnum() and name.isascii()
    return name if bare else f'"{name}"'


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
    path: Path | None
    if config_path is not None:
        path = Path(config_path)
        if not path.is_file():
            raise ConfigError(f"config file not found: {config_path}")
    else:
        path = find_project_config(cwd)
    table: dict[str, Any] = read_config_file(path) if path else {}
    where = f"{path}" if path else "defaults"
    check_rule_references(table, rules, f"invalid config {where}: ")
    if table:  # nothing configured is valid; jsonschema then never loads (pre-commit path)
        _validate_table(table, where)
    for opt in ("select", "extend_select", "ignore"):
        check_selectors(cli.get(opt) or [], rules, "--" + opt.replace("_", "-"), "")
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

    names = {r.name: c for c, r in rules.items()}
    for key, spec in merged.get("rules", {}).items():
        code = key if key in rules else names[key]  # unknown keys were refused above
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
