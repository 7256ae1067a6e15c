"""Reader for ``.json`` files: a top-level array of records (or JSONL saved as .json).

The array is decoded one element at a time with the standard library's C scanner
(``raw_decode``), which gives each element's start offset, so every record keeps its
physical line number, like JSONL records do.  A malformed element is reported at its
line; after it the array cannot be resynchronised, so reading stops there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dataprep.model import FileNote, ParseFailure, Record
from dataprep.sources.jsonl import BOM, not_object_detail

_WS = " \t\r\n"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def read_json_array(path: str, data: bytes, progress: Any = None) -> Iterator[Any]:
    """Yield Records / ParseFailures / FileNotes for the bytes of a JSON array file."""
    if data.startswith(BOM):
        data = data[3:]
        yield FileNote(path, "bom", "file starts with a UTF-8 byte-order mark", 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield ParseFailure(path, line, None, "invalid-utf8", f"invalid UTF-8 at byte {exc.start}")
        return
    n = len(text)
    pos = 0
    line = 1

    def skip_ws(p: int) -> int:
        while p < n and text[p] in _WS:
            p += 1
        return p

    pos = skip_ws(pos)
    if pos >= n:
        yield FileNote(path, "no-records", "file is empty: no records")
        return
    if text[pos] != "[":
        yield ParseFailure(path, text.count("\n", 0, pos) + 1, None, "invalid-json",
                           "a .json file must hold an array of records (or JSON lines)")
        return
    line += text.count("\n", 0, pos)
    last = pos
    pos = skip_ws(pos + 1)
    index = 0
    if pos < n and text[pos] == "]":
        yield FileNote(path, "no-records", "file holds an empty array: no records")
        return
    while True:
        line += text.count("\n", last, pos)
        last = pos
        if pos >= n:
            yield ParseFailure(path, line, index, "truncated", "array is not closed (truncated file?)")
            return
        try:
            value, end = _decoder.raw_decode(text, pos)
        except RecursionError:
            yield ParseFailure(path, line, index, "too-deep", "nesting too deep to parse")
            return
        except ValueError as exc:
            msg = str(exc)
            kind = "nan" if "not valid JSON" in msg else "invalid-json"
            if kind == "invalid-json" and getattr(exc, "pos", 0) >= n:
                kind = "truncated"
            err_line = text.count("\n", 0, getattr(exc, "pos", pos)) + 1
            yield ParseFailure(path, err_line, index, kind, msg.split(":")[0] if kind != "nan" else msg)
            return
        if type(value) is dict:
            yield Record(path, line, index, None, value)
        else:
            yield ParseFailure(path, line, index, "not-object",
                               not_object_detail(value).replace("line holds", "array element is"))
        index += 1
        if progress is not None and index % 512 == 0:
            progress.advance(512, None)
        pos = skip_ws(end)
        if pos < n and text[pos] == ",":
            pos = skip_ws(pos + 1)
            continue
        if pos < n and text[pos] == "]":
            if progress is not None:
                progress.advance(index % 512, None)
            if skip_ws(pos + 1) < n:
                line += text.count("\n", last, pos + 1)
                yield ParseFailure(path, line, None, "invalid-json", "extra data after the array")
            return
        line += text.count("\n", last, pos)
        last = pos
        kind = "truncated" if pos >= n else "invalid-json"
        yield ParseFailure(path, line, index, kind, "expected ',' or ']' after array element")
        return
