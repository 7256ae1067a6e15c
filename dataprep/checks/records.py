"""DP130-DP190: a record's own fields: types, emptiness, labels and preference pairs.

The layout (``dataprep.records``) says what is wrong with its fields (``problems``:
missing or mistyped, reported as DP104/DP105), which texts must not be blank
(``required_texts``, each named by the family whose emptiness rule reads it) and what
its preference pair is; this check only turns those answers into findings, so it knows
no layout's keys.  Inside conversations, the conversation walk (``chat.py``) judges.
"""

from __future__ import annotations

from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit, Rule
from dataprep.checks.structure import MissingField, WrongType
from dataprep.model import Record


class CompletionEmpty(Rule):
    """A completion record whose prompt or completion is empty or only whitespace.

    An empty completion trains the model to stop without answering; an empty prompt
    trains it to produce this answer for any input. Either is a record that hurts.

    Examples:
    pass: {"prompt": "Capital of France?", "completion": " Paris"}
    fail: {"prompt": "Capital of France?", "completion": "  "}
    """

    code = "DP130"
    name = "completion.empty"
    severity = "error"
    formats = ("completion",)


class AlpacaEmpty(Rule):
    """An alpaca record whose instruction or output is empty (``input`` may be empty).

    The instruction is the task and the output the target; without either there is
    nothing to learn, or the model learns to answer with nothing.

    Examples:
    pass: {"instruction": "Translate to French", "input": "cat", "output": "chat"}
    fail: {"instruction": "Translate to French", "input": "cat", "output": ""}
    """

    code = "DP140"
    name = "alpaca.empty"
    severity = "error"
    formats = ("alpaca",)


class PreferenceIdentical(Rule):
    """A preference pair whose chosen and rejected answers are the same.

    DPO and reward models learn from the difference between the two answers; identical
    answers (after whitespace normalisation) carry no signal, and in DPO they only add
    noise to the loss.

    Examples:
    pass: {"prompt": "Say hi", "chosen": "Hello!", "rejected": "Go away."}
    fail: {"prompt": "Say hi", "chosen": "Hello!", "rejected": "Hello! "}
    """

    code = "DP160"
    name = "preference.identical"
    severity = "error"
    formats = ("preference",)


class PreferenceEmpty(Rule):
    """A preference pair with an empty chosen or rejected answer.

    An empty answer is a degenerate comparison: preferring anything over nothing, or
    nothing over anything, teaches length and not quality. A message list counts as empty
    when no assistant message in it has content.

    Examples:
    pass: {"prompt": "Say hi", "chosen": "Hello!", "rejected": "Go away."}
    fail: {"prompt": "Say hi", "chosen": "Hello!", "rejected": ""}
    """

    code = "DP161"
    name = "preference.empty"
    severity = "error"
    formats = ("preference",)


class MissingLabel(Rule):
    """A classification record whose label is null or missing.

    A record without a label cannot be trained on; if the trainer fills it in as the
    string "None", the model learns a class that does not exist.

    Examples:
    pass: {"text": "I loved it", "label": "positive"}
    fail: {"text": "I loved it", "label": null}
    """

    code = "DP170"
    name = "classification.missing-label"
    severity = "error"
    formats = ("classification",)


class EmptyLabel(Rule):
    """A classification record whose label is an empty or whitespace-only string.

    An empty label becomes a class of its own that the model learns to predict, usually
    for the hardest inputs, which were the ones left unlabelled.

    Examples:
    pass: {"text": "I loved it", "label": "positive"}
    fail: {"text": "I loved it", "label": " "}
    """

    code = "DP171"
    name = "classification.empty-label"
    severity = "error"
    formats = ("classification",)


class EmptyText(Rule):
    """A classification record whose text is empty or only whitespace.

    A label attached to no input teaches the model that this class is the answer to
    nothing, which skews it toward that class on short or empty inputs.

    Examples:
    pass: {"text": "I loved it", "label": "positive"}
    fail: {"text": "", "label": "positive"}
    """

    code = "DP172"
    name = "classification.empty-text"
    severity = "error"
    formats = ("classification",)


class TextEmpty(Rule):
    """A language-modelling record whose text is empty or only whitespace.

    Empty records waste steps and, once packed, add stray separator tokens; many also
    signal a failed extraction upstream.

    Examples:
    pass: {"text": "Once upon a time there was a linter."}
    fail: {"text": "\\n\\n"}
    """

    code = "DP180"
    name = "text.empty"
    severity = "error"
    formats = ("text",)


