"""The published JSON Schemas: valid draft 2020-12, and they say what the data says.

The report schema is the contract of ``--format json``: a hand-built report validates and
broken ones do not, and a real ``lint()`` result validates (so engine drift is caught).
Each record-format schema accepts a good record and rejects a bad one, and its own
``examples`` are detected as the format the schema is named after.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dataprep.records import FORMATS, detect, get

#: the layouts with a published JSON Schema in rules/schemas (the classic seven)
SCHEMA_FORMATS = tuple(f for f in FORMATS if get(f).schema)
from dataprep.resources import load_schema

SCHEMAS = Path(__file__).resolve().parent.parent / "rules" / "schemas"
SCHEMA_NAMES = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def is_valid(name: str, instance: Any) -> bool:
    return bool(validator(name).is_valid(instance))


def test_report_schema_lists_every_layout() -> None:
    enum = load_schema("report")["$defs"]["format"]["enum"]
    assert enum == [*FORMATS, "unknown"]


def test_every_format_and_the_report_have_a_schema() -> None:
    assert len(SCHEMA_FORMATS) == 7
    assert set(SCHEMA_FORMATS) | {"report", "config"} <= set(SCHEMA_NAMES)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://dataprep.dev/schemas/{name}.schema.json"
    assert schema.get("title")


# --- the report -----------------------------------------------------------------------------


def sample_report() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "tool": {"name": "dataprep", "version": "0.1.0"},
        "files": [
            {
                "path": "data/train.jsonl",
                "format": "chat",
                "records": 120,
                "valid": 118,
                "split": "train",
            },
            {
                "path": "data/eval.jsonl",
                "format": "unknown",
                "records": 0,
                "valid": 0,
                "split": "eval",
            },
        ],
        "task": "classification",
        "task_source": "inferred",
        "findings": [
            {
                "code": "DP113",
                "name": "chat.no-assistant-turn",
                "severity": "error",
                "path": "data/train.jsonl",
                "line": 3,
                "record": 2,
                "pointer": "/messages/1",
                "message": "no assistant turn",
                "related": [],
                "count": 1,
            },
            {
                "code": "DP301",
                "name": "dup.exact-duplicate",
                "severity": "warning",
                "path": "data/train.jsonl",
                "line": 9,
                "record": 8,
                "pointer": None,
                "message": "duplicate",
                "related": [{"path": "data/train.jsonl", "line": 1, "record": 0}],
                "count": 1,
            },
            {
                "code": "DP201",
                "name": "volume.below-minimum",
                "severity": "info",
                "path": "<dataset>",
                "line": None,
                "record": None,
                "pointer": None,
                "message": "few examples",
                "related": [],
                "count": 118,
            },
        ],
        "summary": {
            "records": 120,
            "valid": 118,
            "invalid": 2,
            "train_records": 120,
            "eval_records": 0,
            "effective_examples": None,
            "exact_duplicates": None,
            "thresholds": {"minimum": 50, "recommended": 100},
            "labels": {"positive": 60, "negative": 58},
            "by_code": {"DP113": 1, "DP201": 1, "DP301": 1},
            "by_severity": {"error": 1, "warning": 1, "info": 1},
        },
        "score": {
            "overall": 83.4,
            "dimensions": {"volume": 0.9, "validity": 0.98, "consistency": 0.9, "labels": 1.0},
            "weights": {"volume": 0.3, "validity": 0.3, "consistency": 0.1, "labels": 0.1},
            "costs": [
                {"code": "DP113", "name": "chat.no-assistant-turn", "points": 4.2},
                {"code": None, "name": "exact duplicates", "points": 0.5},
            ],
            "not_measured": ["uniqueness"],
        },
        "verdict": "needs-work",
        "verdict_reasons": ["score 83.4 is below 85 needed for ready"],
    }


def test_sample_report_validates() -> None:
    validator("report").validate(sample_report())


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit that sets ``value`` at a slash-separated path (``findings/0/severity``)."""

    def edit(report: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = report
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(report: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = report
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[last]

    return edit


BROKEN = {
    "missing-verdict": _drop("verdict"),
    "missing-findings": _drop("findings"),
    "missing-finding-line": _drop("findings/0/line"),
    "missing-by-severity": _drop("summary/by_severity"),
    "bad-severity": _set("findings/0/severity", "fatal"),
    "bad-verdict": _set("verdict", "maybe"),
    "bad-code": _set("findings/0/code", "E501"),
    "bad-name": _set("findings/0/name", "No Assistant"),
    "line-zero": _set("findings/0/line", 0),
    "line-string": _set("findings/0/line", "3"),
    "negative-record": _set("findings/0/record", -1),
    "pointer-not-a-pointer": _set("findings/0/pointer", "messages/1"),
    "count-zero": _set("findings/0/count", 0),
    "extra-finding-key": _set("findings/0/column", 4),
    "extra-related-key": _set("findings/1/related/0/hash", "ab12"),
    "score-too-high": _set("score/overall", 101),
    "dimension-above-one": _set("score/dimensions/volume", 1.5),
    "unknown-dimension": _set("score/dimensions/speed", 0.5),
    "bad-task": _set("task", "regression"),
    "bad-split": _set("files/0/split", "test"),
    "bad-file-format": _set("files/0/format", "csv"),
    "by-severity-extra": _set("summary/by_severity/fatal", 1),
    "wrong-schema-version": _set("schema_version", 2),
    "severity-count-negative": _set("summary/by_severity/error", -1),
}


@pytest.mark.parametrize("edit", BROKEN.values(), ids=BROKEN.keys())
def test_broken_report_is_rejected(edit: Callable[[dict[str, Any]], None]) -> None:
    report = copy.deepcopy(sample_report())
    edit(report)
    assert not is_valid("report", report)


def test_report_is_open_at_the_top_and_in_the_summary() -> None:
    report = sample_report()
    report["timing"] = {"seconds": 1.2}
    report["summary"]["languages"] = {"en": 118}
    assert is_valid("report", report)


# --- record formats -------------------------------------------------------------------------

CASES: dict[str, tuple[list[Any], list[Any]]] = {
    "chat": (
        [
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello.", "weight": 1},
                ]
            },
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "What is this?"},
                            {"type": "image_url", "image_url": {"url": "x.png"}},
                        ],
                    },
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "look", "arguments": "{}"},
                            }
                        ],
                    },
                    {"role": "tool", "tool_call_id": "c1", "content": "a cat"},
                    {"role": "assistant", "content": "A cat."},
                ],
                "tools": [{"type": "function", "function": {"name": "look", "parameters": {}}}],
            },
            {
                "prompt": [{"role": "user", "content": "2+2?"}],
                "completion": [{"role": "assistant", "content": "4"}],
            },
        ],
        [
            {"messages": [{"role": "robot", "content": "beep"}]},
            {"messages": [{"role": "assistant", "content": 42}]},
            {"messages": [{"role": "assistant", "content": "x", "weight": 0.5}]},
            {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
            {
                "messages": [
                    {
                        "role": "assistant",
                        "tool_calls": [{"type": "function", "function": {"name": "f"}}],
                    }
                ]
            },
            {"messages": []},
            {"messages": "Hi"},
            {"prompt": "plain", "completion": "strings"},
        ],
    ),
    "completion": (
        [{"prompt": "Translate: cat ->", "completion": " chat"}],
        [{"prompt": "x"}, {"prompt": "x", "completion": 3}],
    ),
    "alpaca": (
        [
            {"instruction": "Add.", "input": "2, 2", "output": "4"},
            {"instruction": "Say hi.", "output": "Hi"},
        ],
        [{"instruction": "Say hi."}, {"instruction": "Add.", "input": None, "output": "4"}],
    ),
    "sharegpt": (
        [
            {
                "conversations": [
                    {"from": "human", "value": "Hi"},
                    {"from": "gpt", "value": "Hey"},
                ],
                "system": "Be kind.",
            }
        ],
        [
            {"conversations": [{"from": "bot", "value": "Hi"}]},
            {"conversations": [{"from": "human"}]},
            {"conversations": []},
        ],
    ),
    "preference": (
        [
            {"prompt": "Hi", "chosen": "Hello!", "rejected": "What?"},
            {"input": "Hi", "chosen": "Hello!", "rejected": "What?"},
            {
                "prompt": [{"role": "user", "content": "Hi"}],
                "chosen": [{"role": "assistant", "content": "Hello!"}],
                "rejected": [{"role": "assistant", "content": "What?"}],
            },
            {"chosen": "Human: Hi Assistant: Hello!", "rejected": "Human: Hi Assistant: What?"},
        ],
        [
            {"prompt": "Hi", "chosen": "Hello!"},
            {"prompt": "Hi", "chosen": 1, "rejected": "What?"},
            {"prompt": "Hi", "chosen": [{"role": "robot", "content": "x"}], "rejected": "y"},
        ],
    ),
    "classification": (
        [
            {"text": "card charged twice", "label": "duplicate_charge"},
            {"text": "great", "label": 1},
        ],
        [{"text": "great"}, {"text": "great", "label": None}, {"text": 5, "label": "pos"}],
    ),
    "text": (
        [{"text": "Once upon a time."}, {"text": "", "id": 3}],
        [{"text": None}, {"body": "Once upon a time."}, ["text"]],
    ),
}


