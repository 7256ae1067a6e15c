"""Sources: every bad input the readers can meet becomes a value with a location.

The readers are the part of dataprep that touches users' files, so these tests pin the
promises that the rest of the tool builds on: exact 1-based physical line numbers (blank
lines counted), 0-based record indexes, reading that goes on after a bad line, bad
files reported as values rather than exceptions, unusable paths stopped early with one
clear ``InputError`` line — and input files never modified, which every test that feeds
a bad input checks by hashing the input before and after reading it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from dataprep.errors import InputError
from dataprep.model import FileNote, ParseFailure, Record
from dataprep.sources import SourceSpec, discover, read_source, split_role

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- helpers


def digest(path: Path) -> str:
    """A hash of a file, or of every file under a folder (names and bytes)."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(path)).encode())
                h.update(p.read_bytes())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


def read_all(paths: Sequence[Path], eval_paths: Sequence[Path] = ()) -> list[Any]:
    """Discover and read everything, asserting that no input byte changed meanwhile."""
    inputs = [*paths, *eval_paths]
    before = [digest(p) for p in inputs]
    specs = discover([str(p) for p in paths], [str(p) for p in eval_paths])
    items = [item for spec in specs for item in read_source(spec)]
    assert [digest(p) for p in inputs] == before, "reading changed an input file"
    return items


def read_bytes_as(tmp_path: Path, name: str, data: bytes) -> list[Any]:
    path = tmp_path / name
    path.write_bytes(data)
    return read_all([path])


def records(items: Iterable[Any]) -> list[tuple[int | None, int, Any]]:
    return [(i.line, i.index, i.data) for i in items if type(i) is Record]


def failures(items: Iterable[Any]) -> list[tuple[int | None, int | None, str]]:
    return [(i.line, i.index, i.kind) for i in items if type(i) is ParseFailure]


def notes(items: Iterable[Any]) -> list[str]:
    return [i.kind for i in items if type(i) is FileNote]


def jl(*objs: Any) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objs)


# --------------------------------------------------------------------------- JSONL lines


def test_line_numbers_count_blank_lines_and_skip_them(tmp_path: Path) -> None:
    data = b'{"a": 1}\n\n  \n\t\n{"b": 2}\n\n{"c": 3}\n\n'
    path = tmp_path / "train.jsonl"
    path.write_bytes(data)
    items = read_all([path])
    assert records(items) == [(1, 0, {"a": 1}), (5, 1, {"b": 2}), (7, 2, {"c": 3})]
    assert failures(items) == [] and notes(items) == []
    # offsets point at the record's own line, so a later stage can re-read it
    for rec in (i for i in items if type(i) is Record):
        assert rec.offset is not None
        assert json.loads(data[rec.offset :].split(b"\n", 1)[0]) == rec.data


