"""Shared dataset stages: computations several checks (and the score) read.

A stage observes every record once, however many checks use it; checks name the stages
they need (``Check.stages``) and the engine runs a stage only when some enabled check
needs it — or always, for the cheap ``task`` profile that every result reports.
Stages contribute to the result's summary through ``summary()``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from hashlib import blake2b
from typing import Any

from dataprep import records
from dataprep.model import Derives, Record, Related, shared_per_batch
from dataprep.normalize import normalize

#: distinct outputs beyond which a dataset is not treated as classification
MAX_CLASSES = 1000
#: fewer valid records than this never make a chat/completion set "classification"
MIN_INFER_RECORDS = 10
#: an output longer than this (characters) is not a label
MAX_LABEL_CHARS = 64


class Stage(Derives):
    """A shared computation: ``observe`` in the reduce phase, ``derive_many`` in the map phase."""

    name = ""

    def __init__(self, context: Any) -> None:
        self.context = context

    def observe(self, rec: Record, valid: bool, split: str) -> None:
        """See one record."""

    def finish(self) -> None:
        """After the last record."""

    def summary(self) -> dict[str, Any]:
        return {}

    def distributions(self) -> dict[str, Any]:
        """Binned distributions for ``summary.distributions`` (see ``dataprep.histogram``)."""
        return {}


@shared_per_batch
def identity_norms(recs: list[Record]) -> list[str | None]:
    """Each record's normalised identity text (None: unknown layout), once per batch.

    The exact stage hashes it and the near-duplicate stage compares the same text for
    most layouts (separators aside), so the second reader of a map-phase batch gets
    the first one's texts instead of normalising every record again.
    """
    return [None if rec.format == records.UNKNOWN
            else normalize(records.identity(rec.format, rec.data)) for rec in recs]


class ExactHashes(Stage):
    """Normalised content hashes of valid records: effective-example counts and first copies.

    Keeps 16 bytes of digest plus a small location tuple per distinct record, never texts.
    """

    name = "exact"

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.first: dict[bytes, tuple[str, int | None, int, str]] = {}
        self.valid_train = 0
        self.effective_train = 0
        self.duplicates_train = 0
        self.valid_eval = 0
        self.effective_eval = 0
        #: (path, line, index, first) for each repeat, in reading order
        self.repeats: list[tuple[str, int | None, int, Related]] = []
        #: whether the record just observed repeated an earlier one of its split
        self.last_repeat = False

    def derive_many(self, recs: list[Record]) -> list[bytes | None]:
        """Map phase: the digest of each record's normalised identity (None: unknown layout)."""
        return [None if norm is None
                else blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                for norm in identity_norms(recs)]

    def observe(self, rec: Record, valid: bool, split: str) -> None:
        self.last_repeat = False
        if not valid:
            return
        digest = self.derived(rec)
        if split == "eval":
            self.valid_eval += 1
            key = b"e" + digest
        else:
            self.valid_train += 1
            key = digest
        first = self.first.get(key)
        if first is None:
            self.first[key] = (rec.path, rec.line, rec.index, split)
            if split == "eval":
                self.effective_eval += 1
            else:
                self.effective_train += 1
            return
        if split != "eval":
            self.duplicates_train += 1
        self.last_repeat = True
        self.repeats.append((rec.path, rec.line, rec.index, Related(first[0], first[1], first[2])))

    def leaks(self) -> list[tuple[tuple[str, int | None, int], Related]]:
        """Evaluation records whose normalised content equals a training record's."""
        out = []
        for key, loc in self.first.items():
            if key[:1] == b"e" and len(key) == 17:
                train = self.first.get(key[1:])
                if train is not None:
                    out.append(((loc[0], loc[1], loc[2]), Related(train[0], train[1], train[2])))
        return out

    def summary(self) -> dict[str, Any]:
        return {"effective_examples": self.effective_train, "exact_duplicates": self.duplicates_train}

    def distributions(self) -> dict[str, Any]:
        # with the near stage running, it reports these together with its own clusters
        if "near" in self.context.stages:
            return {}
        sizes = self.cluster_sizes()
        return {"cluster_sizes": {str(k): v for k, v in sorted(sizes.items())}} if sizes else {}

    def cluster_sizes(self) -> Counter[int]:
        """Clusters of exact copies by size (a first record and its repeats), both splits."""
        per_first = Counter((r.path, r.record) for *_, r in self.repeats)
        return Counter(n + 1 for n in per_first.values())


