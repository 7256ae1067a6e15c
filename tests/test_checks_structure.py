"""Focused tests of the structure and record checks beyond the YAML cases: aggregation
across many records, line bookkeeping, the chat fast path, and robustness on odd values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.api import lint
from dataprep.checks.base import Emit, FileInfo
from dataprep.checks.chat import ChatCheck
from dataprep.checks.input import FAILURES, InputCheck
from dataprep.checks.records import RecordFormatsCheck
from dataprep.checks.structure import MAX_PENDING_UNKNOWN, StructureCheck, pointer_key, quote
from dataprep.records import FORMATS, applies, detect
from dataprep.model import Record

CHAT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def _write(tmp_path: Path, records: list[Any], name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def _lint(tmp_path: Path, path: Path, select: list[str]) -> Any:
    return lint([str(path)], select=select, cwd=tmp_path)


class Capture:
    """An Emit stand-in that records (code, line, index, pointer, message) tuples."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []
        self.emit = Emit(frozenset({f"DP{n:03d}" for n in range(1000)}), self._sink)

    def _sink(self, code: str, path: str, line: Any, record: Any, message: str, pointer: Any,
              related: Any, count: int, severity: Any) -> None:
        self.items.append((code, line, record, pointer, message, count))


# ---------------------------------------------------------------------- DP101 / DP102


def test_mixed_file_flags_only_the_minority(tmp_path: Path) -> None:
    records: list[Any] = []
    odd_lines = []
    for i in range(60):
        if i in (7, 8, 41):
            records.append({"prompt": f"p{i}", "completion": f"c{i}"})
            odd_lines.append(len(records))
        else:
            records.append({"messages": [{"role": "user", "content": f"q{i}"},
                                         {"role": "assistant", "content": f"a{i}"}]})
        if i % 10 == 0:
            records.append("")  # blank lines shift lines but not indexes
    res = _lint(tmp_path, _write(tmp_path, records), ["DP102"])
    assert [f.line for f in res.findings] == odd_lines
    assert all("main format is chat (57 of 60 records)" in f.message for f in res.findings)
    assert res.to_dict()["files"][0]["format"] == "chat"


def test_mixed_formats_without_line_numbers() -> None:
    """Parquet and HF sources have no lines: positions are indexes only."""
    cap = Capture()
    chk = StructureCheck({}, None)
    chk.start_file(FileInfo("x.parquet", "train", "parquet"), cap.emit)
    for i in range(10):
        data = {"text": "t"} if i != 4 else {"prompt": "a", "completion": "b"}
        rec = Record("x.parquet", None, i, None, data)
        rec.format = detect(rec.data)
        chk.check(rec, cap.emit)
    chk.end_file(FileInfo("x.parquet", "train", "parquet"), cap.emit)
    assert [(c[0], c[1], c[2]) for c in cap.items] == [("DP102", None, 4)]


def test_whole_file_unknown_is_one_finding_with_count(tmp_path: Path) -> None:
    n = MAX_PENDING_UNKNOWN + 500
    path = _write(tmp_path, [{"question": f"q{i}", "answer": "a"} for i in range(n)])
    res = _lint(tmp_path, path, ["DP101"])
    assert len(res.findings) == 1
    f = res.findings[0]
    assert (f.line, f.record, f.count) == (None, None, n)
    assert '"answer"' in f.message and '"question"' in f.message
    assert res.to_dict()["summary"]["invalid"] == n


def test_many_unknown_before_the_first_known_are_all_located(tmp_path: Path) -> None:
    n = MAX_PENDING_UNKNOWN + 20
    records: list[Any] = [{"q": i} for i in range(n)] + [{"text": "known"}, {"q": "late"}]
    res = _lint(tmp_path, _write(tmp_path, records), ["DP101"])
    lines = [f.line for f in res.findings]
    assert lines == [*range(1, n + 1), n + 2]
    assert all(f.count == 1 for f in res.findings)


# ---------------------------------------------------------------------- DP103 / DP106