def test_utf8_bom_is_a_note_and_the_first_record_still_parses(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "bom.jsonl", b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n')
    assert records(items) == [(1, 0, {"a": 1}), (2, 1, {"b": 2})]
    assert notes(items) == ["bom"]
    bom = next(i for i in items if type(i) is FileNote)
    assert bom.line == 1


def test_crlf_lines_parse_and_are_noted_once(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "crlf.jsonl", b'{"a": 1}\r\n\r\n{"b": 2}\n{"c": 3}\r\n')
    assert records(items) == [(1, 0, {"a": 1}), (3, 1, {"b": 2}), (4, 2, {"c": 3})]
    assert notes(items) == ["crlf"]
    assert failures(items) == []




@pytest.mark.parametrize(
    "filler",
    [
        pytest.param(0, id="early"),
        pytest.param(2000, id="after-sniff-window"),
    ],
)
def test_invalid_utf8_line_is_a_failure_and_reading_goes_on(tmp_path: Path, filler: int) -> None:
    data = jl(*({"n": i} for i in range(filler))) + b'{"a": 1}\n{"b": "\xff\xfe"}\n{"c": 3}\n'
    items = read_bytes_as(tmp_path, "utf8.jsonl", data)
    assert failures(items) == [(filler + 2, filler + 1, "invalid-utf8")]
    assert records(items)[-1] == (filler + 3, filler + 2, {"c": 3})
    assert "no-records" not in notes(items)


def test_nul_bytes_in_one_line_are_a_failure_and_reading_goes_on(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "nul.jsonl", b'{"a": 1}\n{"b": "\x00"}\n\x00\x00\n{"c": 3}\n')
    got = [(line, kind) for line, _, kind in failures(items)]
    assert got == [(2, "invalid-json"), (3, "invalid-json")]
    assert records(items) == [(1, 0, {"a": 1}), (4, 3, {"c": 3})]


def test_invalid_json_line_is_a_failure_and_reading_goes_on(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "bad.jsonl", b'{"a": 1}\n{"b": \n{"c": 3}\n')
    assert failures(items) == [(2, 1, "invalid-json")]
    assert records(items) == [(1, 0, {"a": 1}), (3, 2, {"c": 3})]


@pytest.mark.parametrize(
    ("line", "word"),
    [(b"[1, 2]", "array"), (b'"text"', "string"), (b"42", "number"), (b"-1.5", "number"),
     (b"null", "null"), (b"true", "boolean")],
    ids=["array", "string", "int", "float", "null", "bool"],
)
def test_non_object_lines_are_failures(tmp_path: Path, line: bytes, word: str) -> None:
    items = read_bytes_as(tmp_path, "nonobj.jsonl", b'{"a": 1}\n' + line + b'\n{"c": 3}\n')
    assert failures(items) == [(2, 1, "not-object")]
    failure = next(i for i in items if type(i) is ParseFailure)
    assert word in failure.detail
    assert records(items) == [(1, 0, {"a": 1}), (3, 2, {"c": 3})]


@pytest.mark.parametrize("const", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(tmp_path: Path, const: str) -> None:
    data = b'{"a": 1}\n{"x": ' + const.encode() + b'}\n{"c": 3}\n'
    items = read_bytes_as(tmp_path, "nan.jsonl", data)
    assert failures(items) == [(2, 1, "nan")]
    assert records(items) == [(1, 0, {"a": 1}), (3, 2, {"c": 3})]


def test_truncated_last_line_without_newline(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "trunc.jsonl", b'{"a": 1}\n{"b": 2}\n{"c": "cut')
    assert failures(items) == [(3, 2, "truncated")]
    assert records(items) == [(1, 0, {"a": 1}), (2, 1, {"b": 2})]


def test_complete_last_line_without_newline_is_fine(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "lastok.jsonl", b'{"a": 1}\n{"b": 2}')
    assert records(items) == [(1, 0, {"a": 1}), (2, 1, {"b": 2})]
    assert failures(items) == [] and notes(items) == []


def test_incomplete_line_in_the_middle_is_invalid_not_truncated(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "mid.jsonl", b'{"a": "cut\n{"b": 2}\n')
    assert failures(items) == [(1, 0, "invalid-json")]
    assert records(items) == [(2, 1, {"b": 2})]


@pytest.mark.parametrize("deep", [b"[" * 100_000, b'{"a": ' * 100_000, b"[" * 5000 + b"]" * 5000],
                         ids=["open-arrays", "open-objects", "closed-arrays"])
def test_deep_nesting_is_a_failure_not_a_recursion_error(tmp_path: Path, deep: bytes) -> None:
    items = read_bytes_as(tmp_path, "deep.jsonl", b'{"a": 1}\n' + deep + b'\n{"c": 3}\n')
    assert failures(items) == [(2, 1, "too-deep")]
    assert records(items) == [(1, 0, {"a": 1}), (3, 2, {"c": 3})]


def test_ten_megabyte_line_parses_at_its_line(tmp_path: Path) -> None:
    big = {"messages": [{"role": "user", "content": "x" * 10_000_000}]}
    data = b'{"a": 1}\n\n' + json.dumps(big).encode() + b'\n{"c": 3}\n'
    items = read_bytes_as(tmp_path, "big.jsonl", data)
    recs = records(items)
    assert [(line, index) for line, index, _ in recs] == [(1, 0), (3, 1), (4, 2)]
    assert len(recs[1][2]["messages"][0]["content"]) == 10_000_000


def test_every_kind_of_bad_line_in_one_file_leaves_the_good_ones_intact(tmp_path: Path) -> None:
    bad = [b"[1]", b'"s"', b"7", b"null", b'{"x": NaN}', b'{"b": "\xff"}', b"{oops", b"[" * 100_000]
    lines: list[bytes] = []
    for n, b in enumerate(bad):
        lines += [json.dumps({"good": n}).encode(), b, b""]
    lines.append(b'{"last": true}')
    data = b"\n".join(lines) + b"\n"
    # pad the front past the binary sniff window, so this checks the line reader itself
    pad = jl(*({"pad": i} for i in range(1500)))
    items = read_bytes_as(tmp_path, "mixed.jsonl", pad + data)
    got = [(line, data) for line, _, data in records(items) if "pad" not in data]
    expected = [(1500 + 3 * n + 1, {"good": n}) for n in range(len(bad))]
    expected.append((1500 + 3 * len(bad) + 1, {"last": True}))
    assert got == expected
    assert [line for line, _, _ in failures(items)] == [1500 + 3 * n + 2 for n in range(len(bad))]
    assert [k for _, _, k in failures(items)] == [
        "not-object", "not-object", "not-object", "not-object", "nan", "invalid-utf8",
        "invalid-json", "too-deep"]
    # records and failures share one 0-based index sequence
    indexes = sorted(i.index for i in items if type(i) in (Record, ParseFailure))
    assert indexes == list(range(len(indexes)))


# --------------------------------------------------------------------------- empty and binary


@pytest.mark.parametrize(
    ("name", "data"),
    [("empty.jsonl", b""), ("blank.jsonl", b"\n  \n\t\n"), ("binary.jsonl", bytes(range(256)) * 8),
     ("image.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)),
     ("empty.json", b""), ("binary.json", b"\x00\x01\x02["),
     ("utf16.jsonl", '{"a": 1}\n{"b": 2}\n'.encode("utf-16")),
     ("random.jsonl", bytes(b for b in random.Random(0).randbytes(4096) if b)),
     ("random.jsonl.gz", gzip.compress(random.Random(1).randbytes(4096), mtime=0))],
)
def test_files_without_records_are_a_no_records_note(
    tmp_path: Path, name: str, data: bytes
) -> None:
    items = read_bytes_as(tmp_path, name, data)
    assert notes(items) == ["no-records"]
    assert records(items) == [] and failures(items) == []


# --------------------------------------------------------------------------- .json arrays


def test_json_array_elements_keep_their_line_numbers(tmp_path: Path) -> None:
    data = b'[\n  {"a": 1},\n\n  {"b": 2}, {"c": 3},\n  {"d":\n    4}\n]\n'
    items = read_bytes_as(tmp_path, "data.json", data)
    assert records(items) == [
        (2, 0, {"a": 1}), (4, 1, {"b": 2}), (4, 2, {"c": 3}), (5, 3, {"d": 4})]
    assert failures(items) == [] and notes(items) == []


def test_json_array_non_object_element_is_a_failure_and_reading_goes_on(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "data.json", b'[\n{"a": 1},\n[2],\n"s",\n{"c": 3}\n]')
    assert failures(items) == [(3, 1, "not-object"), (4, 2, "not-object")]
    assert records(items) == [(2, 0, {"a": 1}), (5, 3, {"c": 3})]


def test_json_array_malformed_element_is_reported_at_its_line(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "data.json", b'[\n{"a": 1},\n{"b": oops},\n{"c": 3}\n]\n')
    assert records(items)[0] == (2, 0, {"a": 1})
    assert failures(items)[0] == (3, 1, "invalid-json")


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b'[\n{"a": 1},\n{"b": ', "truncated"), (b'[\n{"a": 1},\n{"x": NaN}]', "nan"),
     (b"[" + b"[" * 100_000, "too-deep"), (b'[\n{"a": 1}\n{"b": 2}]', "invalid-json")],
    ids=["truncated", "nan", "deep", "missing-comma"],
)
def test_json_array_bad_inputs_are_failures(tmp_path: Path, data: bytes, kind: str) -> None:
    items = read_bytes_as(tmp_path, "data.json", data)
    assert [k for _, _, k in failures(items)] == [kind]


