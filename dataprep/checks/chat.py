"""DP110-DP120: conversations (chat ``messages`` and ShareGPT ``conversations``).

Every rule of the family is judged in one walk over the messages, because this is the
hot path of the most common fine-tuning format: a valid message costs a type check, a
role look-up, a content check and a couple of integer comparisons.  Anything unusual
(extra keys such as ``tool_calls`` or ``weight``, content parts, errors) leaves the fast
path for helper methods, where speed no longer matters.

The walk also reports DP104 (missing field) and DP105 (wrong type) for messages, which is
why those rule classes are listed here as well as in the registry's structure family.

Conventions accepted beside OpenAI's: Hugging Face chat templates give tool-call
``arguments`` as an object and may omit call ``id``s, and multimodal processors use
``{"type": "image"}`` placeholder parts; Parquet and HF datasets fill absent optional keys
with null, so a null ``weight`` / ``tool_calls`` / ``tool_call_id`` counts as absent.
"""

from __future__ import annotations

from typing import Any

import orjson

from dataprep import records
from dataprep.checks.base import Check, Emit, Rule
from dataprep.checks.structure import MissingField, WrongType, quote
from dataprep.model import Record
from dataprep.records import Conversation
from dataprep.records.messages import json_type
from dataprep.records.roles import ROLE_HINTS
from dataprep.records.toolcalls import might_hold_calls, text_calls

# role classes
_SYS, _USER, _ASST, _TOOL, _FUNC, _OTHER = range(6)
# what the previous non-system turn was
_L_NONE, _L_USER, _L_ASST, _L_CALL, _L_TOOL = range(5)

#: the walk's role class of each class name of ``records.roles`` (a ShareGPT ``call`` turn
#: is an assistant turn that makes a call)
_CLASS = {"system": _SYS, "user": _USER, "assistant": _ASST, "call": _ASST, "tool": _TOOL,
          "function": _FUNC}
#: record-level keys the full walk must validate
_RECORD_TOOL_KEYS = frozenset({"tools", "functions", "parallel_tool_calls", "prompt", "completion"})
_PLACEHOLDER_PARTS = frozenset({"image", "audio", "video"})
#: LLaMA-Factory v1 parts: {"type", "value"}; media parts give a path or URL as the value
_VALUE_TEXT_PARTS = frozenset({"text", "reasoning"})
_VALUE_MEDIA_PARTS = frozenset({"image_url", "video_url", "audio_url"})
_PART_TYPES = "text, image_url, input_audio, file, refusal; v1: reasoning, tool_call, video_url, audio_url"


class UnknownRole(Rule):
    """A message role outside system, developer, user, assistant, tool (and legacy function).

    Chat templates map roles to special tokens; an unknown role is either rejected by the
    trainer or rendered as plain text, so the model learns a turn structure it will
    never see at inference time. ShareGPT records use human/gpt/system (and the
    function_call/observation tool-use variants).

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: {"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "hello"}]}
    """

    code = "DP110"
    name = "chat.unknown-role"
    severity = "error"
    formats = ("conversation",)


class SystemNotFirst(Rule):
    """A system (or developer) message after a user or assistant message.

    Chat templates place the system prompt first, and many raise an error otherwise; a
    system message in the middle of a conversation trains the model on a layout that
    inference never produces.

    Examples:
    pass: {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: {"messages": [{"role": "user", "content": "hi"}, {"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "hello"}]}
    """

    code = "DP111"
    name = "chat.system-not-first"
    severity = "error"
    formats = ("conversation",)


class NotAlternating(Rule):
    """Two user or two assistant turns in a row, or a tool result that follows no tool call.

    Several chat templates reject conversations whose user and assistant turns do not
    alternate; where they are accepted, back-to-back turns usually mean a lost reply or a
    merge error, and the model learns to talk to itself. System and tool messages do not
    count as turns, but tool results must come right after the assistant's tool call.

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}, {"role": "user", "content": "bye"}, {"role": "assistant", "content": "bye!"}]}
    fail: {"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "anyone?"}, {"role": "assistant", "content": "hello"}]}
    """

    code = "DP112"
    name = "chat.not-alternating"
    severity = "warning"
    formats = ("conversation",)


