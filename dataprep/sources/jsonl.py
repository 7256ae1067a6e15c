"""Streaming JSONL / NDJSON reader with exact physical line numbers.

Why our own reader instead of ``datasets.load_dataset("json")``: that one writes an
Arrow copy into a cache, drops blank lines (so line numbers drift) and stops at the
first bad line.  Here every physical line is numbered from 1, blank lines are counted
and skipped, and a bad line becomes a ``ParseFailure`` value while reading goes on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import IO, Any

import orjson

from dataprep.model import FileNote, ParseFailure, Record

BOM = b"\xef\xbb\xbf"
_POSITION_RE = re.compile(r": line 1 column (\d+) \(char \d+\)")
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def classify_bad_line(raw: bytes, is_last_unterminated: bool) -> tuple[str, str]:
    """Explain why ``raw`` did not parse as a JSON object: (kind, detail).

    Only called on failures, so it may be slow; the fast path is one ``orjson.loads``.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "invalid-utf8", f"invalid UTF-8 at byte {exc.start}"
    if b"\x00" in raw:
        return "invalid-json", "line contains NUL bytes (binary data?)"
    try:
        _loads(raw)
    except _JSONDecodeError as exc:
        # the parser sees one line, so its "line 1" would contradict the finding's line
        msg = _POSITION_RE.sub(r" at column \1", str(exc))
        if "recursion" in msg.lower():
            return "too-deep", "nesting deeper than 1,024 levels"
        # NaN / Infinity are accepted by Python's json but are not JSON.
        try:
            json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc2:
            if str(exc2) in ("NaN", "Infinity", "-Infinity"):
                return "nan", f"{exc2} is not valid JSON"
        except RecursionError:
            return "too-deep", "nesting too deep to parse"
        if is_last_unterminated:
            return "truncated", f"last line ends without a newline and is not complete JSON ({msg})"
        return "invalid-json", msg
    return "invalid-json", "unparseable"


def not_object_detail(value: Any) -> str:
    kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
    if isinstance(value, float) and not math.isfinite(value):
        kind = "a non-finite number"
    return f"line holds {kind}, not a JSON object"


def read_jsonl(path: str, fh: IO[bytes], progress: Any = None, *, start: int = 0,
               stop: int | None = None) -> Iterator[Any]:
    """Yield Records, ParseFailures and FileNotes for a JSONL byte stream.

    The loop is the hot path: one ``orjson.loads`` per line, nothing per record that
    is not needed; line classification happens only on failure.

    A shard of a file (``dataprep.shards``) passes the byte offset ``fh`` is at
    (``start``, at the start of a line) and ``stop``: lines that start at or after it
    belong to the next shard.  Lines and indexes then count from the shard's start
    (the engine rebases them); offsets are the file's.
    """
    line_no = 0
    index = 0
    offset = start
    crlf = 0
    blank_only = True
    pending_tick = 0
    for raw in fh:
        if stop is not None and offset >= stop:
            break
        line_no += 1
        begin = offset
        offset += len(raw)
        terminated = raw.endswith(b"\n")
        body = raw
        if terminated:
            body = raw[:-1]
            if body.endswith(b"\r"):
                body = body[:-1]
                crlf += 1
        if begin == 0 and body.startswith(BOM):
            body = body[3:]
            yield FileNote(path, "bom", "file starts with a UTF-8 byte-order mark", 1)
        if not body.strip():
            continue
        blank_only = False
        try:
            data = _loads(body)
        except _JSONDecodeError:
            kind, detail = classify_bad_line(body, not terminated)
            yield ParseFailure(path, line_no, index, kind, detail)
            index += 1
            continue
        if type(data) is not dict:
            yield ParseFailure(path, line_no, index, "not-object", not_object_detail(data))
            index += 1
            continue
        yield Record(path, line_no, index, begin, data)
        index += 1
        if progress is not None:
            pending_tick += 1
            if pending_tick >= 512:
                progress.advance(pending_tick, offset)
                pending_tick = 0
    if progress is not None:
        progress.advance(pending_tick, offset)
    if crlf:
        yield FileNote(path, "crlf", f"{crlf} line(s) end with CRLF", None)
    if blank_only:
        what = "is empty" if line_no == 0 else f"holds only {line_no} blank line(s)"
        yield FileNote(path, "no-records", f"file {what}: no records")
