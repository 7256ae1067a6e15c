"""The programmatic entry point: paths and options in, one ``Result`` out.

The CLI is a thin layer over ``lint``; tests and other tools call it directly.  Nothing
here prints or exits: errors are ``DataprepError`` subclasses the caller turns into
exit code 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dataprep import config as config_mod
from dataprep.checks import CHECKS, RULES
from dataprep.checks.volume import thresholds
from dataprep.engine import RunOutput, run
from dataprep.errors import ConfigError
from dataprep.result import Result
from dataprep.score import Inputs, compute
from dataprep.sources import discover
from dataprep.stages import effective_train


def load_config(
    *,
    config_path: str | None = None,
    cwd: Path | None = None,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    task: str | None = None,
    format_hint: str | None = None,
    eval_paths: Sequence[str] = (),
    fail_under: float | None = None,
    strict: bool | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> config_mod.Config:
    cli = {
        "select": list(select or []),
        "extend_select": list(extend_select or []),
        "ignore": list(ignore or []),
        "task": task,
        "format_hint": format_hint,
        "eval": list(eval_paths),
        "fail_under": fail_under,
        "strict": strict,
    }
    cfg = config_mod.resolve(RULES, config_path, cli, cwd)
    for code, opts in (options or {}).items():
        rule = RULES.get(code)
        if rule is None:
            raise ConfigError(f"no such rule: {code}")
        for key, value in opts.items():
            if key not in rule.options:
                raise ConfigError(f"rule {code} ({rule.name}) has no option {key!r}")
            config_mod._check_option(code, rule, key, value, "options")
            cfg.options.setdefault(code, {})[key] = value
    return cfg


def lint(
    paths: Sequence[str],
    *,
    config: config_mod.Config | None = None,
    progress: Any = None,
    cache_root: Path | None = None,
    fingerprints: bool = False,
    baseline: str | None = None,
    jobs: int = 1,
    engine: str = "local",
    ray_address: str | None = None,
    shard_bytes: int | None = None,
    **kwargs: Any,
) -> Result:
    """Lint ``paths`` (files, directories, globs, HF folders) and return the result.

    ``cache_root``: reuse (and store) results for unchanged inputs in
    ``cache_root/.dataprep_cache``.  ``fingerprints``: give every record finding the
    content fingerprint of its record (baselines, SARIF and GitLab need them; they cost
    a re-read of files with findings).  ``baseline``: keep only findings not in that
    baseline file (the score still describes all of the data).  ``jobs``, ``engine``,
    ``ray_address`` and ``shard_bytes``: where the map phase runs (``dataprep.shards``);
    the result is the same.
    """
    cfg = config if config is not None else load_config(**kwargs)
    specs = discover(paths, cfg.eval)
    fingerprints = fingerprints or baseline is not None
    result: Result | None = None
    k = None
    if cache_root is not None:
        from dataprep import cache

        k = cache.key(specs, cfg, f"fingerprints={fingerprints}")
        hit = cache.load(cache_root, k) if k else None
        if hit is not None:
            try:
                result = Result.from_dict(hit)
            except (KeyError, TypeError, ValueError):
                result = None  # an entry from another version of the format: recompute
    if result is None:
        out = run(specs, CHECKS, RULES, cfg, progress, jobs=jobs, engine=engine,
                  ray_address=ray_address, shard_bytes=shard_bytes)
        result = build_result(out, cfg)
        if fingerprints:
            from dataprep.fingerprint import add_fingerprints

            result.findings = add_fingerprints(result.findings, specs)
        if cache_root is not None and k:
            from dataprep import cache

            cache.store(cache_root, k, result.to_dict())
    if baseline is not None:
        from dataprep import baseline as baseline_mod

        new, suppressed, stale = baseline_mod.apply(result.findings, baseline_mod.load(baseline))
        result.findings = new
        result.baseline = {"file": baseline, "suppressed": suppressed, "stale": stale}
    return result


def build_result(out: RunOutput, cfg: config_mod.Config) -> Result:
    stages = out.context.stages
    task_stage = stages["task"]
    exact = stages.get("exact")
    options = config_mod.rule_options(cfg, RULES)
    classes = len(task_stage.labels) if task_stage.task == "classification" else 0
    minimum, recommended = thresholds(options, task_stage.task, task_stage.volume, classes)
    files = [f.to_dict() for f in out.files]
    train = [f for f in out.files if f.split == "train"]
    valid_train = sum(f.valid for f in train)
    effective = effective_train(stages)
    near = stages.get("near")
    summary: dict[str, Any] = {
        "records": out.records,
        "valid": out.valid,
        "invalid": out.records - out.valid,
        "train_records": sum(f.records for f in train),
        "eval_records": sum(f.records for f in out.files if f.split == "eval"),
        "effective_examples": effective,
        "exact_duplicates": exact.duplicates_train if exact is not None else None,
        "near_duplicates": near.flagged_train if near is not None and "DP302" in out.enabled else None,
        "thresholds": {"minimum": minimum, "recommended": recommended},
    }
    if task_stage.has_labels():
        summary["labels"] = task_stage.summary()["labels"]
    if "tokens" in out.stage_summary:
        # token distribution and billed training tokens (DP501's stage; see dataprep.tokens)
        summary["tokens"] = out.stage_summary["tokens"]
    if out.distributions:
        # binned, so the result stays small at any size (drawn by the HTML report)
        summary["distributions"] = out.distributions
    # each rule says which score dimension it lowers; the score reads only these
    declared = {c: (r.dimension, r.dimension_weight) for c, r in RULES.items() if r.dimension is not None}
    labelled = sum(task_stage.labels.values()) if task_stage.has_labels() else 0
    inputs = Inputs(
        records=out.records,
        valid=out.valid,
        valid_train=valid_train,
        effective=effective,
        minimum=minimum,
        recommended=recommended,
        has_train=bool(train),
        valid_by_path={f.path: f.valid for f in out.files},
        records_by_path={f.path: f.records for f in out.files},
        dataset_codes=frozenset(c for c, r in RULES.items() if r.scope == "dataset"),
        family_weights=cfg.consistency,
        labelled=labelled,
        label_codes=frozenset(c for c in out.enabled if declared.get(c, ("",))[0] == "labels"),
        eval_paths=frozenset(f.path for f in out.files if f.split == "eval"),
        declared=declared,
        eval_records=sum(f.records for f in out.files if f.split == "eval"),
        eval_codes=frozenset(c for c in out.enabled if declared.get(c, ("",))[0] == "evaluation"),
    )
    names = {code: r.name for code, r in RULES.items()}
    score = compute(inputs, out.findings, cfg.weights, cfg.verdict, names)
    docs = {code: {"name": r.name, "severity": r.severity, "summary": r.summary, "why": r.why}
            for code, r in RULES.items()}
    return Result(out.findings, files, task_stage.task, task_stage.task_source, summary, score, docs)

