"""DP3xx: duplicates and leakage.

Copies do not teach a model anything new; they weight what they repeat and inflate the
example count.  Evaluation records that also sit in training make every metric lie.
The work happens in two stages (``exact``: normalised content hashes; ``near``: MinHash
LSH with verified Jaccard); this check turns their results into findings.
"""

from __future__ import annotations

from dataprep.checks.base import Check, Emit, Rule
from dataprep.model import Related

DATASET = "<dataset>"


class ExactDuplicate(Rule):
    """A record repeats an earlier one after normalisation (NFKC, case, whitespace).

    Duplicates over-weight what they repeat: the model sees the same example several
    times per epoch and learns it harder than the rest, while the example count looks
    larger than it is. Keep one copy.

    Examples:
    pass: {"records": [{"text": "hello there", "label": "greet"}, {"text": "bye now", "label": "leave"}]}
    fail: {"records": [{"text": "hello there", "label": "greet"}, {"text": "Hello   THERE", "label": "greet"}]}
    """

    code = "DP301"
    name = "dup.exact"
    severity = "warning"
    scope = "dataset"
    dimension = "uniqueness"


class NearDuplicate(Rule):
    """A record is a near copy of an earlier one (MinHash LSH, verified Jaccard).

    Near copies (templated records, one word changed, boilerplate with a new name) add
    little new signal and skew the model toward the template. Each reported pair is
    verified against the exact Jaccard similarity of the two records' shingle sets; the
    first record of a cluster is kept.

    What counts as a copy depends on length, because one word is a small share of a long
    text and a large one of a short text.  Texts of 20 words or more are compared on
    word 3-grams against ``threshold`` (0.7): copies with up to about 5 % of their words
    replaced, deleted or inserted are found (measured on real long texts: 0.99 of them at
    5 %, none of the unrelated records).  Shorter texts are compared on byte 5-grams, and
    only spelling-level changes count: a typo, a hyphen, doubled punctuation, a filler
    word.  Their bar starts at ``short_threshold`` (0.8) and rises with length so that a
    replaced word, which in a short text often changes what it says ("Convert 25 degrees"
    / "Convert 30 degrees"), is not reported.

    In layouts with a prompt and a reply (chat, instruction, preference), both sides must
    be alike: each side's word sets must overlap by ``side_threshold`` or more.  Two
    records that ask different questions and get the same reply are not near copies (a
    support set with one written answer per intent teaches each question its answer;
    replies that repeat a few answers are DP509's), and the same question with different
    replies is DP303's.  Tool calls and tool definitions are part of a record: records
    that call other tools, with other arguments, or offer other tools are not copies.
    A classification input that is a near copy of the cluster's first with another label
    is a label conflict, reported by DP402 instead when it runs (it still adds no
    effective example: a conflicting record must not raise the count).

    Examples:
    pass: {"records": [{"text": "the quick brown fox jumps over the lazy dog near the river bank today"}, {"text": "a completely different sentence about cooking pasta with garlic and olive oil tonight"}]}
    pass: {"records": [{"text": "Write a short poem about the sea at night in winter."}, {"text": "Write a short poem about the desert at night in winter."}]}
    fail: {"records": [{"text": "I do not recognise this card payment from last Tuesday, can you check it?"}, {"text": "I do not recognize this card payment from last Tuesday, can you check it?"}]}
    fail: {"records": [{"text": "to reset your password open the settings page choose account and then security click the reset button and follow the link we send to your email address the link stays valid for thirty minutes after that you need to request a new one"}, {"text": "to reset your password open the settings page choose account and then security click the reset button and follow the link we send to your email address the link stays valid for sixty minutes after that you need to request a new one"}]}
    """

    code = "DP302"
    name = "dup.near"
    severity = "warning"
    scope = "dataset"
    dimension = "uniqueness"
    options = {
        "threshold": {"type": "number", "minimum": 0.05, "maximum": 1.0, "default": 0.7,
                      "description": "Jaccard similarity of word 3-gram sets at or above which two texts of 20 words or more are near duplicates (0.7: up to about 5 % of the words changed)."},
        "short_threshold": {"type": "number", "minimum": 0.05, "maximum": 1.0, "default": 0.8,
                            "description": "Lowest Jaccard similarity of byte 5-gram sets for texts under 20 words; the bar rises with length so that only spelling-level changes count."},
        "num_perm": {"type": "integer", "minimum": 16, "maximum": 1024, "default": 128,
                     "description": "MinHash permutations (signature length)."},
        "seed": {"type": "integer", "minimum": 0, "default": 1,
                 "description": "Seed of the MinHash permutations (results are deterministic for a seed)."},
        "side_threshold": {"type": "number", "minimum": 0.0, "maximum": 1.0, "default": 0.7,
                           "description": "Word-set Jaccard that both the prompt side and the reply side of two records must reach to be near duplicates (layouts with a prompt and a reply)."},
        "spill_after": {"type": "integer", "minimum": 0, "default": 2000000,
                        "description": "Records above which LSH band keys go to disk partitions instead of memory."},
    }