class NoAssistantTurn(Rule):
    """The conversation has no assistant turn to learn from (or every one has weight 0).

    Supervised fine-tuning computes the loss on assistant tokens only, so a record
    without a trained assistant message contributes nothing but cost, and usually means
    the reply was lost during export.

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]}
    """

    code = "DP113"
    name = "chat.no-assistant-turn"
    severity = "error"
    formats = ("conversation",)


class NoUserTurn(Rule):
    """The conversation has no user message at all.

    A reply with nothing to reply to teaches the model to produce text unprompted; such
    records are usually broken exports (a toy dataset published by OpenAI has one).

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: {"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "hello"}]}
    """

    code = "DP114"
    name = "chat.no-user-turn"
    severity = "error"
    formats = ("conversation",)


class EmptyContent(Rule):
    """A message whose content is empty or only whitespace.

    An empty assistant reply teaches the model to answer with nothing; an empty user or
    system turn is a hole in the conversation. Assistant messages that only make tool
    calls may have null or no content.

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]}
    """

    code = "DP115"
    name = "chat.empty-content"
    severity = "error"
    formats = ("conversation",)


class BadContentPart(Rule):
    """A content part that is not an object with a known type and its payload.

    Content lists are rendered part by part: a ``text`` part without a string ``text`` or
    an ``image_url`` part without a URL fails the upload or the processor, and a part of
    unknown type is dropped. Known types: text, image_url, input_audio, file, refusal
    (and image/audio/video placeholders of Hugging Face processors).

    Examples:
    pass: {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}, {"role": "assistant", "content": "hello"}]}
    fail: {"messages": [{"role": "user", "content": [{"type": "text", "content": "hi"}]}, {"role": "assistant", "content": "hello"}]}
    """

    code = "DP116"
    name = "chat.bad-content-part"
    severity = "error"
    formats = ("conversation",)


class BadWeight(Rule):
    """A message ``weight`` that is not 0 or 1, or a weight on a non-assistant message.

    ``weight`` switches training on an assistant message on (1) or off (0); any other
    value, or a weight on a user message, is rejected by the fine-tuning API, or, worse,
    ignored, so the record trains differently than its author intended.

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello", "weight": 1}]}
    fail: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello", "weight": 0.5}]}
    """

    code = "DP117"
    name = "chat.bad-weight"
    severity = "error"
    formats = ("conversation",)


class BadToolCall(Rule):
    """A malformed tool call, legacy ``function_call``, or tool definition.

    A tool call needs a ``function`` with a string ``name`` and ``arguments`` (OpenAI: a
    JSON string; Hugging Face templates: an object), an optional string ``id`` and
    ``type`` "function"; ``tools`` must be a list of ``{"type": "function", "function":
    {"name": ...}}``. Malformed calls are rejected or teach the model a call syntax its
    runtime cannot parse; a call to a function the record's tools do not define teaches
    it to invent tools.

    Examples:
    pass: {"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "It is sunny."}]}
    fail: {"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "It is sunny."}]}
    """

    code = "DP118"
    name = "chat.bad-tool-call"
    severity = "error"
    formats = ("conversation",)


class ToolArgumentsNotJson(Rule):
    """Tool call arguments that are not a JSON object.

    The model learns to emit exactly what it is trained on: arguments that are not valid
    JSON teach it tool calls that the runtime cannot parse. This covers the ``arguments``
    string of tool calls and legacy function calls, and ShareGPT ``function_call`` turns.

    Examples:
    pass: {"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "It is sunny."}]}
    fail: {"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{city: Oslo}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "It is sunny."}]}
    """

    code = "DP119"
    name = "chat.tool-arguments-not-json"
    severity = "error"
    formats = ("conversation",)


class ToolResultWithoutCall(Rule):
    """A tool result that answers no earlier tool call in the conversation.

    A ``tool`` message must answer the ``id`` of an earlier assistant tool call (a legacy
    ``function`` message, an earlier ``function_call``; a ShareGPT ``observation``, an
    earlier ``function_call`` turn). Orphan results are rejected by the fine-tuning API
    and teach the model that tool output appears out of nowhere.

    Examples:
    pass: {"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "It is sunny."}]}
    fail: {"messages": [{"role": "user", "content": "weather?"}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "It is sunny."}]}
    """

    code = "DP120"
    name = "chat.tool-result-without-call"
    severity = "error"
    formats = ("conversation",)