class PreferenceHistoryMismatch(Rule):
    """A preference pair whose chosen and rejected conversations differ before the final reply.

    With an implicit prompt (TRL, Anthropic HH transcripts) the prompt is the beginning the
    two conversations share; when their histories differ, the trainer's prompt is cut
    where they part and the pair compares two different conversations, not two replies to
    one prompt.

    Examples:
    pass: {"chosen": "\\n\\nHuman: Hi\\n\\nAssistant: Hello!", "rejected": "\\n\\nHuman: Hi\\n\\nAssistant: Go away."}
    fail: {"chosen": "\\n\\nHuman: Hi\\n\\nAssistant: Hello!", "rejected": "\\n\\nHuman: Bye\\n\\nAssistant: Go away."}
    """

    code = "DP162"
    name = "preference.history-mismatch"
    severity = "warning"
    formats = ("preference",)


class PromptEmpty(Rule):
    """A prompt-only (RL) record whose prompt has no text.

    Online trainers (GRPO, PPO, RLOO) sample replies to each prompt and score them; an
    empty prompt makes the model answer nothing in particular, and the reward for it
    teaches noise.

    Examples:
    pass: {"prompt": [{"role": "user", "content": "What is 2+3?"}], "solution": "5"}
    fail: {"prompt": [{"role": "user", "content": " "}], "solution": "5"}
    """

    code = "DP190"
    name = "prompt-only.empty-prompt"
    severity = "error"
    formats = ("prompt-only",)


def _blank(s: str) -> bool:
    return not s or s.isspace()


#: the emptiness rule of each family a layout names in ``required_texts``
_EMPTY = {"completion": "DP130", "alpaca": "DP140", "classification": "DP172", "text": "DP180",
          "prompt-only": "DP190"}
_PROBLEM = {"missing": "DP104", "type": "DP105", "missing-label": "DP170"}


class RecordFormatsCheck(Check):
    """A record's own fields, through its layout's views."""

    rules = (CompletionEmpty, AlpacaEmpty, PreferenceIdentical, PreferenceEmpty,
             PreferenceHistoryMismatch, MissingLabel, EmptyLabel, EmptyText, TextEmpty,
             PromptEmpty, MissingField, WrongType)
    per_record = True

    def check(self, rec: Record, emit: Emit) -> None:
        fmt = rec.format
        if fmt not in records.BY_NAME:
            return
        layout = records.get(fmt)
        d = rec.data
        problems = layout.problems(d)
        for p in problems:
            emit.at(_PROBLEM[p.kind], rec, p.message, p.pointer)
        for ptr, text, family in layout.required_texts(d):
            if _blank(text):
                name = ptr.rsplit("/", 1)[-1]
                emit.at(_EMPTY[family], rec, f'"{name}" is empty', ptr)
        if layout.task == "classification":
            self._label(rec, layout, d, emit)
        if "preference" in layout.families and not problems:
            self._pair(rec, layout.preference(d), emit)

    def _label(self, rec: Record, layout: records.Layout, d: dict[str, Any], emit: Emit) -> None:
        if layout.label(d) is not None:
            return
        got = layout.label_field(d)
        if got is None:
            return
        ptr, value, present = got
        if value is None:
            emit.at("DP170", rec, '"label" is null' if present else
                    'classification record has no "label"', ptr if present else "")
        elif type(value) is str and _blank(value):
            emit.at("DP171", rec, '"label" is an empty string', ptr)

    def _pair(self, rec: Record, pair: records.Pair | None, emit: Emit) -> None:
        if pair is None:
            return
        sides = ((pair.chosen, pair.chosen_pointer, pair.empty[0]),
                 (pair.rejected, pair.rejected_pointer, pair.empty[1]))
        for text, ptr, what in sides:
            if _blank(text):
                emit.at("DP161", rec, f'"{ptr.lstrip("/")}" {what}', ptr)
                return
        if pair.history_differs:
            emit.at("DP162", rec, "chosen and rejected conversations differ before the final "
                    "reply: the shared prompt a trainer extracts is cut where they part",
                    pair.rejected_pointer)
        if " ".join(pair.chosen.split()) == " ".join(pair.rejected.split()):
            emit.at("DP160", rec, "chosen and rejected are the same (after whitespace "
                    "normalisation): the pair teaches no preference", pair.rejected_pointer)
