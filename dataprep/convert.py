"""Layout conversion: rewrite records into the layout a trainer reads, or refuse.

``dataprep convert`` exists because converting by hand is where tool-use and preference
data silently lose meaning: a ShareGPT ``function_call`` turn pasted into an assistant
message's text is no longer a call, a DPO record flattened into chat loses its rejected
answer, a KTO record loses the flag saying whether its reply is good.  So this module
converts only where every piece of meaning has a place in the target layout, and
otherwise names what would be lost and stops (``Refusal``).

Targets:

- ``chat``: OpenAI ``messages`` (TRL, axolotl ``chat_template``, Unsloth, OpenAI).  From
  ShareGPT (``function_call`` turns become assistant ``tool_calls`` with ids ``call_0``,
  ``call_1``, ... in record order; ``observation`` turns become ``tool`` messages carrying
  the id of the call they answer; ``tools`` JSON text becomes a list of
  ``{"type": "function", "function": ...}``), role/content turns under
  ``conversations``, Alpaca (``system``, ``history`` pairs, then ``instruction`` and
  ``input`` joined by a newline as LLaMA-Factory renders them, ``output`` as the reply)
  and prompt/completion strings.
- ``preference``: TRL explicit-prompt conversational preference (``prompt``, ``chosen``,
  ``rejected`` message lists).  From LLaMA-Factory's ShareGPT DPO records and from
  implicit-prompt HH transcripts (``chosen``/``rejected`` strings that each hold the whole
  ``\\n\\nHuman: ... \\n\\nAssistant: ...`` dialogue, split at their shared history).

Texts are copied verbatim: whitespace, placeholders and legacy separators are ``fix``'s
business, not conversion's.  Records already in the target layout are passed through
unchanged, with one exception: implicit-prompt transcripts are split, because TRL would
read them as plain strings with the speaker names inside the text.  Keys the source layout does not read (metadata such as ``id`` or
``source``, and unknown keys) are kept as they are, after the converted keys, so nothing
is dropped; a kept key that would collide with an output key is refused.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dataprep import records
from dataprep.errors import InputError, UsageError
from dataprep.records.base import MEDIA_KEYS
from dataprep.records.preference import Preference, transcript_turns
from dataprep.records.roles import SHAREGPT_TAGS
from dataprep.rewrite import Change, Read, place, shared_lines

#: layouts ``convert`` can write
TARGETS: tuple[str, ...] = ("chat", "preference")

#: what each source layout carries that a target cannot hold, when nothing converts it
_LOST: dict[tuple[str, str], str] = {
    ("kto", "chat"): 'the desirable/undesirable flag ("label"/"kto_tag") of an unpaired '
                     "preference record",
    ("kto", "preference"): "an unpaired (KTO) record has no rejected reply to pair with",
    ("preference", "chat"): "the rejected reply of a preference pair",
    ("sharegpt-dpo", "chat"): "the rejected reply of a preference pair",
    ("classification", "chat"): "a class label is not a reply to an instruction",
    ("text", "chat"): "plain text has no user/assistant turns",
    ("prompt-only", "chat"): "a prompt-only (RL) record has no reply",
    ("chat", "preference"): "no rejected reply to compare with",
    ("chat-conversations", "preference"): "no rejected reply to compare with",
    ("sharegpt", "preference"): "no rejected reply to compare with",
    ("alpaca", "preference"): "no rejected reply to compare with",
    ("completion", "preference"): "no rejected reply to compare with",
    ("classification", "preference"): "a class label is not a rejected reply",
    ("text", "preference"): "plain text has no prompt or replies",
    ("prompt-only", "preference"): "a prompt-only (RL) record has no replies",
}

_MEDIA = frozenset(key for key, _ in MEDIA_KEYS)
#: the layout that reads implicit-prompt transcripts (``_from_transcripts`` splits them)
_PREFERENCE = Preference()


class Refusal(Exception):
    """A record cannot be converted without losing meaning; the message says what."""


@dataclass(frozen=True, slots=True)
class Converted:
    """A record in the target layout, the layout it was read as, and whether it changed."""

    data: dict[str, Any]
    source: str
    changed: bool


# --------------------------------------------------------------------------- pieces


class _Calls:
    """Call ids of one record: ``call_0``, ``call_1``, ... in the order calls are made.

    Ids are numbered, not random, so converting the same file twice gives the same bytes
    and a call's id says where it is.  A preference record's two replies are alternative
    continuations of the same prompt, so each side continues numbering from the prompt.
    """

    def __init__(self, start: int = 0) -> None:
        self.next = start

    def new(self) -> str:
        cid = f"call_{self.next}"
        self.next += 1
        return cid


def _tools(value: Any) -> list[Any] | None:
    """``tools`` (a list or its JSON text) as OpenAI tool definitions; None when empty."""
    if value is None or value == "" or value == []:
        return None
    if type(value) is str:
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Refusal('"tools" is a string but not JSON, so the tool definitions cannot '
                          "be carried over") from None
    if type(value) is dict:
        value = [value]
    if type(value) is not list:
        raise Refusal('"tools" is not a list of tool definitions')
    out: list[Any] = []
    for t in value:
        if type(t) is dict and type(t.get("function")) is dict:
            out.append(t if "type" in t else {"type": "function", **t})
        elif type(t) is dict and "name" in t:
            out.append({"type": "function", "function": t})
        else:
            raise Refusal("a tool definition is neither a function nor "
                          '{"type": "function", "function": ...}')
    return out


def _call(obj: Any, calls: _Calls) -> dict[str, Any]:
    """One LLaMA-Factory call ``{"name", "arguments"}`` as an OpenAI tool call."""
    if type(obj) is not dict or type(obj.get("name")) is not str:
        raise Refusal('a function_call turn holds a call without a string "name"')
    if "arguments" not in obj:
        raise Refusal(f'the call to {obj["name"]} has no "arguments"')
    args = obj["arguments"]
    text = args if type(args) is str else json.dumps(args, ensure_ascii=False)
    return {"id": calls.new(), "type": "function",
            "function": {"name": obj["name"], "arguments": text}}


def _check_answered(made: int, answered: int) -> None:
    """Refuse a call turn whose results, once some arrived, do not match its calls."""
    if made and answered and answered != made:
        raise Refusal(f"{made} parallel calls are answered by {answered} observation turns, "
                      "so which result answers which call is unknown")


def _turn_messages(conv: Any, calls: _Calls, *, weights: bool, where: str = "conversations"
                   ) -> list[dict[str, Any]]:
    """ShareGPT ``from``/``value`` turns as OpenAI messages, tool calls paired by id.

    A ``function_call`` turn holds one call or a list of parallel calls (JSON text); the
    ``observation`` turns right after it answer those calls in order.  When the number of
    results differs from the number of calls, which result answers which call is not
    written anywhere, so the record is refused rather than guessed.
    """
    if type(conv) is not list:
        raise Refusal(f'"{where}" is not a list of turns')
    out: list[dict[str, Any]] = []
    pending: list[str] = []  # ids of the last call turn not yet answered
    answered = 0  # results seen since the last call turn
    made = 0  # calls the last call turn made
    allowed = {"from", "value", "weight"} if weights else {"from", "value"}
    for i, t in enumerate(conv):
        if type(t) is not dict:
            raise Refusal(f"{where} turn {i} is not an object")
        extra = sorted(k for k in t if k not in allowed)
        if extra:
            raise Refusal(f'{where} turn {i} has key "{extra[0]}", which a '
                          f"{'chat message' if weights else 'preference message'} cannot hold")
        tag = t.get("from")
        cls = SHAREGPT_TAGS.get(tag) if type(tag) is str else None
        if cls is None:
            raise Refusal(f"{where} turn {i} has unknown speaker tag {json.dumps(tag)}")
        value = t.get("value")
        if cls != "tool":
            _check_answered(made, answered)
        if cls == "call":
            try:
                parsed = json.loads(value) if type(value) is str else value
            except json.JSONDecodeError:
                raise Refusal(f"{where} turn {i} (function_call) is not JSON "
                              '{"name", "arguments"}, so it cannot become a tool call') from None
            items = parsed if type(parsed) is list else [parsed]
            if not items:
                raise Refusal(f"{where} turn {i} (function_call) holds no call")
            tool_calls = [_call(x, calls) for x in items]
            pending = [c["id"] for c in tool_calls]
            made, answered = len(pending), 0
            msg: dict[str, Any] = {"role": "assistant", "tool_calls": tool_calls}
        elif cls == "tool":
            if not pending:
                raise Refusal(f"{where} turn {i} ({tag}) answers no function_call turn")
            answered += 1
            msg = {"role": "tool", "tool_call_id": pending.pop(0), "content": value}
        else:
            pending, made, answered = [], 0, 0
            msg = {"role": cls, "content": value}
        if "weight" in t:
            msg["weight"] = t["weight"]
        out.append(msg)
    _check_answered(made, answered)
    return out


def _system(d: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A top-level ``system`` prompt as a leading system message (none when blank)."""
    v = d.get("system")
    if v is None or v == "":
        return []
    if type(v) is not str:
        raise Refusal('"system" is not a string')
    return [{"role": "system", "content": v}]


