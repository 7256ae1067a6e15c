"""LLaMA-Factory's dataset_info.json: a linted folder is read the way the trainer reads it.

The registry decides each listed file's layout and field mapping (``SourceSpec.layout`` /
``SourceSpec.fields``; the engine applies them), a listed local file that does not exist
is DP012 at its entry, remote entries are ignored, files the registry does not name are
auto-detected, and the registry itself is neither data (no DP001, no DP011 in a walk) nor
a crash when it is malformed.  The expected defaults are LLaMA-Factory's own
(``DatasetAttr`` in ``src/llamafactory/data/parser.py``, ``data/README.md``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataprep.errors import InputError
from dataprep.model import FileNote, ParseFailure, Record
from dataprep.sources import SourceSpec, discover, read_source
from dataprep.sources.llamafactory import layout_for

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "fixtures" / "llamafactory"
ALPACA = {"instruction": "Name a colour.", "output": "Blue."}


def digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(path)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture()
def lf(tmp_path: Path) -> Path:
    """A copy of the fixture folder (tests may add files to it)."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


def write_registry(folder: Path, registry: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dataset_info.json"
    path.write_text(registry if isinstance(registry, str) else json.dumps(registry, indent=2))
    return path


def jl(folder: Path, name: str, *rows: dict[str, Any]) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def spec_view(specs: list[SourceSpec], root: Path) -> list[tuple[str, str, str | None, Any]]:
    return [(Path(os.path.relpath(s.path, root)).as_posix(), s.kind, s.layout, s.fields)
            for s in specs]


def lint_json(monkeypatch: pytest.MonkeyPatch, cwd: Path, *args: str) -> dict[str, Any]:
    from dataprep.cli import cli

    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, ["lint", *args, "--format", "json", "--no-progress",
                                      "--no-cache"])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def findings(report: dict[str, Any], root: Path) -> list[tuple[str, str, int | None]]:
    return sorted((Path(os.path.relpath(f["path"], root)).as_posix(), f["code"], f["line"])
                  for f in report["findings"])


# --------------------------------------------------------------------------- the decision