class ChatCheck(Check):
    """One walk over a conversation's messages reports every DP11x rule (and DP104/DP105)."""

    rules = (UnknownRole, SystemNotFirst, NotAlternating, NoAssistantTurn, NoUserTurn,
             EmptyContent, BadContentPart, BadWeight, BadToolCall, ToolArgumentsNotJson,
             ToolResultWithoutCall, MissingField, WrongType)
    per_record = True
    formats = frozenset({"conversation"})

    def check(self, rec: Record, emit: Emit) -> None:
        d = rec.data
        layout = records.get(rec.format)
        msgs = layout.plain_messages(d)
        if msgs is not None and (len(d) == 1 or d.keys().isdisjoint(_RECORD_TOOL_KEYS)):
            # Fast path: a pre-scan that proves a plain record clean (messages of exactly
            # role + non-blank string content, system first, user and assistant
            # alternating, both present).  Anything else, even if valid, goes to the full
            # walk below, which is the one that reports; the pre-scan never does.
            last = 0
            both = False  # user and assistant seen (alternating, so one follows the other)
            try:
                for m in msgs:
                    content = m["content"]
                    if type(content) is not str or len(m) != 2 or not content or content.isspace():
                        break
                    role = m["role"]
                    if role == "assistant":
                        if last == 2:
                            break
                        if last:
                            both = True
                        last = 2
                    elif role == "user":
                        if last == 1:
                            break
                        if last:
                            both = True
                        last = 1
                    elif last or (role != "system" and role != "developer"):
                        break
                else:
                    if both:
                        return
            except (KeyError, TypeError):
                pass
        self._full(rec, d, emit)

    def _full(self, rec: Record, d: dict[str, Any], emit: Emit) -> None:
        """The walk that reports: every message, tool calls and record-level tools."""
        conv = records.get(rec.format).conversation(d)
        if conv is None:
            return  # the record's own fields are wrong: DP104/DP105 of the record check
        if conv.style == "turns":
            self._turns(rec, d, conv, emit)
            return
        defined = self._record_tools(rec, d, emit) if len(d) > 1 else None
        self._walk(rec, emit, conv, defined)

    # ------------------------------------------------------------------ chat walk

    def _walk(self, rec: Record, emit: Emit, conv: Conversation, defined: set[str] | None) -> None:
        segments = conv.segments
        table = conv.roles
        users = assistants = trained = 0
        last = _L_NONE
        non_system = False
        ids: list[str] | None = None  # tool call ids so far (None: no tool call yet)
        legacy = False  # an assistant function_call, or a call written as text, seen
        for prefix, msgs in segments:
            for i, m in enumerate(msgs):
                if type(m) is not dict:
                    emit.at("DP105", rec, f"message must be an object, not {json_type(m)}",
                            f"{prefix}/{i}")
                    non_system = True
                    continue
                role = m.get("role")
                cls = table.get(role) if type(role) is str else None
                r = _CLASS[cls] if cls is not None else _OTHER
                if r == _OTHER:
                    self._bad_role(rec, emit, m, role, f"{prefix}/{i}", "role", table, conv.noun)
                content = m.get("content")
                calls = False
                counts = True  # trained on (weight absent or 1)
                if len(m) > 2 or content is None or r == _OTHER:
                    calls, counts, ids, legacy = self._extras(
                        rec, emit, m, r, f"{prefix}/{i}", ids, legacy, defined)
                if type(content) is str:
                    if r == _ASST and might_hold_calls(content):
                        if self._text_calls(rec, emit, content, f"{prefix}/{i}/content"):
                            calls = legacy = True
                    if (not content or content.isspace()) and not calls:
                        emit.at("DP115", rec, f"{_role_name(role)} message has empty content",
                                f"{prefix}/{i}/content")
                elif type(content) is list:
                    if self._parts(rec, emit, content, f"{prefix}/{i}/content", calls, role):
                        calls = legacy = True
                else:
                    self._bad_content(rec, emit, m, content, calls, f"{prefix}/{i}")
                if r == _USER:
                    if last == _L_USER:
                        emit.at("DP112", rec, "two user messages in a row", f"{prefix}/{i}")
                    last = _L_USER
                    users += 1
                    non_system = True
                elif r == _ASST:
                    if last == _L_ASST or last == _L_CALL:
                        emit.at("DP112", rec, "two assistant messages in a row", f"{prefix}/{i}")
                    last = _L_CALL if calls else _L_ASST
                    assistants += 1
                    if counts:
                        trained += 1
                    non_system = True
                elif r == _SYS:
                    if non_system:
                        emit.at("DP111", rec, f"{role} message after the conversation started; "
                                "put it first", f"{prefix}/{i}")
                elif r == _TOOL or r == _FUNC:
                    self._tool_result(rec, emit, m, r, f"{prefix}/{i}", ids, legacy, last)
                    last = _L_TOOL
                    non_system = True
                else:
                    non_system = True
        n = sum(len(s) for _, s in segments)
        self._turn_totals(rec, emit, n, users, assistants, trained, segments[0][0],
                          segments[-1][0], "messages", conv.needs_reply)

    def _text_calls(self, rec: Record, emit: Emit, text: str, ptr: str) -> bool:
        """Calls written in an assistant's text (Hermes, ToolACE): DP119 for each that does
        not parse; True when the text makes calls."""
        found = text_calls(text)
        for call in found:
            if call.problem is not None:
                emit.at("DP119", rec, f"{call.problem}: {quote(call.arguments, 40)}", ptr)
        return bool(found)

    def _turn_totals(self, rec: Record, emit: Emit, n: int, users: int, assistants: int,
                     trained: int, first: str, last: str, what: str,
                     needs_reply: bool = True) -> None:
        if n == 0:
            emit.at("DP113", rec, f"{what} is empty: nothing to learn", last)
            return
        if not needs_reply:
            pass  # the reply lives outside the conversation (ShareGPT DPO)
        elif assistants == 0:
            emit.at("DP113", rec, "no assistant message: nothing to learn", last)
        elif trained == 0:
            emit.at("DP113", rec, "every assistant message has weight 0: nothing to learn", last)
        if users == 0:
            emit.at("DP114", rec, "no user message: the replies answer nothing", first)

    def _bad_role(self, rec: Record, emit: Emit, m: dict[str, Any], role: Any, ptr: str,
                  key: str, known: Any, noun: str) -> None:
        if role is None and key not in m:
            emit.at("DP104", rec, f'{noun} has no "{key}"', ptr)
        elif type(role) is not str:
            emit.at("DP105", rec, f'"{key}" must be a string, not {json_type(role)}',
                    f"{ptr}/{key}")
        else:
            hint = ROLE_HINTS.get(role.strip().lower())
            if hint is None and role.strip().lower() in known:
                hint = role.strip().lower()
            tip = f" (did you mean {hint!r}?)" if hint and hint in known else ""
            emit.at("DP110", rec, f"unknown role {quote(role, 40)}{tip}; expected one of "
                    f"{', '.join(known)}", f"{ptr}/{key}")

    def _bad_content(self, rec: Record, emit: Emit, m: dict[str, Any], content: Any,
                     calls: bool, ptr: str) -> None:
        if content is None:
            if calls:
                return
            if "content" not in m:
                emit.at("DP104", rec, 'message has no "content"', ptr)
            else:
                emit.at("DP105", rec, '"content" is null (allowed only on assistant messages '
                        "with tool calls)", f"{ptr}/content")
            return
        emit.at("DP105", rec, f'"content" must be a string or a list of content parts, not '
                f"{json_type(content)}", f"{ptr}/content")

    def _parts(self, rec: Record, emit: Emit, parts: list[Any], ptr: str, calls: bool,
               role: Any) -> bool:
        """Content parts: each must be a typed object with its payload; True when a part is a
        tool call (LLaMA-Factory v1)."""
        substance = False
        bad = False
        made_call = False
        for j, p in enumerate(parts):
            problem = None
            if type(p) is not dict:
                problem = f"content part must be an object, not {json_type(p)}"
            elif "value" in p and "text" not in p:  # LLaMA-Factory v1: {"type", "value"}
                t = p.get("type")
                v = p.get("value")
                if t in _VALUE_TEXT_PARTS or t in _VALUE_MEDIA_PARTS:
                    if type(v) is not str:
                        problem = f'a "{t}" part needs a string "value", not {json_type(v)}'
                    elif v.strip():
                        substance = True
                elif t == "tool_call":
                    made_call = substance = True
                    if type(v) is str:
                        _json_object(rec, emit, v, f"{ptr}/{j}/value", "tool_call part")
                    elif type(v) is not dict:
                        problem = f'a "tool_call" part needs a JSON object "value", not {json_type(v)}'
                else:
                    problem = f"unknown content part type {quote(t, 40)} (known: {_PART_TYPES})"
            else:
                t = p.get("type")
                if t == "text":
                    tx = p.get("text")
                    if type(tx) is not str:
                        problem = ('a "text" part has no "text"' if "text" not in p else
                                   f'a "text" part needs a string "text", not {json_type(tx)}')
                    elif tx and not tx.isspace():
                        substance = True
                elif t == "image_url":
                    iu = p.get("image_url")
                    url = iu.get("url") if type(iu) is dict else None
                    if type(url) is str and url.strip():
                        substance = True
                    else:
                        problem = 'an "image_url" part needs "image_url": {"url": "..."}'
                elif t == "input_audio":
                    ia = p.get("input_audio")
                    if (type(ia) is dict and type(ia.get("data")) is str
                            and type(ia.get("format")) is str):
                        substance = True
                    else:
                        problem = 'an "input_audio" part needs "input_audio": {"data", "format"}'
                elif t == "file":
                    f = p.get("file")
                    if type(f) is dict and (type(f.get("file_id")) is str
                                            or type(f.get("file_data")) is str):
                        substance = True
                    else:
                        problem = 'a "file" part needs "file": {"file_id" or "file_data"}'
                elif t == "refusal":
                    rf = p.get("refusal")
                    if type(rf) is not str:
                        problem = 'a "refusal" part needs a string "refusal"'
                    elif rf.strip():
                        substance = True
                elif type(t) is str and t in _PLACEHOLDER_PARTS:
                    substance = True
                elif t is None:
                    problem = 'content part has no "type"'
                else:
                    problem = f"unknown content part type {quote(t, 40)} (known: {_PART_TYPES})"
            if problem is not None:
                bad = True
                emit.at("DP116", rec, problem, f"{ptr}/{j}")
        if not substance and not bad and not calls:
            what = "an empty list" if not parts else "only empty text parts"
            emit.at("DP115", rec, f"{_role_name(role)} message content is {what}", ptr)
        return made_call

    def _extras(self, rec: Record, emit: Emit, m: dict[str, Any], r: int, ptr: str,
                ids: list[str] | None, legacy: bool, defined: set[str] | None
                ) -> tuple[bool, bool, list[str] | None, bool]:
        """weight, tool_calls and function_call of one message: (calls, trained, ids, legacy)."""
        counts = True
        w = m.get("weight")
        if w is not None:
            if type(w) is not int or (w != 0 and w != 1):
                emit.at("DP117", rec, f'"weight" must be 0 or 1, not {quote(w, 20)}',
                        f"{ptr}/weight")
            elif r != _ASST:
                emit.at("DP117", rec, '"weight" is only allowed on assistant messages',
                        f"{ptr}/weight")
            elif w == 0:
                counts = False
        lw = m.get("loss_weight")  # LLaMA-Factory v1: a loss multiplier on any message
        if lw is not None:
            if type(lw) not in (int, float) or type(lw) is bool or lw < 0:
                emit.at("DP117", rec, f'"loss_weight" must be a non-negative number, not '
                        f"{quote(lw, 20)}", f"{ptr}/loss_weight")
            elif lw == 0 and r == _ASST:
                counts = False
        calls = False
        tc = m.get("tool_calls")
        if tc is not None and tc != []:
            calls = True
            if r != _ASST:
                emit.at("DP118", rec, "only assistant messages may make tool calls",
                        f"{ptr}/tool_calls")
            else:
                got = self._tool_calls(rec, emit, tc, f"{ptr}/tool_calls", defined)
                ids = got if ids is None else ids + got
        fc = m.get("function_call")
        if fc is not None:
            calls = True
            if r != _ASST:
                emit.at("DP118", rec, "only assistant messages may make function calls",
                        f"{ptr}/function_call")
            elif type(fc) is not dict:
                emit.at("DP118", rec, f'"function_call" must be an object with "name" and '
                        f'"arguments", not {json_type(fc)}', f"{ptr}/function_call")
                legacy = True
            else:
                self._function(rec, emit, fc, f"{ptr}/function_call", defined)
                legacy = True
        return calls, counts, ids, legacy

    def _tool_calls(self, rec: Record, emit: Emit, tc: Any, ptr: str,
                    defined: set[str] | None) -> list[str]:
        ids: list[str] = []
        if type(tc) is not list:
            emit.at("DP118", rec, f'"tool_calls" must be a list, not {json_type(tc)}', ptr)
            return ids
        for k, call in enumerate(tc):
            cp = f"{ptr}/{k}"
            if type(call) is not dict:
                emit.at("DP118", rec, f"tool call must be an object, not {json_type(call)}", cp)
                continue
            cid = call.get("id")
            if cid is not None:
                if type(cid) is not str or not cid.strip():
                    emit.at("DP118", rec, 'tool call "id" must be a non-empty string', f"{cp}/id")
                elif cid in ids:
                    emit.at("DP118", rec, f"tool call id {quote(cid, 40)} is used twice",
                            f"{cp}/id")
                else:
                    ids.append(cid)
            ctype = call.get("type")
            if ctype is not None and ctype != "function":
                emit.at("DP118", rec, 'tool call "type" must be "function", not '
                        f"{quote(ctype, 30)}", f"{cp}/type")
            fn = call.get("function")
            if type(fn) is not dict:
                emit.at("DP118", rec, 'tool call needs a "function" object with "name" and '
                        '"arguments"', cp)
                continue
            self._function(rec, emit, fn, f"{cp}/function", defined)
        return ids

    def _function(self, rec: Record, emit: Emit, fn: dict[str, Any], ptr: str,
                  defined: set[str] | None) -> None:
        name = fn.get("name")
        if type(name) is not str or not name.strip():
            emit.at("DP118", rec, 'function call needs a non-empty string "name"', ptr)
        elif defined is not None and name not in defined:
            emit.at("DP118", rec, f"calls {quote(name, 40)}, which the record's tools do not "
                    "define", f"{ptr}/name")
        if "arguments" not in fn or fn["arguments"] is None:
            emit.at("DP118", rec, 'function call needs "arguments" (use "{}" for none)', ptr)
            return
        args = fn["arguments"]
        if type(args) is str:
            _json_object(rec, emit, args, f"{ptr}/arguments", '"arguments"')
        elif type(args) is not dict:  # an object is how Hugging Face chat templates take it
            emit.at("DP118", rec, f'"arguments" must be a JSON string, not {json_type(args)}',
                    f"{ptr}/arguments")

    def _tool_result(self, rec: Record, emit: Emit, m: dict[str, Any], r: int, ptr: str,
                     ids: list[str] | None, legacy: bool, last: int) -> None:
        if r == _FUNC:
            if not legacy:
                emit.at("DP120", rec, "function message, but no earlier assistant "
                        "function_call", ptr)
                return
        else:
            if ids is None and not legacy:
                emit.at("DP120", rec, "tool message, but no earlier assistant message made a "
                        "tool call", ptr)
                return
            tcid = m.get("tool_call_id")
            if tcid is not None:
                if type(tcid) is not str:
                    emit.at("DP105", rec, f'"tool_call_id" must be a string, not {json_type(tcid)}',
                            f"{ptr}/tool_call_id")
                    return
                if tcid not in (ids or ()):
                    known = ", ".join(quote(x, 30) for x in (ids or [])[:5]) or "none"
                    emit.at("DP120", rec, f"tool_call_id {quote(tcid, 40)} answers no earlier "
                            f"tool call (ids so far: {known})", f"{ptr}/tool_call_id")
                    return
        if last != _L_CALL and last != _L_TOOL:
            emit.at("DP112", rec, "tool result does not follow the assistant's tool call", ptr)

    # ------------------------------------------------------------------ record-level tools

    def _record_tools(self, rec: Record, d: dict[str, Any], emit: Emit) -> set[str] | None:
        """Validate ``tools`` / ``functions``; return the defined names (None: no tools)."""
        defined: set[str] | None = None
        tools = _load_tools(rec, d, emit)
        if tools is not None:
            defined = set()
            for k, t in enumerate(tools):
                self._tool_def(rec, emit, t, f"/tools/{k}", defined)
        functions = d.get("functions")
        if functions is not None:
            if type(functions) is not list:
                emit.at("DP105", rec, f'"functions" must be a list, not {json_type(functions)}',
                        "/functions")
            else:
                defined = defined if defined is not None else set()
                for k, fn in enumerate(functions):
                    self._function_def(rec, emit, fn, f"/functions/{k}", defined)
        ptc = d.get("parallel_tool_calls")
        if ptc is not None and type(ptc) is not bool:
            emit.at("DP105", rec, f'"parallel_tool_calls" must be true or false, not '
                    f"{json_type(ptc)}", "/parallel_tool_calls")
        return defined

    def _tool_def(self, rec: Record, emit: Emit, t: Any, ptr: str, defined: set[str],
                  bare_ok: bool = False) -> None:
        if type(t) is not dict:
            emit.at("DP118", rec, f"tool definition must be an object, not {json_type(t)}", ptr)
            return
        if bare_ok and "function" not in t and "name" in t:
            self._function_def(rec, emit, t, ptr, defined)
            return
        typ = t.get("type")
        if "type" not in t:
            emit.at("DP118", rec, 'tool definition has no "type": "function"', ptr)
        elif typ != "function":
            emit.at("DP118", rec, f'tool definition "type" must be "function", not '
                    f"{quote(typ, 30)}", f"{ptr}/type")
        fn = t.get("function")
        if type(fn) is not dict:
            emit.at("DP118", rec, 'tool definition needs a "function" object with a "name"', ptr)
            return
        self._function_def(rec, emit, fn, f"{ptr}/function", defined)

    def _function_def(self, rec: Record, emit: Emit, fn: Any, ptr: str, defined: set[str]) -> None:
        if type(fn) is not dict:
            emit.at("DP118", rec, f"function definition must be an object, not {json_type(fn)}",
                    ptr)
            return
        name = fn.get("name")
        if type(name) is not str or not name.strip():
            emit.at("DP118", rec, 'function definition needs a non-empty string "name"', ptr)
        elif name in defined:
            emit.at("DP118", rec, f"function {quote(name, 40)} is defined twice", f"{ptr}/name")
        else:
            defined.add(name)
        params = fn.get("parameters")
        if params is not None and type(params) is not dict:
            emit.at("DP118", rec, f'"parameters" must be a JSON Schema object, not '
                    f"{json_type(params)}", f"{ptr}/parameters")

    # ------------------------------------------------------------------ ShareGPT

    def _turns(self, rec: Record, d: dict[str, Any], conv: Conversation, emit: Emit) -> None:
        """ShareGPT-style turns: a speaker tag and a string value each."""
        if len(d) > 1:
            self._sharegpt_tools(rec, d, emit)
        users = assistants = n = 0
        last = _L_NONE
        non_system = False
        calls_seen = False
        rk, vk, table = conv.role_key, conv.content_key, conv.roles
        for prefix, turns in conv.segments:
            for i, t in enumerate(turns):
                n += 1
                ptr = f"{prefix}/{i}"
                if type(t) is not dict:
                    emit.at("DP105", rec, f"turn must be an object, not {json_type(t)}", ptr)
                    non_system = True
                    continue
                frm = t.get(rk)
                cls = table.get(frm) if type(frm) is str else None
                r = _CLASS[cls] if cls is not None else _OTHER
                if r == _OTHER:
                    self._bad_role(rec, emit, t, frm, ptr, rk, table, conv.noun)
                value = t.get(vk)
                call = cls == "call"
                if type(value) is str:
                    if not value or value.isspace():
                        emit.at("DP115", rec, f"{_role_name(frm)} turn has an empty {vk}",
                                f"{ptr}/{vk}")
                    elif call:
                        _json_object(rec, emit, value, f"{ptr}/{vk}", "function_call value",
                                     allow_list=True)
                    elif r == _ASST and might_hold_calls(value):
                        call = self._text_calls(rec, emit, value, f"{ptr}/{vk}")
                elif vk not in t:
                    emit.at("DP104", rec, f'turn has no "{vk}"', ptr)
                else:
                    emit.at("DP105", rec, f'"{vk}" must be a string, not {json_type(value)}',
                            f"{ptr}/{vk}")
                if r == _USER:
                    if last == _L_USER:
                        emit.at("DP112", rec, "two user turns in a row", ptr)
                    last = _L_USER
                    users += 1
                    non_system = True
                elif r == _ASST:
                    if last == _L_ASST or last == _L_CALL:
                        emit.at("DP112", rec, "two assistant turns in a row", ptr)
                    last = _L_CALL if call else _L_ASST
                    calls_seen = calls_seen or call
                    assistants += 1
                    non_system = True
                elif r == _SYS:
                    if non_system:
                        emit.at("DP111", rec, "system turn after the conversation started; put "
                                "it first (or in the record's \"system\" field)", ptr)
                elif r == _TOOL or r == _FUNC:
                    if not calls_seen:
                        emit.at("DP120", rec, f"{frm} turn, but no earlier turn made a tool call "
                                "(function_call turn, <tool_call> or [name(...)] text)", ptr)
                    elif last != _L_CALL and last != _L_TOOL:
                        emit.at("DP112", rec, "tool result does not follow the turn that made "
                                "the call", ptr)
                    last = _L_TOOL
                    non_system = True
                else:
                    non_system = True
        first, end = conv.segments[0][0], conv.segments[-1][0]
        self._turn_totals(rec, emit, n, users, assistants, assistants, first, end,
                          "conversations", conv.needs_reply)

    def _sharegpt_tools(self, rec: Record, d: dict[str, Any], emit: Emit) -> None:
        tools = _load_tools(rec, d, emit)
        if tools is None:
            return
        defined: set[str] = set()
        for k, t in enumerate(tools):
            self._tool_def(rec, emit, t, f"/tools/{k}", defined, bare_ok=True)


