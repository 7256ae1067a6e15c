"""DP509: the replies of a generative dataset repeat a small set of answers.

Near duplicates (DP302) need both the prompt and the reply near-equal, so a support set
whose many different questions all get one of a few written replies has no near
duplicates, yet a model trained on it learns a lookup table of canned answers.  This
module measures that at the level of the dataset: per training record, a digest of the
normalised reply and of the prompt; at the end, the share of records whose reply another
record gives to a different prompt.  Memory is two 8-byte digests per distinct reply
plus a short excerpt of the first few thousand distinct replies; records are never kept.
"""

from __future__ import annotations

from typing import Any

from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.checks.replies import counted_replies, counted_reply, digest, show
from dataprep.model import Record
from dataprep.normalize import normalize

DATASET = "<dataset>"
#: distinct replies whose excerpt is kept for the message (the commonest are among them
#: in any dataset where the finding matters: a few answers repeated many times)
_EXCERPTS = 5_000


class RepeatedReplies(Rule):
    """The assistant replies repeat a small set of answers across different prompts.

    When many different questions get the very same reply (a support set with one
    written answer per intent, a template filled in once, a distilled set whose teacher
    answered everything alike), the model learns to pick one of a few canned answers
    instead of answering the question; the effective number of examples is the number
    of distinct answers, not of records.  Reported once for the dataset when at least
    ``max_share`` of the training records with a reply of ``min_words`` words or more
    give a reply that another record gives to a different prompt (an exact copy after
    case, spacing and punctuation are normalised); the message names the share, the
    number of distinct replies and the commonest ones.

    Not a finding in classification data (labels repeat by design), for short answers
    (yes/no, a number, a name: replies under ``min_words`` words are not counted), for
    the same prompt given the same reply (exact duplicates, DP301) or in sets smaller
    than ``min_records``.

    Examples:
    pass: {"records": [{"messages": [{"role": "user", "content": "How long does a refund take?"}, {"role": "assistant", "content": "Refunds usually reach your account within five business days of the merchant issuing them."}]}, {"messages": [{"role": "user", "content": "How do I activate my card?"}, {"role": "assistant", "content": "Open the app, tap Cards and choose Activate, then enter the code from the letter."}]}], "options": {"min_records": 2}}
    fail: {"records": [{"messages": [{"role": "user", "content": "How long does a refund take?"}, {"role": "assistant", "content": "Refunds usually reach your account within five business days of the merchant issuing them."}]}, {"messages": [{"role": "user", "content": "The shop refunded me but I see nothing"}, {"role": "assistant", "content": "Refunds usually reach your account within five business days of the merchant issuing them."}]}], "options": {"min_records": 2}}
    """

    code = "DP509"
    name = "reply.low-diversity"
    severity = "warning"
    scope = "dataset"
    dimension = "uniqueness"
    options = {
        "max_share": {
            "type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.3,
            "description": "Share of counted training records whose reply another record gives "
                           "to a different prompt, at or above which the dataset is reported.",
        },
        "min_words": {
            "type": "integer", "minimum": 1, "default": 4,
            "description": "Replies shorter than this (words) are short answers and not counted.",
        },
        "min_records": {
            "type": "integer", "minimum": 2, "default": 50,
            "description": "Counted training records the dataset needs before it is judged.",
        },
    }


class ReplyDiversityCheck(Check):
    """Counts, per distinct reply, its records and whether two different prompts get it."""

    rules = (RepeatedReplies,)
    stages = ("task",)

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        o = options["DP509"]
        self._min_words = int(o["min_words"])
        #: reply digest → [records, first prompt digest, another prompt seen (0/1)]
        self._replies: dict[int, list[int]] = {}
        self._excerpt: dict[int, str] = {}
        self._counted = 0
        self._train = True

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        self._train = info.split == "train"

    def derive_many(self, recs: list[Record]) -> list[tuple[int, int] | None]:
        """Map phase: (reply digest, prompt digest) of each record with a counted reply."""
        out: list[tuple[int, int] | None] = []
        for counted in counted_replies(recs, self._min_words):
            if counted is None:
                out.append(None)
                continue
            prompt = counted.prompt
            out.append((counted.digest, digest(normalize(prompt)) if prompt.strip() else 0))
        return out

    def observe(self, rec: Record, valid: bool) -> None:
        if not valid or not self._train:
            return
        got = self.derived(rec)
        if got is None:
            return
        rd, pd = got
        self._counted += 1
        entry = self._replies.get(rd)
        if entry is None:
            self._replies[rd] = [1, pd, 0]
            if len(self._excerpt) < _EXCERPTS:
                counted = counted_reply(rec, self._min_words)
                self._excerpt[rd] = counted.reply.strip() if counted is not None else ""
            return
        entry[0] += 1
        if pd != entry[1]:
            entry[2] = 1

    def finish(self, emit: Emit) -> None:
        if "DP509" not in emit.enabled or self._counted < int(self.options["DP509"]["min_records"]):
            return
        if self.context.stages["task"].task == "classification":
            return  # answers that are labels repeat by design
        # ties between equally common replies go to the one read first
        shared = [(-n, i, rd) for i, (rd, (n, _p, other)) in enumerate(self._replies.items())
                  if other]
        repeated = -sum(n for n, _i, _rd in shared)
        share = repeated / self._counted
        if share < float(self.options["DP509"]["max_share"]):
            return
        shared.sort()
        top = "; ".join(f"{show(self._excerpt.get(rd, '?'))} ({-n} records)"
                        for n, _i, rd in shared[:3])
        emit("DP509", DATASET, None, None,
             f"{share:.0%} of the training replies ({repeated} of {self._counted} counted) are "
             f"the same reply given to different prompts; {len(self._replies)} distinct "
             f"replies in all; commonest: {top}")
