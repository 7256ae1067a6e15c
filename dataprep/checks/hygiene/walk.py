"""The one walk over each record's turns that feeds DP502 and DP505-DP508."""

from __future__ import annotations

from typing import Any

from dataprep import packs, records
from dataprep.checks.base import Check, Emit, FileInfo
from dataprep.checks.hygiene import characters, leftovers, length, repeated, truncated
from dataprep.checks.hygiene.common import excerpt, label
from dataprep.checks.hygiene.leftovers import PACKS
from dataprep.model import Record
from dataprep.records import turns
from dataprep.records.toolcalls import might_hold_calls, text_calls


class HygieneCheck(Check):
    """One walk over each record's turns for DP502 and DP505-DP508."""

    rules = (length.LengthOutlier, characters.TextHygiene, leftovers.TemplateLeftover,
             truncated.TruncatedReply, repeated.Repetition)
    stages = ("task", "lengths")
    per_record = True

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        found: list[packs.Pattern] = []
        if "DP506" in context.enabled:
            found = packs.load(PACKS, packs.pack_files(context.config)).for_rule(["DP506"])
        self._leftovers = leftovers.Leftovers(found)
        o502, o507, o508 = options["DP502"], options["DP507"], options["DP508"]
        self._lengths = length.LengthStats(list(o502["trivial_replies"]))
        self._replies = self._judged = True
        self._lead_ok = False
        self._context: tuple[str, ...] = ()
        self._min_chars = int(o507["min_chars"])
        self._min_tail = int(o507["min_tail_words"])
        self._rep_repeats = int(o508["min_repeats"])
        self._rep_coverage = float(o508["min_coverage"])
        self._rep_ngram = int(o508["ngram"])
        self._rep_chars = int(o508["min_chars"])
        self._rep_k = repeated.probe_count(self._rep_coverage)
        self._prompt: str | None = None
        self._pending: list[tuple[Any, ...]] = []
        self._do502 = self._do505 = self._do506 = self._do507 = self._do508 = False

    # -- lifecycle

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        on = emit.enabled
        self._do502, self._do505, self._do506, self._do507, self._do508 = (
            c in on for c in ("DP502", "DP505", "DP506", "DP507", "DP508"))
        self._do506 = self._do506 and bool(self._leftovers)
        self._lengths.start_file(info.path)

    def check(self, rec: Record, emit: Emit) -> list[tuple[Any, ...]] | None:
        self._pending = []
        self._prompt = None
        fmt = rec.format
        d = rec.data
        layout = records.get(fmt)
        # raw documents have no replies; an undesirable (KTO) reply is bad on purpose
        self._replies = layout.replies
        self._judged = layout.desirable(d) is not False
        self._lead_ok = layout.leading_space_ok
        self._context = layout.context_prefixes
        msgs = layout.plain_messages(d)
        after_user = False
        if msgs is not None and _plain_messages(msgs):
            # fast path for the commonest layout; pointers are built only for findings
            for i, m in enumerate(msgs):
                text = m["content"]
                role = m.get("role")
                if text:
                    if role == "assistant" and might_hold_calls(text) and text_calls(text):
                        continue  # a tool call written as text is not prose
                    if role == "user" and not after_user:
                        self._prompt = text
                    self._turn(rec, emit, role if type(role) is str else "?", text, None, i)
                after_user = role == "user"
        else:
            for t in turns(fmt, d):
                if t.text and t.kind != "call":
                    if t.role == "user" and not after_user:
                        self._prompt = t.text
                    self._turn(rec, emit, t.role, t.text, t.pointer, -1)
                after_user = t.role == "user"
        return self._pending or None

    def observe(self, rec: Record, valid: bool) -> None:
        self._lengths.observe(rec, valid, self.derived(rec))

    def finish(self, emit: Emit) -> None:
        if "DP502" in self.context.enabled:
            generative = self.context.stages["task"].task != "classification"
            self._lengths.finish(emit, self.options["DP502"], generative)

    # -- one turn

    def _turn(self, rec: Record, emit: Emit, role: str, text: str,
              pointer: str | None, index: int) -> None:
        """Every rule on one non-empty text (``pointer`` None: ``/messages/<index>/content``)."""
        assistant = role == "assistant"
        if self._do505:
            problems = characters.problems(text, assistant and self._replies, self._lead_ok,
                                           assistant and self._do507)
            if problems:
                ptr = pointer or f"/messages/{index}/content"
                emit.at("DP505", rec, f"{label(role, ptr)}: " + "; ".join(problems), ptr)
        if self._do506 and (self._judged or not assistant):
            key = "input" if pointer == "/input" else role
            for pattern, m in self._leftovers.find(text, key):
                ptr = pointer or f"/messages/{index}/content"
                emit.at("DP506", rec, f"{pattern.id} ({pattern.description}) in the "
                                      f"{label(role, ptr)}: {excerpt(text, m.start(), m.end())}",
                        ptr)
        # an assistant turn in a preference pair's history is context the model is
        # shown, not a reply it is trained to write: neither DP507 nor DP502 judge it
        if assistant and self._judged and not (pointer or "").startswith(self._context):
            if self._do507 and self._replies:
                # raw documents are chunked anywhere: only replies have endings
                ptr = pointer or f"/messages/{index}/content"
                cut = truncated.describe(text, label(role, ptr), self._min_chars,
                                          self._min_tail)
                if cut:
                    emit.at("DP507", rec, cut, ptr)
            if self._do502:
                self._lengths.reply(self._pending, text, self._prompt, pointer, index)
        if (self._do508 and len(text) >= self._rep_chars
                and repeated.repeats_near(text, self._rep_k)):
            what = repeated.repetition(text, self._rep_ngram, self._rep_repeats,
                                       self._rep_coverage)
            if what:
                ptr = pointer or f"/messages/{index}/content"
                emit.at("DP508", rec, f"{label(role, ptr)}: {what}", ptr)


def _plain_messages(msgs: list[Any]) -> bool:
    for m in msgs:
        if type(m) is not dict or type(m.get("content")) is not str:
            return False
    return True