def test_unknown_key_aggregated_per_file_and_key(tmp_path: Path) -> None:
    records = []
    for i in range(50):
        rec: dict[str, Any] = {"text": f"t{i}"}
        if i % 4 != 0:
            rec["score"] = i
        if i >= 10:
            rec["id"] = i
        records.append(rec)
    path = _write(tmp_path, records)
    res = _lint(tmp_path, path, ["DP103", "DP106"])
    by_code = {f.code: f for f in res.findings}
    assert len(res.findings) == 2
    unknown = by_code["DP103"]
    assert (unknown.line, unknown.count, unknown.pointer) == (2, 37, "/score")
    assert "in 37 records" in by_code["DP103"].message
    assert (by_code["DP106"].line, by_code["DP106"].count) == (11, 40)


def test_keys_are_counted_per_file(tmp_path: Path) -> None:
    a = _write(tmp_path, [{"text": "a", "x": 1}] * 3, "a.jsonl")
    b = _write(tmp_path, [{"text": "b", "x": 1}] * 2, "b.jsonl")
    res = lint([str(a), str(b)], select=["DP103"], cwd=tmp_path)
    got = sorted((Path(f.path).name, f.count) for f in res.findings)
    assert got == [("a.jsonl", 3), ("b.jsonl", 2)]


# ---------------------------------------------------------------------- robustness

WEIRD_RECORDS: list[dict[str, Any]] = [
    {"messages": 5},
    {"messages": None},
    {"messages": [None, 5, "x", [], {}]},
    {"messages": [{"role": 7, "content": {"a": 1}}]},
    {"messages": [{"role": ["user"], "content": "x"}, {"role": {"a": 1}, "content": "y"}]},
    {"messages": [{"role": "assistant", "tool_calls": "x", "content": None}]},
    {"messages": [{"role": "assistant", "tool_calls": [
        5, {"function": 5}, {"function": {"name": 5, "arguments": 5}}]}]},
    {"messages": [{"role": "assistant", "function_call": "x"}, {"role": "function", "content": 5}]},
    {"messages": [{"role": "tool", "tool_call_id": ["a"], "content": "x"}]},
    {"messages": [{"role": "user", "content": [
        None, {"type": ["text"]}, {"type": "image_url", "image_url": 5}]}]},
    {"messages": [{"role": "assistant", "content": "x", "weight": [1]}], "tools": {"a": 1}},
    {"messages": [],
     "tools": [5, {"type": "function", "function": {"name": ["x"], "parameters": 5}}],
     "functions": "x", "parallel_tool_calls": "yes"},
    {"messages": [{"role": "user", "content": "x"}], "tools": "not json",
     "functions": [5, {"name": 3}]},
    {"prompt": [5], "completion": [{"role": None}]},
    {"prompt": [], "completion": 5},
    {"conversations": 5},
    {"conversations": [None, {"from": 5, "value": None},
                       {"from": "function_call", "value": "{"}]},
    {"conversations": [{"role": "user"}], "tools": 5, "system": {"a": 1}},
    {"conversations": [], "tools": "[5, {\"name\": 5}]"},
    {"chosen": [5, {"role": None}, {"role": "user", "content": 5}], "rejected": {"a": 1},
     "prompt": 5},
    {"chosen": [{"role": "assistant", "content": [5, {"text": 5}]}], "rejected": [],
     "input": [None]},
    {"prompt": None, "completion": None},
    {"instruction": ["x"], "output": {"a": 1}, "input": 5},
    {"text": None, "label": {"a": [1]}},
    {"text": 5.5, "label": float("inf")},
    {"text": {"nested": [[[[[1]]]]]}},
    {"": 1, "~/": 2, "\u0000": 3},
]


def _deep(n: int) -> Any:
    v: Any = "x"
    for _ in range(n):
        v = [v]
    return v


def _run_all(data: dict[str, Any], fmt: str) -> list[tuple[Any, ...]]:
    cap = Capture()
    info = FileInfo("x.jsonl", "train", "jsonl")
    checks = [StructureCheck({}, None), ChatCheck({}, None), RecordFormatsCheck({}, None)]
    for chk in checks:
        chk.start_file(info, cap.emit)
    rec = Record("x.jsonl", 1, 0, 0, data)
    rec.format = fmt
    for chk in checks:
        if chk.formats is None or applies(fmt, chk.formats):
            chk.check(rec, cap.emit)
    for chk in checks:
        chk.end_file(info, cap.emit)
    return cap.items