@pytest.mark.parametrize(
    ("attr", "expected"),
    [
        ({}, ("alpaca", ())),
        ({"file_name": "a.json", "formatting": "alpaca"}, ("alpaca", ())),
        ({"columns": {"prompt": "question", "query": "context", "response": "answer",
                      "system": "persona", "history": "turns"}},
         ("alpaca", (("instruction", "question"), ("input", "context"), ("output", "answer"),
                     ("history", "turns"), ("system", "persona")))),
        ({"columns": {"prompt": "text"}}, ("text", ())),
        ({"columns": {"prompt": "body"}}, ("text", (("text", "body"),))),
        ({"columns": {"prompt": "q", "query": "ctx"}},
         (None, (("instruction", "q"), ("input", "ctx")))),
        ({"ranking": True, "columns": {"prompt": "instruction", "query": "input",
                                       "chosen": "good", "rejected": "bad"}},
         ("preference", (("chosen", "good"), ("rejected", "bad")))),
        ({"columns": {"prompt": "instruction", "response": "output", "kto_tag": "liked"}},
         ("kto", (("kto_tag", "liked"),))),
        ({"formatting": "sharegpt"}, ("sharegpt", ())),
        ({"formatting": "sharegpt", "columns": {"messages": "dialog", "system": "system",
                                                "tools": "functions"}},
         ("sharegpt", (("conversations", "dialog"), ("tools", "functions")))),
        ({"formatting": "sharegpt", "columns": {"messages": "messages", "images": "pics"},
          "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                   "assistant_tag": "assistant"}},
         ("chat", (("images", "pics"),))),
        ({"formatting": "sharegpt", "tags": {"role_tag": "role", "content_tag": "content"}},
         ("chat-conversations", ())),
        ({"formatting": "sharegpt", "columns": {"messages": "dialog"},
          "tags": {"role_tag": "role", "content_tag": "content"}},
         ("chat-conversations", (("conversations", "dialog"),))),
        ({"formatting": "openai", "columns": {"messages": "messages"},
          "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                   "assistant_tag": "assistant", "system_tag": "system"}},
         ("chat", ())),
        ({"formatting": "sharegpt", "ranking": True,
          "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"}},
         ("sharegpt-dpo", ())),
        ({"formatting": "sharegpt", "ranking": True,
          "columns": {"messages": "conversations", "chosen": "better", "rejected": "worse"},
          "tags": {"role_tag": "role", "content_tag": "content"}},
         (None, (("chosen", "better"), ("rejected", "worse")))),
        ({"formatting": "sharegpt", "columns": {"messages": "conversations", "kto_tag": "ok"}},
         ("kto", (("kto_tag", "ok"),))),
        ({"formatting": "sharegpt", "columns": {"messages": "turns", "system": "sys"},
          "tags": {"role_tag": "speaker", "content_tag": "text"}},
         (None, (("conversations", "turns"), ("system", "sys")))),
        ({"formatting": "sharegpt", "tags": {"role_tag": "role"}}, (None, ())),
        ({"formatting": "yaml-ish", "columns": {"system": "sys"}}, (None, (("system", "sys"),))),
        ({"formatting": "sharegpt", "columns": "messages", "tags": ["role"]}, ("sharegpt", ())),
        ({"columns": {"prompt": 3, "response": None}}, (None, ())),
    ],
    ids=["defaults", "alpaca-explicit", "alpaca-columns", "pretrain-text", "pretrain-renamed",
         "alpaca-no-response", "alpaca-ranking", "alpaca-kto", "sharegpt-defaults",
         "sharegpt-tools", "sharegpt-role-content-messages", "sharegpt-role-content",
         "sharegpt-role-content-renamed", "openai", "sharegpt-ranking",
         "ranking-role-content", "sharegpt-kto", "unknown-tags", "half-tags",
         "unknown-formatting", "columns-not-objects", "column-not-string"],
)
def test_layout_and_fields_follow_the_trainer(attr: dict[str, Any], expected: Any) -> None:
    assert layout_for(attr) == expected


def test_registry_and_document_notes_have_their_rules() -> None:
    from dataprep.checks.input import NOTES
    from dataprep.sources.documents import NOT_A_DATASET
    from dataprep.sources.llamafactory import BAD_ENTRY, MISSING_FILE

    assert (NOTES[NOT_A_DATASET], NOTES[MISSING_FILE], NOTES[BAD_ENTRY]) == (
        "DP011", "DP012", "DP012")


def test_specs_stay_hashable_with_layout_and_fields() -> None:
    layout, fields = layout_for({"columns": {"prompt": "q", "response": "a"}})
    spec = SourceSpec("a.json", "a.json", "json", "train", layout=layout, fields=fields)
    assert hash(spec) == hash(SourceSpec("a.json", "a.json", "json", "train",
                                         layout="alpaca", fields=fields))
    assert SourceSpec("a", "a", "json", "train").layout is None
    assert SourceSpec("a", "a", "json", "train").fields == ()


# --------------------------------------------------------------------------- discovery


def test_folder_with_a_registry_gives_each_listed_file_its_layout_and_fields() -> None:
    specs = discover([str(FIXTURE)])
    assert spec_view(specs, FIXTURE) == [
        ("app_chat.jsonl", "jsonl", None, ()),
        ("dataset_info.json", "registry", None, ()),
        ("pairs/part-0.jsonl", "jsonl", "sharegpt-dpo", (("chosen", "better"), ("rejected", "worse"))),
        ("pairs/part-1.jsonl", "jsonl", "sharegpt-dpo", (("chosen", "better"), ("rejected", "worse"))),
        ("reply_feedback.json", "json", "kto", (("kto_tag", "thumbs_up"),)),
        ("support_alpaca.json", "json", "alpaca",
         (("instruction", "question"), ("input", "context"), ("output", "answer"))),
        ("weather_tools.jsonl", "jsonl", "sharegpt", (("conversations", "dialog"),)),
    ]
    assert all(s.split == "train" for s in specs)


def test_registry_fixture_through_the_cli(monkeypatch: pytest.MonkeyPatch, lf: Path) -> None:
    before = digest(lf)
    report = lint_json(monkeypatch, lf.parent, "data", "--select", "DP0")
    assert digest(lf) == before
    # the missing file, at its entry: the only DP0 finding (no DP001 for the registry,
    # no DP011 for it, nothing for the remote entry)
    assert findings(report, lf) == [("dataset_info.json", "DP012", 44)]
    [dp012] = report["findings"]
    assert (dp012["name"], dp012["severity"], dp012["record"]) == (
        "input.registry-missing-file", "error", None)
    assert '"returns_faq"' in dp012["message"] and '"returns_faq.json"' in dp012["message"]
    files = {Path(f["path"]).name: f["records"] for f in report["files"]}
    assert files["dataset_info.json"] == 0
    assert "public_mix" not in json.dumps(report)


def test_listed_files_are_read_as_the_registry_says(monkeypatch: pytest.MonkeyPatch,
                                                    lf: Path) -> None:
    report = lint_json(monkeypatch, lf.parent, "data", "--select", "DP0,DP1")
    formats = {Path(f["path"]).name: f["format"] for f in report["files"]}
    assert formats == {"app_chat.jsonl": "chat", "dataset_info.json": "unknown",
                       "part-0.jsonl": "sharegpt-dpo", "part-1.jsonl": "sharegpt-dpo",
                       "reply_feedback.json": "kto", "support_alpaca.json": "alpaca",
                       "weather_tools.jsonl": "sharegpt"}


def test_registry_reader_yields_only_notes(lf: Path) -> None:
    [spec] = [s for s in discover([str(lf)]) if s.kind == "registry"]
    items = list(read_source(spec))
    assert [(type(i), i.kind, i.line) for i in items] == [(FileNote, "registry-missing-file", 44)]
    (lf / "returns_faq.json").write_text(json.dumps([ALPACA]))
    assert list(read_source(spec)) == []  # nothing to say: no note, so no DP001 either


def test_named_file_in_a_registry_folder_keeps_the_registry_layout(lf: Path) -> None:
    specs = discover([str(lf / "support_alpaca.json"), str(lf / "pairs" / "part-1.jsonl"),
                      str(lf / "app_chat.jsonl")])
    assert [(Path(s.path).name, s.layout) for s in specs] == [
        ("support_alpaca.json", "alpaca"), ("part-1.jsonl", "sharegpt-dpo"),
        ("app_chat.jsonl", None)]


def test_subfolder_walk_uses_the_registry_above_it(lf: Path) -> None:
    specs = discover([str(lf / "pairs")])
    assert [(Path(s.path).name, s.layout) for s in specs] == [
        ("part-0.jsonl", "sharegpt-dpo"), ("part-1.jsonl", "sharegpt-dpo")]


def test_registry_named_explicitly_is_one_dp011_not_a_registry_run(
    monkeypatch: pytest.MonkeyPatch, lf: Path
) -> None:
    report = lint_json(monkeypatch, lf, "dataset_info.json", "--select", "DP0")
    assert findings(report, lf) == [("dataset_info.json", "DP011", 1)]
    assert "LLaMA-Factory dataset registry" in report["findings"][0]["message"]


def test_remote_only_entries_are_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_registry(folder, {
        "hub": {"hf_hub_url": "org/a"},
        "ms": {"ms_hub_url": "org/b", "formatting": "sharegpt"},
        "script": {"script_url": "loader", "file_name": "absent.json"},
        "cloud": {"cloud_file_name": "s3://bucket/x.json"},
        "local": {"file_name": "local.jsonl"},
    })
    jl(folder, "local.jsonl", ALPACA)
    specs = discover([str(folder)])
    assert spec_view(specs, folder) == [("dataset_info.json", "registry", None, ()),
                                        ("local.jsonl", "jsonl", "alpaca", ())]
    assert [i for s in specs for i in read_source(s) if type(i) is not Record] == []


def test_registry_with_only_remote_entries_and_no_data_is_no_input(tmp_path: Path) -> None:
    write_registry(tmp_path / "data", {"hub": {"hf_hub_url": "org/a"}})
    with pytest.raises(InputError, match="no data files found"):
        discover([str(tmp_path / "data")])


def test_registry_whose_files_are_all_missing_is_still_linted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_registry(tmp_path / "data", '{\n  "a": {"file_name": "a.json"},\n'
                                      '  "b": {"file_name": "b_dir"}\n}\n')
    report = lint_json(monkeypatch, tmp_path, "data", "--select", "DP0")
    assert findings(report, tmp_path / "data") == [
        ("dataset_info.json", "DP012", 2), ("dataset_info.json", "DP012", 3)]
    assert all("does not exist" in f["message"] for f in report["findings"])


def test_folder_entries_and_files_outside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_registry(folder, {
        "shards": {"file_name": "shards", "formatting": "sharegpt"},
        "empty": {"file_name": "empty_dir"},
        "shared": {"file_name": "../shared/common.jsonl"},
        "csv": {"file_name": "table.csv"},
        "hidden": {"file_name": ".cache/hidden.jsonl"},
    })
    convo = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}
    jl(folder, "shards/b.jsonl", convo)
    jl(folder, "shards/a.json", convo)
    (folder / "shards" / "notes.txt").write_text("not data\n")
    (folder / "empty_dir").mkdir()
    (folder / "table.csv").write_text("instruction,output\na,b\n")
    jl(tmp_path, "shared/common.jsonl", ALPACA)
    jl(folder, ".cache/hidden.jsonl", ALPACA)
    specs = discover([str(folder)])
    assert [(Path(os.path.relpath(s.path, tmp_path)).as_posix(), s.layout) for s in specs] == [
        ("data/.cache/hidden.jsonl", "alpaca"),
        ("data/dataset_info.json", None),
        ("data/shards/a.json", "sharegpt"),
        ("data/shards/b.jsonl", "sharegpt"),
        ("shared/common.jsonl", "alpaca"),
    ]
    [registry] = [s for s in specs if s.kind == "registry"]
    notes = [(i.kind, i.detail) for i in read_source(registry)]
    assert notes == [("registry-missing-file", ('LLaMA-Factory dataset "empty" names the folder '
                      '"empty_dir", which holds no files; the trainer stops when this dataset '
                      "is selected"))]