def _cases(index: int) -> list[Any]:
    return [
        pytest.param(fmt, rec, id=f"{fmt}-{i}")
        for fmt, pair in CASES.items()
        for i, rec in enumerate(pair[index])
    ]


def test_every_format_has_cases() -> None:
    assert set(CASES) == set(SCHEMA_FORMATS)


@pytest.mark.parametrize(("fmt", "record"), _cases(0))
def test_format_schema_accepts_good_record(fmt: str, record: Any) -> None:
    validator(fmt).validate(record)


@pytest.mark.parametrize(("fmt", "record"), _cases(1))
def test_format_schema_rejects_bad_record(fmt: str, record: Any) -> None:
    assert not is_valid(fmt, record)


@pytest.mark.parametrize("fmt", SCHEMA_FORMATS)
def test_schema_examples_are_detected_as_their_format(fmt: str) -> None:
    examples = load_schema(fmt).get("examples")
    assert examples, f"{fmt}.schema.json should show an example record"
    for example in examples:
        validator(fmt).validate(example)
        assert detect(example) == fmt


# --- a real run -----------------------------------------------------------------------------

LINES = [
    '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}]}',
    '{"messages": [{"role": "user", "content": "Only a question"}]}',
    '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}]}',
    "not json at all",
    "",
    '{"text": "caf\\u00e9 \\u65e5\\u672c", "label": "x"}',
]


@pytest.mark.parametrize(
    "select",
    [None, ["DP1"], ["DP0", "DP1", "DP2", "DP3", "DP9"]],
    ids=["default", "DP1-only", "families"],
)
def test_real_lint_result_validates(tmp_path: Path, select: list[str] | None) -> None:
    from dataprep import api
    from dataprep.report import FORMATS as REPORT_FORMATS
    from dataprep.report import render

    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    (tmp_path / "eval.jsonl").write_text(LINES[0] + "\n", encoding="utf-8")
    result = api.lint(
        [str(data)], select=select, eval_paths=[str(tmp_path / "eval.jsonl")], cwd=tmp_path
    )
    report = result.to_dict()
    validator("report").validate(report)
    assert report["findings"], "the file has problems a default run reports"
    for fmt in REPORT_FORMATS[1:]:
        assert render(fmt, report).endswith("\n") or fmt == "jsonl"


def test_real_lint_of_an_empty_file_validates(tmp_path: Path) -> None:
    from dataprep import api

    data = tmp_path / "empty.jsonl"
    data.write_bytes(b"")
    validator("report").validate(api.lint([str(data)], cwd=tmp_path).to_dict())
