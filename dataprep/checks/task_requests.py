"""DP701, DP702, DP705: the request side of task validity (can the instruction be learned?).

An instruction record teaches nothing when its request cannot be met: it points at
material that is not there (DP701), it asks for something a text model cannot do
(DP702), or it holds several tasks merged into one (DP705).  One walk over each record's
requests (``task.view``) serves the three rules; each lives in its own module of
``dataprep.checks.task`` and reads its phrases from ``rules/packs/tasks.toml``.

Speed: the rules run on every record of every lint, so every search is gated by literal
strings its pattern needs (a few ``in`` tests rule most texts out), DP702 reads only the
head of an instruction, DP705 looks for its headers only in texts that hold a colon or a ``#``,
and the reply is read only once a rule has something to report.
"""

from __future__ import annotations

from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit
from dataprep.checks.hygiene.common import label
from dataprep.checks.task import dangling, doable, merged, patterns, view
from dataprep.model import Record
from dataprep.packs import pack_files

DANGLING = dangling.DanglingReference.code
UNDOABLE = doable.NotTextDoable.code
MERGED = merged.MergedInstructions.code


class TaskRequestsCheck(Check):
    """Reads each instruction record's requests for DP701, DP702 and DP705."""

    rules = (dangling.DanglingReference, doable.NotTextDoable, merged.MergedInstructions)
    per_record = True
    formats = frozenset({"alpaca", "conversation", "completion"})

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        groups: dict[str, list[Any]] = {g: [] for g in patterns.GROUPS}
        if not {DANGLING, UNDOABLE, MERGED}.isdisjoint(context.enabled):
            groups = patterns.load(pack_files(context.config))
        kinds = list(options[UNDOABLE]["kinds"])
        head = patterns.HeadIndex(groups, kinds)
        self._refs = dangling.References.of(groups, head)
        self._asks = doable.Requests.of(groups, kinds, head)
        self._headers = merged.Headers.of(groups)
        self._min_context = int(options[DANGLING]["min_context_chars"])

    def check(self, rec: Record, emit: Emit) -> None:
        on = emit.enabled
        do701, do702, do705 = DANGLING in on, UNDOABLE in on, MERGED in on
        fmt, d = rec.format, rec.data
        layout = records.get(fmt)
        if not layout.replies or "preference" in layout.families or layout.desirable(d) is False:
            return  # documents, preference pairs, KTO "undesirable": bad replies on purpose
        turns = records.turns(fmt, d)
        if do705:
            self._merged(rec, emit, turns)
        if not (do701 or do702):
            return
        reqs = view.requests(turns)
        # a conversation's user turns speak of the user's world ("this item"); an
        # Alpaca instruction or a completion prompt is a task statement
        chat = "conversation" in layout.families
        if not reqs or view.shows_media(fmt, d, turns):
            return
        # tools, or a system prompt in a conversation: a deployed assistant (see doable)
        backed: bool | None = None
        for req in reqs:
            if do701:
                found = dangling.dangling(req, self._refs, self._min_context, chat)
                if found is not None:
                    emit.at(DANGLING, rec, found.message, found.pointer)
            if do702:
                if backed is None:
                    backed = view.uses_tools(fmt, d, turns) or (
                        chat and any(t.role == "system" and t.text.strip() for t in turns))
                bad = doable.undoable(req, self._asks, backed)
                if bad is not None:
                    emit.at(UNDOABLE, rec, bad.message, bad.pointer)

    def _merged(self, rec: Record, emit: Emit, turns: list[records.Turn]) -> None:
        for t in turns:
            text = t.text
            if t.kind != "text" or (":" not in text and "：" not in text and "#" not in text):
                continue  # every header ends in a colon or starts with "#"
            why = merged.merged(text, t.role == "assistant", self._headers)
            if why is not None:
                emit.at(MERGED, rec, f"{label(t.role, t.pointer)}: {why}", t.pointer)
                return
