"""DP404: records whose label the rest of the dataset contradicts (confident learning).

The rule reads classification-like records (the same label and input views as
DP401-DP403, see ``dataprep.checks.labels``) of the training split while the files are
read, and in ``finish`` -- only when the run's task is classification -- trains the label
model of ``dataprep.labelmodel`` on them and reports what it finds.

Memory: per record a location, a label number and the input text cut to what the model
reads (``labelmodel.WORD_CHARS``).  Beyond ``max_records`` candidates a seeded reservoir
sample is kept, and beyond the model's own bounds (``labelmodel.MAX_CHARS`` input
characters, ``_MAX_CELLS`` probabilities) a stratified seeded sample of that; an info
finding says so.  Once the stored texts pass ``labelmodel.MAX_CHARS`` they are dropped
and the sampled records re-read by location before the model runs, so the texts are
never held for more records than the model can take.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from typing import Any

from dataprep import labelmodel, records
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.checks.labels import input_of, label_of, show
from dataprep.dedup.fetch import fetch_many
from dataprep.model import Record
from dataprep.records import SEPARATORS

DATASET = "<dataset>"
CODE = "DP404"
#: the per-class summary of DP404's flags (same model run)
BY_CLASS = "DP405"
#: formats whose records can carry a label (the rest never do)
MISSING_EXTRA = "DP404 needs the 'labels' extra: pip install 'dataprep-lint[labels]'"
#: records x classes of the probability matrices above which the sample shrinks further
_MAX_CELLS = 20_000_000
#: the model must beat guessing the majority class by this share of the possible gain
#: (Cohen's-kappa-like skill) before its disagreements mean anything
MIN_SKILL = 0.2
#: distinct labels at which the rule stops collecting (as the other label rules do)
MAX_LABELS = 20_000
#: labels named in an info message before "and N more"
_LIST_LIMIT = 8


class LikelyMislabeled(Rule):
    """A record's label disagrees with what the rest of the dataset teaches (confident learning).

    Mislabelled examples teach the model the wrong answer, and a few percent of them are
    common in hand-labelled data. A text classifier (TF-IDF words and characters, a linear
    SVM and naive Bayes) is trained on the dataset itself with k-fold cross validation, so
    every record is judged by a model that never saw it. Confident learning (cleanlab)
    then flags the records whose given label is unlikely next to the one the model
    suggests, with per-class thresholds estimated from the data; a record whose given
    label gets under 1 % of the model's probability is flagged as well. Each finding names
    the given label, the suggested one and the label-quality score (the model's
    probability of the given label) with its rank: review the lowest scores first. Labels
    with fewer than ``folds`` examples cannot be cross-validated: they are left out and
    named in one info finding. When the model cannot learn the labels from the inputs at
    all, one info finding says so instead. Needs the ``labels`` extra (scikit-learn and
    cleanlab).

    Examples:
    pass: {"records": [{"text": "the cat purrs on the sofa", "label": "cat"}, {"text": "my cat purrs and sleeps", "label": "cat"}, {"text": "the cat chases a mouse", "label": "cat"}, {"text": "a cat purrs in the sun", "label": "cat"}, {"text": "the dog barks at the door", "label": "dog"}, {"text": "my dog barks and runs", "label": "dog"}, {"text": "the dog fetches a stick", "label": "dog"}, {"text": "a dog barks in the yard", "label": "dog"}], "options": {"folds": 2}, "task": "classification"}
    fail: {"records": [{"text": "the cat purrs on the sofa", "label": "cat"}, {"text": "my cat purrs and sleeps", "label": "cat"}, {"text": "the cat purrs at a mouse", "label": "cat"}, {"text": "a cat purrs in the sun", "label": "cat"}, {"text": "the cat purrs all day", "label": "cat"}, {"text": "the dog barks at the door", "label": "dog"}, {"text": "my dog barks and runs", "label": "dog"}, {"text": "the dog barks at a stick", "label": "dog"}, {"text": "a dog barks in the yard", "label": "dog"}, {"text": "the dog barks all day", "label": "dog"}, {"text": "my cat purrs on the bed", "label": "dog"}], "options": {"folds": 2}, "task": "classification"}
    """

    code = CODE
    name = "label.likely-mislabeled"
    severity = "warning"
    scope = "dataset"
    dimension = "labels"
    options = {
        "folds": {
            "type": "integer", "minimum": 2, "maximum": 20, "default": 5,
            "description": "Cross-validation folds; labels with fewer examples are left out of the model.",
        },
        "seed": {
            "type": "integer", "minimum": 0, "default": 0,
            "description": "Seed of the folds, the models and the sample (same seed, same findings).",
        },
        "max_records": {
            "type": "integer", "minimum": 100, "default": 50_000,
            "description": "Records the model trains on at most; above, a seeded sample is checked.",
        },
    }


class LabelNoiseByClass(Rule):
    """The estimated share of wrong labels, overall and for the labels worst hit (one finding).

    A few percent of wrong labels spread evenly cost little; the same number packed into
    a handful of labels teaches the model to confuse those labels, and it is usually one
    cause (an ambiguous guideline, two intents that overlap, an annotator's habit) that
    one fix removes. DP404's flags are counted per given label: the finding states the
    overall estimate (flagged records of those the model checked -- the same flags the
    score's labels dimension counts, so both give one rate) and names the labels with the
    highest share of flagged records, with the label their flagged records are mostly
    suggested for. It is a summary of DP404's warnings, not a new problem: severity info,
    no score effect of its own. Runs with DP404's model and options; nothing when no label
    is flagged.

    Examples:
    pass: {"records": [{"text": "the cat purrs on the sofa", "label": "cat"}, {"text": "my cat purrs and sleeps", "label": "cat"}, {"text": "the cat chases a mouse", "label": "cat"}, {"text": "a cat purrs in the sun", "label": "cat"}, {"text": "our kitten purrs all day", "label": "cat"}, {"text": "the dog barks at the door", "label": "dog"}, {"text": "my dog barks and runs", "label": "dog"}, {"text": "the dog fetches a stick", "label": "dog"}, {"text": "a dog barks in the yard", "label": "dog"}, {"text": "our puppy barks all day", "label": "dog"}], "task": "classification"}
    fail: {"records": [{"text": "the cat purrs on the sofa", "label": "cat"}, {"text": "my cat purrs and sleeps", "label": "cat"}, {"text": "the cat purrs at a mouse", "label": "cat"}, {"text": "a cat purrs in the sun", "label": "cat"}, {"text": "the cat purrs all day", "label": "cat"}, {"text": "the dog barks at the door", "label": "dog"}, {"text": "my dog barks and runs", "label": "dog"}, {"text": "the dog barks at a stick", "label": "dog"}, {"text": "a dog barks in the yard", "label": "dog"}, {"text": "the dog barks all day", "label": "dog"}, {"text": "my cat purrs on the bed", "label": "dog"}], "task": "classification"}
    """

    code = BY_CLASS
    name = "label.noise-by-class"
    severity = "info"
    scope = "dataset"
    options = {
        "classes": {
            "type": "integer", "minimum": 1, "maximum": 50, "default": 5,
            "description": "Labels named at most, those with the highest estimated share of wrong labels first.",
        },
    }


def _label_pointer(fmt: str, d: Mapping[str, Any], mapping: Mapping[str, str]) -> str | None:
    """JSON pointer of the label inside the record as written (field mapping applied)."""
    ptr = records.get(fmt).label_pointer(d)
    return None if ptr is None else records.written_pointer(ptr, mapping)


class _Row:
    """One candidate record: where it is, its label number, its input (or None once dropped)."""

    __slots__ = ("file", "fmt", "index", "label", "line", "offset", "pointer", "size", "text")

    def __init__(self, file: int, rec: Record, label: int, pointer: str | None, size: int,
                 text: str | None):
        self.file = file
        self.index = rec.index
        self.line = rec.line
        self.offset = rec.offset
        self.fmt = rec.format
        self.label = label
        self.pointer = pointer
        self.size = size
        self.text = text


def _clean(text: str) -> str:
    return text.translate(SEPARATORS).strip()


def _stratified(rows: list[_Row], cap: int, folds: int, rng: random.Random) -> list[_Row]:
    """About ``cap`` of ``rows``, the same share of every label, never fewer than ``folds`` per label."""
    by_label: dict[int, list[_Row]] = {}
    for r in rows:
        by_label.setdefault(r.label, []).append(r)
    share = cap / len(rows)
    out: list[_Row] = []
    for label in sorted(by_label):
        members = by_label[label]
        take = min(len(members), max(folds, round(len(members) * share)))
        out.extend(rng.sample(members, take))
    return out


def _quality(q: float) -> str:
    return "< 0.001" if q < 0.001 else f"{q:.3f}"


def _names(items: list[tuple[str, int]]) -> str:
    shown = ", ".join(f"{name} ({n})" for name, n in items[:_LIST_LIMIT])
    more = len(items) - _LIST_LIMIT
    return shown + (f" and {more} more" if more > 0 else "")


class MislabelCheck(Check):
    rules = (LikelyMislabeled, LabelNoiseByClass)
    stages = ("task",)

    def __init__(self, options: Mapping[str, Mapping[str, Any]], context: Any) -> None:
        super().__init__(options, context)
        self.folds = int(self.opt(CODE, "folds"))
        self.seed = int(self.opt(CODE, "seed"))
        self.max_records = int(self.opt(CODE, "max_records"))
        self.classes = int(self.opt(BY_CLASS, "classes"))
        self.available = labelmodel.available()
        self.rng = random.Random(self.seed)
        self.forced = getattr(context.config, "task", "auto") == "classification"
        self.mapping: Mapping[str, str] = getattr(context.config, "fields", {}) or {}
        self.rows: list[_Row] = []
        self.seen = 0
        self.stored = 0
        self.keep_texts = True
        self.labels: dict[tuple[str, bool], int] = {}
        self.file = -1
        self.train = True
        self.too_many = False

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        self.file += 1
        self.train = info.split != "eval"

    def observe(self, rec: Record, valid: bool) -> None:
        if not valid or not self.train or not self.available:
            return
        fmt = rec.format
        if records.get(fmt).task != "classification" and not self.forced and not self.context.stages["task"].outputs_short:
            return  # long outputs seen: no label set, so no texts to keep
        d = rec.data
        lab = label_of(fmt, d)
        if lab is None:
            return
        text = _clean(input_of(fmt, d))
        if not text:
            return  # nothing the label was given for
        label = self.labels.get(lab)
        if label is None:
            if len(self.labels) >= MAX_LABELS:
                self.too_many = True  # no label set: stop collecting, say so at the end
                self.available = False
                self.rows.clear()
                return
            label = self.labels[lab] = len(self.labels)
        self.seen += 1
        if len(self.rows) < self.max_records:
            slot = len(self.rows)
        else:  # reservoir sampling: every record ends up in the sample with equal chance
            slot = self.rng.randrange(self.seen)
            if slot >= self.max_records:
                return
            self.stored -= len(self.rows[slot].text or "")
        text = text[: labelmodel.WORD_CHARS]
        row = _Row(self.file, rec, label, _label_pointer(fmt, d, self.mapping), len(text),
                   text if self.keep_texts else None)
        if slot == len(self.rows):
            self.rows.append(row)
        else:
            self.rows[slot] = row
        if self.keep_texts:
            self.stored += len(text)
            if self.stored > labelmodel.MAX_CHARS:
                self.keep_texts = False  # from here on texts are re-read by location
                for r in self.rows:
                    r.text = None

    def _texts(self, rows: list[_Row]) -> list[str]:
        """Inputs of ``rows``: stored, or re-read by location when they were dropped."""
        if all(r.text is not None for r in rows):
            return [r.text or "" for r in rows]
        got = fetch_many(self.context.specs, [(r.file, r.index, r.offset) for r in rows], self.mapping)
        out = []
        for r in rows:
            d = got.get((r.file, r.index))
            out.append(_clean(input_of(r.fmt, d))[: labelmodel.WORD_CHARS] if d is not None else "")
        return out

    def finish(self, emit: Emit) -> None:
        if not {CODE, BY_CLASS} & emit.enabled or self.context.stages["task"].task != "classification":
            return
        # notes about the model go to DP404, or to DP405 when it runs alone
        info = CODE if CODE in emit.enabled else BY_CLASS
        if self.too_many:
            emit(info, DATASET, None, None,
                 f"DP404 stopped reading labels after {MAX_LABELS} distinct ones: that many classes "
                 "are no label set to learn; no record is checked for a likely wrong label",
                 severity="info")
            return
        if not self.available:
            emit(info, DATASET, None, None, MISSING_EXTRA, severity="info")
            return
        if not self.rows:
            return
        names = {v: show(*k) for k, v in self.labels.items()}
        counts = Counter(r.label for r in self.rows)
        modelled = sorted(c for c, n in counts.items() if n >= self.folds)
        left_out = sorted(((names[c], n) for c, n in counts.items() if n < self.folds),
                          key=lambda kv: (-kv[1], kv[0]))
        if len(modelled) < 2:
            emit(info, DATASET, None, None,
                 f"DP404 cannot train its label model: it needs two labels with at least {self.folds} "
                 f"examples each (folds), and {len(modelled)} of {len(counts)} label(s) have that many; "
                 "no record is checked for a likely wrong label", severity="info")
            return
        if left_out:
            emit(info, DATASET, None, None,
                 f"DP404 left {len(left_out)} label(s) with fewer than {self.folds} examples out of its "
                 f"model (too few to cross-validate); their records are not checked: {_names(left_out)}",
                 severity="info")
        number = {c: i for i, c in enumerate(modelled)}
        rows = [r for r in self.rows if r.label in number]
        # the model's own bounds: probability cells (records x labels) and input characters
        cap = min(len(rows), _MAX_CELLS // len(modelled))
        chars = sum(r.size for r in rows)
        if chars > labelmodel.MAX_CHARS:
            cap = min(cap, len(rows) * labelmodel.MAX_CHARS // chars)
        limits = [f"max_records {self.max_records}"] if self.seen > len(self.rows) else []
        if cap < len(rows):
            rows = _stratified(rows, cap, self.folds, random.Random(self.seed))
            limits.append(f"the model's bounds of {labelmodel.MAX_CHARS // 1_000_000} million input "
                          f"characters and {_MAX_CELLS // 1_000_000} million record-label cells")
        if limits:
            emit(info, DATASET, None, None,
                 f"DP404 checked a seeded sample of {len(rows)} of {self.seen} labelled records "
                 f"({'; '.join(limits)})", severity="info")
        rows.sort(key=lambda r: (r.file, r.index))
        texts = self._texts(rows)
        report = labelmodel.find_suspects(texts, [number[r.label] for r in rows], len(modelled),
                                          folds=self.folds, seed=self.seed)
        if report.skill < MIN_SKILL:
            emit(info, DATASET, None, None,
                 f"DP404's label model could not learn the labels from the inputs (out-of-fold "
                 f"accuracy {report.accuracy:.2f}, always guessing the most frequent label "
                 f"{report.baseline:.2f}), so its disagreements mean nothing; no record is flagged",
                 severity="info")
            return
        if BY_CLASS in emit.enabled and report.suspects:
            emit(BY_CLASS, DATASET, None, None, self._by_class(report, [names[c] for c in modelled]),
                 severity="info")
        total = len(report.suspects)
        for s in report.suspects:
            r = rows[s.row]
            given, suggested = names[modelled[s.given]], names[modelled[s.suggested]]
            emit(CODE, self.context.specs[r.file].path, r.line, r.index,
                 f"label {given} is likely wrong: a model trained on the other records suggests "
                 f"{suggested} (label quality {_quality(s.quality)}; suspect {s.rank} of {total})",
                 pointer=r.pointer)

    def _by_class(self, report: labelmodel.ModelReport, names: list[str]) -> str:
        worst = [c for c in report.by_class() if c.suspects][: self.classes]
        listed = "; ".join(f"{names[c.label]} {c.share:.0%} ({c.suspects} of {c.records}, mostly "
                           f"suggested {names[c.mostly]})" for c in worst)
        hit = sum(1 for c in report.by_class() if c.suspects)
        more = f"; {hit - len(worst)} more label(s) have flagged records" if hit > len(worst) else ""
        return (f"an estimated {report.noise_rate:.1%} of labels are wrong ({len(report.suspects)} of "
                f"{sum(report.sizes)} records checked, DP404's flags), highest for: {listed}{more}")
