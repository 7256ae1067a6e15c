"""DP130-DP180: the non-conversation formats (completion, alpaca, preference, classification, text).

One check dispatches on the record's format to a small function per format, each of
which validates its fields' types (DP104/DP105) before judging their content, so a
wrong type is reported as such rather than as an "empty" value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataprep.checks.base import Check, Emit, Rule
from dataprep.checks.structure import MissingField, WrongType, json_type
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


def _blank(s: str) -> bool:
    return not s or s.isspace()


class RecordFormatsCheck(Check):
    """Field types and emptiness of the completion, alpaca, preference, classification and
    text formats."""

    rules = (CompletionEmpty, AlpacaEmpty, PreferenceIdentical, PreferenceEmpty, MissingLabel,
             EmptyLabel, EmptyText, TextEmpty, MissingField, WrongType)
    formats = frozenset({"completion", "alpaca", "preference", "classification", "text"})

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        self._by_format: dict[str, Callable[[Record, dict[str, Any], Emit], None]] = {
            "completion": self._completion,
            "alpaca": self._alpaca,
            "preference": self._preference,
            "classification": self._classification,
            "text": self._text,
        }

    def check(self, rec: Record, emit: Emit) -> None:
        fn = self._by_format.get(rec.format)
        if fn is not None:
            fn(rec, rec.data, emit)

    # -------------------------------------------------------------- per format

    def _completion(self, rec: Record, d: dict[str, Any], emit: Emit) -> None:
        for key in ("prompt", "completion"):
            s = _string(rec, d, key, emit, "completion")
            if s is not None and _blank(s):
                emit.at("DP130", rec, f'"{key}" is empty', f"/{key}")

    def _alpaca(self, rec: Record, d: dict[str, Any], emit: Emit) -> None:
        for key in ("instruction", "output"):
            s = _string(rec, d, key, emit, "alpaca")
            if s is not None and _blank(s):
                emit.at("DP140", rec, f'"{key}" is empty', f"/{key}")
        inp = d.get("input")
        if inp is not None and type(inp) is not str:
            emit.at("DP105", rec, f'"input" must be a string, not {json_type(inp)}', "/input")

    def _text(self, rec: Record, d: dict[str, Any], emit: Emit) -> None:
        s = _string(rec, d, "text", emit, "text")
        if s is not None and _blank(s):
            emit.at("DP180", rec, '"text" is empty', "/text")

    def _classification(self, rec: Record, d: dict[str, Any], emit: Emit) -> None:
        s = _string(rec, d, "text", emit, "classification")
        if s is not None and _blank(s):
            emit.at("DP172", rec, '"text" is empty', "/text")
        label = d.get("label")
        if label is None:
            if "label" in d:
                emit.at("DP170", rec, '"label" is null', "/label")
            else:
                emit.at("DP170", rec, 'classification record has no "label"', "")
        elif type(label) is str:
            if _blank(label):
                emit.at("DP171", rec, '"label" is an empty string', "/label")
        elif type(label) is list or type(label) is dict:
            emit.at("DP105", rec, f'"label" must be a string or a number, not {json_type(label)} '
                    "(use one record per label)", "/label")

    def _preference(self, rec: Record, d: dict[str, Any], emit: Emit) -> None:
        for key in ("prompt", "input"):
            v = d.get(key)
            if v is not None and type(v) is not str:
                if type(v) is list:
                    _messages(rec, v, f"/{key}", emit)
                else:
                    emit.at("DP105", rec, f'"{key}" must be a string or a list of messages, not '
                            f"{json_type(v)}", f"/{key}")
        texts = []
        for key in ("chosen", "rejected"):
            v = d.get(key)
            if type(v) is str:
                if _blank(v):
                    emit.at("DP161", rec, f'"{key}" is empty', f"/{key}")
                    return
                texts.append(" ".join(v.split()))
            elif type(v) is list:
                norm = _messages(rec, v, f"/{key}", emit)
                if norm is None:
                    return
                if not v or not any(role == "assistant" and text for role, text in norm):
                    what = "an empty list" if not v else "a message list without assistant content"
                    emit.at("DP161", rec, f'"{key}" is {what}', f"/{key}")
                    return
                texts.append("\x1e".join(f"{role}\x1f{text}" for role, text in norm))
            elif key not in d:
                emit.at("DP104", rec, f'preference record has no "{key}"', "")
                return
            else:
                emit.at("DP105", rec, f'"{key}" must be a string or a list of messages, not '
                        f"{json_type(v)}", f"/{key}")
                return
        if texts[0] == texts[1]:
            emit.at("DP160", rec, "chosen and rejected are the same (after whitespace "
                    "normalisation): the pair teaches no preference", "/rejected")


def _string(rec: Record, d: dict[str, Any], key: str, emit: Emit, fmt: str) -> str | None:
    """The string value of a required field, or None after reporting it missing or mistyped."""
    v = d.get(key)
    if type(v) is str:
        return v
    if v is None and key not in d:
        emit.at("DP104", rec, f'{fmt} record has no "{key}"', "")
    else:
        emit.at("DP105", rec, f'"{key}" must be a string, not {json_type(v)}', f"/{key}")
    return None


def _messages(rec: Record, msgs: list[Any], ptr: str, emit: Emit) -> list[tuple[str, str]] | None:
    """(role, normalised text) of a message list; None after reporting a malformed message."""
    out: list[tuple[str, str]] = []
    ok = True
    for i, m in enumerate(msgs):
        if type(m) is not dict:
            emit.at("DP105", rec, f"message must be an object, not {json_type(m)}", f"{ptr}/{i}")
            ok = False
            continue
        role = m.get("role")
        if type(role) is not str:
            if role is None and "role" not in m:
                emit.at("DP104", rec, 'message has no "role"', f"{ptr}/{i}")
            else:
                emit.at("DP105", rec, f'"role" must be a string, not {json_type(role)}',
                        f"{ptr}/{i}/role")
            ok = False
            continue
        content = m.get("content")
        if type(content) is str:
            text = content
        elif type(content) is list:
            text = "\n".join(p["text"] for p in content
                             if type(p) is dict and type(p.get("text")) is str)
        elif content is None and "content" not in m:
            emit.at("DP104", rec, 'message has no "content"', f"{ptr}/{i}")
            ok = False
            continue
        else:
            emit.at("DP105", rec, f'"content" must be a string or a list of content parts, not '
                    f"{json_type(content)}", f"{ptr}/{i}/content")
            ok = False
            continue
        out.append((role, " ".join(text.split())))
    return out if ok else None
