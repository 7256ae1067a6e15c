"""The readiness score: dimensions in [0, 1], a weighted overall 0-100, a verdict.

Policy (weights, caps, verdict thresholds) lives in the preset; this module is the
formula.  Each dimension is the share of the data's training signal that survives one
kind of problem, and every one is computed so that adding a problem can only lower it:

- ``volume``: effective examples against the task's thresholds, piecewise linear:
  0 → 0, minimum → 0.5, recommended → 1.  For classification the thresholds scale with
  the number of classes (DP201/DP202 options): a classifier learns each class from its
  own examples.
- ``validity``: records without an error finding / all records read (parse failures
  included).
- ``uniqueness``: effective examples / valid training records (exact and near
  duplicates removed).  Duplicates already shrink the effective count that volume reads;
  beyond that they cost little, so the preset gives this dimension a small weight.
- ``consistency``: share of *valid* records without a warning, each warned record
  weighted by the most specific entry of ``[score.consistency]`` that matches its rule
  (a code such as ``DP506`` before its family ``DP5``); rules matching no entry do not
  count.  Valid records only, so an extra broken record is charged once, to validity.
  An aggregated finding (one per file, ``count`` records) costs the records it covers,
  never more than the file's valid records.
- ``labels``: share of valid labelled training records that no rule declaring
  ``dimension = "labels"`` flagged, each flagged record counting its rule's
  ``dimension_weight`` once.  DP404's flags are cleanlab's estimate of which labels are
  wrong, so ``1 - labels`` is the estimated label-noise rate the verdict reads.
  Present only when the task is classification and the training data has labels.
- ``evaluation``: share of evaluation records that no rule declaring
  ``dimension = "evaluation"`` (leakage) flagged.  Present only with evaluation files.

Cap: below the minimum effective examples, the overall cannot
exceed ``100 x volume`` (under 50, so not-ready): two records cannot score like a usable
set however clean they are.

A dimension that was not measured in this run (its rules were not selected) is left out
and the remaining weights are renormalised; the result names it in ``not_measured`` so
the number is never silently inflated.  Rules are tied to dimensions only by their own
declarations (``Rule.dimension``), never by a list of codes here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dataprep.model import Finding

DIMENSIONS = ("volume", "validity", "uniqueness", "consistency", "labels", "evaluation")


@dataclass
class Inputs:
    """Counts the score is computed from (everything else comes from the findings)."""

    records: int
    valid: int
    valid_train: int
    effective: int | None
    minimum: int
    recommended: int
    has_train: bool
    #: valid labelled training records (0 unless the task is classification with labels)
    labelled: int = 0
    #: rules selected in this run that declare the labels dimension (none: not measured)
    label_codes: frozenset[str] = frozenset()
    #: evaluation files, whose findings the training-data dimensions do not charge
    eval_paths: frozenset[str] = frozenset()
    #: valid records per file, to cap file-level aggregated counts
    valid_by_path: Mapping[str, int] = field(default_factory=dict)
    #: records read per file (per-file scores)
    records_by_path: Mapping[str, int] = field(default_factory=dict)
    #: codes of dataset-scope rules: their errors do not make a record invalid
    dataset_codes: frozenset[str] = frozenset()
    #: weight of a warning in the consistency dimension by code or family (preset
    #: ``[score.consistency]``); rules matching no entry do not count
    family_weights: Mapping[str, float] = field(default_factory=dict)
    #: the rules' declarations: code -> (dimension, weight of one flagged record); None
    #: reads them from the rule registry
    declared: Mapping[str, tuple[str, float]] | None = None
    #: evaluation records read (all evaluation files)
    eval_records: int = 0
    #: rules selected in this run that declare the evaluation dimension
    eval_codes: frozenset[str] = frozenset()

    def declarations(self) -> Mapping[str, tuple[str, float]]:
        if self.declared is None:
            # the registry, imported late: it imports every check
            from dataprep.checks import RULES

            self.declared = {c: (r.dimension, r.dimension_weight) for c, r in RULES.items()
                             if r.dimension is not None}
        return self.declared

    def codes_of(self, dimension: str) -> dict[str, float]:
        return {c: w for c, (d, w) in self.declarations().items() if d == dimension}


@dataclass
class Score:
    overall: float
    dimensions: dict[str, float]
    weights: dict[str, float]
    costs: list[dict[str, Any]]
    not_measured: list[str]
    verdict: str
    reasons: list[str]
    #: record-quality score per file (``file_scores``), when the run read several files
    files: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "overall": self.overall,
            "dimensions": self.dimensions,
            "weights": self.weights,
            "costs": self.costs,
        }
        if self.not_measured:
            out["not_measured"] = self.not_measured
        if self.files:
            out["files"] = self.files
        return out


def volume_value(effective: float, minimum: int, recommended: int) -> float:
    if effective <= 0:
        return 0.0
    if minimum > 0 and effective < minimum:
        return 0.5 * effective / minimum
    if effective >= recommended:
        return 1.0
    span = recommended - minimum
    return 0.5 + 0.5 * (effective - minimum) / span if span > 0 else 1.0


def _count(inp: Inputs) -> int:
    return inp.effective if inp.effective is not None else inp.valid_train


def _volume(inp: Inputs) -> float:
    return volume_value(_count(inp), inp.minimum, inp.recommended)


def _below_minimum(inp: Inputs) -> list[str]:
    """Why the volume caps the score: too few effective examples."""
    count = _count(inp)
    if inp.has_train and count < inp.minimum:
        return [f"{count} effective training examples, below the minimum of {inp.minimum}"]
    return []


def _invalid_records(findings: Iterable[Finding], dataset_codes: frozenset[str]) -> set[tuple[str, int]]:
    """Records an error finding made invalid (dataset-level rules such as leakage report
    on a record but are decided after validity, so they never invalidate it)."""
    return {(f.path, f.record) for f in findings
            if f.severity == "error" and f.record is not None and f.code not in dataset_codes}


def _validity(inp: Inputs, findings: Sequence[Finding]) -> float:
    """Valid share; recomputed from findings so leaving a rule out shows its cost."""
    if inp.records <= 0:
        return 0.0
    return min(inp.valid, inp.records) / inp.records


def _warning_weight(weights: Mapping[str, float], code: str) -> float:
    """The most specific ``[score.consistency]`` entry that matches ``code``."""
    for n in range(len(code), 2, -1):
        if code[:n] in weights:
            return float(weights[code[:n]])
    return 0.0


def _consistency(inp: Inputs, findings: Sequence[Finding]) -> float | None:
    if inp.valid <= 0:
        return None
    invalid = _invalid_records(findings, inp.dataset_codes)
    warned: dict[tuple[str, int], float] = {}
    aggregated: dict[str, float] = defaultdict(float)
    agg_count: dict[str, int] = defaultdict(int)
    for f in findings:
        if f.severity != "warning":
            continue
        w = _warning_weight(inp.family_weights, f.code)
        if w <= 0:
            continue
        if f.record is not None and f.count <= 1:
            key = (f.path, f.record)
            if key not in invalid and w > warned.get(key, 0.0):
                warned[key] = w  # a record counts once, at its heaviest warning
        else:
            aggregated[f.path] += f.count * w
            agg_count[f.path] += f.count
    affected = sum(warned.values())
    for path, wsum in aggregated.items():
        # an aggregated finding covers at most every valid record of its file
        cap = inp.valid_by_path.get(path, inp.valid)
        n = agg_count[path]
        affected += wsum * (min(n, cap) / n if n else 0.0)
    return max(0.0, 1.0 - min(affected, inp.valid) / inp.valid)


def _flagged_share(findings: Sequence[Finding], weights: Mapping[str, float], total: int,
                   keep: Any) -> float:
    """Weighted share of ``total`` records flagged by the rules of ``weights`` (a record
    counts once, at its heaviest rule; an aggregated finding adds its count)."""
    per_record: dict[tuple[str, int], float] = {}
    aggregated = 0.0
    for f in findings:
        w = weights.get(f.code, 0.0)
        if w <= 0 or f.severity == "info" or not keep(f.path):
            continue
        if f.record is not None and f.count <= 1:
            key = (f.path, f.record)
            per_record[key] = max(w, per_record.get(key, 0.0))
        else:
            aggregated += w * max(f.count, 1)
    affected = sum(per_record.values()) + aggregated
    return min(affected, total) / total if total > 0 else 0.0


def _labels(inp: Inputs, findings: Sequence[Finding]) -> float:
    """Share of labelled training records without a label finding (see the module doc)."""
    return 1.0 - _flagged_share(findings, inp.codes_of("labels"), inp.labelled,
                                lambda p: p not in inp.eval_paths)


def _evaluation(inp: Inputs, findings: Sequence[Finding]) -> float:
    """Share of evaluation records that no leakage rule found in the training data."""
    return 1.0 - _flagged_share(findings, inp.codes_of("evaluation"), inp.eval_records,
                                lambda p: p in inp.eval_paths)


def dimensions(inp: Inputs, findings: Sequence[Finding]) -> tuple[dict[str, float], list[str]]:
    dims: dict[str, float] = {}
    missing: list[str] = []
    if inp.has_train:
        dims["volume"] = _volume(inp)
    else:
        missing.append("volume")
    dims["validity"] = _validity(inp, findings)
    if inp.effective is None or inp.valid_train <= 0:
        # not run, or nothing to compare: an absence of records is validity's and volume's loss
        missing.append("uniqueness")
    else:
        dims["uniqueness"] = inp.effective / inp.valid_train
    cons = _consistency(inp, findings)
    dims["consistency"] = 0.0 if cons is None else cons
    if inp.labelled > 0:
        if inp.label_codes:
            dims["labels"] = _labels(inp, findings)
        else:
            missing.append("labels")
    if inp.eval_records > 0 and inp.has_train:
        if inp.eval_codes:
            dims["evaluation"] = _evaluation(inp, findings)
        else:
            missing.append("evaluation")
    return dims, missing


def overall(dims: Mapping[str, float], weights: Mapping[str, float], cap: float = 100.0) -> float:
    total = sum(weights.get(d, 0.0) for d in dims)
    if total <= 0:
        return 0.0
    value = 100.0 * sum(weights.get(d, 0.0) * v for d, v in dims.items()) / total
    return round(min(value, cap), 1)


def _cap(inp: Inputs, dims: Mapping[str, float]) -> float:
    """Too few examples cap the score at ``100 x volume`` (below 50)."""
    return 100.0 * dims["volume"] if "volume" in dims and _below_minimum(inp) else 100.0


def _costs(inp: Inputs, findings: Sequence[Finding], weights: Mapping[str, float],
           dims: Mapping[str, float], rule_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Points each rule costs: the score gained if its findings were not there.

    The overall is recomputed (cap included) with validity, consistency, labels and
    evaluation recomputed without the rule's findings (an error's records counted valid
    again); the volume shortfall and the cap it imposes are charged to the rules
    declaring ``volume`` that reported it, the uniqueness loss to those declaring
    ``uniqueness`` by their counts.  Approximate by nature (costs overlap, and a capped
    score hides the others), but it names the right culprits.
    """
    cap = _cap(inp, dims)
    value = overall(dims, weights, cap)
    declared = inp.declarations()
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_code[f.code].append(f)
    invalid_by_code = {c: _invalid_records(fs, inp.dataset_codes) for c, fs in by_code.items()}
    all_invalid = _invalid_records(findings, inp.dataset_codes)
    out: list[dict[str, Any]] = []
    for code, fs in by_code.items():
        dim = declared.get(code, ("", 0.0))[0]
        without = dict(dims)
        rule_cap = cap
        if dim == "volume" and "volume" in dims and any(f.severity != "info" for f in fs):
            without["volume"], rule_cap = 1.0, 100.0
        own = invalid_by_code[code]
        if own and inp.records:
            # records only this rule made invalid would be valid without it
            freed = len(own - (all_invalid - own))
            without["validity"] = min(inp.valid + freed, inp.records) / inp.records
        rest = [f for f in findings if f.code != code]
        if dim == "labels" and "labels" in dims:
            without["labels"] = _labels(inp, rest)
        if dim == "evaluation" and "evaluation" in dims:
            without["evaluation"] = _evaluation(inp, rest)
        if "consistency" in dims:
            cons = _consistency(inp, rest)
            if cons is not None:
                without["consistency"] = max(cons, dims["consistency"])
        points = overall(without, weights, rule_cap) - value
        if points >= 0.05:
            out.append({"code": code, "name": rule_names.get(code, code), "points": round(points, 1)})
    if "uniqueness" in dims and dims["uniqueness"] < 1.0:
        pts = overall({**dims, "uniqueness": 1.0}, weights, cap) - value
        # the duplicate rules that reported the loss share it by their counts; without
        # them (not selected) it is charged to "duplicates" in general
        dup_codes = {c: len(fs) for c, fs in by_code.items() if declared.get(c, ("", 0.0))[0] == "uniqueness"}
        total = sum(dup_codes.values())
        if total:
            for c, n in dup_codes.items():
                share = round(pts * n / total, 1)
                entry = next((e for e in out if e["code"] == c), None)
                if entry is None:
                    out.append({"code": c, "name": rule_names.get(c, c), "points": share})
                else:
                    entry["points"] = round(entry["points"] + share, 1)
        elif pts >= 0.05:
            out.append({"code": None, "name": "duplicates", "points": round(pts, 1)})
    out.sort(key=lambda c: (-c["points"], c["code"] or ""))
    return out


