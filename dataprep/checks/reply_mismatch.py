"""DP510: in a set of canned replies, a record whose reply belongs to another kind of prompt.

Where DP509's condition holds (the replies of a generative set repeat a small set of
written answers), a repeated reply is in effect the *label* of its prompt, and a reply
given to the wrong prompt is a label error.  So the rule reuses DP404's label model
(``dataprep.labelmodel``): the prompts are the texts, the replies given at least
``min_repeats`` times are the classes, and every record is judged by a model trained on
the others.  Replies given fewer times are no class: their records are left out.

Memory: per counted training record a location, a reply digest and the end of the
prompt cut to ``labelmodel.WORD_CHARS``; beyond ``max_records`` a seeded reservoir
sample; per repeated reply a short excerpt for the message.  scikit-learn and cleanlab
are imported only when the model runs (the ``labels`` extra).
"""

from __future__ import annotations

import os
import random
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from typing import Any

from dataprep import labelmodel
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.checks.replies import EXCERPT_CHARS, counted_replies, counted_reply, show
from dataprep.model import Record
from dataprep.records import SEPARATORS

CODE = "DP510"
#: the model must beat guessing the commonest reply by this share of the possible gain
#: before its disagreements mean anything (as DP404)
MIN_SKILL = 0.2
#: records x classes of the probability matrices above which the sample shrinks (as DP404)
_MAX_CELLS = 20_000_000
#: normalised characters of a repeated reply kept to find replies that begin another
#: (two replies agreeing this far are one answer for this rule)
_HEAD_CHARS = 300
#: longer replies examined per reply when looking for the ones it begins
_MAX_EXTENSIONS = 1000


class ReplyForAnotherPrompt(Rule):
    """A reply looks like the written answer to another kind of prompt.

    In a set whose replies repeat a small set of written answers (a support set with one
    answer per intent), a reply attached to the wrong question teaches the model to
    answer one question with another's answer, and no other rule sees it: the record is
    well formed, and its reply is a good reply, just not to this prompt.  When at least
    ``min_share`` of the training records with a reply of ``min_words`` words or more
    (and at least ``min_records`` of them) give a reply that ``min_repeats`` or more
    records give, each such reply is treated as the label of its prompts and DP404's label
    model (TF-IDF, linear SVM and naive Bayes, k-fold cross validation, confident
    learning) judges every record by a model that never saw it.  A record is flagged when
    its given reply is unlikely for its prompt while another written reply wins; the
    message quotes the reply similar prompts get and the model's probability of the
    given one.  A repeated reply that begins another (a cut copy, a short version of a
    longer answer) counts as that answer: a cut reply is DP507's finding, not a reply
    to another prompt.  Words every prompt starts with (a shared system prompt) are
    left out of what the model reads.

    Not checked in classification data (DP404's job), in sets where replies do not repeat
    (each reply is its own answer: no class to learn), for replies given fewer than
    ``min_repeats`` times, or when the model cannot learn the replies from the prompts at
    all.  Needs the ``labels`` extra (scikit-learn and cleanlab); without it the rule is
    quiet (DP404 names the missing extra).

    Examples:
    pass: {"records": [{"messages": [{"role": "user", "content": "How long does a refund take?"}, {"role": "assistant", "content": "Refunds usually reach your account within five business days of the merchant issuing them."}]}, {"messages": [{"role": "user", "content": "How do I activate my card?"}, {"role": "assistant", "content": "Open the app, tap Cards and choose Activate, then enter the code from the letter."}]}]}
    fail: (a support set of 60 questions over 4 intents, each intent's questions getting that intent's one written reply, where "When will my new card arrive?" got the refund answer: flagged, "similar prompts get 'Cards normally arrive within 3 to 5 working days…'")
    """

    code = CODE
    name = "reply.mismatch"
    severity = "warning"
    scope = "dataset"
    dimension = "labels"
    options = {
        "min_share": {
            "type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.3,
            "description": "Share of counted training replies that must be repeated replies "
                           "before they are treated as labels of their prompts.",
        },
        "min_records": {
            "type": "integer", "minimum": 10, "default": 50,
            "description": "Training records with a repeated reply the dataset needs before it is judged.",
        },
        "min_repeats": {
            "type": "integer", "minimum": 2, "default": 3,
            "description": "Records a reply needs to be a class of the model (and no fewer than folds).",
        },
        "min_words": {
            "type": "integer", "minimum": 1, "default": 4,
            "description": "Replies shorter than this (words) are short answers and not counted.",
        },
        "folds": {
            "type": "integer", "minimum": 2, "maximum": 20, "default": 5,
            "description": "Cross-validation folds of the model.",
        },
        "seed": {
            "type": "integer", "minimum": 0, "default": 0,
            "description": "Seed of the folds, the models and the sample (same seed, same findings).",
        },
        "max_records": {
            "type": "integer", "minimum": 100, "default": 20_000,
            "description": "Records kept for the model at most; above, a seeded sample is checked.",
        },
    }