def test_json_array_with_bom_and_crlf(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "data.json", b'\xef\xbb\xbf[\r\n{"a": 1},\r\n{"b": 2}\r\n]\r\n')
    assert records(items) == [(2, 0, {"a": 1}), (3, 1, {"b": 2})]
    assert "bom" in notes(items)


def test_json_array_empty_is_no_records(tmp_path: Path) -> None:
    assert notes(read_bytes_as(tmp_path, "data.json", b"[ \n ]\n")) == ["no-records"]


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b'"just a string"\n', "not-object"), (b"42\n", "not-object"), (b"null\n", "not-object")],
)
def test_json_non_array_top_level_is_a_failure(tmp_path: Path, data: bytes, kind: str) -> None:
    items = read_bytes_as(tmp_path, "data.json", data)
    assert failures(items) == [(1, 0, kind)]
    assert records(items) == []


def test_json_file_holding_one_object_or_json_lines_is_read_as_lines(tmp_path: Path) -> None:
    items = read_bytes_as(tmp_path, "data.json", b'{"a": 1}\n\n{"b": 2}\n')
    assert records(items) == [(1, 0, {"a": 1}), (3, 1, {"b": 2})]


# --------------------------------------------------------------------------- gzip


def test_jsonl_gz_records_keep_their_lines(tmp_path: Path) -> None:
    raw = b'{"a": 1}\n\n{"b": 2}\n{bad\n{"c": 3}\n'
    items = read_bytes_as(tmp_path, "train.jsonl.gz", gzip.compress(raw, mtime=0))
    assert records(items) == [(1, 0, {"a": 1}), (3, 1, {"b": 2}), (5, 3, {"c": 3})]
    assert failures(items) == [(4, 2, "invalid-json")]


