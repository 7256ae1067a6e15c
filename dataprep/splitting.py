"""A leak-free train/eval split: copies stay together, labels keep their shares.

The promise is the linter's own: the two files ``split`` writes lint with no DP304
(eval leakage).  So the copies are found by the same code that reports DP304, not by a
second deduplicator.  DP304 is the exact stage's normalised identity hashes plus the
near stage's verified MinHash edges (the ``full`` view, both sides of a prompt/reply
pair near-equal) between a training and an evaluation record: the very hashes and
edges DP301 and DP302 read, only across splits instead of within one.  ``clusters``
therefore runs the engine with DP301 and DP302 on every input read as training data
(a file named ``test.jsonl`` would otherwise be an eval split, whose copies of training
records only DP304 names, and only its earliest partner) and unites every exact repeat
with its first copy and every verified near edge (union-find).  Each connected
component then goes wholly to one side, so no edge can cross the split.

Reading the stage results rather than the findings' ``related`` pointers sees every
edge (a finding names one or two partners) and is not narrowed by a config's
per-file ignores.  Why the output cannot lint with DP304: the stages compare pairs of
texts, and what one pair gives does not depend on the other records; each side keeps
its input order, so an exact repeat's first copy is the same record as before.  The
split uses the run's DP302 options (threshold, seed, ...): lint the output with the
same config.

``assign`` decides the sides: per stratum (label, KTO flag, or one for all) integer
targets that sum to the requested eval count (largest remainders); groups, the largest
first and then in a seeded random order, go to eval when they fit under their strata's
targets, then in a second pass when they still bring the strata closer; a last pass
moves whole groups to bring the total to the target.  Same records and seed: same split.

Only the duplicate rules run, so no record check marks a record invalid: records a full
lint would call invalid (an empty reply, a secret) are compared too, and their copies
kept together, which is wider than DP304 and never narrower.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from dataprep import records as layouts
from dataprep.config import Config
from dataprep.errors import UsageError
from dataprep.rewrite import Read

if TYPE_CHECKING:
    from dataprep.dedup.stage import NearDuplicates
    from dataprep.stages import ExactHashes, TaskProfile

K = TypeVar("K", bound=Hashable)

#: the rules whose stages find the copies DP304 reports
CLUSTER_RULES = ("DP301", "DP302")
#: the rule whose stage view compares prompts alone (``--group-prompts``)
PROMPT_RULES = ("DP303",)


@dataclass(frozen=True, slots=True)
class Grouping:
    """What the linter's duplicate stages said about the records (positions in ``records``)."""

    #: connected components of exact repeats and verified near edges, each sorted;
    #: every usable record is in exactly one (most alone)
    clusters: list[list[int]]
    #: "classification" or "generative", as the linter inferred or was told
    task: str


def canonical_views(read: Read, cfg: Config) -> list[tuple[str, dict[str, Any]]]:
    """Per record, its layout (``records.UNKNOWN`` when none matched) and its keys
    renamed as the linter reads it.

    A shallow copy is renamed, so the record written out keeps the file's own keys.
    """
    spec_fields = {s.path: s.fields for s in read.specs}
    spec_layout = {s.path: s.layout for s in read.specs}
    out: list[tuple[str, dict[str, Any]]] = []
    for rec in read.records:
        fields = spec_fields.get(rec.path, ())
        mapping = {**cfg.fields, **dict(fields)} if fields else cfg.fields
        d = rec.data
        if mapping:
            d = dict(d)
            layouts.apply_mapping(d, mapping)
        out.append((spec_layout.get(rec.path) or cfg.format_hint or layouts.detect(d), d))
    return out


def clusters(read: Read, cfg: Config, *, prompts: bool = False) -> Grouping:
    """Group ``read.records`` into the clusters DP304 would keep apart across a split.

    ``cfg`` is the user's configuration (DP302 options, field mappings, layout hint,
    task); its rule selection, ignores and eval paths are replaced so that exactly the
    duplicate stages run and every file counts as training data.  With ``prompts``,
    records whose prompts are equal or near-equal (what DP303 groups, whatever the
    replies) are united too: wider than DP304, for evaluations that must not have seen
    a prompt at all.
    """
    from dataprep.checks import CHECKS, RULES
    from dataprep.dedup.stage import union_find
    from dataprep.engine import run

    rules = [*CLUSTER_RULES, *(PROMPT_RULES if prompts else ())]
    run_cfg = dataclasses.replace(cfg, select=rules, ignore=[], per_file_ignores=[],
                                  eval=[], severity={})
    specs = [dataclasses.replace(s, split="train") for s in read.specs]
    out = run(specs, CHECKS, RULES, run_cfg)
    stages = out.context.stages
    pos: dict[tuple[str, int | None], int] = {
        (r.path, r.index): i for i, r in enumerate(read.records)}
    edges: list[tuple[int, int]] = []

    def unite(a: tuple[str, int | None], b: tuple[str, int | None]) -> None:
        x, y = pos.get(a), pos.get(b)
        if x is not None and y is not None:
            edges.append((x, y))

    exact = cast("ExactHashes | None", stages.get("exact"))
    for path, _line, index, first in (exact.repeats if exact is not None else ()):
        unite((path, index), (first.path, first.record))
    near = cast("NearDuplicates | None", stages.get("near"))
    if near is not None:
        pairs = [(e.a, e.b) for e in near.result.full]
        if prompts:
            pairs += [(e.a, e.b) for e in near.result.prompt] + list(near.prompt_repeats)
        for ra, rb in pairs:
            pa, _la, ia = near.where(ra)
            pb, _lb, ib = near.where(rb)
            unite((pa, ia), (pb, ib))
    roots = union_find(len(read.records), edges)
    groups: dict[int, list[int]] = {}
    for i in range(len(read.records)):
        groups.setdefault(roots.get(i, i), []).append(i)
    ordered = sorted(groups.values(), key=lambda g: g[0])
    return Grouping(ordered, cast("TaskProfile", stages["task"]).task)