def test_checks_never_raise_on_weird_values() -> None:
    deep = {"messages": [{"role": "user", "content": _deep(900)}], "text": _deep(900)}
    for data in [*WEIRD_RECORDS, deep]:
        # under every format, as a --format-hint would force
        for fmt in (*FORMATS, detect(data)):
            _run_all(data, fmt)


def test_weird_values_through_the_engine_give_no_crash(tmp_path: Path) -> None:
    lines = [json.dumps(r) if r.get("text") != 5.5 else '{"text": 5.5, "label": 1e999}'
             for r in WEIRD_RECORDS]
    res = _lint(tmp_path, _write(tmp_path, lines), ["DP0", "DP1", "DP9"])
    assert not [f for f in res.findings if f.code == "DP901"]
    assert res.findings  # and the odd values were reported, not ignored


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["role", "content", "type", "text", "name", "arguments", "id", "function",
                         "tool_calls", "weight", "from", "value", "url", "image_url"]),
        inner, max_size=4),
    max_leaves=12,
)
record_keys = st.sampled_from(["messages", "conversations", "prompt", "completion", "instruction",
                               "input", "output", "chosen", "rejected", "text", "label", "tools",
                               "system", "id", "extra"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(record_keys, json_values, max_size=4))
def test_no_check_raises_on_random_records(data: dict[str, Any]) -> None:
    for fmt in (*FORMATS, detect(data)):
        _run_all(data, fmt)


# ---------------------------------------------------------------------- chat fast path

messages = st.lists(
    st.fixed_dictionaries({
        "role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "bot"]),
        "content": st.sampled_from(["hi", "", "  ", "hello there", None]),
    }),
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(messages)
def test_fast_path_agrees_with_full_walk(msgs: list[dict[str, Any]]) -> None:
    """The pre-scan may only skip records the full walk finds clean."""
    rec = Record("x.jsonl", 1, 0, 0, {"messages": msgs})
    rec.format = "chat"
    fast, full = Capture(), Capture()
    ChatCheck({}, None).check(rec, fast.emit)
    ChatCheck({}, None)._full(rec, rec.data, full.emit)
    assert fast.items == full.items


def test_clean_chat_file_stays_valid(tmp_path: Path) -> None:
    records = [CHAT, {"messages": [{"role": "system", "content": "s"}, *CHAT["messages"]]},
               {**CHAT, "tools": []}]
    res = _lint(tmp_path, _write(tmp_path, records), ["DP0", "DP1"])
    assert res.findings == []
    assert res.to_dict()["summary"]["valid"] == 3


def test_errors_make_records_invalid(tmp_path: Path) -> None:
    records = [CHAT, {"messages": [{"role": "user", "content": "hi"}]}, {"text": ""}]
    res = _lint(tmp_path, _write(tmp_path, records), ["DP1"])
    assert res.to_dict()["summary"]["invalid"] == 2


# ---------------------------------------------------------------------- input and helpers


def test_every_source_failure_kind_is_mapped() -> None:
    """Each ParseFailure kind the sources produce has a DP0xx rule."""
    import re

    root = Path(__file__).resolve().parent.parent / "dataprep" / "sources"
    text = "".join(p.read_text(encoding="utf-8") for p in root.glob("*.py"))
    kinds = set(re.findall(r'ParseFailure\([^)]*?"([a-z0-9-]+)"', text, re.S))
    kinds |= set(re.findall(r'return "([a-z0-9-]+)", ', text))
    assert kinds and kinds <= set(FAILURES), sorted(kinds - set(FAILURES))


def test_unknown_failure_kind_still_reported() -> None:
    from dataprep.model import ParseFailure

    cap = Capture()
    InputCheck({}, None).failure(ParseFailure("x", 3, 2, "brand-new", "odd"), cap.emit)
    assert cap.items and cap.items[0][0] == "DP003" and "brand-new" in cap.items[0][4]


def test_pointer_and_quote_helpers() -> None:
    assert pointer_key("a/b~c") == "/a~1b~0c"
    long = quote("x" * 500)
    assert len(long) <= 60 and long.endswith("…")
    assert quote(object()).startswith("<object")