class TaskProfile(Stage):
    """Infers the task (classification vs generative) and counts labels of valid training records.

    The majority layout's own task when it has one (classification records are
    classification, preference and text are generative), else classification when every output
    is short and the outputs form a small set of repeated values (a chat or completion
    dataset whose answers are labels).
    """

    name = "task"

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.formats: Counter[str] = Counter()
        self.labels: Counter[str] = Counter()
        self.label_first: dict[str, tuple[str, int | None, int]] = {}
        self.outputs_short = True
        self.seen = 0
        self.task = "generative"
        self.task_source = "inferred"
        #: (minimum, recommended) of the majority layout's own volume policy, if it has one
        self.volume: tuple[int, int] | None = None
        self.layout = ""
        #: unpaired-preference (KTO) labels of valid training records
        self.desirable = 0
        self.undesirable = 0

    def observe(self, rec: Record, valid: bool, split: str) -> None:
        if not valid or split == "eval":
            return
        fmt = rec.format
        self.formats[fmt] += 1
        self.seen += 1
        wanted = records.desirable(fmt, rec.data)
        if wanted is not None:
            if wanted:
                self.desirable += 1
            else:
                self.undesirable += 1
        labelled = records.get(fmt).task == "classification"
        if not self.outputs_short and not labelled:
            return
        out = records.output(fmt, rec.data)
        if out is None:
            if not labelled:
                self.outputs_short = False
            return
        if not labelled:
            out = out.strip()
            if len(out) > MAX_LABEL_CHARS or "\n" in out:
                self.outputs_short = False
                return
        if out not in self.labels:
            if len(self.labels) >= MAX_CLASSES:
                self.outputs_short = False
                return
            self.label_first[out] = (rec.path, rec.line, rec.index)
        self.labels[out] += 1

    def finish(self) -> None:
        forced = getattr(self.context.config, "task", "auto")
        if forced in ("classification", "generative"):
            self.task, self.task_source = forced, "configured"
            return
        if not self.seen:
            self.task = "generative"
            return
        majority = records.get(self.formats.most_common(1)[0][0])
        self.volume, self.layout = majority.volume, majority.name
        if majority.task is not None:
            self.task = majority.task
        elif (self.outputs_short and self.seen >= MIN_INFER_RECORDS
              and 2 <= len(self.labels) <= min(50, self.seen // 4)):
            self.task = "classification"
        else:
            self.task = "generative"

    def has_labels(self) -> bool:
        return self.task == "classification" and bool(self.labels)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"task": self.task, "task_source": self.task_source}
        if self.has_labels():
            out["labels"] = dict(sorted(self.labels.items(), key=lambda kv: (-kv[1], kv[0])))
        return out

    def distributions(self) -> dict[str, Any]:
        """KTO's desirable/undesirable counts (classification labels are ``summary.labels``)."""
        if self.desirable or self.undesirable:
            return {"labels": {"desirable": self.desirable, "undesirable": self.undesirable}}
        return {}


def effective_train(stages: dict[str, Any]) -> int | None:
    """Valid training records minus exact duplicates and flagged near duplicates.

    None when the exact stage did not run (duplicates were not checked).
    """
    exact = stages.get("exact")
    if exact is None:
        return None
    near = stages.get("near")
    flagged = 0
    if near is not None and "DP302" in near.context.enabled:
        # near duplicates leave the count only when the rule that names them is on
        flagged = near.flagged_train
    return exact.effective_train - flagged


def _near(context: Any) -> Any:
    # numpy and the MinHash machinery load only when a near-duplicate rule is selected
    from dataprep.dedup.stage import NearDuplicates

    return NearDuplicates(context)


def _tokens(context: Any) -> Any:
    # the tokenizer loads only when DP501 is selected
    from dataprep.tokens import TokenStats

    return TokenStats(context)


class TurnLengths(Stage):
    """Characters per text turn, by role, of valid training records: the HTML report's
    "reply length by role" chart.  Counted into fixed 1-2-5 bins (``LogBins``), so the
    state is a few counters per role whatever the dataset's size.
    """

    name = "lengths"
    #: roles drawn; others (a custom role, ``function``) are counted under "other"
    ROLES = ("system", "user", "assistant", "tool")

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        from dataprep.histogram import LogBins

        self._bins: dict[str, LogBins] = {}
        self._new = LogBins

    def derive_many(self, recs: list[Record]) -> list[Any]:
        """Map phase: ``(role, characters)`` of each text turn (None: unknown layout)."""
        roles = self.ROLES
        return [None if rec.format == records.UNKNOWN else
                tuple((t.role if t.role in roles else "other", len(t.text))
                      for t in records.turns(rec.format, rec.data) if t.kind == "text" and t.text)
                for rec in recs]

    def observe(self, rec: Record, valid: bool, split: str) -> None:
        if not valid or split == "eval":
            return
        for role, n in self.derived(rec) or ():
            b = self._bins.get(role)
            if b is None:
                b = self._bins[role] = self._new()
            b.add(n)

    def distributions(self) -> dict[str, Any]:
        by_role = {role: d for role, b in sorted(self._bins.items()) if (d := b.to_dict())}
        return {"reply_chars": by_role} if by_role else {}


STAGES: dict[str, Callable[[Any], Any]] = {"exact": ExactHashes, "near": _near, "task": TaskProfile,
                                           "tokens": _tokens, "lengths": TurnLengths}
ALWAYS = ("task",)
