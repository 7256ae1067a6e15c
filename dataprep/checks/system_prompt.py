"""DP504: system prompts that differ slightly where one was meant, or are missing.

A fine-tuned model learns its system prompt as part of the input distribution.  A
dataset built with one prompt usually has it verbatim in every record; a few records
with a typo, an old revision, different white space or no prompt at all are export or
merge accidents, and they teach the model behaviour tied to a prompt nobody will send.

Memory stays bounded: per *distinct* prompt the check keeps a count, its first record,
and the first ``TEXT_CHARS`` characters (texts of at most ``MAX_TEXTS`` distinct prompts
are kept; later newcomers are counted only).  At the end, prompts are taken by count,
most frequent first; each is compared with the earlier non-variant prompts among the
first ``TOP_K`` (the possible dominants) that are at least ``min_ratio`` times as frequent.
Near-identical means a ``difflib`` ratio of at least ``similarity`` on the normalised
texts (case-folded, white space collapsed), after cheap length and word-set filters.
Datasets with many genuinely different prompts (one per task) stay quiet: their prompts
are neither near-identical nor much rarer than one another.

Before that comparison, prompts filled from one template are made one prompt
(``prompt_templates``): obvious values (ids, dates, times, numbers, e-mails, UUIDs,
hashes, URLs) are masked, and masked texts that still differ are aligned token by token
against the most frequent ones; a place holding ``slot_values`` or more different values
(a customer's name) is a slot. The template, shown with ``{id}``, ``{date}``, ``{name}``
..., is what variants are compared with and what the messages quote.

Missing prompts are judged per file: when at least ``min_share`` of a file's
conversational records (chat, ShareGPT, preference with message lists) have a system
prompt, those without one are reported — one finding per record up to
``PER_RECORD_LIMIT``, above that one finding with the count and the first lines.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from hashlib import blake2b
from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.checks.prompt_templates import PromptGroup, group_prompts
from dataprep.model import Record, places
from dataprep.records import Turn

#: characters of each distinct prompt kept for comparison and messages
TEXT_CHARS = 2000
#: distinct prompts whose text is kept
MAX_TEXTS = 5000
#: prompts (by count) that may be a dominant prompt
TOP_K = 50
#: missing prompts reported one by one up to this many per file
PER_RECORD_LIMIT = 10
#: a file needs this many conversational records before a missing prompt is reported
MIN_RECORDS = 5
EXCERPT = 60
#: characters of a template shown (its placeholders are the point, so more of it)
TEMPLATE_EXCERPT = 120
#: prompts up to this long (characters) are compared character by character
SHORT_PROMPT = 400
_TOKEN = re.compile(r"\w+|[^\w\s]")


class InconsistentSystemPrompt(Rule):
    """System prompts that vary slightly where one was meant, or are missing from a few records.

    The system prompt is part of what the model learns to condition on: a handful of
    records with a typo, an old wording or different white space, or with no system
    prompt while nearly all others have one, train behaviour tied to prompts that will
    never be sent. Rare variants are reported when they are near-identical to a much more
    frequent prompt (datasets with genuinely different prompts per task stay quiet);
    missing prompts when most of a file's conversations have one.

    Prompts that differ only in values filled into one template are one prompt with
    variables, not variants of each other. Values are found two ways. By pattern: ids
    (#48213, TCK-48213, user_10293), numbers, dates (2024-03-02, 3/2/2024, March 2, 2024,
    26 Jul 2024, 2024年3月2日), times, e-mails, UUIDs, hex hashes and URLs are always
    values. By position: prompts that are otherwise token for token the same (at most
    four short differing spans) are aligned, and a place taking ``slot_values`` (default
    3) or more different values is a slot, such as a customer's name.

    So "You are the assistant for ticket #48213 opened on 2024-03-02 by Maria Lopez" in
    one record and "... ticket #48219 opened on 2024-03-03 by Kenji Watanabe" in the next
    are the template "... ticket #{number} opened on {date} by {name}", and a record
    whose prompt also says "politley" for "politely" is reported against that template.
    One other value where everyone else agrees ("You are Sam" ten times, "You are
    Samantha" once) is an edit, not a slot, and stays reported.

    Examples:
    pass: {"records": [{"messages": [{"role": "system", "content": "You are a helpful support agent."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}, {"messages": [{"role": "system", "content": "You are a helpful support agent."}, {"role": "user", "content": "bye"}, {"role": "assistant", "content": "goodbye"}]}]}
    pass: {"records": [{"messages": [{"role": "system", "content": "You are the Northwind Outfitters support assistant. You help with order #48213, placed on 2024-03-02 by Maria Lopez. Answer briefly and politely."}, {"role": "user", "content": "Where is my parcel?"}, {"role": "assistant", "content": "It ships tomorrow."}]}, {"messages": [{"role": "system", "content": "You are the Northwind Outfitters support assistant. You help with order #48213, placed on 2024-03-02 by Maria Lopez. Answer briefly and politely."}, {"role": "user", "content": "Can I add a second pair?"}, {"role": "assistant", "content": "Yes, before it ships."}]}, {"messages": [{"role": "system", "content": "You are the Northwind Outfitters support assistant. You help with order #48219, placed on 2024-03-03 by Kenji Watanabe. Answer briefly and politely."}, {"role": "user", "content": "Can I change the size?"}, {"role": "assistant", "content": "Yes, which size?"}]}, {"messages": [{"role": "system", "content": "You are the Northwind Outfitters support assistant. You help with order #48230, placed on 2024-03-03 by Amara Okafor. Answer briefly and politely."}, {"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "We do."}]}], "options": {"min_ratio": 2}}
    fail: {"records": [{"messages": [{"role": "system", "content": "You are a helpful support agent."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}, {"messages": [{"role": "system", "content": "You are a helpful support agent."}, {"role": "user", "content": "bye"}, {"role": "assistant", "content": "goodbye"}]}, {"messages": [{"role": "system", "content": "You are a helpful support agent."}, {"role": "user", "content": "thanks"}, {"role": "assistant", "content": "you are welcome"}]}, {"messages": [{"role": "system", "content": "You are a helpful support agent."}, {"role": "user", "content": "help"}, {"role": "assistant", "content": "sure"}]}, {"messages": [{"role": "user", "content": "hello?"}, {"role": "assistant", "content": "hi there"}]}]}
    """

    code = "DP504"
    name = "system-prompt.inconsistent"
    severity = "warning"
    scope = "dataset"
    options = {
        "similarity": {
            "type": "number", "minimum": 0.5, "maximum": 1.0, "default": 0.9,
            "description": "difflib ratio of two normalised prompts at or above which one is "
                           "a variant of the other.",
        },
        "min_ratio": {
            "type": "number", "minimum": 1, "default": 10,
            "description": "How many times more records the dominant prompt needs than a "
                           "variant for the variant to be reported.",
        },
        "slot_values": {
            "type": "integer", "minimum": 2, "default": 3,
            "description": "Different values at one place of otherwise identical prompts "
                           "that make the place a template slot (a name), not an edit; "
                           "dates, ids and numbers are always slots.",
        },
        "min_share": {
            "type": "number", "minimum": 0.5, "maximum": 1.0, "default": 0.8,
            "description": "Share of a file's conversations with a system prompt above which "
                           "the ones without are reported.",
        },
    }


def normalise(text: str) -> str:
    """Case-folded, white space collapsed: what two prompts are compared on."""
    return " ".join(text.casefold().split())


def excerpt(text: str, limit: int = EXCERPT) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


def describe_difference(dominant: str, variant: str) -> str:
    """A short description of the first difference between two prompts.

    Texts are compared as kept (``TEXT_CHARS``): equal kept texts of two distinct prompts
    differ further on.
    """
    if dominant == variant:
        return f"differs after the first {TEXT_CHARS} characters" if len(dominant) >= TEXT_CHARS \
            else "same text"
    if dominant.split() == variant.split():
        return "differs only in white space"
    if normalise(dominant) == normalise(variant):
        return "differs only in letter case or white space"
    a, b = dominant.split(), variant.split()
    ops: list[tuple[str, int, int, int, int]] = []
    for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op[0] == "equal":
            continue
        if ops and op[1] - ops[-1][2] <= 1:
            # one equal word between two changes: one change ("do not offer refunds" →
            # "offer a full refund"), not a removal and a replacement
            ops[-1] = ("replace", ops[-1][1], op[2], ops[-1][3], op[4])
        else:
            ops.append(op)
    if not ops:
        return "differs in white space"
    tag, i1, i2, j1, j2 = ops[0]
    old, new = excerpt(" ".join(a[i1:i2]), 30), excerpt(" ".join(b[j1:j2]), 30)
    more = f" (+{len(ops) - 1} more change(s))" if len(ops) > 1 else ""
    if tag == "replace":
        return f'"{old}" → "{new}"{more}'
    if tag == "delete":
        return f'"{old}" removed{more}'
    return f'"{new}" added{more}'


class _Prompt:
    """One distinct system prompt (exact text)."""

    __slots__ = ("count", "index", "line", "order", "path", "pointer", "text")

    def __init__(self, rec: Record, turn: Turn, order: int, keep_text: bool) -> None:
        self.count = 0
        self.path = rec.path
        self.line = rec.line
        self.index = rec.index
        self.pointer = turn.pointer
        self.text: str | None = turn.text[:TEXT_CHARS] if keep_text else None
        self.order = order


def _fast_system(msgs: list[Any]) -> Turn | None | bool:
    """A plain chat record's system prompt without building every turn; False: not plain."""
    if not msgs:
        return False
    m = msgs[0]
    if type(m) is not dict:
        return False
    role = m.get("role")
    if role == "system" or role == "developer":
        c = m.get("content")
        return Turn("system", c, "/messages/0/content") if type(c) is str else False
    if role == "user":
        for m in msgs:
            if type(m) is not dict or m.get("role") in ("system", "developer"):
                return False
        return None
    return False


#: distinct system prompts filled from one template, or one prompt
Group = PromptGroup["_Prompt"]


class SystemPromptCheck(Check):
    rules = (InconsistentSystemPrompt,)

    def __init__(self, options: Mapping[str, Mapping[str, Any]], context: Any) -> None:
        super().__init__(options, context)
        o = options["DP504"]
        self.similarity = float(o["similarity"])
        self.min_ratio = float(o["min_ratio"])
        self.min_share = float(o["min_share"])
        self.slot_values = int(o["slot_values"])
        self.prompts: dict[bytes, _Prompt] = {}
        self.texts = 0
        self._last_raw: str | None = None
        self._last_key = b""
        self._on = False
        # per file: conversational records, those with a prompt, first missing ones
        self._convs = 0
        self._with = 0
        self._missing: list[tuple[str, int | None, int, str, str]] = []
        self._n_missing = 0

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        self._on = "DP504" in emit.enabled
        self._convs = self._with = self._n_missing = 0
        self._missing = []

    def observe(self, rec: Record, valid: bool) -> None:
        fmt = rec.format
        # valid records only: a broken record must never change which prompt is usual
        # (or whether most have one), or adding it could hide a warning elsewhere
        if not self._on or not valid:
            return
        d = rec.data
        layout = records.get(fmt)
        msgs = layout.plain_messages(d)
        turn: Any = _fast_system(msgs) if msgs is not None else False
        if turn is False:
            if not layout.carries_system(d):
                return  # a plain-text prompt or a label cannot carry a system message
            turn = layout.system(d)
        self._convs += 1
        if turn is None or not turn.text.strip():
            self._n_missing += 1
            if len(self._missing) < PER_RECORD_LIMIT + 1:
                if turn is not None:
                    ptr, what = turn.pointer, "an empty system prompt"
                else:
                    ptr = layout.system_pointer(d)
                    what = "no system prompt"
                self._missing.append((rec.path, rec.line, rec.index, ptr, what))
            return
        self._with += 1
        raw = turn.text
        if raw == self._last_raw:
            key = self._last_key
        else:
            key = blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=12).digest()
            self._last_raw, self._last_key = raw, key
        p = self.prompts.get(key)
        if p is None:
            keep = self.texts < MAX_TEXTS
            self.texts += keep
            p = self.prompts[key] = _Prompt(rec, turn, len(self.prompts), keep)
        elif p.text is None and self.texts < MAX_TEXTS:
            p.text = raw[:TEXT_CHARS]
            self.texts += 1
        p.count += 1

    def end_file(self, info: FileInfo, emit: Emit) -> None:
        if not self._on or not self._n_missing or self._convs < MIN_RECORDS:
            return
        share = self._with / self._convs
        if share < self.min_share:
            return
        pct = f"{math.floor(1000 * share) / 10:g}"  # 99.9%, never a rounded-up 100%
        context = f"{self._with} of this file's {self._convs} conversations ({pct}%) have one"
        if self._n_missing <= PER_RECORD_LIMIT:
            for path, line, index, ptr, what in self._missing:
                emit("DP504", path, line, index, f"{what}, while {context}", pointer=ptr)
            return
        path, line, index, ptr, _ = self._missing[0]
        lines = places((m[1], m[2]) for m in self._missing[:5])
        emit("DP504", path, line, index,
             f"{self._n_missing} conversations have no system prompt, while {context}; "
             f"first at {lines}, …", pointer=ptr, count=self._n_missing)

    def finish(self, emit: Emit) -> None:
        kept = [(p.text, p.count, p.order, p) for p in self.prompts.values() if p.text is not None]
        if len(kept) < 2:
            return
        # prompts filled from one template are one prompt: compare templates, not fillings
        ranked = sorted(group_prompts(kept, top_k=TOP_K, slot_values=self.slot_values),
                        key=lambda g: (-g.count, g.order))
        if len(ranked) < 2:
            return
        # (group, normalised text, word set) of the groups that may be dominant
        dominants: list[tuple[Group, str, frozenset[str]]] = []
        variants: dict[int, list[Group]] = {}
        for g in ranked:
            norm = normalise(g.text)
            words = frozenset(norm.split())
            match = None
            for d, dnorm, dwords in dominants:
                if d.count < self.min_ratio * g.count:
                    break  # dominants are in count order: the rest are rarer still
                if self._similar(dnorm, dwords, norm, words):
                    match = d
                    break
            if match is not None:
                variants.setdefault(match.order, []).append(g)
            elif len(dominants) < TOP_K:
                dominants.append((g, norm, words))
        for d, _, _ in dominants:
            found = variants.get(d.order)
            if not found:
                continue
            if len(found) <= PER_RECORD_LIMIT:
                for v in found:
                    self._report(emit, d, v)
                continue
            found.sort(key=lambda v: v.order)
            first = _first(found[0])
            total = sum(v.count for v in found)
            lines = places((_first(v).line, _first(v).index)
                           for v in found[:5])
            common = max(found, key=lambda v: (v.count, -v.order))
            emit("DP504", first.path, first.line, first.index,
                 f"{len(found)} variants of the usual system prompt in {total} records "
                 f"(most frequent: {describe_difference(d.text, common.text)}); "
                 f"{_usual(d)}; variants first at {lines}, …",
                 pointer=first.pointer, count=total)

    def _similar(self, a: str, aw: frozenset[str], b: str, bw: frozenset[str]) -> bool:
        """Near-identical: difflib ratio >= ``similarity``, by characters for short prompts
        and by words and punctuation for long ones (character matching is quadratic)."""
        if a == b:
            return True
        la, lb = len(a), len(b)
        if 2 * min(la, lb) < self.similarity * (la + lb):
            return False  # ratio <= 2·min/(la+lb): far apart in length cannot be near
        union = len(aw | bw)
        if union and len(aw & bw) / union < self.similarity - 0.35:
            return False
        if max(la, lb) <= SHORT_PROMPT:
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        else:
            sm = difflib.SequenceMatcher(None, _TOKEN.findall(a), _TOKEN.findall(b),
                                         autojunk=False)
        return sm.quick_ratio() >= self.similarity and sm.ratio() >= self.similarity

    def _report(self, emit: Emit, dominant: Group, variant: Group) -> None:
        what = describe_difference(dominant.text, variant.text)
        first = _first(variant)
        emit("DP504", first.path, first.line, first.index,
             f"system prompt variant in {variant.count} record(s): {what}; {_usual(dominant)}",
             pointer=first.pointer, count=variant.count)


def _first(group: Group) -> _Prompt:
    """The group's earliest distinct prompt: where its records start."""
    return min(group.members, key=lambda p: p.order)


def _usual(group: Group) -> str:
    """The dominant prompt as the messages name it; a template shows its placeholders."""
    first = _first(group)
    line = places([(first.line, first.index)])
    if not group.slots:
        return (f"the usual prompt ({group.count} records, first at {line}) is "
                f'"{excerpt(group.text)}"')
    return (f"the usual prompt ({group.count} records, first at {line}) is one template "
            f'filled with {", ".join(group.slots)}: "{excerpt(group.text, TEMPLATE_EXCERPT)}"')
