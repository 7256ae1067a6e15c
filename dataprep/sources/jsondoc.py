"""Reader for ``.json`` files that start with an object rather than an array.

Such a file is one of three things, and each must keep exact lines:

- JSON lines saved as ``.json`` (the first line is a whole object and more follow): read
  as JSONL, streaming, every line on its own, as before;
- one JSON document, possibly pretty-printed over many lines: one record at the line
  where the object starts (index 0) when it is a training record, else one
  ``not-a-dataset`` note and no records (``documents.not_a_dataset`` decides);
- a sequence of pretty-printed objects (what ``jq '.[]'`` writes): one record per
  object at its start line.

Which one is decided from the first non-blank line, without reading a large JSONL file
into memory: if that line alone is an object, the file is JSON lines (a lone line is
the one-document case).  Otherwise the file is decoded as documents; a parse failure
becomes one finding at its line, unless the file plainly is JSON lines with a broken
first line, which the JSONL reader then reports line by line, as it always did.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

import orjson

from dataprep.model import FileNote, ParseFailure, Record
from dataprep.sources.documents import NOT_A_DATASET, Judge
from dataprep.sources.jsonl import BOM, not_object_detail, read_jsonl

_WS = " \t\r\n"
_CHUNK = 1 << 16


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def read_json_objects(path: str, fh: IO[bytes], judge: Judge, progress: Any = None) -> Iterator[Any]:
    """Yield Records / ParseFailures / FileNotes for a seekable ``.json`` stream at offset 0."""
    first = _first_content_line(fh)
    if first is not None and _is_object_line(first):
        lone = _rest_is_blank(fh)
        fh.seek(0)
        items = read_jsonl(path, fh, progress)
        yield from (_judged(path, items, judge) if lone else items)
        return
    fh.seek(0)
    yield from read_json_values(path, fh.read(), judge, progress)


def _first_content_line(fh: IO[bytes]) -> bytes | None:
    while True:
        raw = fh.readline()
        if not raw:
            return None
        if raw.strip(b" \t\r\n\xef\xbb\xbf"):
            return raw


def _is_object_line(raw: bytes) -> bool:
    body = raw.strip(b" \t\r\n")
    if body.startswith(BOM):
        body = body[3:]
    try:
        return type(orjson.loads(body)) is dict
    except orjson.JSONDecodeError:
        return False


def _rest_is_blank(fh: IO[bytes]) -> bool:
    """Whether nothing but whitespace follows (stops at the first other byte)."""
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return True
        if chunk.strip(b" \t\r\n"):
            return False


def _judged(path: str, items: Iterator[Any], judge: Judge) -> Iterator[Any]:
    """The JSONL reader's items for a one-line file, its lone record judged as a document.

    A document that is not data gets no CRLF note: line ends matter to line-oriented
    tools reading records, and this file has none (a multi-line document gets none either).
    """
    document = False
    for item in items:
        if type(item) is Record:
            what = judge(item.data)
            if what is not None:
                document = True
                yield FileNote(path, NOT_A_DATASET, what, item.line)
                continue
        elif type(item) is FileNote and item.kind == "crlf" and document:
            continue
        yield item


def read_json_values(path: str, data: bytes, judge: Judge, progress: Any = None) -> Iterator[Any]:
    """Decode ``data`` as one or more whitespace-separated JSON values, each at its line."""
    body = data[3:] if data.startswith(BOM) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start + len(data) - len(body)) + 1
        if bad_line == _first_line_no(data) or _looks_like_json_lines(body):
            yield from read_jsonl(path, io.BytesIO(data), progress)
            return
        if body is not data:
            yield FileNote(path, "bom", "file starts with a UTF-8 byte-order mark", 1)
        yield ParseFailure(path, bad_line, 0, "invalid-utf8", f"invalid UTF-8 at byte {exc.start}")
        return
    values = _Values(path, text, progress)
    if values.at_end():
        yield FileNote(path, "no-records", "file holds only whitespace: no records")
        return
    first = values.first()
    if isinstance(first, ParseFailure) and _fall_back(first, values, body):
        yield from read_jsonl(path, io.BytesIO(data), progress)
        return
    if body is not data:
        yield FileNote(path, "bom", "file starts with a UTF-8 byte-order mark", 1)
    if isinstance(first, ParseFailure):
        yield first
        return
    if values.at_end():
        yield _lone(path, first, judge)
        values.tick(1)
        return
    yield first
    yield from values.rest()


def _lone(path: str, rec: Record, judge: Judge) -> Any:
    what = judge(rec.data)
    return rec if what is None else FileNote(path, NOT_A_DATASET, what, rec.line)


def _fall_back(failure: ParseFailure, values: _Values, body: bytes) -> bool:
    """Whether a failure to decode the first value means "JSON lines with a bad line".

    True when the failure lies on the line where the value starts (that line is a
    broken record, not the head of a multi-line document) or when most non-blank lines
    are objects on their own, which a pretty-printed document never has.
    """
    if failure.kind == "nan":  # no position: does the first line hold a whole value?
        try:
            json.loads(values.start_text())
            return True
        except (ValueError, RecursionError):
            return _looks_like_json_lines(body)
    if failure.line == values.start_line and failure.kind != "too-deep":
        return True
    return _looks_like_json_lines(body)


def _first_line_no(data: bytes) -> int:
    for n, raw in enumerate(data.split(b"\n"), 1):
        if raw.strip(b" \t\r\xef\xbb\xbf"):
            return n
    return 1


def _looks_like_json_lines(body: bytes) -> bool:
    objects = others = 0
    for raw in body.split(b"\n"):
        line = raw.strip(b" \t\r")
        if not line:
            continue
        try:
            is_object = type(orjson.loads(line)) is dict
        except orjson.JSONDecodeError:
            is_object = False
        objects += is_object
        others += not is_object
    return objects >= 2 and objects >= others


class _Values:
    """Decodes whitespace-separated JSON values from ``text``, tracking physical lines."""

    def __init__(self, path: str, text: str, progress: Any) -> None:
        self.path = path
        self.text = text
        self.progress = progress
        self.pos = self._skip(0)
        self.line = 1 + text.count("\n", 0, self.pos)
        self.start_line = self.line
        self.start = self.pos
        self.index = 0

    def _skip(self, pos: int) -> int:
        text, n = self.text, len(self.text)
        while pos < n and text[pos] in _WS:
            pos += 1
        return pos

    def _advance_to(self, pos: int) -> None:
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos

    def start_text(self) -> str:
        """The first value's line, from where the value starts."""
        end = self.text.find("\n", self.start)
        return self.text[self.start: end if end >= 0 else len(self.text)]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def tick(self, n: int) -> None:
        if self.progress is not None and n:
            self.progress.advance(n, None)

    def first(self) -> Record | ParseFailure:
        item = self._next()
        assert item is not None  # the caller's text is not blank
        return item

    def rest(self) -> Iterator[Any]:
        while not self.at_end():
            item = self._next()
            if item is None:
                break
            yield item
            if isinstance(item, ParseFailure) and item.kind != "not-object":
                break  # a sequence cannot be resynchronised after a malformed value
            if self.index % 512 == 0:
                self.tick(512)
        self.tick(self.index % 512)

    def _next(self) -> Record | ParseFailure | None:
        """The value at ``pos`` (then ``pos`` moves past it and its trailing whitespace)."""
        text, n = self.text, len(self.text)
        if self.pos >= n:
            return None
        start_line, index = self.line, self.index
        self.index += 1
        try:
            value, end = _decoder.raw_decode(text, self.pos)
        except RecursionError:
            self.pos = n
            return ParseFailure(self.path, start_line, index, "too-deep", "nesting too deep to parse")
        except ValueError as exc:
            return self._failure(exc, start_line, index)
        self._advance_to(self._skip(end))
        if type(value) is dict:
            return Record(self.path, start_line, index, None, value)
        return ParseFailure(self.path, start_line, index, "not-object",
                            not_object_detail(value).replace("line holds", "value is"))

    def _failure(self, exc: ValueError, start_line: int, index: int) -> ParseFailure:
        text, n = self.text, len(self.text)
        msg = str(exc)
        err_pos = getattr(exc, "pos", None)
        self.pos = n
        if "not valid JSON" in msg:
            return ParseFailure(self.path, start_line, index, "nan", msg)
        if err_pos is None:
            return ParseFailure(self.path, start_line, index, "invalid-json", msg)
        line = text.count("\n", 0, err_pos) + 1
        if err_pos >= n or self._skip(err_pos) >= n or msg.startswith("Unterminated string"):
            return ParseFailure(self.path, line, index, "truncated",
                                "the JSON document ends before it is complete (truncated file?)")
        return ParseFailure(self.path, line, index, "invalid-json", msg.split(":")[0])