def test_unlisted_files_are_auto_detected_and_eval_roles_kept(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_registry(folder, {"qa_test": {"file_name": "test.jsonl"}})
    jl(folder, "test.jsonl", ALPACA)
    specs = discover([str(folder)])
    # only an evaluation-named file: it is the data audited (train), and the registry with it
    assert [(Path(s.path).name, s.split) for s in specs] == [
        ("dataset_info.json", "train"), ("test.jsonl", "train")]
    jl(folder, "train.jsonl", ALPACA)
    specs = discover([str(folder)])
    assert [(Path(s.path).name, s.split, s.layout) for s in specs] == [
        ("dataset_info.json", "train", None), ("test.jsonl", "eval", "alpaca"),
        ("train.jsonl", "train", None)]
    specs = discover([], [str(folder / "test.jsonl")])
    assert [(Path(s.path).name, s.split) for s in specs] == [("test.jsonl", "eval")]


# --------------------------------------------------------------------------- bad registries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": {"file_name": "train.jsonl"},', [("dataset_info.json", "DP006", 1)]),
        ('{\n  "a": {"file_name": "train.jsonl"}\n  "b": {}\n}\n',
         [("dataset_info.json", "DP003", 3)]),
        ('[{"file_name": "train.jsonl"}]', [("dataset_info.json", "DP101", None)]),
        ("{}", [("dataset_info.json", "DP011", 1)]),
        ('{"a": 1, "b": 2, "c": {"file_name": "train.jsonl"}}',
         [("dataset_info.json", "DP011", 1)]),
        (('{\n  "ok": {"file_name": "train.jsonl"},\n  "bad": [1],\n  "num": {"file_name": 5},\n'
         '  "blank": {"file_name": " "},\n  "cols": {"file_name": "train.jsonl", "columns": 3,'
         ' "tags": "x"}\n}\n'),
         [("dataset_info.json", "DP012", 3), ("dataset_info.json", "DP012", 4),
          ("dataset_info.json", "DP012", 5)]),
    ],
    ids=["truncated", "missing-comma", "array", "empty", "mostly-not-entries", "bad-entries"],
)
def test_malformed_registry_is_a_finding_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, expected: list[Any]
) -> None:
    folder = tmp_path / "data"
    write_registry(folder, text)
    jl(folder, "train.jsonl", ALPACA)
    report = lint_json(monkeypatch, tmp_path, "data", "--select", "DP0,DP101")
    assert findings(report, folder) == expected