def strata_of(canon: Sequence[tuple[str, dict[str, Any]]], task: str) -> tuple[list[Hashable], str]:
    """Each record's stratum and what the strata are ("label", "desirable" or "none").

    Classification: the label (the output, trimmed when the layout is not a labelled
    one, as the linter's task profile reads it; None when missing).  Unpaired
    preference (KTO): the desirable flag, so both kinds keep their shares.  Otherwise
    one stratum for all.  ``canon`` is ``canonical_views`` of the records.
    """
    if task == "classification":
        out: list[Hashable] = []
        for fmt, d in canon:
            label = layouts.output(fmt, d) if fmt != layouts.UNKNOWN else None
            if label is not None and layouts.get(fmt).task != "classification":
                label = label.strip()
            out.append(label)
        return out, "label"
    flags = [layouts.desirable(fmt, d) if fmt != layouts.UNKNOWN else None for fmt, d in canon]
    if any(f is not None for f in flags):
        return list(flags), "desirable"
    return [None] * len(canon), "none"


def eval_target(n: int, fraction: float) -> int:
    """The eval record count for ``fraction`` of ``n``: nearest integer, halves up."""
    return math.floor(n * fraction + 0.5)


def stratum_targets(counts: Mapping[K, int], total: int, fraction: float,
                    order: Sequence[K]) -> dict[K, int]:
    """Integer eval targets per stratum that sum to ``total`` (largest remainder).

    Each stratum gets ``floor(count * fraction)`` and the rest go, one each, to the
    strata with the largest remainders (``order`` breaks ties), so every stratum's
    target is within one record of its exact share.
    """
    rank = {k: i for i, k in enumerate(order)}
    got = {k: math.floor(c * fraction) for k, c in counts.items()}
    left = total - sum(got.values())
    by_rest = sorted(counts, key=lambda k: (-(counts[k] * fraction - got[k]), rank[k]))
    for k in by_rest:
        if left <= 0:
            break
        if got[k] < counts[k]:
            got[k] += 1
            left -= 1
    return got


def _cost(have: Counter[Hashable], target: dict[Hashable, int], add: Counter[Hashable], sign: int) -> int:
    """How much moving a cluster's strata in (``sign`` 1) or out (-1) of eval changes the
    total distance of the strata from their targets (negative: closer)."""
    delta = 0
    for k, c in add.items():
        now = have[k] - target[k]
        delta += abs(now + sign * c) - abs(now)
    return delta


def assign(groups: Sequence[Sequence[int]], strata: Sequence[Hashable], fraction: float,
           seed: int) -> set[int]:
    """The positions that go to eval: whole groups, strata near their shares, total near target.

    Groups are taken largest first (a big one can only go where there is room for it),
    then in a seeded random order; a group goes to eval when it fits under its strata's
    targets, and in a second pass when it still lowers their distance from the targets.  Then, while the eval total is off its target, the
    group whose move brings the total closer and disturbs the strata least moves.  The
    total ends within half the size of the smallest group that could have moved, so
    within one group's size of the target.
    """
    n = sum(len(g) for g in groups)
    total = eval_target(n, fraction)
    rng = random.Random(seed)
    rank = list(range(len(groups)))
    rng.shuffle(rank)
    first_seen: dict[Hashable, None] = {}
    for g in groups:
        for i in g:
            first_seen.setdefault(strata[i], None)
    counts = Counter(strata[i] for g in groups for i in g)
    target = stratum_targets(dict(counts), total, fraction, list(first_seen))
    comp = [Counter(strata[i] for i in g) for g in groups]
    order = sorted(range(len(groups)), key=lambda k: (-len(groups[k]), rank[k]))
    have: Counter[Hashable] = Counter()
    in_eval = [False] * len(groups)
    size = 0
    # first only groups that fit every stratum they touch, then those that still help:
    # a group that overshoots one stratum cannot be undone by the singletons after it
    for fits in (True, False):
        for k in order:
            if in_eval[k]:
                continue
            if fits and any(have[s] + c > target[s] for s, c in comp[k].items()):
                continue
            if _cost(have, target, comp[k], 1) < 0:
                in_eval[k] = True
                have.update(comp[k])
                size += len(groups[k])
    while size != total:
        need = total - size
        best: tuple[int, int, int] | None = None
        for k in range(len(groups)):
            if in_eval[k] == (need > 0):
                continue
            s = len(groups[k])
            if s >= 2 * abs(need):
                continue  # moving it would not bring the total closer
            key = (_cost(have, target, comp[k], 1 if need > 0 else -1), rank[k], k)
            if best is None or key < best:
                best = key
        if best is None:
            break
        k = best[2]
        if need > 0:
            in_eval[k] = True
            have.update(comp[k])
            size += len(groups[k])
        else:
            in_eval[k] = False
            have.subtract(comp[k])
            size -= len(groups[k])
    return {i for k, g in enumerate(groups) if in_eval[k] for i in g}


def check_fraction(fraction: float) -> None:
    """Refuse an eval fraction outside (0, 1) (or not a number) with one clear line."""
    if not (0.0 < fraction < 1.0):
        raise UsageError(f"--eval-fraction must be between 0 and 1 (exclusive), got {fraction:g}")
