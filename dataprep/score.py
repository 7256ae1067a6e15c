"""The readiness score: five dimensions in [0, 1], a weighted overall 0-100, a verdict.

Policy (weights, verdict thresholds) lives in the preset; this module is the formula.
Every dimension is computed so that adding a problem can only lower it:

- ``volume``: effective examples against the task's thresholds, piecewise linear:
  0 → 0, minimum → 0.5, recommended → 1.
- ``validity``: records without an error finding / all records read (parse failures
  included).
- ``uniqueness``: effective examples / valid training records (exact and near
  duplicates removed).
- ``consistency``: share of *valid* records without a warning from the structure,
  hygiene and pattern families (DP1, DP5, DP6), each warned record weighted by its
  family's weight from the preset (``[score.consistency]``).  Valid records only, so an extra broken record is
  charged once, to validity, and can never improve consistency by diluting it.
- ``labels``: share of valid labelled training records no label rule flagged:
  ``1 - flagged / labelled``.  A record flagged by DP401, DP402 or DP404 counts once
  (weight 1); the records of a DP403 label variant count half each (a misspelt class is
  fixable by a rename, a wrong label needs a human), so an aggregated DP403 finding adds
  ``0.5 * count``.  Info findings (a skipped class, a non-label set) do not count, nor do
  findings on evaluation files.  Present only when the task is classification and the
  training data has labels; named in ``not_measured`` when no label rule was selected.

A dimension that was not measured in this run (its stage did not run because its rules
were not selected) is left out and the remaining weights are renormalised; the result
names it in ``not_measured`` so the number is never silently inflated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dataprep.model import Finding

DEFAULT_FAMILY_WEIGHTS = {"DP1": 1.0, "DP5": 0.5, "DP6": 1.0}
#: rules whose findings are the uniqueness dimension's loss
DUPLICATE_CODES = ("DP301", "DP302")
DIMENSIONS = ("volume", "validity", "uniqueness", "consistency", "labels")
#: label rules whose warnings and errors are the labels dimension's loss, with the
#: weight of one flagged record
LABEL_WEIGHTS: Mapping[str, float] = {"DP401": 1.0, "DP402": 1.0, "DP404": 1.0, "DP403": 0.5}


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
    #: label rules selected in this run (none: the labels dimension was not measured)
    label_codes: frozenset[str] = frozenset()
    #: evaluation files, whose findings the training-data dimensions do not charge
    eval_paths: frozenset[str] = frozenset()
    #: valid records per file, to cap file-level aggregated counts
    valid_by_path: Mapping[str, int] = field(default_factory=dict)
    #: codes of dataset-scope rules: their errors do not make a record invalid
    dataset_codes: frozenset[str] = frozenset()
    #: weight of a warning of each family in the consistency dimension (preset
    #: ``[score.consistency]``); families not listed do not count
    family_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FAMILY_WEIGHTS))


@dataclass
class Score:
    overall: float
    dimensions: dict[str, float]
    weights: dict[str, float]
    costs: list[dict[str, Any]]
    not_measured: list[str]
    verdict: str
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "overall": self.overall,
            "dimensions": self.dimensions,
            "weights": self.weights,
            "costs": self.costs,
        }
        if self.not_measured:
            out["not_measured"] = self.not_measured
        return out


def volume_value(effective: int, minimum: int, recommended: int) -> float:
    if effective <= 0:
        return 0.0
    if minimum > 0 and effective < minimum:
        return 0.5 * effective / minimum
    if effective >= recommended:
        return 1.0
    span = recommended - minimum
    return 0.5 + 0.5 * (effective - minimum) / span if span > 0 else 1.0


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


def _consistency(inp: Inputs, findings: Sequence[Finding]) -> float | None:
    if inp.valid <= 0:
        return None
    invalid = _invalid_records(findings, inp.dataset_codes)
    weights = inp.family_weights
    warned: dict[tuple[str, int], float] = {}
    aggregated: dict[str, float] = defaultdict(float)
    agg_count: dict[str, int] = defaultdict(int)
    for f in findings:
        if f.severity != "warning":
            continue
        w = weights.get(f.code[:3], 0.0)
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
        cap = inp.valid_by_path.get(path, inp.valid)
        n = agg_count[path]
        affected += wsum * (min(n, cap) / n if n else 0.0)
    return max(0.0, 1.0 - min(affected, inp.valid) / inp.valid)


def _labels(inp: Inputs, findings: Sequence[Finding]) -> float:
    """Share of labelled training records without a label finding (see the module doc)."""
    per_record: dict[tuple[str, int], float] = {}
    aggregated = 0.0
    for f in findings:
        w = LABEL_WEIGHTS.get(f.code, 0.0)
        if w <= 0 or f.severity == "info" or f.path in inp.eval_paths:
            continue
        if f.record is not None and f.count <= 1:
            key = (f.path, f.record)
            per_record[key] = max(w, per_record.get(key, 0.0))
        else:
            aggregated += w * max(f.count, 1)
    affected = sum(per_record.values()) + aggregated
    return max(0.0, 1.0 - min(affected, inp.labelled) / inp.labelled)


def dimensions(inp: Inputs, findings: Sequence[Finding]) -> tuple[dict[str, float], list[str]]:
    dims: dict[str, float] = {}
    missing: list[str] = []
    base = inp.effective if inp.effective is not None else inp.valid_train
    if inp.has_train:
        dims["volume"] = volume_value(base, inp.minimum, inp.recommended)
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
    return dims, missing


def overall(dims: Mapping[str, float], weights: Mapping[str, float]) -> float:
    total = sum(weights.get(d, 0.0) for d in dims)
    if total <= 0:
        return 0.0
    return round(100.0 * sum(weights.get(d, 0.0) * v for d, v in dims.items()) / total, 1)


def _costs(inp: Inputs, findings: Sequence[Finding], weights: Mapping[str, float],
           dims: Mapping[str, float], rule_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Points each rule costs: the score gained if its findings were not there.

    Validity and consistency are recomputed without the rule's findings (an error's
    records counted valid again); volume shortfall is charged to the volume rules that
    reported it.  Approximate by nature (costs overlap), but it names the right culprits.
    """
    total_w = sum(weights.get(d, 0.0) for d in dims) or 1.0
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_code[f.code].append(f)
    invalid_by_code = {c: _invalid_records(fs, inp.dataset_codes) for c, fs in by_code.items()}
    all_invalid = _invalid_records(findings, inp.dataset_codes)
    out = []
    for code, fs in by_code.items():
        points = 0.0
        if code.startswith("DP2") and "volume" in dims and any(f.severity != "info" for f in fs):
            points += weights.get("volume", 0.0) * (1.0 - dims["volume"]) * 100 / total_w
        own = invalid_by_code[code]
        if own and inp.records:
            others = all_invalid - own
            # records only this rule made invalid would be valid without it
            freed = len(own - others)
            points += weights.get("validity", 0.0) * min(freed, inp.records) / inp.records * 100 / total_w
        rest = [f for f in findings if f.code != code]
        if "labels" in dims and code in LABEL_WEIGHTS:
            gain = _labels(inp, rest) - dims["labels"]
            points += weights.get("labels", 0.0) * gain * 100 / total_w
        if "consistency" in dims:
            cons = _consistency(inp, rest)
            if cons is not None:
                points += weights.get("consistency", 0.0) * max(0.0, cons - dims["consistency"]) * 100 / total_w
        if points >= 0.05:
            out.append({"code": code, "name": rule_names.get(code, code), "points": round(points, 1)})
    if "uniqueness" in dims and dims["uniqueness"] < 1.0:
        pts = weights.get("uniqueness", 0.0) * (1.0 - dims["uniqueness"]) * 100 / total_w
        # the duplicate rules that reported the loss share it by their counts; without
        # them (not selected) it is charged to "duplicates" in general
        dup_codes = {c: len(fs) for c, fs in by_code.items() if c in DUPLICATE_CODES}
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