class _Row:
    __slots__ = ("file", "index", "line", "reply", "text")

    def __init__(self, file: int, rec: Record, reply: int, text: str):
        self.file = file
        self.index = rec.index
        self.line = rec.line
        self.reply = reply
        self.text = text


class ReplyMismatchCheck(Check):
    """Keeps prompt ends per reply digest; in ``finish`` learns replies from prompts."""

    rules = (ReplyForAnotherPrompt,)
    stages = ("task",)

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        o = options[CODE]
        self._min_words = int(o["min_words"])
        self._max_records = int(o["max_records"])
        self._seed = int(o["seed"])
        self._rng = random.Random(self._seed)
        self._available = labelmodel.available()
        self._counts: Counter[int] = Counter()
        self._excerpt: dict[int, str] = {}
        self._head: dict[int, str] = {}
        self._rows: list[_Row] = []
        self._counted = 0
        self._file = -1
        self._train = True

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        self._file += 1
        self._train = info.split == "train"

    def derive_many(self, recs: list[Record]) -> list[tuple[int, str] | None] | None:
        """Map phase: (reply digest, the end of the prompt) of each record with a counted
        reply and a prompt: the question being answered (a shared system prompt first)."""
        if not self._available:
            return None
        out: list[tuple[int, str] | None] = []
        for counted in counted_replies(recs, self._min_words):
            text = counted.prompt.translate(SEPARATORS).strip() if counted is not None else ""
            out.append((counted.digest, text[-labelmodel.WORD_CHARS:])
                       if counted is not None and text else None)
        return out

    def observe(self, rec: Record, valid: bool) -> None:
        if not valid or not self._train or not self._available:
            return
        got = self.derived(rec)
        if got is None:
            return
        rd, tail = got
        self._counted += 1
        self._counts[rd] += 1
        if self._counts[rd] == 2:
            counted = counted_reply(rec, self._min_words)
            if counted is not None:
                self._excerpt[rd] = counted.reply.strip()[: EXCERPT_CHARS * 2]
                self._head[rd] = counted.normal[:_HEAD_CHARS]
        row = _Row(self._file, rec, rd, tail)
        if len(self._rows) < self._max_records:
            self._rows.append(row)
            return
        slot = self._rng.randrange(self._counted)  # reservoir: every record equally likely
        if slot < self._max_records:
            self._rows[slot] = row

    def finish(self, emit: Emit) -> None:
        if CODE not in emit.enabled or not self._available:
            return
        if self.context.stages["task"].task == "classification":
            return  # labels are DP404's
        o = self.options[CODE]
        folds = int(o["folds"])
        need = max(int(o["min_repeats"]), folds)
        answer = merge_beginnings(self._head, self._counts)
        counts: Counter[int] = Counter()
        for rd, n in self._counts.items():
            counts[answer.get(rd, rd)] += n
        classes = sorted((rd for rd, n in counts.items() if n >= need), key=lambda rd: (-counts[rd], rd))
        repeated = sum(counts[rd] for rd in classes)
        if (len(classes) < 2 or repeated < int(o["min_records"])
                or repeated < float(o["min_share"]) * self._counted):
            return
        number = {rd: i for i, rd in enumerate(classes)}
        for r in self._rows:
            r.reply = answer.get(r.reply, r.reply)
        rows = [r for r in self._rows if r.reply in number]
        per_class = Counter(r.reply for r in rows)
        # a sample can leave a reply with fewer rows than folds: leave it out
        kept = [rd for rd in classes if per_class[rd] >= folds]
        if len(kept) < 2:
            return
        number = {rd: i for i, rd in enumerate(kept)}
        rows = [r for r in rows if r.reply in number]
        cap = min(len(rows), _MAX_CELLS // len(kept),
                  len(rows) * labelmodel.MAX_CHARS // max(1, sum(len(r.text) for r in rows)))
        if cap < len(rows):
            rows = random.Random(self._seed).sample(rows, cap)
            counts = Counter(r.reply for r in rows)
            rows = [r for r in rows if counts[r.reply] >= folds]
            if len({r.reply for r in rows}) < 2:
                return
            kept = [rd for rd in kept if counts[rd] >= folds]
            number = {rd: i for i, rd in enumerate(kept)}
        rows.sort(key=lambda r: (r.file, r.index))
        report = labelmodel.find_suspects(without_shared_start([r.text for r in rows]),
                                          [number[r.reply] for r in rows],
                                          len(kept), folds=folds, seed=self._seed)
        if report.skill < MIN_SKILL:
            return  # the prompts do not predict the replies: no disagreement means anything
        for s in report.suspects:
            r = rows[s.row]
            other = kept[s.suggested]
            emit(CODE, self.context.specs[r.file].path, r.line, r.index,
                 f"reply looks like the answer to another kind of prompt: similar prompts get "
                 f"{show(self._excerpt.get(other, '?'))} (the model gives this record's reply "
                 f"{s.quality:.2f}; suspect {s.rank} of {len(report.suspects)})")


def merge_beginnings(heads: dict[int, str], counts: Counter[int]) -> dict[int, int]:
    """Reply digest -> the digest of the answer it belongs to, for replies that begin another.

    A reply cut short (DP507's finding) or a short and a long version of one written
    answer are one answer to the same kind of prompt, not two: as two classes the model
    confuses them and every cut reply would read as "the answer to another prompt".  Each
    repeated reply whose normalised text begins a longer repeated reply joins the most
    given of those (ties: the lowest digest), followed to the end of the chain.  Sorted
    order puts the replies a text begins right after it, so each is a bounded range scan.
    Only the first ``_HEAD_CHARS`` normalised characters are kept per reply.
    """
    order = sorted(heads, key=lambda rd: (heads[rd], rd))
    texts = [heads[rd] for rd in order]
    parent: dict[int, int] = {}
    for i, rd in enumerate(order):
        head = heads[rd]
        if not head:
            continue
        end = min(bisect_left(texts, head + "\U0010ffff", i + 1), i + 1 + _MAX_EXTENSIONS)
        # only later texts in sorted order: chains move forward and cannot loop; an equal
        # head joins too when it is cut at _HEAD_CHARS (the replies agree that far)
        longer = [order[j] for j in range(i + 1, end) if texts[j].startswith(head)
                  and (len(texts[j]) > len(head) or len(head) >= _HEAD_CHARS)]
        if longer:
            parent[rd] = min(longer, key=lambda d: (-counts[d], d))
    resolved: dict[int, int] = {}
    for rd in parent:
        root, seen = rd, 0
        while root in parent and seen <= len(parent):  # forward links only: no cycles
            root, seen = parent[root], seen + 1
        resolved[rd] = root
    return resolved


def without_shared_start(texts: Sequence[str]) -> list[str]:
    """The texts without the words they all begin with (a system prompt every record shares).

    Shared words tell no prompt from another, yet the model reads them in every record:
    on a support set with one system prompt they more than doubled the model's time.
    """
    shared = os.path.commonprefix(list(texts))
    if len(texts) < 2 or not shared:
        return list(texts)
    if not all(len(t) == len(shared) or t[len(shared)].isspace() for t in texts):
        cut = max(shared.rfind(" "), shared.rfind("\n"))
        shared = shared[: cut + 1] if cut >= 0 else ""
    return [t[len(shared):] for t in texts]
