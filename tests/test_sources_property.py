"""Property tests for the line readers: whatever the layout, the records come out exactly.

Line numbers are the promise users act on (they open the file at ``path:line``), so the
property is strict: for any mix of records, blank lines, LF/CRLF ends, a BOM and a
missing final newline, the reader yields exactly the records written, in order, at their
physical 1-based lines with consecutive 0-based indexes.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataprep.model import FileNote, ParseFailure, Record
from dataprep.sources import discover, read_source

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# orjson reads integers up to 64 bits exactly; Python's json writes any size
_scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
objects = st.dictionaries(st.text(max_size=8), _values, max_size=4)
BLANKS = ("", "  ", "\t")

#: one physical line: a record (a dict) or a blank line (a string of spaces/tabs)
line_items = st.one_of(objects, st.sampled_from(BLANKS))


def _items(path: Path) -> list[Any]:
    (spec,) = discover([str(path)])
    return list(read_source(spec))


@st.composite
def jsonl_layouts(draw: st.DrawFn) -> tuple[list[Any], list[str], bool, bool, bool]:
    lines = draw(st.lists(line_items, max_size=25))
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=len(lines), max_size=len(lines)))
    bom = draw(st.booleans())
    final_newline = draw(st.booleans())
    ascii_only = draw(st.booleans())
    return lines, ends, bom, final_newline, ascii_only


def _render(
    lines: list[Any], ends: list[str], bom: bool, final_newline: bool, ascii_only: bool
) -> bytes:
    parts: list[str] = []
    for n, (item, end) in enumerate(zip(lines, ends)):
        text = json.dumps(item, ensure_ascii=ascii_only) if isinstance(item, dict) else item
        last = n == len(lines) - 1
        parts.append(text + ("" if last and not final_newline else end))
    data = "".join(parts).encode("utf-8")
    return (b"\xef\xbb\xbf" if bom else b"") + data


@SETTINGS
@given(layout=jsonl_layouts())
def test_jsonl_reader_yields_every_record_at_its_physical_line(
    tmp_path_factory: pytest.TempPathFactory, layout: Any
) -> None:
    lines, ends, bom, final_newline, ascii_only = layout
    data = _render(lines, ends, bom, final_newline, ascii_only)
    path = tmp_path_factory.mktemp("prop") / "data.jsonl"
    path.write_bytes(data)

    items = _items(path)
    assert path.read_bytes() == data

    expected = [(n + 1, item) for n, item in enumerate(lines) if isinstance(item, dict)]
    got = [(i.line, i.data) for i in items if type(i) is Record]
    assert got == expected
    assert [i.index for i in items if type(i) is Record] == list(range(len(expected)))
    assert not [i for i in items if type(i) is ParseFailure]

    kinds = [i.kind for i in items if type(i) is FileNote]
    # a CRLF counts only where a line actually ends with it (not the unterminated last line)
    used_ends = ends[: len(lines) - (0 if final_newline else 1)]
    assert ("bom" in kinds) == bom
    assert ("crlf" in kinds) == ("\r\n" in used_ends)
    assert ("no-records" in kinds) == (not expected)


@SETTINGS
@given(objs=st.lists(objects, min_size=1, max_size=15),
       gaps=st.lists(st.sampled_from(["", " ", "\n", "\n\n", "\r\n", "\t\n  "]),
                     min_size=32, max_size=32))
def test_json_array_reader_yields_every_element_at_its_line(
    tmp_path_factory: pytest.TempPathFactory, objs: list[dict[str, Any]], gaps: list[str]
) -> None:
    text = "[" + gaps[0]
    expected: list[tuple[int, dict[str, Any]]] = []
    for n, obj in enumerate(objs):
        expected.append((text.count("\n") + 1, obj))
        text += json.dumps(obj) + gaps[2 * n + 1]
        if n < len(objs) - 1:
            text += "," + gaps[2 * n + 2]
    text += "]" + gaps[-1]
    path = tmp_path_factory.mktemp("prop") / "data.json"
    path.write_text(text, encoding="utf-8", newline="")

    items = _items(path)
    assert [(i.line, i.data) for i in items if type(i) is Record] == expected
    assert [i.index for i in items if type(i) is Record] == list(range(len(objs)))
    assert not [i for i in items if type(i) is ParseFailure]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=jsonl_layouts())
def test_gzip_reader_matches_the_plain_reader(
    tmp_path_factory: pytest.TempPathFactory, layout: Any
) -> None:
    data = _render(*layout)
    folder = tmp_path_factory.mktemp("prop")
    (folder / "data.jsonl").write_bytes(data)
    (folder / "data.jsonl.gz").write_bytes(gzip.compress(data, mtime=0))

    def view(items: list[Any]) -> list[tuple[Any, ...]]:
        return [(type(i).__name__, getattr(i, "line", None), getattr(i, "index", None),
                 getattr(i, "data", None), getattr(i, "kind", None)) for i in items]

    assert view(_items(folder / "data.jsonl.gz")) == view(_items(folder / "data.jsonl"))