class SamePromptDifferentResponse(Rule):
    """Records share a (near-)identical prompt but give different responses.

    For generative data the model is taught two answers to one question: it learns to
    pick one at random, or a blend of both. Often one response is outdated or wrong.
    Keep the best one, or make the prompts say what differs. Every record of the group
    after the first that answers differently is reported and points at the first.

    Examples:
    pass: {"records": [{"prompt": "Capital of France?", "completion": "Paris"}, {"prompt": "Capital of Spain?", "completion": "Madrid"}], "task": "generative"}
    fail: {"records": [{"prompt": "Capital of France?", "completion": "Paris"}, {"prompt": "capital of  France?", "completion": "Lyon, I think"}], "task": "generative"}
    """

    code = "DP303"
    name = "dup.conflicting-responses"
    severity = "warning"
    scope = "dataset"


class EvalLeakage(Rule):
    """An evaluation record is an exact or near copy of a training record.

    A test example the model was trained on measures memory, not skill: metrics look
    better than the model is. Remove the copy from the evaluation split (or from
    training).

    Examples:
    pass: {"files": {"train.jsonl": [{"text": "the weather is lovely today", "label": "pos"}], "test.jsonl": [{"text": "my order never arrived", "label": "neg"}]}}
    fail: {"files": {"train.jsonl": [{"text": "the weather is lovely today", "label": "pos"}], "test.jsonl": [{"text": "The weather is lovely today", "label": "pos"}]}}
    """

    code = "DP304"
    name = "dup.eval-leakage"
    severity = "error"
    scope = "dataset"
    dimension = "evaluation"


def _loc(path: str, line: int | None, record: int | None = None) -> str:
    """Where a record is, as people count: ``path:line``, else ``path record N`` (1-based).

    The same spelling the reporters use for a related record, so a reporter can tell that
    a message already names it and does not print the place twice.
    """
    if line is not None:
        return f"{path}:{line}"
    return f"{path} record {record + 1}" if record is not None else path


class DuplicatesCheck(Check):
    rules = (ExactDuplicate, NearDuplicate, SamePromptDifferentResponse, EvalLeakage)
    stages = ("exact", "near")

    @classmethod
    def needed_stages(cls, enabled: frozenset[str]) -> tuple[str, ...]:
        # MinHash costs far more than hashing: run it only for the rules that need it
        return ("exact", "near") if {"DP302", "DP303", "DP304"} & enabled else ("exact",)

    def finish(self, emit: Emit) -> None:
        exact = self.context.stages["exact"]
        near = self.context.stages.get("near")
        for path, line, index, first in exact.repeats:
            emit("DP301", path, line, index,
                 f"exact duplicate (after normalisation) of {_loc(first.path, first.line, first.record)}",
                 related=(first,))
        # a near copy with another label is DP402's conflict when that rule runs
        conflicts_elsewhere = "DP402" in self.context.enabled
        for rid, (partner, sim, size) in sorted(near.flagged.items() if near else ()):
            if conflicts_elsewhere and near.relabelled(rid):
                continue
            path, line, index = near.where(rid)
            ppath, pline, pindex = near.where(partner)
            # related[0] is the cluster's first record (the one kept); the verified
            # partner, when another member, follows it
            first = Related(*near.where(near.cluster_first[rid]))
            verified = Related(ppath, pline, pindex)
            emit("DP302", path, line, index,
                 f"near duplicate of {_loc(ppath, pline, pindex)} (Jaccard {sim:.2f}; cluster of {size} records)",
                 related=(first,) if first == verified else (first, verified))
        # (eval path, index) -> (line, training record, message); exact beats near
        leaks: dict[tuple[str, int | None], tuple[int | None, Related, str]] = {}
        for (path, line, index), train in exact.leaks():
            leaks[(path, index)] = (line, train, ("evaluation record is an exact copy of training "
                                                  f"record {_loc(train.path, train.line, train.record)}"))
        for rid, (tr, sim) in sorted(near.leaks.items() if near else ()):
            path, line, index = near.where(rid)
            if (path, index) not in leaks:
                train = Related(*near.where(tr))
                leaks[(path, index)] = (line, train, ("evaluation record is a near copy of training "
                                                      f"record {_loc(train.path, train.line, train.record)} "
                                                      f"(Jaccard {sim:.2f})"))
        # a repeat inside the evaluation split leaks as much as its first copy (neither
        # stage sees it as a leak: both key it to that first copy)
        for path, line, index, first in exact.repeats:
            got = leaks.get((first.path, first.record))
            if got is not None:
                leaks[(path, index)] = (line, got[1], got[2])
        for (path, index), (line, train, message) in leaks.items():
            emit("DP304", path, line, index, message, related=(train,))
        if near is None or self.context.stages["task"].task == "classification":
            return  # label conflicts are the label-noise rules' (DP4xx)
        for members in near.prompt_groups:
            first = Related(*near.where(members[0]))
            where_first = _loc(first.path, first.line, first.record)
            for m in near.conflicting(members):
                path, line, index = near.where(m)
                emit("DP303", path, line, index,
                     f"same prompt as {where_first} (identical or near-identical) but a different "
                     f"response; {len(members)} records share this prompt", related=(first,))