def _string(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key, "")
    if type(v) is not str:
        raise Refusal(f'"{key}" is not a string, so it has no message content to become')
    return v


def _finish(out: dict[str, Any], d: Mapping[str, Any], read: frozenset[str], target: str
            ) -> dict[str, Any]:
    """Add the keys the source layout did not read (media lists, metadata, unknown keys)
    after the converted ones, and check that the result reads as the target layout."""
    for key, value in d.items():
        if key in read:
            continue
        if key in _MEDIA:
            if value is None or value == []:
                continue
            if key not in records.get(target).keys:  # the media lists the target reads
                raise Refusal(f'"{key}" (media) has no place in the {target} layout')
        if key in out:
            raise Refusal(f'key "{key}" would be overwritten by the converted record')
        out[key] = value
    got = records.detect(out)
    if got != target:
        raise Refusal(f"the converted record would be read as {got}, not {target} "
                      f"(keys: {', '.join(sorted(out))})")
    return out


# --------------------------------------------------------------------------- to chat


def _chat(fmt: str, d: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if fmt == "sharegpt":
        out["messages"] = _system(d) + _turn_messages(d.get("conversations"), _Calls(),
                                                      weights=True)
        read = frozenset({"conversations", "system", "tools"})
    elif fmt == "chat-conversations":
        conv = d.get("conversations")
        if type(conv) is not list:
            raise Refusal('"conversations" is not a list of messages')
        out["messages"] = _system(d) + list(conv)
        read = frozenset({"conversations", "system", "tools"})
    elif fmt == "alpaca":
        msgs = _system(d)
        history = d.get("history")
        if history is not None:
            if type(history) is not list:
                raise Refusal('"history" is not a list of [instruction, response] pairs')
            for pair in history:
                if type(pair) is not list or len(pair) != 2 or not all(type(x) is str
                                                                        for x in pair):
                    raise Refusal('a "history" entry is not a pair of strings')
                msgs += [{"role": "user", "content": pair[0]},
                         {"role": "assistant", "content": pair[1]}]
        query = "\n".join(x for x in (_string(d, "instruction"), _string(d, "input")) if x)
        msgs += [{"role": "user", "content": query},
                 {"role": "assistant", "content": _string(d, "output")}]
        out["messages"] = msgs
        read = frozenset({"instruction", "input", "output", "system", "history"})
    elif fmt == "completion":
        out["messages"] = [{"role": "user", "content": _string(d, "prompt")},
                           {"role": "assistant", "content": _string(d, "completion")}]
        read = frozenset({"prompt", "completion"})
    else:
        raise Refusal(_LOST.get((fmt, "chat"), f"{fmt} records have no chat form"))
    tools = _tools(d.get("tools")) if "tools" in read else None
    if tools is not None:
        out["tools"] = tools
    return _finish(out, d, read, "chat")


# --------------------------------------------------------------------------- to preference


def _side(v: Any, calls: _Calls, key: str) -> list[dict[str, Any]]:
    """One ShareGPT DPO reply (a turn object, a list of turns, or a string) as messages."""
    if type(v) is str:
        return [{"role": "assistant", "content": v}]
    if type(v) is dict:
        v = [v]
    return _turn_messages(v, calls, weights=False, where=key)


def _preference(fmt: str, d: Mapping[str, Any]) -> dict[str, Any] | None:
    """The TRL form of a record, or None when it is already preference and stays as is."""
    if fmt == "sharegpt-dpo":
        if _tools(d.get("tools")) is not None:
            raise Refusal('"tools" (tool definitions) has no place in the preference layout')
        calls = _Calls()
        prompt = _system(d) + _turn_messages(d.get("conversations"), calls, weights=False)
        chosen = _side(d.get("chosen"), _Calls(calls.next), "chosen")
        rejected = _side(d.get("rejected"), _Calls(calls.next), "rejected")
        out = {"prompt": prompt, "chosen": chosen, "rejected": rejected}
        return _finish(out, d, frozenset({"conversations", "chosen", "rejected", "system",
                                          "tools"}), "preference")
    if fmt == "preference":
        return _from_transcripts(d)
    raise Refusal(_LOST.get((fmt, "preference"), f"{fmt} records have no preference form"))


def _from_transcripts(d: Mapping[str, Any]) -> dict[str, Any] | None:
    """Implicit-prompt HH transcripts split into prompt and replies; None for any other
    preference record (already what TRL reads).

    TRL would read a transcript as one string with "Human:" and "Assistant:" inside the
    text; as messages, a chat template renders the roles.  The two transcripts must share
    their history: when they do not, there is no one prompt to write.
    """
    c, r = d.get("chosen"), d.get("rejected")
    if _PREFERENCE._explicit(d) or type(c) is not str or type(r) is not str:
        return None
    if transcript_turns(c, "") is None or transcript_turns(r, "") is None:
        return None
    prompt, chosen, rejected, differs = _PREFERENCE._sides(d)
    if differs:
        raise Refusal("the chosen and rejected transcripts have different histories, so "
                      "there is no shared prompt")
    if not chosen or not rejected:
        raise Refusal("a transcript has no final Assistant reply")
    out = {
        "prompt": _system(d) + [{"role": t.role, "content": t.text} for t in prompt],
        "chosen": [{"role": t.role, "content": t.text} for t in chosen],
        "rejected": [{"role": t.role, "content": t.text} for t in rejected],
    }
    return _finish(out, d, frozenset({"chosen", "rejected", "system"}), "preference")


# --------------------------------------------------------------------------- entry


def convert_record(d: Mapping[str, Any], target: str, fmt: str | None = None) -> Converted:
    """``d`` in the ``target`` layout; raises ``Refusal`` naming what would be lost.

    ``fmt`` is the layout the record is read as (detected when None).  A record already
    in the target layout comes back unchanged (the same dict).
    """
    if target not in TARGETS:
        raise Refusal(f"unknown target layout {target!r} (choose from {', '.join(TARGETS)})")
    fmt = fmt or records.detect(d)
    if fmt == records.UNKNOWN:
        raise Refusal("the record is in no layout dataprep reads")
    if target == "chat":
        if fmt == "chat":
            return Converted(dict(d), fmt, False)
        return Converted(_chat(fmt, d), fmt, True)
    got = _preference(fmt, d)
    if got is None:
        return Converted(dict(d), fmt, False)
    return Converted(got, fmt if fmt != "preference" else "hh-transcript", True)


# --------------------------------------------------------------------------- files

#: how many records a refusal names per reason, and how many reasons it lists
_SHOW_PLACES = 3
_SHOW_REASONS = 3


@dataclass
class Plan:
    """A whole conversion, decided before anything is written.

    ``rows`` are every record in input order (converted or passed through); ``changes``
    name the converted ones for ``--dry-run``; ``sources`` counts converted records by
    the layout they were read as; ``kept`` counts records already in the target layout;
    ``shared`` are the input lines several records start on (``format_changes`` names
    those records by number).
    """

    target: str
    rows: list[dict[str, Any]]
    changes: list[Change]
    sources: Counter[str]
    kept: int
    shared: set[tuple[str, int]] = field(default_factory=set)

    def summary(self, output: str | None) -> str:
        """One line: how many records were converted from what, and where they went."""
        n = sum(self.sources.values())
        origin = " and ".join(f"{k} ({v})" if len(self.sources) > 1 else k
                              for k, v in self.sources.most_common())
        head = (f"{n} record{'s' if n != 1 else ''} converted from {origin} to {self.target}"
                if n else f"0 records converted (all already {self.target})")
        kept = f", {self.kept} already {self.target} kept as they were" if n and self.kept else ""
        tail = f", written to {output}" if output else "; dry run, nothing written"
        return f"{head}{kept}{tail}"


def _refusal(problems: list[tuple[str, str]], target: str, total: int) -> str:
    """One line naming what cannot be carried over, and the first records of each reason."""
    by_reason: dict[str, list[str]] = {}
    for where, reason in problems:
        by_reason.setdefault(reason, []).append(where)
    parts = []
    for reason, places in list(by_reason.items())[:_SHOW_REASONS]:
        shown = ", ".join(places[:_SHOW_PLACES])
        more = f" and {len(places) - _SHOW_PLACES} more" if len(places) > _SHOW_PLACES else ""
        parts.append(f"{reason} ({shown}{more})")
    if len(by_reason) > _SHOW_REASONS:
        parts.append(f"{len(by_reason) - _SHOW_REASONS} more reasons")
    return (f"cannot convert to {target} (nothing written): {len(problems)} of {total} "
            "records cannot be carried over: " + "; ".join(parts))


def _describe(c: Converted, target: str) -> str:
    """A converted record's change reason: the conversion, and the tool calls it paired."""
    calls = 0
    for key in ("messages", "prompt", "chosen", "rejected"):
        msgs = c.data.get(key)
        if type(msgs) is list:
            calls += sum(len(m["tool_calls"]) for m in msgs
                         if type(m) is dict and type(m.get("tool_calls")) is list)
    extra = f" ({calls} tool call{'s' if calls != 1 else ''} with ids)" if calls else ""
    return f"{c.source} -> {target}{extra}"


def plan(read: Read, target: str, fields: Mapping[str, str] | None = None) -> Plan:
    """Convert every record of ``read`` or raise ``InputError`` naming what would be lost.

    All or nothing: one record that cannot be converted refuses the whole input, because
    a file with some records silently missing is worse than no file.  Unreadable records
    refuse it too: they would be dropped from the output.  Field names are mapped first,
    as the linter maps them: the project's ``fields`` and a trainer registry's
    (LLaMA-Factory ``dataset_info.json``), the registry's winning.
    """
    if target not in TARGETS:
        raise UsageError(f"unknown target layout {target!r} (choose from {', '.join(TARGETS)})")
    if read.failures:
        f = read.failures[0]
        more = f" (and {len(read.failures) - 1} more)" if len(read.failures) > 1 else ""
        raise InputError(f"cannot convert: {place(f.path, f.line, f.index)} is not a readable "
                         f"record ({f.detail}){more}; nothing written")
    if not read.records:
        raise InputError("cannot convert: no records in " + ", ".join(s.path for s in read.specs))
    specs = {s.path: s for s in read.specs}
    mappings = {s.path: {**(fields or {}), **dict(s.fields)} for s in read.specs}
    rows: list[dict[str, Any]] = []
    changes: list[Change] = []
    sources: Counter[str] = Counter()
    problems: list[tuple[str, str]] = []
    kept = 0
    shared = shared_lines((rec.path, rec.line) for rec in read.records)
    for rec in read.records:
        spec = specs.get(rec.path)
        d = rec.data
        mapping = mappings.get(rec.path, fields)
        if mapping:
            d = dict(d)
            records.apply_mapping(d, mapping)
        fmt = spec.layout if spec is not None and spec.layout else None
        try:
            c = convert_record(d, target, fmt)
        except Refusal as exc:
            # records of a one-line JSON array share a line: name them by number too
            where = place(rec.path, rec.line, rec.index, (rec.path, rec.line) in shared)
            problems.append((where, str(exc)))
            continue
        rows.append(c.data)
        if c.changed:
            sources[c.source] += 1
            changes.append(Change(rec.path, rec.line, rec.index, "convert", _describe(c, target)))
        else:
            kept += 1
    if problems:
        raise InputError(_refusal(problems, target, len(read.records)))
    return Plan(target, rows, changes, sources, kept, shared)
