"""Reporters: each format is a pure projection of one hand-built result dict.

The dicts here follow the JSON report contract (``rules/schemas/report.schema.json``) and
carry the awkward cases on purpose: null lines, related records, unicode, ``%`` and
newlines and commas in messages and paths, and more findings than GitHub annotates.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.report import FORMATS, get_renderer, render, resolve_format
from dataprep.report.github import ANNOTATIONS_PER_KIND, escape_data, escape_property

REPO = Path(__file__).resolve().parent.parent

TRAIN = "data/train.jsonl"
ODD_PATH = "data/odd, name: 100%.jsonl"


def finding(
    code: str,
    severity: str,
    path: str = TRAIN,
    line: int | None = 3,
    record: int | None = 2,
    message: str = "problem",
    pointer: str | None = None,
    related: list[dict[str, Any]] | None = None,
    name: str | None = None,
    count: int = 1,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name or f"test.rule-{code[2:].lower()}",
        "severity": severity,
        "path": path,
        "line": line,
        "record": record,
        "pointer": pointer,
        "message": message,
        "related": related or [],
        "count": count,
    }


def sample_result(findings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A realistic result: two files, labels, a score with costs, a mixed set of findings."""
    if findings is None:
        findings = [
            finding(
                "DP113",
                "error",
                line=3,
                record=2,
                pointer="/messages/1",
                name="chat.no-assistant-turn",
                message="conversation has no assistant turn: nothing to learn",
            ),
            finding(
                "DP301",
                "warning",
                line=7,
                record=6,
                name="dup.exact-duplicate",
                message="exact duplicate of an earlier record",
                related=[
                    {"path": TRAIN, "line": 1, "record": 0},
                    {"path": TRAIN, "line": 4, "record": 3},
                ],
            ),
            finding(
                "DP512",
                "info",
                path=ODD_PATH,
                line=2,
                record=1,
                name="hygiene.mojibake",
                message="text looks like mojibake: \u00e2\u20ac\u2122 \u2014 \u65e5\u672c\u8a9e"
                " 100% sure,\nsecond line",
            ),
            finding(
                "DP104",
                "warning",
                path="data/rows.parquet",
                line=None,
                record=5,
                name="structure.wrong-type",
                message="`label` should be a string",
                pointer="/label",
            ),
            finding(
                "DP201",
                "error",
                path="<dataset>",
                line=None,
                record=None,
                name="volume.below-minimum",
                message="110 effective examples; generative tasks need at least 500",
            ),
        ]
    return {
        "schema_version": 1,
        "tool": {"name": "dataprep", "version": "0.1.0"},
        "files": [
            {"path": TRAIN, "format": "chat", "records": 120, "valid": 118, "split": "train"},
            {"path": ODD_PATH, "format": "chat", "records": 5, "valid": 5, "split": "train"},
            {
                "path": "data/eval.jsonl",
                "format": "chat",
                "records": 30,
                "valid": 30,
                "split": "eval",
            },
        ],
        "task": "generative",
        "task_source": "inferred",
        "findings": findings,
        "summary": {
            "records": 155,
            "valid": 153,
            "invalid": 2,
            "train_records": 125,
            "eval_records": 30,
            "effective_examples": 110,
            "exact_duplicates": 8,
            "thresholds": {"minimum": 500, "recommended": 2000},
            "labels": {"positive": 60, "negative": 50},
            "by_code": {"DP104": 1, "DP113": 1, "DP201": 1, "DP301": 1, "DP512": 1},
            "by_severity": {"error": 2, "warning": 2, "info": 1},
        },
        "score": {
            "overall": 83.4,
            "dimensions": {
                "volume": 0.9,
                "validity": 0.98,
                "uniqueness": 0.95,
                "consistency": 0.9,
                "labels": 1.0,
            },
            "weights": {
                "volume": 0.3,
                "validity": 0.3,
                "uniqueness": 0.2,
                "consistency": 0.1,
                "labels": 0.1,
            },
            "costs": [
                {"code": "DP113", "name": "chat.no-assistant-turn", "points": 4.2},
                {"code": None, "name": "exact duplicates", "points": 1.1},
            ],
        },
        "verdict": "needs-work",
        "verdict_reasons": ["110 effective training examples, below the minimum of 500"],
    }