def verdict(inp: Inputs, score: float, policy: Mapping[str, float],
            dims: Mapping[str, float] | None = None) -> tuple[str, list[str]]:
    """``ready`` | ``needs-work`` | ``not-ready`` with the reasons that decided it."""
    dims = dims or {}
    ready_at = float(policy.get("ready_at", 80.0))
    not_ready_below = float(policy.get("not_ready_below", 50.0))
    ready_max_invalid = float(policy.get("ready_max_invalid_share", 0.01))
    max_invalid = float(policy.get("max_invalid_share", 0.05))
    ready_max_noise = float(policy.get("ready_max_label_noise", 0.10))
    max_noise = float(policy.get("max_label_noise", 0.30))
    ready_max_leak = float(policy.get("ready_max_eval_leakage", 0.05))
    ready_max_defects = float(policy.get("ready_max_defect_share", 0.10))
    invalid_share = (inp.records - inp.valid) / inp.records if inp.records else 1.0
    noise = round(1.0 - dims["labels"], 4) if "labels" in dims else 0.0
    leaked = round(1.0 - dims["evaluation"], 4) if "evaluation" in dims else 0.0
    defects = round(1.0 - dims["consistency"], 4) if "consistency" in dims and inp.valid else 0.0
    count = _count(inp)
    blockers: list[str] = []
    if inp.records == 0:
        blockers.append("no records were read")
    blockers += _below_minimum(inp)
    if inp.records and invalid_share > max_invalid:
        blockers.append(f"{invalid_share:.1%} of records are invalid (more than {max_invalid:.0%})")
    if noise > max_noise:
        blockers.append(f"an estimated {noise:.0%} of labels are wrong (more than {max_noise:.0%})")
    if score < not_ready_below:
        blockers.append(f"score {score:g} is below {not_ready_below:g}")
    if blockers:
        return "not-ready", blockers
    held: list[str] = []
    if score < ready_at:
        held.append(f"score {score:g} is below {ready_at:g} needed for ready")
    if invalid_share > ready_max_invalid:
        held.append(f"{invalid_share:.1%} of records are invalid (ready allows {ready_max_invalid:.0%})")
    if noise > ready_max_noise:
        held.append(f"an estimated {noise:.0%} of labels are wrong (ready allows {ready_max_noise:.0%})")
    if defects > ready_max_defects:
        held.append(f"{defects:.0%} of valid records carry a warning that costs their example "
                    f"(consistency; ready allows {ready_max_defects:.0%})")
    if leaked > ready_max_leak:
        held.append(f"{leaked:.0%} of the evaluation records also appear in the training data "
                    f"(ready allows {ready_max_leak:.0%})")
    if inp.has_train and count < inp.recommended:
        held.append(f"{count} effective training examples, below the recommended {inp.recommended}")
    if not inp.has_train:
        held.append("no training file: only evaluation data was given")
    if held:
        return "needs-work", held
    reasons = [f"score {score:g} ≥ {ready_at:g}, enough effective examples, invalid share {invalid_share:.1%}"]
    # what ready tolerates is still said: a "ready" beside error findings must say why
    if inp.records > inp.valid:
        n = inp.records - inp.valid
        reasons.append(f"but {n} invalid record{'s' if n != 1 else ''} will not be trained on "
                       f"(within the {ready_max_invalid:.0%} ready allows); fix or drop them")
    if leaked > 0:
        n = round(leaked * inp.eval_records)
        what = f"{n} evaluation records ({leaked:.1%})" if n else f"{leaked:.1%} of evaluation records"
        reasons.append(f"but {what} also appear in the training data (within the "
                       f"{ready_max_leak:.0%} ready allows): evaluation scores on them are inflated; "
                       "remove them from the evaluation split")
    return "ready", reasons


