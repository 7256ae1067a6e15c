""".json files that hold objects rather than an array: one record, a document, or several.

A ``.json`` file holding one object (often pretty-printed over many lines) is one record at
the line where the object starts, when it is a training record; a JSON document that is
not a dataset (a config, a dataprep report, a trainer's registry) is one DP011 finding and
no records, never one DP003 per physical line and never DP001.  Directory walks leave
dataprep's own outputs out; a file named on the command line is always read.  Every test
that reads an input checks that its bytes did not change.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataprep.model import FileNote, ParseFailure, Record
from dataprep.sources import SourceSpec, discover, read_source

REPO = Path(__file__).resolve().parents[1]
FILES = REPO / "fixtures" / "files"
CHAT = {"messages": [{"role": "user", "content": "Capital of Peru?"},
                     {"role": "assistant", "content": "Lima."}]}
REPORT = {"schema_version": 1, "tool": {"name": "dataprep", "version": "0.1.0"},
          "files": [], "findings": [], "summary": {"records": 0}}


# --------------------------------------------------------------------------- helpers


def digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if p.is_file():
            h.update(str(p).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def read(paths: Sequence[Path]) -> list[Any]:
    """Discover and read ``paths``, asserting no input byte changed."""
    before = [digest(p) for p in paths]
    items = [i for s in discover([str(p) for p in paths]) for i in read_source(s)]
    assert [digest(p) for p in paths] == before, "reading changed an input"
    return items


def read_text(tmp_path: Path, text: str | bytes, name: str = "data.json") -> list[Any]:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return read([path])


def records(items: Iterable[Any]) -> list[tuple[int | None, int, Any]]:
    return [(i.line, i.index, i.data) for i in items if type(i) is Record]


def failures(items: Iterable[Any]) -> list[tuple[int | None, int | None, str]]:
    return [(i.line, i.index, i.kind) for i in items if type(i) is ParseFailure]


def notes(items: Iterable[Any]) -> list[tuple[str, int | None]]:
    return [(i.kind, i.line) for i in items if type(i) is FileNote]


def lint_json(monkeypatch: pytest.MonkeyPatch, cwd: Path, *args: str) -> dict[str, Any]:
    """Run ``dataprep lint ... --format json`` in-process; return the report."""
    from dataprep.cli import cli

    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, ["lint", *args, "--format", "json", "--no-progress",
                                      "--no-cache"])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def codes(report: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return sorted((Path(f["path"]).name, f["code"], f["line"]) for f in report["findings"])


# --------------------------------------------------------------------------- one record


def test_pretty_printed_record_is_one_record_at_its_first_line() -> None:
    items = read([FILES / "one_record.json"])
    [(line, index, data)] = records(items)
    assert (line, index) == (1, 0)
    assert data["messages"][-1] == {"role": "assistant", "content": "Lisbon."}
    assert failures(items) == [] and notes(items) == []


def test_record_object_after_blank_lines_keeps_its_start_line(tmp_path: Path) -> None:
    items = read_text(tmp_path, "\n\n  \n" + json.dumps(CHAT, indent=4) + "\n\n")
    assert records(items) == [(4, 0, CHAT)]
    assert failures(items) == [] and notes(items) == []


def test_one_line_record_in_a_json_file_is_one_record(tmp_path: Path) -> None:
    items = read_text(tmp_path, json.dumps(CHAT))
    assert records(items) == [(1, 0, CHAT)]
    assert failures(items) == [] and notes(items) == []


def test_bom_and_crlf_around_a_pretty_record(tmp_path: Path) -> None:
    text = json.dumps(CHAT, indent=2).replace("\n", "\r\n")
    items = read_text(tmp_path, b"\xef\xbb\xbf" + text.encode() + b"\r\n")
    assert records(items) == [(1, 0, CHAT)]
    assert ("bom", 1) in notes(items) and failures(items) == []


def test_gzipped_pretty_record(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps(CHAT, indent=2).encode(), mtime=0)
    items = read_text(tmp_path, data, "data.json.gz")
    assert records(items) == [(1, 0, CHAT)]


def test_pretty_records_one_after_another_each_at_its_line() -> None:
    items = read([FILES / "pretty_sequence.json"])
    assert [(line, index) for line, index, _ in records(items)] == [(1, 0), (5, 1)]
    assert failures(items) == [] and notes(items) == []


def test_a_layout_from_a_registry_makes_an_unknown_object_a_record(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('{\n  "q": "2+2?",\n  "a": "4"\n}\n')
    for spec in (SourceSpec(str(path), str(path), "json", "train", layout="alpaca"),
                 SourceSpec(str(path), str(path), "json", "train",
                            fields=(("instruction", "q"), ("output", "a")))):
        items = list(read_source(spec))
        assert records(items) == [(1, 0, {"q": "2+2?", "a": "4"})]
        assert notes(items) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=30), indent=st.sampled_from([None, 0, 1, 2, 4, "\t"]),
       blank=st.integers(min_value=0, max_value=3), extra=st.dictionaries(
           st.sampled_from(["id", "source", "meta"]), st.integers(), max_size=2))
def test_any_record_document_is_one_record_at_its_line(
    tmp_path: Path, text: str, indent: Any, blank: int, extra: dict[str, int]
) -> None:
    rec = {"text": text, **extra}
    items = read_text(tmp_path, "\n" * blank + json.dumps(rec, indent=indent) + "\n")
    assert records(items) == [(blank + 1, 0, rec)]
    assert failures(items) == [] and [k for k, _ in notes(items)] == []


# --------------------------------------------------------------------------- not a dataset


NOT_DATA = [
    pytest.param("not_a_dataset.json", (FILES / "not_a_dataset.json").read_text(),
                 'keys "model_name_or_path", "learning_rate", "num_train_epochs", '
                 '"per_device_train_batch_size", "lora_rank", ... that fits no record layout',
                 id="config"),
    pytest.param("report.json", json.dumps(REPORT, indent=2), "a dataprep report", id="report"),
    pytest.param("baseline.json", json.dumps({"version": 1, "tool": {"name": "dataprep"},
                                              "entries": []}, indent=1),
                 "a dataprep baseline", id="baseline"),
    pytest.param("dataset_info.json", '{\n  "demo": {"file_name": "demo.json"}\n}\n',
                 "a LLaMA-Factory dataset registry (dataset_info.json)", id="registry"),
    pytest.param("package.json", '{"name": "web", "version": "1.0.0"}\n',
                 'keys "name", "version" that fits no record layout', id="one-line"),
    pytest.param("empty.json", "{\n}\n", "an empty JSON object", id="empty-object"),
    pytest.param("info.json", json.dumps({"builder_name": "json", "features": {}}, indent=2),
                 "a Hugging Face dataset info file", id="hf-info"),
]


@pytest.mark.parametrize(("name", "text", "what"), NOT_DATA)
def test_a_document_that_is_not_a_dataset_is_one_note_and_no_records(
    tmp_path: Path, name: str, text: str, what: str
) -> None:
    items = read_text(tmp_path, text, name)
    assert records(items) == [] and failures(items) == []
    [note] = [i for i in items if type(i) is FileNote]
    assert (note.kind, note.line) == ("not-a-dataset", 1)
    assert what in note.detail


def test_one_line_document_with_crlf_is_only_the_not_a_dataset_note(tmp_path: Path) -> None:
    items = read_text(tmp_path, '{"name": "web", "private": true}\r\n', "settings.json")
    assert notes(items) == [("not-a-dataset", 1)]
    assert records(items) == [] and failures(items) == []


def test_registry_with_a_dataset_named_like_a_layout_key_is_still_a_registry(
    tmp_path: Path
) -> None:
    items = read_text(tmp_path, '{"messages": {"file_name": "m.json"}}', "dataset_info.json")
    assert notes(items) == [("not-a-dataset", 1)] and records(items) == []


@pytest.mark.parametrize(("name", "text", "what"), NOT_DATA)
def test_not_a_dataset_through_the_cli_is_exactly_one_dp011(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, what: str
) -> None:
    (tmp_path / name).write_text(text)
    report = lint_json(monkeypatch, tmp_path, name, "--select", "DP0")
    [finding] = report["findings"]
    assert (finding["code"], finding["name"], finding["severity"]) == (
        "DP011", "input.not-a-dataset", "warning")
    assert finding["line"] == 1 and finding["record"] is None
    assert finding["message"].startswith("not a dataset file: ")
    assert [f["records"] for f in report["files"]] == [0]


def test_record_and_config_side_by_side_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one.json").write_text(json.dumps(CHAT, indent=2))
    (tmp_path / "settings.json").write_text('{\n  "seed": 1\n}\n')
    report = lint_json(monkeypatch, tmp_path, ".", "--select", "DP0")
    assert codes(report) == [("settings.json", "DP011", 1)]
    assert {Path(f["path"]).name: f["records"] for f in report["files"]} == {
        "one.json": 1, "settings.json": 0}


# --------------------------------------------------------------------------- bad documents


@pytest.mark.parametrize(
    ("text", "expected"),
    [('{\n  "text": "a",\n  "n": [1,,2]\n}\n', [(3, 0, "invalid-json")]),
     ('{\n  "text": "a",\n  "n": NaN\n}\n', [(1, 0, "nan")]),
     ('{\n  "text": "a",\n  "more": {\n', [(4, 0, "truncated")]),
     ('{\n  "text": "cut he', [(2, 0, "truncated")]),
     ('{\n  "text": "a"\n}\n{\n  "text": b\n}\n', [(5, 1, "invalid-json")]),
     ('{\n  "text": "a"\n}\n[1]\n{\n  "text": "c"\n}\n', [(4, 1, "not-object")])],
    ids=["syntax", "nan", "truncated", "cut-string", "second-broken", "array-between"],
)
def test_a_broken_document_is_one_failure_not_one_per_line(
    tmp_path: Path, text: str, expected: list[tuple[int, int, str]]
) -> None:
    items = read_text(tmp_path, text)
    assert failures(items) == expected


def test_invalid_utf8_inside_a_pretty_document_is_one_failure(tmp_path: Path) -> None:
    items = read_text(tmp_path, b'{\n  "text": "caf\xe9",\n  "id": 1\n}\n')
    assert failures(items) == [(2, 0, "invalid-utf8")]
    assert records(items) == []


def test_json_lines_with_a_broken_first_line_are_still_read_line_by_line(tmp_path: Path) -> None:
    items = read_text(tmp_path, '{"text": "a",}\n{"text": "b"}\n\n{"text": "c"}\n')
    assert failures(items) == [(1, 0, "invalid-json")]
    assert records(items) == [(2, 1, {"text": "b"}), (4, 2, {"text": "c"})]


def test_json_lines_with_nan_on_the_first_line_are_still_read_line_by_line(
    tmp_path: Path
) -> None:
    items = read_text(tmp_path, '{"text": "a", "x": NaN}\n{"text": "b"}\n')
    assert failures(items) == [(1, 0, "nan")]
    assert records(items) == [(2, 1, {"text": "b"})]


def test_broken_pretty_document_gives_no_dp001_and_one_dp003(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data.json").write_text('{\n  "text": "a",\n  "x": [1,,2],\n  "y": 2\n}\n')
    report = lint_json(monkeypatch, tmp_path, "data.json", "--select", "DP0")
    assert codes(report) == [("data.json", "DP003", 3)]


# --------------------------------------------------------------------------- directory walks


def test_walk_leaves_out_dataprep_outputs_but_a_named_report_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(json.dumps(CHAT) + "\n{oops\n")
    from dataprep.cli import cli

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for fmt, name in (("json", "lint-report.json"), ("jsonl", "findings.jsonl"),
                      ("sarif", "results.sarif.json")):
        res = runner.invoke(cli, ["lint", "data", "--select", "DP0", "--no-progress", "--no-cache",
                                  "--format", fmt, "-o", str(data / name)])
        assert res.exit_code == 1, res.output
    res = runner.invoke(cli, ["baseline", "write", str(data / "baseline.json"), "data",
                              "--select", "DP0", "--no-progress"])
    assert res.exit_code == 0, res.output
    (data / "tokenizer_config.json").write_text('{"model_max_length": 2048}')
    (data / "package.json").write_text('{"name": "x"}')

    specs = [Path(s.path).name for s in discover([str(data)])]
    assert specs == ["train.jsonl"]
    again = lint_json(monkeypatch, tmp_path, "data", "--select", "DP0")
    assert codes(again) == [("train.jsonl", "DP003", 2)]

    named = lint_json(monkeypatch, tmp_path, "data/lint-report.json", "data/results.sarif.json",
                      "--select", "DP0")
    messages = sorted(f["message"] for f in named["findings"])
    assert messages == ["not a dataset file: a dataprep SARIF report",
                        "not a dataset file: a dataprep report"]


def test_glob_matches_leave_out_dataprep_reports(tmp_path: Path) -> None:
    (tmp_path / "train.json").write_text(json.dumps([CHAT]))
    (tmp_path / "report.json").write_text(json.dumps(REPORT, indent=2))
    specs = discover([str(tmp_path / "*.json")])
    assert [Path(s.path).name for s in specs] == ["train.json"]


def test_walk_reads_a_json_file_that_merely_mentions_dataprep(tmp_path: Path) -> None:
    rec = {"messages": [{"role": "user", "content": "What is dataprep?"},
                        {"role": "assistant", "content": '"dataprep" is a linter.'}]}
    (tmp_path / "one.json").write_text(json.dumps(rec, indent=2))
    items = read([tmp_path])
    assert records(items) == [(1, 0, rec)]