def test_bad_entry_messages_name_the_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_registry(folder, {"bad": [1], "num": {"file_name": 5}, "none": {"formatting": "alpaca"},
                            "ok": {"file_name": "train.jsonl"}})
    jl(folder, "train.jsonl", ALPACA)
    [registry] = [s for s in discover([str(folder)]) if s.kind == "registry"]
    assert [(i.kind, i.detail) for i in read_source(registry)] == [
        ("registry-bad-entry", ('LLaMA-Factory dataset "bad": the entry is an array, not an '
                               "object; the trainer cannot load it")),
        ("registry-bad-entry", ('LLaMA-Factory dataset "num": file_name is a number, not a file '
                               "name; the trainer cannot load it")),
        ("registry-bad-entry", ('LLaMA-Factory dataset "none": no file_name (nor a hub or script '
                               "URL); the trainer cannot load it")),
    ]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["train.jsonl", "missing.json", "sub", "", "../x", "\x00"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["file_name", "formatting", "ranking", "columns", "tags", "hf_hub_url",
                         "messages", "prompt", "role_tag", "content_tag", "a"]),
        inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(registry=st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4))
def test_any_registry_content_never_raises(tmp_path: Path, registry: dict[str, Any]) -> None:
    folder = tmp_path / "data"
    shutil.rmtree(folder, ignore_errors=True)
    write_registry(folder, registry)
    jl(folder, "train.jsonl", ALPACA)
    (folder / "sub").mkdir()
    specs = discover([str(folder)])
    items = [i for s in specs for i in read_source(s)]
    assert any(type(i) is Record for i in items)
    for i in items:
        assert type(i) in (Record, FileNote, ParseFailure)