def _load_tools(rec: Record, d: dict[str, Any], emit: Emit) -> list[Any] | None:
    """The record's ``tools`` as a list, decoding JSON text; None when absent or unusable.

    Hugging Face datasets and LLaMA-Factory often store tools as a JSON string, because
    tool schemas differ from record to record and do not fit one Arrow column type.
    """
    tools = d.get("tools")
    if type(tools) is str:
        if not tools.strip():
            return None
        try:
            tools = orjson.loads(tools)
        except orjson.JSONDecodeError:
            emit.at("DP118", rec, f'"tools" is a string but not JSON: {quote(d["tools"])}',
                    "/tools")
            return None
    if tools is None:
        return None
    if type(tools) is not list:
        emit.at("DP105", rec, f'"tools" must be a list of tool definitions, not {json_type(tools)}',
                "/tools")
        return None
    return tools


def _json_object(rec: Record, emit: Emit, text: str, ptr: str, what: str,
                 allow_list: bool = False) -> None:
    """DP119 unless ``text`` is a JSON object (or, for ShareGPT calls, a list of them)."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        reason = str(exc).split(":")[0]
        emit.at("DP119", rec, f"{what} is not valid JSON ({reason}): {quote(text, 40)}", ptr)
        return
    if type(value) is dict or (allow_list and type(value) is list):
        return
    emit.at("DP119", rec, f"{what} must encode a JSON object, not {json_type(value)}", ptr)


def _role_name(role: Any) -> str:
    return role if type(role) is str and len(role) <= 20 else "a"