def many_errors(n: int = 25) -> list[dict[str, Any]]:
    """``n`` error findings over three codes (DP113 most frequent), plus two warnings."""
    codes = ["DP113", "DP113", "DP101", "DP113", "DP102"]
    out = [
        finding(codes[i % len(codes)], "error", line=i + 1, record=i, message=f"bad {i}")
        for i in range(n)
    ]
    out.append(finding("DP103", "warning", line=n + 1, record=n))
    out.append(finding("DP103", "warning", line=n + 2, record=n + 1))
    return out


def text_parts(out: str) -> tuple[list[str], list[str]]:
    """(finding lines, summary lines) of a text report: they are split by the first blank."""
    head, _, tail = out.partition("\n\n")
    return head.split("\n"), tail.split("\n")


# --- registry -------------------------------------------------------------------------------


def test_formats_and_resolution() -> None:
    assert FORMATS == ("auto", "text", "json", "jsonl", "github", "sarif", "junit", "gitlab", "markdown", "html")
    assert resolve_format("auto", {"GITHUB_ACTIONS": "true"}) == "github"
    assert resolve_format("auto", {"GITHUB_ACTIONS": "false"}) == "text"
    assert resolve_format("auto", {}) == "text"
    for name in FORMATS[1:]:
        assert resolve_format(name, {"GITHUB_ACTIONS": "true"}) == name
    assert resolve_format("JSON", {}) == "json"
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        resolve_format("xml", {})
    with pytest.raises(ValueError, match="resolve_format"):
        render("auto", sample_result())


@pytest.mark.parametrize("fmt", FORMATS[1:])
def test_every_format_is_deterministic_and_pure(fmt: str) -> None:
    result = sample_result()
    before = copy.deepcopy(result)
    first = render(fmt, result)
    assert first == render(fmt, copy.deepcopy(result))
    assert result == before, "a reporter must not modify the result"
    assert first.endswith("\n")
    assert get_renderer(fmt)(result, color=False, verbose=True)


@pytest.mark.parametrize("fmt", FORMATS[1:])
@pytest.mark.parametrize(
    "result",
    [
        {},
        {"findings": [{}], "score": None, "summary": None},
        {"findings": 7, "files": "x", "score": {"costs": 3, "not_measured": "volume"}},
        {"findings": [{"severity": ["error"], "related": "abc", "path": 3, "message": None}]},
        {
            "findings": [{"code": "DP101", "line": "3", "related": [None]}],
            "files": [{"path": 1}],
            "summary": {"labels": {"a": 1}, "by_code": {"DP101": "x"}, "records": True},
            "score": {"overall": "high", "dimensions": {"volume": None}, "costs": [{}]},
            "verdict_reasons": "not a list",
        },
    ],
)
def test_partial_or_odd_results_never_crash(fmt: str, result: dict[str, Any]) -> None:
    assert isinstance(render(fmt, result, verbose=True), str)