def test_json_gz_array(tmp_path: Path) -> None:
    data = gzip.compress(b'[{"a": 1},\n{"b": 2}]', mtime=0)
    items = read_bytes_as(tmp_path, "train.json.gz", data)
    assert records(items) == [(1, 0, {"a": 1}), (2, 1, {"b": 2})]


@pytest.mark.parametrize(
    "data",
    [gzip.compress(jl(*({"n": i} for i in range(50))), mtime=0)[:-12], b"not gzip at all\n",
     gzip.compress(b'{"a": 1}\n', mtime=0)[:20]],
    ids=["cut-stream", "not-gzip", "cut-header"],
)
def test_corrupt_gzip_is_an_unreadable_failure_not_a_crash(tmp_path: Path, data: bytes) -> None:
    items = read_bytes_as(tmp_path, "broken.jsonl.gz", data)
    assert [k for _, _, k in failures(items)] == ["unreadable"]


def test_corrupt_gzip_after_many_records_keeps_the_records_read(tmp_path: Path) -> None:
    raw = jl(*({"n": i, "pad": "x" * 200} for i in range(2000)))
    data = gzip.compress(raw, mtime=0)
    items = read_bytes_as(tmp_path, "broken.jsonl.gz", data[: len(data) // 2])
    recs = records(items)
    assert recs and recs[0] == (1, 0, {"n": 0, "pad": "x" * 200})
    assert [line for line, _, _ in recs] == list(range(1, len(recs) + 1))
    assert [k for _, _, k in failures(items)][-1] == "unreadable"


# --------------------------------------------------------------------------- Parquet


def test_parquet_records_have_no_line(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [{"text": f"t{i}", "label": "pos" if i % 2 else "neg"} for i in range(10)]
    path = tmp_path / "train.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=3)
    items = read_all([path])
    assert records(items) == [(None, i, row) for i, row in enumerate(rows)]
    assert {i.path for i in items} == {str(path)}


def test_parquet_items_carry_the_reported_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.Table.from_pylist([{"text": "a"}]), tmp_path / "train.parquet")
    monkeypatch.chdir(tmp_path)
    (spec,) = discover(["./train.parquet"])
    assert {i.path for i in read_source(spec)} == {spec.path}


def test_corrupt_parquet_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    items = read_bytes_as(tmp_path, "train.parquet", b"PAR1 this is not parquet PAR1")
    assert failures(items) == [(None, None, "unreadable")] and notes(items) == []


def test_truncated_parquet_is_reported_not_raised(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    good = tmp_path / "good.parquet"
    pq.write_table(pa.Table.from_pylist([{"text": "x" * 100}] * 100), good)
    data = good.read_bytes()
    items = read_bytes_as(tmp_path, "cut.parquet", data[: len(data) // 2])
    assert notes(items) + [k for _, _, k in failures(items)]


def test_empty_parquet_is_no_records(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), path)
    assert notes(read_all([path])) == ["no-records"]


# --------------------------------------------------------------------------- HF save_to_disk


@pytest.fixture(scope="module")
def hf_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One Dataset folder and one DatasetDict folder (built once: datasets is slow)."""
    datasets = pytest.importorskip("datasets")
    root = tmp_path_factory.mktemp("hf")
    single = root / "single"
    datasets.Dataset.from_list([{"text": "a", "label": 0}, {"text": "b", "label": 1}]).save_to_disk(
        str(single))
    split = root / "split"
    datasets.DatasetDict({
        "train": datasets.Dataset.from_list([{"text": "t1"}, {"text": "t2"}, {"text": "t3"}]),
        "test": datasets.Dataset.from_list([{"text": "e1"}]),
    }).save_to_disk(str(split))
    return {"single": single, "split": split}


def test_hf_dataset_folder(hf_folders: dict[str, Path]) -> None:
    items = read_all([hf_folders["single"]])
    assert records(items) == [
        (None, 0, {"text": "a", "label": 0}), (None, 1, {"text": "b", "label": 1})]


def test_hf_dataset_dict_splits_get_roles(hf_folders: dict[str, Path]) -> None:
    folder = hf_folders["split"]
    specs = discover([str(folder)])
    roles = {s.hf_split: s.split for s in specs}
    assert roles == {"train": "train", "test": "eval"}
    assert {s.path for s in specs} == {f"{folder}[train]", f"{folder}[test]"}
    by_path: dict[str, list[Any]] = {}
    for item in read_all([folder]):
        by_path.setdefault(item.path, []).append(item.data["text"])
    assert by_path == {f"{folder}[train]": ["t1", "t2", "t3"], f"{folder}[test]": ["e1"]}


def test_hf_folder_given_as_eval_is_eval_for_every_split(hf_folders: dict[str, Path]) -> None:
    specs = discover([], [str(hf_folders["split"])])
    assert {s.split for s in specs} == {"eval"}


def test_hf_folder_inside_a_directory_is_one_source(hf_folders: dict[str, Path]) -> None:
    specs = discover([str(hf_folders["single"].parent)])
    assert sorted(s.kind for s in specs) == ["hf", "hf", "hf"]  # single + two splits


def test_broken_hf_folder_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "state.json").write_text("{}")
    (folder / "dataset_info.json").write_text("{}")
    items = read_all([folder])
    assert [f[2] for f in failures(items)] == ["unreadable"]


def test_hf_folder_with_corrupt_arrow_file_is_a_note_not_a_crash(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    folder = tmp_path / "hf"
    rows = [{"text": "x" * 100, "n": i} for i in range(500)]
    datasets.Dataset.from_list(rows).save_to_disk(str(folder))
    (arrow,) = folder.glob("*.arrow")
    arrow.write_bytes(arrow.read_bytes()[: arrow.stat().st_size // 2])
    items = read_all([folder])
    assert "unreadable" in [f[2] for f in failures(items)]


# --------------------------------------------------------------------------- discovery


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in ["train.jsonl", "sub/val.jsonl", "sub/deeper/dev-set.json", "sub/notes.txt",
                "sub/.hidden/skip.jsonl", ".dot.jsonl", "data.ndjson", "more.jsonl.gz"]:
        p = tmp_path / "tree" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        line = b'{"a": 1}\n'
        p.write_bytes(gzip.compress(line, mtime=0) if rel.endswith(".gz") else line)
    return tmp_path / "tree"


def rel_specs(specs: list[SourceSpec], root: Path) -> list[tuple[str, str]]:
    return [(os.path.relpath(s.path, root), s.split) for s in specs]


def test_directory_recursion_reads_data_files_and_skips_hidden(tree: Path) -> None:
    specs = discover([str(tree)])
    assert sorted(rel_specs(specs, tree)) == [
        ("data.ndjson", "train"), ("more.jsonl.gz", "train"),
        ("sub/deeper/dev-set.json", "eval"), ("sub/val.jsonl", "eval"), ("train.jsonl", "train")]


def test_globs_expand_recursively(tree: Path) -> None:
    specs = discover([str(tree / "**" / "*.jsonl")])
    assert sorted(rel_specs(specs, tree)) == [("sub/val.jsonl", "eval"), ("train.jsonl", "train")]


def test_glob_without_matches_is_an_input_error(tree: Path) -> None:
    with pytest.raises(InputError, match="no file matches"):
        discover([str(tree / "*.parquet")])


def test_same_file_twice_is_one_source(tree: Path) -> None:
    path = str(tree / "train.jsonl")
    assert len(discover([path, path, str(tree / "." / "train.jsonl")])) == 1


@pytest.mark.parametrize(
    ("name", "role"),
    [("train.jsonl", "train"), ("data.jsonl", "train"), ("valid.jsonl", "eval"),
     ("val.jsonl", "eval"), ("dev.jsonl", "eval"), ("test.jsonl", "eval"), ("eval.jsonl", "eval"),
     ("my_validation-set.jsonl", "eval"), ("sft.test.jsonl.gz", "eval"),
     ("heldout.parquet", "eval"),
     ("testimonials.jsonl", "train"), ("developer.jsonl", "train"), ("evaluate_me.jsonl", "train")],
)
def test_split_role_from_name(name: str, role: str) -> None:
    assert split_role(name) == role
    assert split_role(os.path.join("test", "valid", name)) == role  # only the file name counts


def test_eval_option_forces_the_eval_role(tree: Path) -> None:
    train = tree / "train.jsonl"
    assert [s.split for s in discover([], [str(train)])] == ["eval"]
    # a file given both ways is read once, as eval
    specs = discover([str(train)], [str(train)])
    assert [s.split for s in specs] == ["eval"]


def test_missing_path_is_a_one_line_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(InputError) as err:
        discover([str(missing)])
    msg = str(err.value)
    assert str(missing) in msg and "\n" not in msg and msg.strip() == msg


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read files with mode 000")
def test_unreadable_path_is_a_one_line_input_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    before = digest(path)
    path.chmod(0)
    try:
        with pytest.raises(InputError) as err:
            discover([str(path)])
        assert str(path) in str(err.value) and "\n" not in str(err.value)
    finally:
        path.chmod(0o644)
    assert digest(path) == before


def test_open_failure_is_a_one_line_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same as the chmod test, but runs as root too: the open itself is made to fail."""
    import builtins

    import dataprep.sources as sources

    path = tmp_path / "locked.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    real_open = builtins.open

    def deny(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    before = digest(path)
    monkeypatch.setattr(sources, "open", deny, raising=False)
    with pytest.raises(InputError) as err:
        discover([str(path)])
    monkeypatch.undo()
    assert digest(path) == before
    msg = str(err.value)
    assert str(path) in msg and "Permission denied" in msg and "\n" not in msg


def test_read_error_after_discovery_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    """A file that vanishes between discovery and reading is a finding, not a traceback."""
    path = tmp_path / "gone.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    specs = discover([str(path)])
    path.unlink()
    items = [i for s in specs for i in read_source(s)]
    assert [k for _, _, k in failures(items)] == ["unreadable"]


# --------------------------------------------------------------------------- through the API


def _api() -> Any:
    if not (REPO / "dataprep" / "api.py").exists():
        pytest.skip("dataprep.api not written yet")
    from dataprep import api

    return api


INPUT_CASES = [
    ("DP001", "empty.jsonl", b"", None),
    ("DP002", "utf8.jsonl", jl(*({"n": i} for i in range(2000))) + b'{"b": "\xff"}\n', 2001),
    ("DP003", "json.jsonl", b'{"a": 1}\n{oops\n', 2),
    ("DP004", "array.jsonl", b'{"a": 1}\n[1, 2]\n', 2),
    ("DP005", "nan.jsonl", b'{"a": 1}\n{"x": NaN}\n', 2),
    ("DP006", "trunc.jsonl", b'{"a": 1}\n{"x": "cut', 2),
    ("DP007", "deep.jsonl", b'{"a": 1}\n' + b"[" * 100_000 + b"\n", 2),
    ("DP008", "bom.jsonl", b'\xef\xbb\xbf{"a": 1}\n', 1),
    ("DP009", "crlf.jsonl", b'{"a": 1}\r\n', None),
    ("DP010", "broken.jsonl.gz", b"not gzip\n", None),
]


@pytest.mark.parametrize(("code", "name", "data", "line"), INPUT_CASES,
                         ids=[c[0] for c in INPUT_CASES])
def test_input_rule_findings_through_the_api(
    tmp_path: Path, code: str, name: str, data: bytes, line: int | None
) -> None:
    api = _api()
    path = tmp_path / name
    path.write_bytes(data)
    before = digest(path)
    res = api.lint([str(path)], select=["DP0"], cwd=tmp_path)
    assert digest(path) == before
    got = [f for f in res.findings if f.code == code]
    assert got, f"expected {code}, got {[f.code for f in res.findings]}"
    assert got[0].path == str(path)
    if line is not None:
        assert got[0].line == line


# --------------------------------------------------------------------------- through the CLI


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    if not (REPO / "dataprep" / "cli.py").exists():
        pytest.skip("dataprep.cli not written yet")
    pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": pythonpath}
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "dataprep", "lint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_missing_path_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = _cli(["does-not-exist.jsonl", "--no-progress"], tmp_path)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "does-not-exist.jsonl" in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read files with mode 000")
def test_cli_unreadable_path_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "locked.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    before = digest(path)
    path.chmod(0)
    try:
        proc = _cli(["locked.jsonl", "--no-progress"], tmp_path)
    finally:
        path.chmod(0o644)
    assert digest(path) == before
    assert proc.returncode == 2
    assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1
    assert "Traceback" not in proc.stderr


def test_cli_bad_lines_exit_1_with_file_line_codes(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    chat = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    path.write_bytes(jl(chat) + b"{oops\n\n[1]\n")
    before = digest(path)
    proc = _cli(["bad.jsonl", "--no-progress", "--format", "text"], tmp_path)
    assert digest(path) == before
    assert proc.returncode == 1, proc.stderr
    assert "bad.jsonl:2: DP003" in proc.stdout
    assert "bad.jsonl:4: DP004" in proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout


def test_cli_json_report_locates_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "ok"}\n\n{"x": NaN}\n{"text": "cut')
    before = digest(path)
    proc = _cli(["bad.jsonl", "--no-progress", "--format", "json", "--select", "DP0"], tmp_path)
    assert digest(path) == before
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    got = sorted((f["code"], f["line"]) for f in report["findings"])
    assert got == [("DP005", 3), ("DP006", 4)]


def test_cli_directory_without_data_files_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not data\n")
    proc = _cli(["empty", "--no-progress"], tmp_path)
    assert proc.returncode == 2
    assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1
