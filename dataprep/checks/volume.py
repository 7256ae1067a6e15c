"""DP2xx: is there enough data, and is it balanced enough to learn from?

Volume is counted in *effective examples* of the training split: valid records minus
exact duplicates after normalisation (the ``exact`` stage).  Evaluation files are
reported beside the count, never added to it: an eval split that grows the count would
make a dataset look ready by counting the records it will be judged on.
"""

from __future__ import annotations

from typing import Any

from dataprep.checks.base import Check, Emit, Rule
from dataprep.stages import effective_train

DATASET = "<dataset>"

_THRESHOLD_OPTIONS: dict[str, dict[str, Any]] = {
    "classification_minimum": {
        "type": "integer", "minimum": 0, "default": 50,
        "description": "Effective examples a classification (or extraction) task needs at least.",
    },
    "classification_recommended": {
        "type": "integer", "minimum": 0, "default": 100,
        "description": "Effective examples recommended for a classification task.",
    },
    "classification_per_class_minimum": {
        "type": "integer", "minimum": 0, "default": 5,
        "description": "Effective examples per class a classification task needs at least: the "
                       "minimum is the larger of classification_minimum and this times the "
                       "number of classes.",
    },
    "classification_per_class_recommended": {
        "type": "integer", "minimum": 0, "default": 10,
        "description": "Effective examples per class recommended: the recommendation is the "
                       "larger of classification_recommended and this times the number of classes.",
    },
    "generative_minimum": {
        "type": "integer", "minimum": 0, "default": 500,
        "description": "Effective examples a generative task needs at least.",
    },
    "generative_recommended": {
        "type": "integer", "minimum": 0, "default": 2000,
        "description": "Effective examples recommended for a generative task.",
    },
}


class BelowMinimum(Rule):
    """Fewer effective training examples than the task's minimum.

    Fine-tuning on too little data teaches the model noise: for simple tasks such as
    classification at least 50-100 good examples are needed, for generative tasks
    500-2,000. Below the minimum, prompt engineering or few-shot prompting is the
    better tool. Duplicates do not count: dozens of copies are not hundreds of examples.
    A classifier learns each class from its own examples, so the classification minimum
    scales with the classes: at least ``classification_per_class_minimum`` (default 5)
    per class, e.g. 385 for 77 classes, where 154 records (2 per class) fall short.

    Examples:
    pass: {"records": [{"text": "great", "label": "pos"}, {"text": "awful", "label": "neg"}], "options": {"classification_minimum": 2, "classification_per_class_minimum": 1}, "task": "classification"}
    fail: {"records": [{"text": "great", "label": "pos"}, {"text": "great", "label": "pos"}], "options": {"classification_minimum": 2}, "task": "classification"}
    """

    code = "DP201"
    name = "volume.below-minimum"
    severity = "error"
    scope = "dataset"
    dimension = "volume"
    options = {k: v for k, v in _THRESHOLD_OPTIONS.items() if k.endswith("minimum")}


class BelowRecommended(Rule):
    """Enough effective examples to start, but fewer than recommended for the task.

    Between the minimum and the recommended count a fine-tune can work, but results are
    fragile: expect to collect more data before the model generalises reliably.

    Examples:
    pass: {"records": [{"text": "great", "label": "pos"}, {"text": "awful", "label": "neg"}], "options": {"classification_recommended": 2, "classification_per_class_recommended": 1}, "task": "classification"}
    fail: {"records": [{"text": "great", "label": "pos"}, {"text": "awful", "label": "neg"}], "options": {"classification_recommended": 3}, "task": "classification"}
    """

    code = "DP202"
    name = "volume.below-recommended"
    severity = "warning"
    scope = "dataset"
    dimension = "volume"
    options = {k: v for k, v in _THRESHOLD_OPTIONS.items() if k.endswith("recommended")}


