"""DP703 and DP704: the answer side of task validity (a reply that is not text, wrong arithmetic).

Both rules read an instruction-style exchange, a prompt and the reply that answers it,
and ask whether that reply can teach anything: DP703 whether it is text at all, DP704
whether the number it states for a plain calculation is right.  Their phrase lists are
data (``rules/packs/answers.toml``); what stays here is structure: how a reply is taken
apart, how a calculation is read out of a prompt (its numbers and its one operation) and
how the stated result is found in the reply.  The arithmetic itself is done by
``dataprep.arith``, never by ``eval``.

Speed: both rules run on every reply of every lint, so each starts with a test that
rules most records out for the price of a few ``in`` tests: DP703 looks only at short
replies that hold a URL, a markdown or HTML fragment or open with a bracket, DP704 only
at short prompts with a digit whose reply has one too.
"""


from __future__ import annotations

from typing import Any

from dataprep import packs, records
from dataprep.checks.base import Check, Emit
from dataprep.checks.hygiene.common import label, show
from dataprep.checks.task.arithmetic import TaskReader, WrongArithmetic
from dataprep.checks.task.nontext import NonTextPatterns, NonTextReply
from dataprep.checks.task.view import exchanges
from dataprep.model import Record

PACK = "answers"
NON_TEXT = NonTextReply.code
ARITHMETIC = WrongArithmetic.code


# ---------------------------------------------------------------------- the check

class TaskAnswersCheck(Check):
    """Pairs each assistant reply with the prompt it answers and runs DP703 and DP704."""

    rules = (NonTextReply, WrongArithmetic)
    per_record = True
    formats = frozenset({"alpaca", "conversation", "completion"})

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        enabled = context.enabled
        found: list[packs.Pattern] = []
        if NON_TEXT in enabled or ARITHMETIC in enabled:
            found = packs.load([PACK], packs.pack_files(context.config)).for_rule(
                [NON_TEXT, ARITHMETIC])
        self._nontext = NonTextPatterns([p for p in found if p.rule == NON_TEXT])
        self._tasks = TaskReader([p for p in found if p.rule == ARITHMETIC])
        self._max_reply = int(options[NON_TEXT]["max_chars"])
        self._max_prompt = int(options[ARITHMETIC]["max_prompt_chars"])

    def check(self, rec: Record, emit: Emit) -> None:
        on = emit.enabled
        do703, do704 = NON_TEXT in on, ARITHMETIC in on
        if not (do703 or do704):
            return
        layout = records.get(rec.format)
        d = rec.data
        if not layout.replies or "preference" in layout.families or layout.desirable(d) is False:
            return  # documents, preference pairs (a rejected reply is bad on purpose), KTO "bad"
        for prompt, reply, grounding in exchanges(records.turns(rec.format, d)):
            text = reply.text
            if do703 and len(text) <= self._max_reply:
                kind = self._nontext.only_non_text(text, prompt, grounding)
                if kind is not None:
                    emit.at(NON_TEXT, rec, f"the {label(reply.role, reply.pointer)} is only "
                            f"{kind}: {show(text.strip())}; a text model learns nothing from it",
                            reply.pointer)
            if do704 and len(prompt) <= self._max_prompt:
                wrong = self._tasks.wrong_result(prompt, text)
                if wrong is not None:
                    emit.at(ARITHMETIC, rec, wrong, reply.pointer)