def file_scores(inp: Inputs, findings: Sequence[Finding],
                weights: Mapping[str, float]) -> dict[str, float]:
    """A record-quality score (0-100) for each file: which file of a directory drags the
    dataset down.

    Only the dimensions a file owns on its own are scored, from the file's records and
    findings: validity, consistency, uniqueness (its records flagged as copies) and, for
    training files of a labelled task, labels.  Volume and evaluation leakage are
    properties of the whole dataset, so they are left out and the weights renormalised;
    a file's score is therefore not comparable to the overall one.
    """
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_path[f.path].append(f)
    uniqueness = inp.codes_of("uniqueness")
    labels = inp.codes_of("labels") if inp.labelled > 0 and inp.label_codes else {}
    out: dict[str, float] = {}
    for path, records in inp.records_by_path.items():
        if records <= 0:
            continue
        valid = min(inp.valid_by_path.get(path, 0), records)
        mine = by_path.get(path, [])
        dims = {"validity": valid / records}
        if valid:
            sub = replace(inp, records=records, valid=valid, valid_by_path={path: valid})
            dims["consistency"] = _consistency(sub, mine) or 0.0
            if inp.effective is not None:
                dims["uniqueness"] = 1.0 - _flagged_share(mine, uniqueness, valid, lambda p: True)
            if labels and path not in inp.eval_paths:
                dims["labels"] = 1.0 - _flagged_share(mine, labels, valid, lambda p: True)
        out[path] = overall(dims, weights)
    return out


def compute(inp: Inputs, findings: Sequence[Finding], weights: Mapping[str, float],
            policy: Mapping[str, float], rule_names: Mapping[str, str]) -> Score:
    dims, missing = dimensions(inp, findings)
    w = {d: float(weights.get(d, 0.0)) for d in dims}
    value = overall(dims, w, _cap(inp, dims))
    verdict_name, reasons = verdict(inp, value, policy, dims)
    costs = _costs(inp, findings, w, dims, rule_names)
    files = file_scores(inp, findings, weights) if len(inp.records_by_path) > 1 else {}
    return Score(value, {d: round(v, 4) for d, v in dims.items()}, w, costs, missing,
                 verdict_name, reasons, files)
