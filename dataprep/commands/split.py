"""``dataprep split``: a train and an eval file with no copy across them.

The command reads, groups (``dataprep.splitting``), assigns and writes; it prints what
it did so that a user can check the split before training on it.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

import click

from dataprep.errors import UsageError
from dataprep.rewrite import (
    Change,
    Read,
    format_changes,
    place,
    read_records,
    shared_lines,
    write_many,
)

#: the output names: ``dataprep.sources.split_role`` reads them as a train and an eval split
TRAIN_NAME = "train.jsonl"
EVAL_NAME = "eval.jsonl"
#: places of left-out records named in the summary
SHOW_PLACES = 5
#: labels listed in the summary (those furthest from their share); the rest summed up
SHOW_STRATA = 12


def _outputs(out_dir: str, read: Read, force: bool) -> tuple[str, str]:
    """The two output paths; refuse to replace an input, or an existing file without --force."""
    train, ev = os.path.join(out_dir, TRAIN_NAME), os.path.join(out_dir, EVAL_NAME)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(f"-o {out_dir} is a file; give a directory for {TRAIN_NAME} and {EVAL_NAME}")
    inputs = {os.path.realpath(s.real_path) for s in read.specs}
    for p in (train, ev):
        if os.path.realpath(p) in inputs:
            raise UsageError(f"{p} is an input file; write the split to another directory")
        if os.path.exists(p) and not force:
            raise UsageError(f"{p} already exists (use --force to replace it)")
    return train, ev


def _label_text(key: Hashable) -> str:
    if isinstance(key, bool):
        return "desirable" if key else "undesirable"
    return "(no label)" if key is None else str(key)


def _summary(read: Read, usable: list[int], groups: list[list[int]], in_eval: set[int],
             strata: list[Hashable], kind: str, fraction: float, seed: int,
             targets: tuple[str, str] | None, seconds: float) -> list[str]:
    """The lines printed after a split (or a dry run): counts, clusters, strata."""
    from dataprep.splitting import eval_target

    n = len(usable)
    n_eval = len(in_eval)
    lines: list[str] = []
    files = sum(1 for s in read.specs if s.kind != "registry")
    left_out = len(read.records) - n + len(read.failures)
    lines.append(f"Read {len(read.records) + len(read.failures)} record(s) from {files} file(s); "
                 f"{n} split")
    if left_out:
        kept = set(usable)
        unknown = [read.records[i] for i in range(len(read.records)) if i not in kept]
        places = [place(f.path, f.line, f.index) for f in read.failures]
        places += [place(r.path, r.line, r.index) for r in unknown]
        more = f" (+{len(places) - SHOW_PLACES} more)" if len(places) > SHOW_PLACES else ""
        lines.append(f"  left out: {len(read.failures)} unreadable, {len(unknown)} of no known layout "
                     f"(see dataprep lint DP0xx/DP101): {', '.join(places[:SHOW_PLACES])}{more}")
    multi = [g for g in groups if len(g) > 1]
    if multi:
        big = max(multi, key=len)
        first = read.records[big[0]]
        lines.append(f"Copies kept on one side: {len(multi)} cluster(s) of exact or near copies "
                     f"({sum(len(g) for g in multi)} records); largest {len(big)} records, first at "
                     f"{place(first.path, first.line, first.index)}")
    else:
        lines.append("Copies kept on one side: none (no exact or near copies)")
    target = eval_target(n, fraction)
    how = {"label": "stratified by label", "desirable": "stratified by KTO desirable flag",
           "none": "not stratified"}[kind]
    train_to, eval_to = targets if targets else ("(dry run: not written)", "(dry run: not written)")
    lines.append(f"Split (seed {seed}, {how}):")
    lines.append(f"  train  {n - n_eval:>8} records  {train_to}")
    lines.append(f"  eval   {n_eval:>8} records  {eval_to}")
    share = n_eval / n if n else 0.0
    lines.append(f"  eval fraction {share:.4f} (requested {fraction:g}: {target} records; "
                 f"off by {n_eval - target:+d})")
    if kind != "none":
        total = Counter(strata[i] for i in usable)
        ev = Counter(strata[i] for i in in_eval)
        head = "label" if kind == "label" else "KTO flag"
        width = max(min(max(len(_label_text(k)) for k in total), 40), len(head))
        lines.append(f"  {head:<{width}}  {'train':>7}  {'eval':>6}  eval share")
        # the strata furthest from their share first; a long tail is summed up
        ranked = sorted(total.items(), key=lambda kv: (-abs(ev[kv[0]] - fraction * kv[1]),
                                                       -kv[1], _label_text(kv[0])))
        for k, c in ranked[:SHOW_STRATA]:
            name = _label_text(k)[:width]
            lines.append(f"  {name:<{width}}  {c - ev[k]:>7}  {ev[k]:>6}  {ev[k] / c:.3f}")
        rest = ranked[SHOW_STRATA:]
        if rest:
            off = max(abs(ev[k] - fraction * c) for k, c in rest)
            lines.append(f"  ... {len(rest)} more, each within {off:.1f} record"
                         f"{'s' if off != 1 else ''} of its share")
    lines.append(f"Done in {seconds:.1f} s")
    return lines


def _changes(read: Read, groups: list[list[int]], in_eval: set[int], strata: list[Hashable],
             kind: str) -> list[Change]:
    """One ``eval`` change per record sent to eval, in input order (the rest is train)."""
    size_of: dict[int, list[int]] = {i: g for g in groups for i in g}
    out: list[Change] = []
    for i in sorted(in_eval):
        rec = read.records[i]
        parts = []
        if kind == "label":
            parts.append(f"label {_label_text(strata[i])}")
        elif kind == "desirable":
            parts.append("desirable" if strata[i] else "undesirable")
        g = size_of[i]
        if len(g) > 1:
            head = read.records[g[0]]
            parts.append(f"cluster of {len(g)} with {place(head.path, head.line, head.index)}"
                         if g[0] != i else f"cluster of {len(g)}")
        out.append(Change(rec.path, rec.line, rec.index, "eval", "; ".join(parts) or "sampled"))
    return out


def run_split(paths: Sequence[str], *, fraction: float, out_dir: str | None, seed: int,
              stratify: bool, dry_run: bool, force: bool, config_path: str | None,
              task: str | None, group_prompts: bool = False, echo: Any = click.echo) -> dict[str, Any]:
    """Split ``paths``; print the summary (and, on a dry run, the eval records).

    Returns the counts the summary shows (for tests and callers).  Raises ``UsageError``
    for anything the user must change; nothing is written on an error or a dry run.
    """
    from dataprep.api import load_config
    from dataprep.records import UNKNOWN
    from dataprep.splitting import (
        assign,
        canonical_views,
        check_fraction,
        clusters,
        eval_target,
        strata_of,
    )

    started = time.monotonic()
    check_fraction(fraction)
    if not paths:
        raise UsageError("no input given: dataprep split IN... --eval-fraction F -o DIR")
    if out_dir is None and not dry_run:
        raise UsageError("-o DIR is required (where train.jsonl and eval.jsonl go)")
    cfg = load_config(config_path=config_path, task=task)
    read = read_records(paths)
    targets = _outputs(out_dir, read, force) if out_dir is not None else None
    grouping = clusters(read, cfg, prompts=group_prompts)
    canon = canonical_views(read, cfg)
    usable = [i for i, (fmt, _) in enumerate(canon) if fmt != UNKNOWN]
    keep = set(usable)
    groups = [g for g in grouping.clusters if g[0] in keep]
    n = len(usable)
    target = eval_target(n, fraction)
    if target < 1 or target > n - 1:
        raise UsageError(f"--eval-fraction {fraction:g} of {n} usable record(s) leaves "
                         f"{'no eval' if target < 1 else 'no train'} record; give more data or "
                         "another fraction")
    strata, kind = strata_of(canon, grouping.task)
    if not stratify:
        strata, kind = [None] * len(strata), "none"
    in_eval = assign(groups, strata, fraction, seed)
    if not in_eval or len(in_eval) == n:
        big = max(len(g) for g in groups)
        raise UsageError(f"cannot split: {n} records form {len(groups)} cluster(s) of copies, the "
                         f"largest of {big}; no split at {fraction:g} keeps every cluster on one side")
    if dry_run or targets is None:
        shared = shared_lines((r.path, r.line) for r in read.records)
        for line in format_changes(_changes(read, groups, in_eval, strata, kind), shared):
            echo(line)
    else:
        train_path, eval_path = targets
        ordered = sorted(usable)
        # both written before either is renamed: a failure never leaves a new eval file
        # beside an old train file
        write_many([(eval_path, (read.records[i].data for i in ordered if i in in_eval), None),
                    (train_path, (read.records[i].data for i in ordered if i not in in_eval), None)])
    shown = (f"-> {targets[0]}", f"-> {targets[1]}") if targets and not dry_run else None
    for line in _summary(read, usable, groups, in_eval, strata, kind, fraction, seed,
                         shown, time.monotonic() - started):
        echo(line)
    multi = [g for g in groups if len(g) > 1]
    return {"records": n, "train": n - len(in_eval), "eval": len(in_eval), "target": target,
            "clusters": len(multi), "largest": max((len(g) for g in groups), default=0),
            "left_out": len(read.records) - n + len(read.failures), "strata": kind}


@click.command("split")
@click.argument("paths", nargs=-1, metavar="IN...")
@click.option("--eval-fraction", "fraction", type=float, default=0.1, show_default=True,
              help="Share of the records that go to eval, between 0 and 1 (exclusive).")
@click.option("-o", "--output", "out_dir", default=None, metavar="DIR",
              help="Directory for train.jsonl and eval.jsonl (created if missing; required unless --dry-run).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random choice: the same input and seed give the same files.")
@click.option("--stratify/--no-stratify", default=True, show_default=True,
              help="Keep each label's share (classification) or the KTO desirable share on both sides.")
@click.option("--force", is_flag=True, default=False, help="Replace existing train.jsonl/eval.jsonl in DIR.")
@click.option("--dry-run", is_flag=True, default=False,
              help="Print the records that would go to eval and the summary; write nothing.")
@click.option("--config", "config_path", default=None,
              help="Config file (default: nearest project config); its DP302 options decide near copies.")
@click.option("--task", type=click.Choice(("auto", "classification", "generative")), default=None,
              help="Task (default: inferred); classification stratifies by label.")
@click.option("--group-prompts", is_flag=True, default=False,
              help="Also keep records with the same or a near-same prompt (as DP303 finds them) on one "
                   "side, whatever their replies: no eval prompt was seen in training.")
def command(paths: tuple[str, ...], fraction: float, out_dir: str | None, seed: int, stratify: bool,
            force: bool, dry_run: bool, config_path: str | None, task: str | None,
            group_prompts: bool) -> None:
    """Split IN... into DIR/train.jsonl and DIR/eval.jsonl with no copy across them.

    Exact and near copies, as the linter finds them for DP301/DP302 (all inputs read
    as one training set, so copies between a train and a test file count too), form
    clusters, and each cluster goes wholly to one side: the output lints with no DP304
    (eval leakage) under the same config.  The eval side gets the requested share of
    the records, off by at most half a cluster when a cluster cannot be divided.

    Classification data is stratified: each label's eval count is within one record of
    its share (unless clusters prevent it).  KTO data keeps its desirable share.

    DP304 does not compare prompts alone: two records asking the same question with
    different answers may land on both sides.  --group-prompts keeps them together too.

    Records are written as read (same keys in the same order), one JSON object a line,
    each side in input order.  Lines that cannot be parsed and records of no known
    layout are left out and named in the summary.  Existing outputs are replaced only
    with --force; an input file is never written.

    \b
    Example:
      dataprep split data.jsonl --eval-fraction 0.1 -o splits/ --seed 7
      dataprep lint splits/train.jsonl splits/eval.jsonl
    """
    run_split(paths, fraction=fraction, out_dir=out_dir, seed=seed, stratify=stratify,
              dry_run=dry_run, force=force, config_path=config_path, task=task,
              group_prompts=group_prompts)