def test_reporters_do_not_import_the_engine_or_checks() -> None:
    code = (
        "import sys, dataprep.report as r\n"
        "for f in r.FORMATS[1:]: r.get_renderer(f)\n"
        "bad = [m for m in sys.modules if m.startswith(('dataprep.engine', 'dataprep.checks'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# --- text -----------------------------------------------------------------------------------


def test_text_finding_lines() -> None:
    lines, _ = text_parts(render("text", sample_result()))
    assert lines == [
        f"{TRAIN}:3: DP113 conversation has no assistant turn: nothing to learn [/messages/1]",
        f"{TRAIN}:7: DP301 exact duplicate of an earlier record (first at {TRAIN}:1)",
        (
            f"{ODD_PATH}:2: DP512 text looks like mojibake: \u00e2\u20ac\u2122 \u2014 "
            "\u65e5\u672c\u8a9e 100% sure,\\nsecond line"
        ),
        "data/rows.parquet: DP104 `label` should be a string [/label] (record 6)",
        "<dataset>: DP201 110 effective examples; generative tasks need at least 500",
    ]


def test_text_summary() -> None:
    _, summary = text_parts(render("text", sample_result()))
    text = "\n".join(summary)
    assert summary[0] == "Files: 3 (2 train, 1 eval)"
    assert "Task: generative (inferred)" in summary
    assert "Records: 155 (153 valid, 2 invalid); train 125, eval 30" in summary
    assert (
        "Effective examples: 110 (8 exact duplicates not counted); "
        "minimum 500, recommended 2000: below minimum"
    ) in summary
    assert "Findings: 2 errors, 2 warnings, 1 info" in summary
    assert "Labels: 2 classes: positive (60), negative (50)" in summary
    assert "Readiness score: 83.4/100 (needs-work)" in summary
    assert "  volume 0.90  validity 0.98  uniqueness 0.95  consistency 0.90  labels 1.00" in summary
    assert "    DP113 chat.no-assistant-turn  -4.2" in summary
    assert "    exact duplicates              -1.1" in summary
    assert "    - 110 effective training examples, below the minimum of 500" in summary
    assert text.index("Files:") < text.index("Readiness score") < text.index("Top costs")


def test_text_has_no_ansi_without_color_and_colours_severity_with_it() -> None:
    result = sample_result()
    result["findings"][0]["message"] = "dataset text with an escape \x1b[2J inside"
    plain = render("text", result, color=False, verbose=True)
    assert "\x1b" not in plain
    assert "\\x1b[2J" in plain
    coloured = render("text", result, color=True)
    assert "\x1b[1;31mDP113\x1b[0m" in coloured
    assert "\x1b[33mDP301\x1b[0m" in coloured
    assert "\x1b[2mDP512\x1b[0m" in coloured
    assert "(\x1b[1;33mneeds-work\x1b[0m)" in coloured
    assert "\x1b[2J" not in coloured, "dataset text must never reach the terminal raw"


def test_text_one_line_per_finding_whatever_the_message() -> None:
    msgs = ["a\nb", "c\r\nd", "e\u2028f", "tab\there", "nul\x00", "", "bidi \u202e evil"]
    result = sample_result(
        [finding("DP101", "error", line=i + 1, message=m) for i, m in enumerate(msgs)]
    )
    lines, _ = text_parts(render("text", result))
    assert len(lines) == len(msgs)
    assert all(line.startswith(f"{TRAIN}:{i + 1}: DP101") for i, line in enumerate(lines))


def test_text_verbose_adds_detail_lines() -> None:
    out = render("text", sample_result(), verbose=True)
    assert "    error chat.no-assistant-turn" in out
    assert f"related: {TRAIN}:1, {TRAIN}:4" in out
    assert "volume 0.90 (weight 0.30)" in out


def test_text_without_findings() -> None:
    result = sample_result([])
    result["summary"]["by_severity"] = {"error": 0, "warning": 0, "info": 0}
    result["summary"]["by_code"] = {}
    out = render("text", result)
    assert out.startswith("No findings.\n\nFiles: 3")


def test_text_summary_stays_compact_for_large_runs() -> None:
    result = sample_result(many_errors(3000))
    result["files"] = [
        {
            "path": f"data/part-{i:05d}.jsonl",
            "format": "chat",
            "records": 10,
            "valid": 10,
            "split": "train",
        }
        for i in range(2000)
    ]
    result["summary"]["labels"] = {f"intent_{i}": 1000 - i for i in range(300)}
    result["summary"]["by_code"] = {f"DP{100 + i}": i + 1 for i in range(60)}
    result["score"]["costs"] = [
        {"code": f"DP{100 + i}", "name": f"r.r{i}", "points": 1.0} for i in range(40)
    ]
    lines, summary = text_parts(render("text", result, max_per_rule=None))
    assert len(lines) == 3002, "--show-all prints every finding: that is the user's choice"
    capped, summary = text_parts(render("text", result))
    assert len(capped) == 3 * 10 + 3 + 2 + 1, "10 per rule, one line per rule for the rest, a hint"
    assert len(summary) < 40
    text = "\n".join(summary)
    assert "... and 1990 more files" in text
    assert "Labels: 300 classes: intent_0 (1000), intent_1 (999)" in text and "+295 more" in text
    assert "by rule: DP159 (60), DP158 (59)" in text and "+55 more" in text
    assert "... and 35 more rules" in text


def test_text_labels_stay_distinguishable() -> None:
    result = sample_result()
    result["summary"]["labels"] = {"4": 3, "positive ": 2, "positive": 2, "": 1}
    out = render("text", result)
    assert 'Labels: 4 classes: 4 (3), positive (2), "positive " (2), "" (1)' in out


def test_text_effective_examples_not_counted() -> None:
    result = sample_result()
    result["summary"]["effective_examples"] = None
    result["summary"]["exact_duplicates"] = None
    out = render("text", result)
    assert "Effective examples: not counted (duplicate detection did not run)" in out
    assert "minimum 500, recommended 2000: below minimum" in out


# --- json / jsonl ---------------------------------------------------------------------------


def test_json_round_trip_keeps_key_order_and_unicode() -> None:
    result = sample_result()
    out = render("json", result)
    assert json.loads(out) == result
    assert list(json.loads(out)) == list(result)
    assert "\u65e5\u672c\u8a9e" in out, "unicode stays readable (ensure_ascii=False)"
    assert out == json.dumps(result, indent=2, ensure_ascii=False) + "\n"


def test_jsonl_is_one_finding_per_line() -> None:
    result = sample_result()
    result["findings"][0]["message"] = "line\u2028separator and next\u0085line"
    out = render("jsonl", result)
    lines = out.splitlines()
    assert len(lines) == len(result["findings"])
    assert [json.loads(x) for x in lines] == result["findings"]
    assert render("jsonl", sample_result([])) == ""


# --- github ---------------------------------------------------------------------------------


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse ``::name k=v,k=v::data`` as the runner does, unescaping values."""
    assert line.startswith("::"), line
    head, sep, data = line[2:].partition("::")
    assert sep, line
    name, _, props = head.partition(" ")
    assert "\n" not in data and "\r" not in data

    def unescape(s: str, prop: bool) -> str:
        if prop:
            s = s.replace("%3A", ":").replace("%2C", ",")
        return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")

    parsed = {}
    for item in filter(None, props.split(",")):
        key, _, value = item.partition("=")
        parsed[key] = unescape(value, True)
    return name, parsed, unescape(data, False)


def annotation_commands(out: str) -> list[tuple[str, dict[str, str], str]]:
    # the runner splits its output on CR/LF only, so U+2028 and friends stay inside a line
    return [
        parse_command(x)
        for x in out.split("\n")
        if x.startswith(("::error", "::warning", "::notice"))
    ]


def test_github_escaping() -> None:
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    assert escape_property("%3A") == "%253A", "% is escaped first, so escapes are not doubled up"


def test_github_annotations() -> None:
    out = render("github", sample_result())
    lines = out.splitlines()
    assert lines[0] == (
        f"::error file={TRAIN},line=3,title=DP113 chat.no-assistant-turn::"
        "conversation has no assistant turn: nothing to learn [/messages/1]"
    )
    got = annotation_commands(out)
    assert [g[0] for g in got] == ["error", "warning", "notice", "warning", "error"]
    odd = got[2]
    assert odd[1] == {"file": ODD_PATH, "line": "2", "title": "DP512 hygiene.mojibake"}
    assert odd[2].endswith("100% sure,\nsecond line")
    assert "file=data/odd%2C name%3A 100%25.jsonl,line=2" in lines[2]
    parquet = got[3]
    assert parquet[1] == {"file": "data/rows.parquet", "title": "DP104 structure.wrong-type"}
    dataset = got[4]
    assert dataset[1] == {"title": "DP201 volume.below-minimum"}, "no file= for <dataset>"
    assert dataset[2].startswith("<dataset>: 110 effective examples")
    assert got[1][2].endswith(f"(first at {TRAIN}:1)")


def test_github_caps_each_severity_and_aggregates_the_rest() -> None:
    findings = many_errors(25)
    findings += [finding("DP501", "info", line=100 + i, record=100 + i) for i in range(10)]
    out = render("github", sample_result(findings))
    got = annotation_commands(out)
    errors = [g for g in got if g[0] == "error"]
    assert len(errors) == ANNOTATIONS_PER_KIND, "GitHub shows 10 per kind: 9 + the aggregate"
    shown, agg = errors[:-1], errors[-1]
    assert [g[1]["line"] for g in shown] == [str(i) for i in range(1, 10)]
    assert agg[1] == {"title": "dataprep: 16 more errors"}
    assert "16 more errors not shown as annotations" in agg[2]
    # findings 9..24 (0-based) are the aggregated ones: DP102 at 9, then 3 full code cycles
    assert "DP113 x9, DP102 x4, DP101 x3" in agg[2]
    assert [g[0] for g in got].count("warning") == 2, "under the cap: no aggregate"
    assert [g[0] for g in got].count("notice") == 10, "exactly at the cap: all shown"
    assert "more info" not in out


def test_github_plain_summary_cannot_run_commands() -> None:
    result = sample_result(many_errors(12))
    result["verdict_reasons"] = ["label '::error::pwned' has 1 example", "##[error]old style"]
    out = render("github", result, verbose=True)
    lines = out.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("::stop-commands::"))
    token = lines[start].split("::")[2]
    assert token.startswith("dataprep-")
    assert lines[-1] == f"::{token}::"
    block = lines[start + 1 : -1]
    assert block[0] == "Findings not shown as annotations:"
    assert f"{TRAIN}:10: DP102 bad 9" in block
    assert "dataprep: readiness 83.4/100 (needs-work)" in block
    assert "  findings: 2 errors, 2 warnings, 1 info" in block
    assert "  - label '::error::pwned' has 1 example" in block
    assert all(x.startswith("::") for x in lines[:start]), "only commands before the block"
    assert render("github", result, verbose=True) == out, "the token is deterministic"


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(path=_text.filter(bool), message=_text, line=st.one_of(st.none(), st.integers(1, 10**6)))
def test_github_round_trips_any_path_and_message(path: str, message: str, line: int | None) -> None:
    result = sample_result([finding("DP101", "error", path=path, line=line, message=message)])
    got = annotation_commands(render("github", result))
    assert len(got) == 1
    name, props, data = got[0]
    assert name == "error"
    if path == "<dataset>":
        assert "file" not in props
    else:
        assert props["file"] == path
        assert props.get("line") == (None if line is None else str(line))
    assert data.startswith(message)


@settings(max_examples=150, deadline=None)
@given(path=_text.filter(bool), message=_text)
def test_text_keeps_one_line_per_finding_for_any_text(path: str, message: str) -> None:
    result = sample_result(
        [
            finding("DP101", "warning", path=path, line=1, message=message),
            finding("DP102", "info", path=path, line=2, message=message),
        ]
    )
    out = render("text", result, color=True)
    lines = out.split("\n")
    assert "DP101" in lines[0] and "DP102" in lines[1] and lines[2] == ""
    for line in lines[:2]:
        for style in ("\x1b[33m", "\x1b[2m", "\x1b[0m"):
            line = line.replace(style, "")
        assert "\x1b" not in line, "only our own colour codes reach the terminal"


# --- one rule's findings per file: the cap (text, github, markdown) -------------------------

FLOOD_MESSAGE = "content parts of message 1 are not all text: the trainer drops them"


def flood(n: int = 1000, path: str = TRAIN) -> list[dict[str, Any]]:
    """``n`` DP116 findings with one shared message (modelled on v1_sft_demo's content
    parts), one other message, and two findings of other rules between them."""
    out = [
        finding("DP116", "warning", path=path, line=i + 1, record=i, pointer="/messages/1/content",
                name="chat.content-parts", message=FLOOD_MESSAGE if i != 500 else "other parts")
        for i in range(n)
    ]
    out.insert(3, finding("DP503", "info", path=path, line=4, record=3, message="looks English"))
    out.append(finding("DP113", "error", path=path, line=n + 1, record=n, message="no assistant turn"))
    return out


def flood_result(n: int = 1000) -> dict[str, Any]:
    findings = flood(n) + flood(12, path="data/valid.jsonl")
    result = sample_result(findings)
    result["summary"]["by_code"] = {"DP116": n + 12, "DP503": 2, "DP113": 2}
    result["summary"]["by_severity"] = {"error": 2, "warning": n + 12, "info": 2}
    return result


def test_text_caps_a_flood_at_ten_per_rule_and_file_with_the_shared_message() -> None:
    lines, _ = text_parts(render("text", flood_result()))
    train = [ln for ln in lines if ln.startswith(f"{TRAIN}:")]
    assert sum(": DP116 " in ln for ln in train) == 10
    assert f"{TRAIN}:10: DP116 {FLOOD_MESSAGE} [/messages/1/content]" in lines
    more = f"  ... and 990 more DP116 in this file (most: '{FLOOD_MESSAGE}')"
    assert more in lines
    # the overflow line follows the rule's last shown line; other rules still show
    assert lines.index(more) == lines.index(f"{TRAIN}:10: DP116 {FLOOD_MESSAGE} [/messages/1/content]") + 1
    assert f"{TRAIN}:4: DP503 looks English" in lines
    assert f"{TRAIN}:1001: DP113 no assistant turn" in lines
    # the second file has its own ten and its own line
    assert "  ... and 2 more DP116 in this file (most: " + repr(FLOOD_MESSAGE) + ")" in lines
    assert lines[-1] == (
        "(992 more findings summed up above: --max-per-rule N or --show-all prints them, "
        "--format json keeps every one)"
    )


def test_text_max_per_rule_and_show_all() -> None:
    result = flood_result()
    lines, _ = text_parts(render("text", result, max_per_rule=3))
    assert sum(f"{TRAIN}:" in ln and ": DP116 " in ln for ln in lines) == 3
    assert f"  ... and 997 more DP116 in this file (most: '{FLOOD_MESSAGE}')" in lines
    every, _ = text_parts(render("text", result, max_per_rule=None))
    assert len(every) == 1000 + 2 + 12 + 2, "--show-all prints every finding and no hint"
    assert not any("more DP116" in ln for ln in every)
    none, _ = text_parts(render("text", result, max_per_rule=0))
    assert f"  ... and 1000 more DP116 in this file (most: '{FLOOD_MESSAGE}')" in none


def test_overflow_quotes_a_message_only_when_most_share_it() -> None:
    words = ["apple", "brick", "cloud", "dune", "ember", "frost", "grove", "heron", "inlet", "jade",
             "kelp", "loom", "moss", "nook", "opal"]
    varied = [finding("DP502", "warning", line=i + 1, message=f"reply names {w}") for i, w in enumerate(words)]
    lines, _ = text_parts(render("text", sample_result(varied)))
    assert "  ... and 5 more DP502 in this file" in lines, "no common message, no quote"
    counted = [finding("DP502", "warning", line=i + 1, message=f"reply is {i} chars") for i in range(15)]
    lines, _ = text_parts(render("text", sample_result(counted)))
    assert "  ... and 5 more DP502 in this file (most: 'reply is … chars')" in lines
    long = "x" * 300
    same = [finding("DP502", "warning", line=i + 1, message=long) for i in range(15)]
    lines, _ = text_parts(render("text", sample_result(same)))
    quoted = next(ln for ln in lines if "more DP502" in ln)
    assert quoted.endswith("…')") and len(quoted) < 160


def test_overflow_line_is_colour_coded_and_escaped() -> None:
    findings = [finding("DP101", "error", line=i + 1, message="bad\x1b[2J") for i in range(12)]
    out = render("text", sample_result(findings), color=True)
    assert "  ... and 2 more \x1b[1;31mDP101\x1b[0m in this file (most: 'bad\\x1b[2J')" in out


def test_the_cap_changes_neither_the_summary_nor_the_machine_formats() -> None:
    result = flood_result()
    _, capped = text_parts(render("text", result))
    _, every = text_parts(render("text", result, max_per_rule=None))
    assert capped == every
    assert "Findings: 2 errors, 1012 warnings, 2 info" in capped
    for fmt in ("json", "jsonl", "sarif", "junit", "gitlab"):
        assert render(fmt, result, max_per_rule=3) == render(fmt, result, max_per_rule=None)
    assert len(json.loads(render("json", result))["findings"]) == 1016


def test_github_caps_a_flood_per_rule_before_the_annotation_limit() -> None:
    result = sample_result(flood(30) + [finding("DP114", "warning", line=200 + i) for i in range(3)])
    got = annotation_commands(render("github", result, max_per_rule=3))
    warnings = [g for g in got if g[0] == "warning"]
    # 3 DP116, the DP116 overflow, 3 DP114: all fit in GitHub's 10 warnings
    assert len(warnings) == 7
    assert warnings[3][1] == {"file": TRAIN, "title": "DP116 chat.content-parts"}
    assert warnings[3][2] == f"... and 27 more DP116 in this file (most: '{FLOOD_MESSAGE}')"
    default = annotation_commands(render("github", sample_result(flood(30))))
    summed = [g for g in default if g[1].get("title", "").startswith("dataprep: ")]
    assert summed and "21 more warnings" in summed[0][1]["title"], "the aggregate counts the findings"


def test_github_verbose_log_lists_the_overflow_lines() -> None:
    out = render("github", sample_result(flood(40)), verbose=True, max_per_rule=12)
    assert f"{TRAIN}: ... and 28 more DP116 in this file (most: '{FLOOD_MESSAGE}')" in out


# --- locations ------------------------------------------------------------------------------


def test_a_place_the_message_names_is_not_repeated() -> None:
    first = {"path": TRAIN, "line": 1, "record": 0}
    named = finding("DP301", "warning", line=7, message=f"exact duplicate of {TRAIN}:1",
                    related=[first])
    lines, _ = text_parts(render("text", sample_result([named])))
    assert lines == [f"{TRAIN}:7: DP301 exact duplicate of {TRAIN}:1"]
    # a longer line number is another place: data.jsonl:12 does not name data.jsonl:1
    other = finding("DP302", "warning", line=20, message=f"near duplicate of {TRAIN}:12 (Jaccard 0.90)",
                    related=[first, {"path": TRAIN, "line": 12, "record": 11}])
    lines, _ = text_parts(render("text", sample_result([other])))
    assert lines == [f"{TRAIN}:20: DP302 near duplicate of {TRAIN}:12 (Jaccard 0.90) (first at {TRAIN}:1)"]


def test_record_numbers_are_shown_one_based() -> None:
    parquet = "data/rows.parquet"
    f = finding("DP301", "warning", path=parquet, line=None, record=3,
                message=f"exact duplicate of {parquet} record 1",
                related=[{"path": parquet, "line": None, "record": 0}])
    g = finding("DP302", "warning", path=parquet, line=None, record=4, message="near duplicate",
                related=[{"path": parquet, "line": None, "record": 0}])
    lines, _ = text_parts(render("text", sample_result([f, g])))
    assert lines == [
        f"{parquet}: DP301 exact duplicate of {parquet} record 1 (record 4)",
        f"{parquet}: DP302 near duplicate (record 5) (first at {parquet} record 1)",
    ]
    assert "record 0" not in render("github", sample_result([f, g]))
    assert "record 0" not in render("markdown", sample_result([f, g]))


def test_overflow_compares_messages_without_their_excerpts() -> None:
    """DP506-style messages quote each record; the cause they share is still named."""
    replies = ["I am {{name}}, an AI assistant.", "You're welcome! I am {{name}}.",
               "Call me {{name}}; I'm here to help."]
    findings = [
        finding("DP506", "warning", line=i + 1, message="unfilled {{variable}} template slot in the "
                f"assistant reply: '{replies[i % 3]} ({i})'")
        for i in range(16)
    ]
    findings.insert(12, finding("DP506", "warning", line=13, message="'As an AI' disclaimer: 'As an AI…'"))
    lines, _ = text_parts(render("text", sample_result(findings)))
    assert ("  ... and 7 more DP506 in this file (most: 'unfilled {{variable}} template slot in "
            "the assistant reply: '…'')") in lines