class RareClass(Rule):
    """A label has too few examples for the model to learn it.

    A class seen once or twice is memorised, not learned, and cannot even be split
    between training and evaluation. Either collect more examples, merge the class, or
    drop it.

    Examples:
    pass: {"records": [{"text": "a", "label": "x"}, {"text": "b", "label": "x"}, {"text": "c", "label": "y"}, {"text": "d", "label": "y"}], "options": {"min_per_class": 2}, "task": "classification"}
    fail: {"records": [{"text": "a", "label": "x"}, {"text": "b", "label": "x"}, {"text": "c", "label": "y"}], "options": {"min_per_class": 2}, "task": "classification"}
    """

    code = "DP203"
    name = "volume.rare-class"
    severity = "warning"
    scope = "dataset"
    dimension = "volume"
    options = {
        "min_per_class": {
            "type": "integer", "minimum": 1, "default": 10,
            "description": "Examples each label needs at least.",
        },
    }


class ClassImbalance(Rule):
    """The most frequent label outnumbers the rarest by more than the allowed ratio.

    A model fine-tuned on skewed labels learns the prior: it predicts the majority class
    and still scores well on accuracy. Rebalance, weight, or collect more of the rare
    classes.

    Examples:
    pass: {"records": [{"text": "a", "label": "x"}, {"text": "b", "label": "x"}, {"text": "c", "label": "y"}], "options": {"max_ratio": 2.0}, "task": "classification"}
    fail: {"records": [{"text": "a", "label": "x"}, {"text": "b", "label": "x"}, {"text": "e", "label": "x"}, {"text": "c", "label": "y"}], "options": {"max_ratio": 2.0}, "task": "classification"}
    """

    code = "DP204"
    name = "volume.class-imbalance"
    severity = "warning"
    scope = "dataset"
    dimension = "volume"
    options = {
        "max_ratio": {
            "type": "number", "exclusiveMinimum": 1, "default": 10.0,
            "description": "Largest allowed ratio between the most and the least frequent label.",
        },
    }


def thresholds(options: dict[str, dict[str, Any]], task: str,
               layout_volume: tuple[int, int] | None = None,
               classes: int = 0) -> tuple[int, int]:
    """(minimum, recommended) effective examples for ``task`` under the run's options; a
    layout with its own volume policy (prompt-only RL sets) brings its own.

    A classifier learns each class from its own examples, so with ``classes`` labels the
    thresholds scale with them: 154 records are plenty for 2 classes and 2 per class for
    77 (the larger of the flat threshold and the per-class one times ``classes``).
    """
    if layout_volume is not None:
        return layout_volume
    o = options["DP201"]
    rec = options["DP202"]
    if task == "classification":
        return (max(int(o["classification_minimum"]),
                    int(o.get("classification_per_class_minimum", 0)) * classes),
                max(int(rec["classification_recommended"]),
                    int(rec.get("classification_per_class_recommended", 0)) * classes))
    return int(o["generative_minimum"]), int(rec["generative_recommended"])


def _fmt_labels(items: list[tuple[str, int]], limit: int = 6) -> str:
    shown = ", ".join(f"{lab!r} ({n})" for lab, n in items[:limit])
    more = len(items) - limit
    return shown + (f" and {more} more" if more > 0 else "")


class KtoImbalance(Rule):
    """Desirable and undesirable (KTO) examples are out of the balance the trainer tolerates.

    KTO weighs the losses of desirable and undesirable examples; TRL's KTO documentation
    asks that desirable_weight x desirable examples : undesirable_weight x undesirable
    examples lie between 1:1 and 4:3, and the trainer warns outside that range. Far outside
    it the rarer kind barely moves the model. Counted over valid training records with the
    default weights of 1; the message gives the weight that restores the balance.

    Examples:
    pass: {"records": [{"prompt": "Hi", "completion": "Hello!", "label": true}, {"prompt": "Hi", "completion": "Go away.", "label": false}]}
    fail: {"records": [{"prompt": "Hi", "completion": "Hello!", "label": true}, {"prompt": "Hey", "completion": "Hi there!", "label": true}, {"prompt": "Yo", "completion": "Hello, friend.", "label": true}, {"prompt": "Hi", "completion": "Go away.", "label": false}]}
    """

    code = "DP205"
    name = "volume.kto-imbalance"
    severity = "warning"
    scope = "dataset"
    dimension = "volume"
    formats = ("kto",)
    options = {
        "min_ratio": {
            "type": "number", "exclusiveMinimum": 0, "default": 1.0,
            "description": "Lowest desirable:undesirable ratio (weights of 1) that passes.",
        },
        "max_ratio": {
            "type": "number", "exclusiveMinimum": 0, "default": 4 / 3,
            "description": "Highest desirable:undesirable ratio (weights of 1) that passes.",
        },
    }


