"""Machine formats: the whole result as JSON, or one JSON object per finding (JSONL).

``json`` is the canonical report (it validates against ``rules/schemas/report.schema.json``);
keys keep the order the result gives them, so two runs on the same data print identical
bytes.  ``jsonl`` holds the findings only, one object per line, for tools that stream or
``grep`` them; the summary, score and verdict live in ``json``.  A result without findings
gives an empty ``jsonl`` output (no blank line, which some JSONL readers reject).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: characters JSON leaves unescaped that Python's ``str.splitlines`` and some editors treat
#: as line breaks; escaping them keeps "one object per line" true for every reader
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _default(value: Any) -> Any:
    """Serialise the odd non-JSON value (a tuple is fine already; a Path or set is not)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def render_json(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False) -> str:
    """The result as one indented JSON document (UTF-8 text kept readable, not \\u-escaped)."""
    del color, verbose  # a JSON document has one shape
    return json.dumps(result, indent=2, ensure_ascii=False, default=_default) + "\n"


def _one_line(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default)
    for char, escaped in _LINE_BREAKS.items():
        if char in text:
            text = text.replace(char, escaped)
    return text


def render_jsonl(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False) -> str:
    """One compact JSON object per finding, in the result's (sorted) order."""
    del color, verbose
    findings = result.get("findings")
    if not isinstance(findings, (list, tuple)):
        return ""
    return "".join(_one_line(f) + "\n" for f in findings)
