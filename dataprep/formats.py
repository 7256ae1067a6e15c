"""Record formats: detection, field mapping, and the text views later stages use.

Detection is by keys, per record, in a fixed order (most specific first), so it costs a
few dictionary look-ups.  A file's format is the majority of its valid records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FORMATS: tuple[str, ...] = (
    "chat",
    "completion",
    "alpaca",
    "sharegpt",
    "preference",
    "classification",
    "text",
)
UNKNOWN = "unknown"

#: keys each format defines; anything else in a record is an unknown key (DP103)
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "chat": frozenset({"messages", "tools", "functions", "parallel_tool_calls", "prompt", "completion"}),
    "completion": frozenset({"prompt", "completion"}),
    "alpaca": frozenset({"instruction", "input", "output"}),
    "sharegpt": frozenset({"conversations", "system", "tools"}),
    "preference": frozenset({"prompt", "input", "chosen", "rejected", "system"}),
    "classification": frozenset({"text", "label"}),
    "text": frozenset({"text"}),
}
#: metadata keys common in real datasets: reported as info, not warning
METADATA_KEYS = frozenset(
    {"id", "idx", "uuid", "source", "meta", "metadata", "dataset", "split", "tags", "category",
     "lang", "language", "url", "license", "created_at", "timestamp", "task", "name"}
)
#: canonical field names a user may map from other keys
MAPPABLE = frozenset({"messages", "conversations", "prompt", "completion", "instruction", "input",
                      "output", "chosen", "rejected", "text", "label"})


def detect(d: Mapping[str, Any]) -> str:
    """Name the format of one record (a dict), or 'unknown'."""
    if "messages" in d:
        return "chat"
    if "conversations" in d:
        return "sharegpt"
    if "chosen" in d and "rejected" in d:
        return "preference"
    if "prompt" in d and "completion" in d:
        p = d["prompt"]
        return "chat" if type(p) is list or type(d["completion"]) is list else "completion"
    if "instruction" in d and "output" in d:
        return "alpaca"
    if "text" in d:
        return "classification" if "label" in d else "text"
    return UNKNOWN


def apply_mapping(d: dict[str, Any], mapping: Mapping[str, str]) -> None:
    """Rename dataset keys to canonical ones in place (``{"label": "intent"}``)."""
    for canonical, key in mapping.items():
        if key in d and canonical not in d:
            d[canonical] = d.pop(key)


def chat_messages(d: Mapping[str, Any]) -> tuple[list[Any], list[str]] | None:
    """Messages of a chat record with their JSON pointers' prefixes.

    Plain chat uses ``messages``; conversational prompt/completion (as TRL accepts) is the
    prompt list followed by the completion list.
    """
    msgs = d.get("messages")
    if msgs is not None:
        return (msgs, ["/messages"] * len(msgs)) if type(msgs) is list else None
    p, c = d.get("prompt"), d.get("completion")
    if type(p) is list and type(c) is list:
        return p + c, ["/prompt"] * len(p) + ["/completion"] * len(c)
    return None


def _content_str(content: Any) -> str:
    if type(content) is str:
        return content
    if type(content) is list:
        parts = []
        for part in content:
            if type(part) is dict:
                t = part.get("text")
                if type(t) is str:
                    parts.append(t)
            elif type(part) is str:
                parts.append(part)
        return "\n".join(parts)
    return ""


def _msgs_text(msgs: Any, role_key: str = "role", content_key: str = "content") -> str:
    if type(msgs) is str:
        return msgs
    if type(msgs) is not list:
        return ""
    out = []
    for m in msgs:
        if type(m) is dict:
            out.append(f"{m.get(role_key)}\x1f{_content_str(m.get(content_key)).strip()}")
    return "\x1e".join(out)


def _s(v: Any) -> str:
    return v if type(v) is str else ("" if v is None else str(v))


def content_text(fmt: str, d: Mapping[str, Any]) -> str:
    """All the learnable text of a record, with role markers: what exact dedup compares.

    Each field is stripped here, so whitespace at a field's edge (`` Paris`` completions,
    ``"Hi\\n"``) never makes two records differ; normalisation then only collapses runs.
    """
    if fmt == "chat":
        got = chat_messages(d)
        return _msgs_text(got[0]) if got else ""
    if fmt == "sharegpt":
        return _msgs_text(d.get("conversations"), "from", "value")
    if fmt == "completion":
        return f"{_s(d.get('prompt')).strip()}\x1e{_s(d.get('completion')).strip()}"
    if fmt == "alpaca":
        return (f"{_s(d.get('instruction')).strip()}\x1e{_s(d.get('input')).strip()}"
                f"\x1e{_s(d.get('output')).strip()}")
    if fmt == "preference":
        prompt = d.get("prompt", d.get("input"))
        return "\x1e".join(_msgs_text(x).strip() for x in (prompt, d.get("chosen"), d.get("rejected")))
    if fmt == "classification":
        return f"{_s(d.get('text')).strip()}\x1e{_s(d.get('label')).strip()}"
    if fmt == "text":
        return _s(d.get("text"))
    return ""


def output_text(fmt: str, d: Mapping[str, Any]) -> str | None:
    """The record's target output, used to infer a classification task; None if not one."""
    if fmt == "classification":
        label = d.get("label")
        return label if type(label) is str else (None if label is None else repr(label))
    if fmt == "chat":
        got = chat_messages(d)
        if not got:
            return None
        for m in reversed(got[0]):
            if type(m) is dict and m.get("role") == "assistant":
                return _content_str(m.get("content"))
        return None
    if fmt == "sharegpt":
        conv = d.get("conversations")
        if type(conv) is list:
            for m in reversed(conv):
                if type(m) is dict and m.get("from") in ("gpt", "assistant"):
                    return _s(m.get("value"))
        return None
    if fmt == "completion":
        return _s(d.get("completion"))
    if fmt == "alpaca":
        return _s(d.get("output"))
    return None