def verdict(inp: Inputs, score: float, policy: Mapping[str, float]) -> tuple[str, list[str]]:
    """``ready`` | ``needs-work`` | ``not-ready`` with the reasons that decided it."""
    ready_at = float(policy.get("ready_at", 80.0))
    not_ready_below = float(policy.get("not_ready_below", 50.0))
    ready_max_invalid = float(policy.get("ready_max_invalid_share", 0.01))
    max_invalid = float(policy.get("max_invalid_share", 0.05))
    invalid_share = (inp.records - inp.valid) / inp.records if inp.records else 1.0
    count = inp.effective if inp.effective is not None else inp.valid_train
    blockers: list[str] = []
    if inp.records == 0:
        blockers.append("no records were read")
    if inp.has_train and count < inp.minimum:
        blockers.append(f"{count} effective training examples, below the minimum of {inp.minimum}")
    if inp.records and invalid_share > max_invalid:
        blockers.append(f"{invalid_share:.1%} of records are invalid (more than {max_invalid:.0%})")
    if score < not_ready_below:
        blockers.append(f"score {score:g} is below {not_ready_below:g}")
    if blockers:
        return "not-ready", blockers
    held: list[str] = []
    if score < ready_at:
        held.append(f"score {score:g} is below {ready_at:g} needed for ready")
    if invalid_share > ready_max_invalid:
        held.append(f"{invalid_share:.1%} of records are invalid (ready allows {ready_max_invalid:.0%})")
    if inp.has_train and count < inp.recommended:
        held.append(f"{count} effective training examples, below the recommended {inp.recommended}")
    if not inp.has_train:
        held.append("no training file: only evaluation data was given")
    if held:
        return "needs-work", held
    return "ready", [f"score {score:g} ≥ {ready_at:g}, enough effective examples, invalid share {invalid_share:.1%}"]


def compute(inp: Inputs, findings: Sequence[Finding], weights: Mapping[str, float],
            policy: Mapping[str, float], rule_names: Mapping[str, str]) -> Score:
    dims, missing = dimensions(inp, findings)
    w = {d: float(weights.get(d, 0.0)) for d in dims}
    value = overall(dims, w)
    verdict_name, reasons = verdict(inp, value, policy)
    costs = _costs(inp, findings, w, dims, rule_names)
    return Score(value, {d: round(v, 4) for d, v in dims.items()}, w, costs, missing,
                 verdict_name, reasons)
