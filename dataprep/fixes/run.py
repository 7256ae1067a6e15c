"""The whole ``fix`` run: where outputs go, rounds until the linter is satisfied, writing.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dataprep.fixes.edits import (
    MAX_ROUNDS,
    Item,
    Outcome,
    failure_reject,
    load_items,
    no_input_matcher,
    raw_lines,
)
from dataprep.fixes.rounds import fix_round
from dataprep.model import ParseFailure
from dataprep.rewrite import Change, shared_lines
from dataprep.sources import SourceSpec

# ------------------------------------------------------------------ the whole run


@dataclass(frozen=True)
class Target:
    """One input and where its fixed records go."""

    spec: SourceSpec
    output: str
    #: where ``--in-place`` keeps the original (None: not in place)
    backup: str | None = None


@dataclass
class Report:
    """Everything ``fix`` did or would do, for the summary and the tests."""

    records_in: int
    records_out: int
    counts: Counter[tuple[str, str]]
    unreadable: int
    before: Any
    after: Any
    changes: list[Change]
    written: list[tuple[str, int]]
    rejects_path: str | None
    rejects: int
    notes: list[str]
    rounds: int
    fixes: frozenset[str]
    #: the rejects file of an earlier run, when this one rejected nothing (never deleted)
    stale_rejects: str | None = None
    #: (path, line) pairs several input records share (a one-line JSON array)
    shared: set[tuple[str, int]] = field(default_factory=set)

    @property
    def dropped(self) -> int:
        return sum(n for (_, action), n in self.counts.items() if action == "drop")

    @property
    def rejected(self) -> int:
        return self.counts[("errors", "reject")] + self.unreadable


DATA_ENDINGS = (".jsonl.gz", ".ndjson.gz", ".json.gz", ".jsonl", ".ndjson", ".json", ".parquet", ".gz")


def output_name(spec: SourceSpec) -> str:
    """The base name of a fixed file: the input's, with a JSON Lines ending."""
    base = os.path.basename(os.path.normpath(spec.real_path))
    for end in DATA_ENDINGS:
        if base.lower().endswith(end):
            base = base[: -len(end)]
            break
    if spec.hf_split:
        base = f"{base}-{spec.hf_split}"
    return base + ".jsonl"


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _identical(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                x, y = fa.read(1 << 20), fb.read(1 << 20)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def plan_targets(inputs: Sequence[str], specs: Sequence[SourceSpec], output: str | None,
                 in_place: bool) -> tuple[list[Target], bool]:
    """Where each input's fixed records go; (targets, the output is a directory).

    One input file: ``output`` is a file (or, when it is an existing directory, the file
    of the input's name in it).  Several inputs, a directory or a glob: ``output`` is a
    directory with one file per input.  Inputs are never a target unless ``in_place``.
    """
    from dataprep.errors import UsageError

    if not specs:
        raise UsageError("no input records: the inputs hold no data files")
    if in_place:
        targets = []
        for spec in specs:
            low = spec.real_path.lower()
            if spec.kind != "jsonl" or not low.endswith((".jsonl", ".ndjson")):
                raise UsageError(f"--in-place needs plain .jsonl inputs: {spec.path} is not one "
                                 "(use -o to write a new .jsonl file)")
            backup = spec.real_path + ".bak"
            if os.path.exists(backup) and not _identical(backup, spec.real_path):
                raise UsageError(f"backup {backup} exists and differs from {spec.path}: "
                                 "move it away first (it may be the only copy of an earlier original)")
            targets.append(Target(spec, spec.real_path, backup))
        return targets, False
    assert output is not None
    single = (len(inputs) == 1 and len(specs) == 1 and os.path.isfile(inputs[0])
              and not os.path.isdir(output) and not output.endswith(os.sep))
    if single:
        targets = [Target(specs[0], output)]
    else:
        if os.path.exists(output) and not os.path.isdir(output):
            raise UsageError(f"{output} is a file: with several inputs -o names a directory")
        names: dict[str, str] = {}
        targets = []
        for spec in specs:
            name = output_name(spec)
            if name in names:
                raise UsageError(f"{names[name]} and {spec.path} would both be written to "
                                 f"{os.path.join(output, name)}: fix them in separate runs")
            names[name] = spec.path
            targets.append(Target(spec, os.path.join(output, name)))
    for t in targets:
        for spec in specs:
            if os.path.exists(t.output) and _same_file(t.output, spec.real_path):
                raise UsageError(f"{t.output} is an input: write elsewhere with -o, or use --in-place")
    return targets, not single


def default_rejects(targets: Sequence[Target], output: str | None, to_dir: bool) -> str:
    """Beside the output: ``OUT`` stem + ``.rejects.jsonl``; for an output directory, beside
    the directory (inside it, a later ``lint DIR`` would read the rejects as data)."""
    if output is not None and to_dir:
        return os.path.normpath(output) + ".rejects.jsonl"
    first = targets[0].output
    folder = os.path.dirname(first)
    if len(targets) > 1:
        return os.path.join(folder, "dataprep-fix.rejects.jsonl")
    stem = output_name(SourceSpec(first, first, "jsonl", "train"))[: -len(".jsonl")]
    return os.path.join(folder, stem + ".rejects.jsonl")


def _rows(items: Sequence[Item], lines: Mapping[str, Any]) -> Iterable[Any]:
    for it in items:
        raw = None
        src = lines.get(it.path) if not it.edited else None
        if src is not None:
            raw = src.line(it.offset, it.data)
        yield raw if raw is not None else it.data


def _linted_rows(path: str) -> Iterable[bytes]:
    """The lines of a file ``write_jsonl`` wrote, without their line ends."""
    with open(path, "rb") as fh:
        for raw in fh:
            yield raw[:-1]


def _merge(total: Outcome, step: Outcome) -> None:
    total.rejects.extend(step.rejects)
    total.changes.extend(step.changes)
    for key, n in step.counts.items():
        if key[1] == "kept":  # a record spared is spared again in every round: count it once
            total.counts[key] = max(total.counts[key], n)
        else:
            total.counts[key] += n
    total.notes.extend(step.notes)


def run(inputs: Sequence[str], *, output: str | None, in_place: bool, dry_run: bool,
        fixes: set[str], rejects_path: str | None, cfg: Any) -> Report:
    """Lint, fix, lint the fixed output; write it unless ``dry_run``.

    The fixed records are first written to a temporary folder (same base names) and
    linted there; that lint decides whether another round is needed and gives the
    "after" score.  Only then are the outputs written, each atomically, so a failed run
    leaves no half-fixed file.
    """
    import shutil
    import tempfile

    from dataprep.api import lint
    from dataprep.errors import UsageError
    from dataprep.rewrite import SourceLines, write_jsonl, write_many
    from dataprep.sources import discover

    specs = [s for s in discover(inputs) if s.kind != "registry"]
    targets, to_dir = plan_targets(inputs, specs, output, in_place)
    rejects_file = rejects_path or default_rejects(targets, output, to_dir)
    for t in targets:
        if _same_file(rejects_file, t.output) or _same_file(rejects_file, t.spec.real_path):
            raise UsageError(f"the rejects file {rejects_file} would overwrite {t.output}: "
                             "choose another with --rejects")

    before = lint(inputs, config=cfg)
    slot_paths = [t.spec.path for t in targets]
    slots: list[list[Item]] = []
    failures: list[ParseFailure] = []
    for t in targets:
        items, bad = load_items(t.spec, cfg)
        slots.append(items)
        failures.extend(bad)
    extra: list[Item] = []
    if "DP403" in fixes and any(f.code == "DP403" for f in before.findings):
        for spec in discover(inputs, cfg.eval):
            if spec.path not in slot_paths and spec.kind != "registry":
                extra.extend(load_items(spec, cfg)[0])
    matcher = no_input_matcher(cfg) if "DP506" in fixes else None
    records_in = sum(len(s) for s in slots) + len(failures)

    total = fix_round(slots, slot_paths, before, fixes, cfg, matcher, extra)
    total.rounds = 1
    lines = {t.spec.path: SourceLines(t.spec.real_path) for t in targets if t.spec.kind == "jsonl"}
    tmp = tempfile.mkdtemp(prefix="dataprep-fix-")
    try:
        while True:
            tmp_paths = []
            for n, (t, items) in enumerate(zip(targets, total.kept)):
                p = os.path.join(tmp, str(n), os.path.basename(t.output))
                write_jsonl(p, _rows(items, lines))
                tmp_paths.append(os.path.normpath(p))
            after = lint(tmp_paths, config=cfg)
            if total.rounds >= MAX_ROUNDS:
                break
            for items in total.kept:
                for pos, it in enumerate(items):
                    it.at = pos
            step = fix_round(total.kept, tmp_paths, after, fixes, cfg, matcher, extra)
            if not step.changes:
                break
            total.kept = step.kept
            _merge(total, step)
            total.rounds += 1
        written: list[tuple[str, int]] = []
        rejects = list(total.rejects)
        by_path: dict[str, set[int]] = defaultdict(set)
        for f in failures:
            if f.line is not None:
                by_path[f.path].add(f.line)
        real = {t.spec.path: t.spec.real_path for t in targets}
        texts = {p: raw_lines(real[p], want) for p, want in by_path.items()
                 if p in real and any(t.spec.path == p and t.spec.kind == "jsonl" for t in targets)}
        for f in failures:
            rejects.append(failure_reject(f, texts.get(f.path, {}).get(f.line or -1)))
            total.changes.append(Change(f.path, f.line, f.index if f.index is not None else -1,
                                        "reject", f"unreadable line ({f.kind}: {f.detail})"))
        if not dry_run:
            # all files are written before any is renamed; the rejects file first, so a
            # record taken out of an input replaced in place is never only in a temp file
            outs: list[tuple[str, Iterable[Any], str | None]] = (
                [(rejects_file, rejects, None)] if rejects else [])
            # the outputs are the files just linted: copy their lines, not re-encode
            outs += [(t.output, _linted_rows(p), t.backup) for t, p in zip(targets, tmp_paths)]
            written = list(zip([o[0] for o in outs], write_many(outs)))
            if rejects:
                written = [*written[1:], written[0]]
    finally:
        for src in lines.values():
            src.close()
        shutil.rmtree(tmp, ignore_errors=True)
    changes = sorted(total.changes, key=lambda c: (slot_paths.index(c.path) if c.path in slot_paths
                                                    else len(slot_paths), c.record))
    return Report(records_in, sum(len(k) for k in total.kept), total.counts, len(failures),
                  before, after, changes, written, rejects_file if rejects else None,
                  len(rejects), total.notes, total.rounds, frozenset(fixes),
                  rejects_file if not rejects and os.path.exists(rejects_file) else None,
                  shared_lines((it.path, it.line) for items in slots for it in items))