class VolumeCheck(Check):
    """Reports the DP2xx rules from the ``exact`` and ``task`` stages at the end of the run."""

    rules = (BelowMinimum, BelowRecommended, RareClass, ClassImbalance, KtoImbalance)
    stages = ("exact", "task")

    def finish(self, emit: Emit) -> None:
        stages = self.context.stages
        task_stage = stages["task"]
        exact = stages["exact"]
        task = task_stage.task
        classes = len(task_stage.labels) if task == "classification" else 0
        minimum, recommended = thresholds(self.options, task, task_stage.volume, classes)
        what = f"a {task} task" if task_stage.volume is None else (
            f"a set of {task_stage.layout} records (RL prompts, not SFT examples)")
        if classes and task_stage.volume is None:
            what = f"a classification task with {classes} classes"
        self._kto(task_stage, emit)
        effective = effective_train(stages) or 0
        near_dup = exact.effective_train - effective
        if not any(f.split == "train" for f in self.context.files):
            return  # only evaluation files given: nothing to count against a training minimum
        dup = exact.duplicates_train
        invalid = sum(f.records - f.valid for f in self.context.files if f.split == "train")
        parts = [f"{exact.valid_train} valid"]
        if dup:
            parts.append(f"{dup} exact duplicate(s) not counted")
        if near_dup:
            parts.append(f"{near_dup} near duplicate(s) not counted")
        if invalid:
            parts.append(f"{invalid} invalid record(s) not counted")
        if exact.valid_eval:
            parts.append(f"{exact.valid_eval} evaluation record(s) reported separately")
        detail = "; ".join(parts)
        if effective < minimum:
            emit("DP201", DATASET, None, None,
                 f"{effective} effective training example(s) for {what}, below the minimum "
                 f"of {minimum} ({detail})")
        if effective < recommended and not (effective < minimum and "DP201" in emit.enabled):
            # below the minimum the error says it all; the warning stands in when DP201 is off
            emit("DP202", DATASET, None, None,
                 f"{effective} effective training example(s) for {what}, below the "
                 f"recommended {recommended} ({detail})")
        if task != "classification" or not task_stage.labels:
            return
        self._classes(task_stage, emit)

    def _kto(self, task_stage: Any, emit: Emit) -> None:
        good, bad = task_stage.desirable, task_stage.undesirable
        if not good and not bad:
            return
        lo, hi = float(self.opt("DP205", "min_ratio")), float(self.opt("DP205", "max_ratio"))
        if not bad or not good:
            which = "undesirable" if not bad else "desirable"
            emit("DP205", DATASET, None, None,
                 f"no {which} examples among {good + bad} KTO records: KTO learns from both kinds")
            return
        ratio = good / bad
        if lo <= ratio <= hi:
            return
        target = lo if ratio < lo else hi
        emit("DP205", DATASET, None, None,
             f"{good} desirable : {bad} undesirable = {ratio:.2f}, outside {lo:g} to {hi:.2f} "
             f"(TRL's KTO guidance); set desirable_weight to about {target / ratio:.2f} "
             f"(undesirable_weight 1) or rebalance the data")

    def _classes(self, task_stage: Any, emit: Emit) -> None:
        counts = sorted(task_stage.labels.items(), key=lambda kv: (kv[1], kv[0]))
        min_per = int(self.opt("DP203", "min_per_class"))
        for label, n in counts:
            if n >= min_per:
                break
            path, line, index = task_stage.label_first[label]
            emit("DP203", path, line, index,
                 f"label {label!r} has {n} example(s), fewer than {min_per}")
        if len(counts) >= 2:
            low_label, low = counts[0]
            high_label, high = counts[-1]
            ratio = high / max(low, 1)
            max_ratio = float(self.opt("DP204", "max_ratio"))
            if ratio > max_ratio:
                ordered = sorted(task_stage.labels.items(), key=lambda kv: (-kv[1], kv[0]))
                emit("DP204", DATASET, None, None,
                     f"label {high_label!r} ({high}) outnumbers {low_label!r} ({low}) "
                     f"{ratio:.1f}:1, above {max_ratio:g}:1; distribution: {_fmt_labels(ordered)}")
