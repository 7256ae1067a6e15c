"""CI report formats: SARIF 2.1.0, JUnit XML, GitLab Code Quality, job-summary Markdown.

Each format is checked against what its consumer documents (the official SARIF schema and
GitHub's required fields; JUnit as parsed XML; GitLab's issue fields) and against its
platform limits (5,000 SARIF results, 1 MiB step summary), with hand-built results that
carry the awkward cases and one result from a real lint run with content fingerprints.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from dataprep.report import FORMATS, render, resolve_format
from dataprep.report import junit as junit_fmt
from dataprep.report import markdown as markdown_fmt
from dataprep.report import sarif as sarif_fmt

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
CI_FORMATS = ("sarif", "junit", "gitlab", "markdown")
TRAIN = "data/train.jsonl"
EVAL = "data/eval.jsonl"
FP = "a1b2c3d4e5f6a1b2c3d4e5f6"


def finding(
    code: str = "DP113",
    severity: str = "error",
    path: str = TRAIN,
    line: int | None = 3,
    record: int | None = 2,
    message: str = "no assistant message: nothing to learn",
    pointer: str | None = None,
    related: list[dict[str, Any]] | None = None,
    name: str | None = None,
    fingerprint: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": code,
        "name": name or NAMES.get(code, f"test.rule-{code.lower()}"),
        "severity": severity,
        "path": path,
        "line": line,
        "record": record,
        "pointer": pointer,
        "message": message,
        "related": related or [],
        "count": 1,
    }
    if fingerprint is not None:
        out["fingerprint"] = fingerprint
    return out


NAMES = {
    "DP003": "input.invalid-json",
    "DP104": "structure.wrong-type",
    "DP113": "chat.no-assistant-turn",
    "DP201": "volume.below-minimum",
    "DP301": "dup.exact",
    "DP512": "hygiene.mojibake",
}


def rule_doc(code: str, severity: str) -> dict[str, str]:
    return {
        "name": NAMES[code],
        "severity": severity,
        "summary": f"Summary of {NAMES[code]}.",
        "why": f"Why {NAMES[code]} matters for fine-tuning.",
    }


def result_of(findings: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A result dict in the shape ``Result.to_dict()`` gives, around ``findings``."""
    by_sev = {s: sum(f["severity"] == s for f in findings) for s in ("error", "warning", "info")}
    codes = sorted({f["code"] for f in findings})
    out: dict[str, Any] = {
        "schema_version": 1,
        "tool": {"name": "dataprep", "version": "0.1.0"},
        "files": [
            {"path": TRAIN, "format": "chat", "records": 120, "valid": 118, "split": "train"},
            {"path": EVAL, "format": "chat", "records": 30, "valid": 30, "split": "eval"},
        ],
        "task": "generative",
        "task_source": "inferred",
        "findings": findings,
        "summary": {
            "records": 150, "valid": 148, "invalid": 2, "train_records": 120,
            "eval_records": 30, "effective_examples": 110, "exact_duplicates": 8,
            "thresholds": {"minimum": 500, "recommended": 2000},
            "by_code": {c: sum(f["code"] == c for f in findings) for c in codes},
            "by_severity": by_sev,
        },
        "score": {
            "overall": 61.5,
            "dimensions": {
                "volume": 0.22, "validity": 0.98, "uniqueness": 0.95, "consistency": 0.9,
            },
            "weights": {"volume": 0.3, "validity": 0.3, "uniqueness": 0.2, "consistency": 0.1},
            "costs": [{"code": "DP201", "name": "volume.below-minimum", "points": 23.4}],
        },
        "verdict": "not-ready",
        "verdict_reasons": ["110 effective training examples, below the minimum of 500"],
        "rules": {
            c: rule_doc(c, next(f["severity"] for f in findings if f["code"] == c))
            for c in codes if c in NAMES
        },
    }
    out.update(extra)
    return out


def sample() -> dict[str, Any]:
    return result_of([
        finding("DP201", "error", path="<dataset>", line=None, record=None,
                message="110 effective examples, below the minimum of 500"),
        finding("DP113", "error", line=3, record=2, pointer="/messages", fingerprint=FP),
        finding("DP301", "warning", line=7, record=6, message=f"exact duplicate of {TRAIN}:1",
                related=[{"path": TRAIN, "line": 1, "record": 0}], fingerprint="f" * 24),
        finding("DP104", "warning", path="data/rows.parquet", line=None, record=5,
                pointer="/label", message="`label` should be a string", fingerprint="e" * 24),
        finding("DP512", "info", path="./data\\odd name:100%.jsonl", line=2, record=1,
                message="mojibake: \u00e2\u20ac\u2122 | <b>bold</b>", fingerprint="d" * 24),
    ])


def load_schema() -> dict[str, Any]:
    if not SCHEMA.is_file():
        pytest.skip(
            f"the official SARIF 2.1.0 schema is not at {SCHEMA.parent.name}/{SCHEMA.name} "
            "beside the repository (../shared/schemas/); SARIF validation runs where it is"
        )
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def validate_sarif(doc: dict[str, Any]) -> None:
    import jsonschema

    schema = load_schema()
    # the schema declares draft-04; pick the validator its "$schema" names
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def github_required(doc: dict[str, Any]) -> None:
    """The fields GitHub's "SARIF support for code scanning" lists as required or used."""
    assert doc["version"] == "2.1.0" and doc["$schema"]
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dataprep" and driver["version"]
    assert "informationUri" not in driver, "no placeholder project URL"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        assert rule["id"] and rule["name"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        tags = rule["properties"]["tags"]
        assert tags and len(tags) == len(set(tags)) <= 10
    assert len(run["results"]) <= sarif_fmt.MAX_RESULTS
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["message"]["text"]
        assert res["partialFingerprints"][sarif_fmt.FINGERPRINT_KEY]
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert uri and "\\" not in uri and not uri.startswith("./") and " " not in uri
        assert loc["region"]["startLine"] >= 1


def sarif_of(result: dict[str, Any]) -> dict[str, Any]:
    return json.loads(render("sarif", result))


# --- registry -------------------------------------------------------------------------------


def test_ci_formats_are_registered() -> None:
    for fmt in CI_FORMATS:
        assert fmt in FORMATS
        assert resolve_format(fmt.upper(), {"GITHUB_ACTIONS": "true"}) == fmt
    assert resolve_format("auto", {"GITHUB_ACTIONS": "true"}) == "github"


@pytest.mark.parametrize("fmt", CI_FORMATS)
def test_ci_formats_are_pure_and_deterministic(fmt: str) -> None:
    result = sample()
    before = copy.deepcopy(result)
    out = render(fmt, result)
    assert out == render(fmt, copy.deepcopy(result)) and out.endswith("\n")
    assert result == before
    assert render(fmt, result, verbose=True)


@pytest.mark.parametrize("fmt", CI_FORMATS)
@pytest.mark.parametrize("result", [
    {},
    {"findings": [{}], "files": [{}], "rules": {"DP1": "x"}, "baseline": {"stale": 3}},
    {"findings": [{"code": 7, "severity": "fatal", "path": 3, "line": -4, "related": [None, {}]}]},
    {"findings": "nope", "score": {"overall": "x", "dimensions": [1]}, "verdict": 3},
])
def test_ci_formats_survive_odd_results(fmt: str, result: dict[str, Any]) -> None:
    out = render(fmt, result, verbose=True)
    if fmt in ("sarif", "gitlab"):
        json.loads(out)
    if fmt == "junit":
        ET.fromstring(out.encode("utf-8"))


# --- SARIF ----------------------------------------------------------------------------------


def test_sarif_validates_and_has_github_fields() -> None:
    doc = sarif_of(sample())
    validate_sarif(doc)
    github_required(doc)


def test_sarif_rules_and_levels() -> None:
    doc = sarif_of(sample())
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {"DP104", "DP113", "DP201", "DP301", "DP512"}
    r113 = rules["DP113"]
    assert r113["name"] == "chat.no-assistant-turn"
    assert r113["shortDescription"]["text"] == "Summary of chat.no-assistant-turn."
    assert r113["fullDescription"]["text"] == "Why chat.no-assistant-turn matters for fine-tuning."
    assert "dataprep explain DP113" in r113["help"]["text"]
    assert r113["defaultConfiguration"]["level"] == "error"
    assert rules["DP512"]["defaultConfiguration"]["level"] == "note"
    assert "chat" in r113["properties"]["tags"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"DP201": "error", "DP113": "error", "DP301": "warning",
                      "DP104": "warning", "DP512": "note"}


def test_sarif_rule_without_documentation_is_described_from_findings() -> None:
    result = sample()
    del result["rules"]
    doc = sarif_of(result)
    validate_sarif(doc)
    github_required(doc)
    rule = doc["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["shortDescription"]["text"] == rule["name"] == "structure.wrong-type"


def test_sarif_locations() -> None:
    results = {r["ruleId"]: r for r in sarif_of(sample())["runs"][0]["results"]}

    def where(code: str) -> tuple[str, int]:
        loc = results[code]["locations"][0]["physicalLocation"]
        return loc["artifactLocation"]["uri"], loc["region"]["startLine"]

    assert where("DP113") == (TRAIN, 3)
    # a line-less record (Parquet) and a dataset-level finding are shown at line 1, and say so
    assert where("DP104") == ("data/rows.parquet", 1)
    assert "shown at line 1" in results["DP104"]["message"]["text"]
    assert "(record 6)" in results["DP104"]["message"]["text"], "people count records from 1"
    assert results["DP104"]["properties"]["record"] == 5, "the field keeps the report's 0-based index"
    assert where("DP201") == (TRAIN, 1), "dataset-level: the first training file"
    assert "dataset-level" in results["DP201"]["message"]["text"]
    assert results["DP201"]["locations"][0]["logicalLocations"][0]["name"] == "dataset"
    # "./" and backslashes go, reserved characters are percent-encoded
    assert where("DP512") == ("data/odd%20name%3A100%25.jsonl", 2)
    related = results["DP301"]["relatedLocations"]
    assert related[0]["physicalLocation"]["region"]["startLine"] == 1
    assert results["DP113"]["properties"]["pointer"] == "/messages"


def test_sarif_uris() -> None:
    assert sarif_fmt.artifact_uri("./a/b.jsonl") == ("a/b.jsonl", True)
    assert sarif_fmt.artifact_uri("a\\b c.jsonl") == ("a/b%20c.jsonl", True)
    assert sarif_fmt.artifact_uri("c:x.jsonl") == ("c%3Ax.jsonl", True)
    assert sarif_fmt.artifact_uri("/srv/d/x#1.jsonl") == ("file:///srv/d/x%231.jsonl", False)
    assert sarif_fmt.artifact_uri("C:\\d\\x.jsonl") == ("file:///C:/d/x.jsonl", False)


def test_sarif_dataset_finding_without_any_file_keeps_a_logical_location() -> None:
    result = result_of([finding("DP201", path="<dataset>", line=None, record=None)], files=[])
    doc = sarif_of(result)
    validate_sarif(doc)
    (res,) = doc["runs"][0]["results"]
    assert "physicalLocation" not in res["locations"][0]
    assert res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "<dataset>"


def test_sarif_related_locations_are_capped() -> None:
    related = [{"path": TRAIN, "line": i, "record": i - 1} for i in range(1, 51)]
    doc = sarif_of(result_of([finding("DP301", "warning", line=60, related=related)]))
    (res,) = doc["runs"][0]["results"]
    assert len(res["relatedLocations"]) == sarif_fmt.MAX_RELATED
    assert res["properties"]["related_total"] == 50
    assert [r["id"] for r in res["relatedLocations"]] == list(range(1, sarif_fmt.MAX_RELATED + 1))


def partial(doc: dict[str, Any]) -> list[str]:
    return [r["partialFingerprints"][sarif_fmt.FINGERPRINT_KEY] for r in doc["runs"][0]["results"]]


def test_sarif_partial_fingerprints_follow_content_not_lines() -> None:
    before = sarif_of(result_of([finding(line=3, fingerprint=FP)]))
    shifted = sarif_of(result_of([finding(line=40, record=39, fingerprint=FP,
                                          message="different wording 7")]))
    other = sarif_of(result_of([finding(line=3, fingerprint="0" * 24)]))
    assert partial(before) == partial(shifted) == [f"{FP}:DP113"]
    assert partial(before) != partial(other)
    # the same record may break two rules, or one rule at two pointers: distinct alerts
    two = sarif_of(result_of([
        finding("DP113", fingerprint=FP), finding("DP104", "warning", fingerprint=FP, pointer="/a"),
        finding("DP104", "warning", fingerprint=FP, pointer="/b"),
    ]))
    assert len(set(partial(two))) == 3


def test_sarif_identical_records_get_distinct_stable_fingerprints() -> None:
    dups = [finding("DP301", "warning", line=n, record=n - 1, fingerprint=FP) for n in (4, 9, 12)]
    first = partial(sarif_of(result_of(dups)))
    assert len(set(first)) == 3 and first[0] == f"{FP}:DP301"
    moved = [dict(f, line=f["line"] + 100) for f in dups]
    assert partial(sarif_of(result_of(moved))) == first


def test_sarif_fingerprint_without_content_ignores_numbers() -> None:
    a = sarif_of(result_of([finding("DP201", path="<dataset>", line=None, record=None,
                                    message="110 effective examples, minimum 500")]))
    b = sarif_of(result_of([finding("DP201", path="<dataset>", line=None, record=None,
                                    message="131 effective examples, minimum 500")]))
    c = sarif_of(result_of([finding("DP201", path="<dataset>", line=None, record=None,
                                    message="too few effective examples")]))
    assert partial(a) == partial(b) != partial(c)


def test_sarif_summarises_beyond_5000_results() -> None:
    n = sarif_fmt.MAX_RESULTS + 1
    findings = [finding("DP113", "error", line=i + 1, record=i, fingerprint=f"{i:024x}")
                for i in range(n)]
    doc = sarif_of(result_of(findings))
    github_required(doc)
    results = doc["runs"][0]["results"]
    assert len(results) == sarif_fmt.MAX_RESULTS
    summaries = [r for r in results if "summarised" in r.get("properties", {})]
    assert len(summaries) == 1
    (s,) = summaries
    assert s["properties"]["summarised"] == n - (len(results) - 1) == 2
    assert s["ruleId"] == "DP113" and s["level"] == "error"
    assert "2 more DP113 chat.no-assistant-turn findings" in s["message"]["text"]
    assert "5,000" in s["message"]["text"]
    assert doc["runs"][0]["properties"]["findings"] == n


def test_sarif_overflow_keeps_most_severe_and_one_summary_per_rule_and_file() -> None:
    findings = []
    for i in range(9000):
        path = (TRAIN, EVAL, "data/more.jsonl")[i % 3]
        findings.append(finding("DP512", "info", path=path, line=i + 1, record=i,
                                fingerprint=f"{i:024x}"))
    findings += [finding("DP113", "error", line=10_000 + i, record=i, fingerprint=f"e{i:023x}")
                 for i in range(1000)]
    findings += [finding("DP301", "warning", path=EVAL, line=20_000 + i, record=i,
                         fingerprint=f"f{i:023x}") for i in range(1000)]
    doc = sarif_of(result_of(findings))
    validate_sarif(doc)
    github_required(doc)
    results = doc["runs"][0]["results"]
    assert len(results) == sarif_fmt.MAX_RESULTS
    singles = [r for r in results if "summarised" not in r.get("properties", {})]
    summaries = [r for r in results if "summarised" in r.get("properties", {})]
    assert sum(r["ruleId"] == "DP113" for r in singles) == 1000, "errors are kept first"
    assert sum(r["ruleId"] == "DP301" for r in singles) == 1000
    keys = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for r in summaries]
    assert len(keys) == len(set(keys)) == 3 and {k[0] for k in keys} == {"DP512"}
    assert len(singles) + sum(r["properties"]["summarised"] for r in summaries) == len(findings)
    assert all(r["level"] == "note" for r in summaries)


def test_sarif_overflow_with_more_groups_than_results_groups_by_rule() -> None:
    findings = [finding("DP003", "error", path=f"data/part-{i:05d}.jsonl", line=1, record=0,
                        fingerprint=f"{i:024x}") for i in range(6000)]
    doc = sarif_of(result_of(findings))
    results = doc["runs"][0]["results"]
    assert len(results) == sarif_fmt.MAX_RESULTS
    (summary,) = [r for r in results if "summarised" in r.get("properties", {})]
    assert summary["properties"]["summarised"] == 6000 - (sarif_fmt.MAX_RESULTS - 1)
    assert "files" in summary["message"]["text"]


def test_sarif_baseline_and_score_in_run_properties() -> None:
    result = sample()
    result["baseline"] = {"file": "dataprep-baseline.json", "suppressed": 4,
                          "stale": [{"code": "DP113", "path": TRAIN, "fingerprint": FP}]}
    doc = sarif_of(result)
    validate_sarif(doc)
    props = doc["runs"][0]["properties"]
    assert props["baseline"] == {"file": "dataprep-baseline.json", "suppressed": 4, "stale": 1}
    assert props["readiness_score"] == 61.5 and props["verdict"] == "not-ready"


# --- a real run -----------------------------------------------------------------------------

BAD = '{"messages": [{"role": "user", "content": "only a question %d"}]}'
GOOD = '{"messages": [{"role": "user", "content": "q%d"}, {"role": "assistant", "content": "a%d"}]}'


def real_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str]
) -> dict[str, Any]:
    from dataprep.api import lint
    from dataprep.fingerprint import add_fingerprints
    from dataprep.sources import discover

    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    paths = ["data/train.jsonl"]
    res = lint(paths, cwd=tmp_path)
    res.findings = add_fingerprints(res.findings, discover(paths))
    return res.to_dict()


def test_sarif_of_a_real_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [GOOD % (i, i) for i in range(6)] + [BAD % 1, "not json", GOOD % (0, 0)]
    result = real_result(tmp_path, monkeypatch, lines)
    doc = sarif_of(result)
    validate_sarif(doc)
    github_required(doc)
    by_rule = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    assert {"DP113", "DP003", "DP301", "DP201"} <= set(by_rule)
    bad = by_rule["DP113"]
    assert bad["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    fp = next(f["fingerprint"] for f in result["findings"] if f["code"] == "DP113")
    assert bad["partialFingerprints"][sarif_fmt.FINGERPRINT_KEY].startswith(f"{fp}:DP113")
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["DP113"]["fullDescription"]["text"] == result["rules"]["DP113"]["why"]

    # insert two records above: the bad record moves down, its alert identity does not
    moved = real_result(tmp_path, monkeypatch, [GOOD % (50, 50), GOOD % (51, 51), *lines])
    doc2 = sarif_of(moved)
    bad2 = {r["ruleId"]: r for r in doc2["runs"][0]["results"]}["DP113"]
    assert bad2["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    assert bad2["partialFingerprints"] == bad["partialFingerprints"]
    gl1 = {i["check_name"]: i["fingerprint"] for i in json.loads(render("gitlab", result))}
    gl2 = {i["check_name"]: i["fingerprint"] for i in json.loads(render("gitlab", moved))}
    assert gl1["DP113"] == gl2["DP113"] and gl1["DP003"] == gl2["DP003"]
    ET.fromstring(render("junit", moved).encode("utf-8"))
    assert "## dataprep" in render("markdown", moved)


# --- JUnit ----------------------------------------------------------------------------------


def parse_junit(out: str) -> ET.Element:
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(out.encode("utf-8"))


def test_junit_suites_cases_and_counts() -> None:
    root = parse_junit(render("junit", sample()))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [TRAIN, EVAL, "data/rows.parquet", "./data\\odd name:100%.jsonl",
                            "<dataset>"]
    cases = root.iter("testcase")
    names = {(c.get("classname"), c.get("name")) for c in cases}
    assert (TRAIN, "DP113 chat.no-assistant-turn") in names
    assert ("<dataset>", "DP201 volume.below-minimum") in names
    assert (EVAL, junit_fmt.CLEAN_CASE) in names, "a clean file shows up as a passing case"
    assert root.get("tests") == str(len(names)) == "6"
    failures = root.findall(".//failure")
    assert root.get("failures") == str(len(failures)) == "4"
    for suite in suites.values():
        assert suite.get("tests") == str(len(suite.findall("testcase")))
        assert suite.get("failures") == str(len(suite.findall(".//failure")))
        assert suite.get("errors") == "0"
    f113 = suites[TRAIN].find("testcase[@name='DP113 chat.no-assistant-turn']/failure")
    assert f113 is not None and f113.get("type") == "error"
    assert f113.text == f"{TRAIN}:3: no assistant message: nothing to learn [/messages]"
    f301 = suites[TRAIN].find("testcase[@name='DP301 dup.exact']/failure")
    assert f301 is not None and f301.get("type") == "warning"
    info = suites["./data\\odd name:100%.jsonl"].find("testcase")
    assert info is not None and info.find("failure") is None
    out = info.find("system-out")
    assert out is not None and "mojibake" in (out.text or "")


def test_junit_caps_the_listed_findings() -> None:
    findings = [finding(line=i + 1, record=i, message=f"bad {i}") for i in range(250)]
    root = parse_junit(render("junit", result_of(findings)))
    (case,) = [c for c in root.iter("testcase") if c.get("name", "").startswith("DP113")]
    failure = case.find("failure")
    assert failure is not None
    lines = (failure.text or "").split("\n")
    assert len(lines) == junit_fmt.MAX_LINES + 1
    assert lines[-1] == "... and 150 more"
    assert failure.get("message", "").startswith("250 findings: ")
    verbose = parse_junit(render("junit", result_of(findings), verbose=True))
    assert "... and" not in "".join(verbose.itertext())


def test_junit_parses_whatever_the_dataset_text() -> None:
    nasty = (
        "nul\x00 bell\x07 esc\x1b[2J vt\x0b ff\x0c lone\ud800 nonchar\uffff"
        ' ]]> & <tag> "q" \u202e'
    )
    findings = [
        finding(message=nasty, pointer="/messages/0/content\x01"),
        finding("DP104", "warning", path="data/we\x01ird<&>.jsonl", line=1, message=nasty),
    ]
    out = render("junit", result_of(findings))
    root = parse_junit(out)
    text = "".join(root.itertext())
    assert "\\x00" in text and "\\x1b[2J" in text and "\\ud800" in text and "\\uffff" in text
    assert "]]> & <tag>" in text
    assert any(s.get("name") == "data/we\\x01ird<&>.jsonl" for s in root.findall("testsuite"))


def test_junit_without_findings_or_files() -> None:
    root = parse_junit(render("junit", result_of([], files=[])))
    assert root.get("tests") == "1" and root.get("failures") == "0"
    root = parse_junit(render("junit", result_of([])))
    assert [c.get("name") for c in root.iter("testcase")] == [junit_fmt.CLEAN_CASE] * 2


# --- GitLab ---------------------------------------------------------------------------------


def test_gitlab_documented_fields() -> None:
    issues = json.loads(render("gitlab", sample()))
    assert isinstance(issues, list) and len(issues) == 5
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["description"] and issue["check_name"].startswith("DP")
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["lines"]["begin"] >= 1
    by_code = {i["check_name"]: i for i in issues}
    assert {c: i["severity"] for c, i in by_code.items()} == {
        "DP201": "major", "DP113": "major", "DP301": "minor", "DP104": "minor", "DP512": "info"}
    assert by_code["DP113"]["location"] == {"path": TRAIN, "lines": {"begin": 3}}
    assert by_code["DP104"]["location"] == {"path": "data/rows.parquet", "lines": {"begin": 1}}
    assert by_code["DP512"]["location"]["path"] == "data/odd name:100%.jsonl"
    assert by_code["DP201"]["location"] == {"path": TRAIN, "lines": {"begin": 1}}
    assert "dataset-level" in by_code["DP201"]["description"]
    assert by_code["DP113"]["description"].startswith("DP113 chat.no-assistant-turn: ")


def test_gitlab_fingerprints_unique_and_stable() -> None:
    findings = [finding("DP301", "warning", line=n, record=n, fingerprint=FP) for n in range(1, 6)]
    findings += [finding("DP113", line=n, fingerprint=FP) for n in (1, 2)]
    findings.append(finding("DP301", "warning", path=EVAL, line=1, fingerprint=FP))
    findings.append(finding("DP201", path="<dataset>", line=None, record=None))
    first = [i["fingerprint"] for i in json.loads(render("gitlab", result_of(findings)))]
    assert len(first) == len(set(first)) == 9
    shifted = [dict(f, line=(f["line"] or 0) + 3) if f["line"] else f for f in findings]
    again = [i["fingerprint"] for i in json.loads(render("gitlab", result_of(shifted)))]
    assert again == first
    assert render("gitlab", result_of([])) == "[]\n"


# --- Markdown -------------------------------------------------------------------------------


def cells(row: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes (a backslash escapes the next char)."""
    out, cur, i = [], "", 0
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row):
            cur += row[i : i + 2]
            i += 2
            continue
        if ch == "|":
            out.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    out.append(cur)
    return out[1:-1]


def test_markdown_summary_content() -> None:
    result = sample()
    result["baseline"] = {"file": "dataprep-baseline.json", "suppressed": 3, "stale": []}
    out = render("markdown", result)
    assert out.startswith("## dataprep: ❌ **not\\-ready** · readiness 61.5/100\n")
    assert "**Findings:** 2 errors · 2 warnings · 1 info" in out
    assert "- 110 effective training examples, below the minimum of 500" in out
    assert "3 known findings suppressed" in out
    assert "| volume | 0.22 | 0.30 |" in out
    assert "### Top rules" in out and "### Top score costs" in out
    assert "| DP201 volume\\.below\\-minimum | -23.4 |" in out
    rows = [ln for ln in out.splitlines() if ln.startswith(("| 🔴", "| 🟡", "| 🔵"))]
    finding_rows = [r for r in rows if len(cells(r)) == 4 and "DP" in cells(r)[2]]
    assert len(finding_rows) == 5
    codes = [cells(r)[2].strip() for r in finding_rows]
    assert codes == ["DP201", "DP113", "DP301", "DP104", "DP512"], "most severe first"


def test_markdown_escapes_dataset_text() -> None:
    msg = "a | b `code` <script>alert(1)</script> [link](https://x.test) @team **bold**\nnext"
    out = render("markdown", result_of([finding(message=msg)]))
    (row,) = [ln for ln in out.splitlines() if "a \\| b" in ln]
    assert len(cells(row)) == 4, "a pipe in the data must not add a column"
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "`code`" not in out and "\\`code\\`" in out
    assert "](" not in out.replace("\\](", "")
    assert "\\@team" in out and "\\*\\*bold\\*\\*" in out
    assert "\nnext" not in out, "a newline in the data must not end the row"


def test_markdown_stays_under_one_mib_with_100k_findings() -> None:
    long = "x" * 2000 + " | <b>"
    findings = [finding("DP301", "warning", path=f"data/shard-{i % 97:03d}.jsonl", line=i + 1,
                        record=i, message=f"duplicate {i} {long}") for i in range(100_000)]
    findings.append(finding("DP201", path="<dataset>", line=None, record=None))
    result = result_of(findings)
    for verbose in (False, True):
        out = render("markdown", result, verbose=verbose)
        assert len(out.encode("utf-8")) < markdown_fmt.MAX_BYTES
        assert "of 100,001 findings" in out
        first = next(ln for ln in out.splitlines() if ln.startswith("| 🔴"))
        assert "DP201" in first, "errors come first"


def test_markdown_byte_budget_cuts_rows() -> None:
    # rows of about 1.4 KB (three-byte characters): 1,000 of them would pass 1 MiB
    findings = [finding(message="\u65e5" * 400, path="\u672c" * 200 + ".jsonl", line=i + 1)
                for i in range(5000)]
    out = render("markdown", result_of(findings), verbose=True, max_per_rule=None)
    assert len(out.encode("utf-8")) < markdown_fmt.MAX_BYTES
    shown = re.search(r"Showing the ([\d,]+) most severe of 5,000 findings", out)
    assert shown is not None
    n = int(shown.group(1).replace(",", ""))
    assert 500 < n < markdown_fmt.MAX_FINDINGS_VERBOSE
    assert sum(ln.startswith("| \U0001f534") for ln in out.splitlines()) == n


def test_markdown_without_findings() -> None:
    result = result_of([])
    result["verdict"] = "ready"
    out = render("markdown", result)
    assert out.startswith("## dataprep: ✅ **ready**")
    assert "No findings." in out and "### Findings" not in out


def test_markdown_caps_one_rule_per_file_in_one_row() -> None:
    shared = "content parts of message 1 are not all text: the trainer drops them"
    findings = [finding("DP301", "warning", line=i + 1, record=i, message=shared) for i in range(40)]
    findings.append(finding("DP113", "error", line=50, record=49))
    out = render("markdown", result_of(findings))
    rows = [cells(ln) for ln in out.splitlines() if ln.startswith(("| 🔴", "| 🟡"))]
    rows = [r for r in rows if len(r) == 4 and "DP" in r[2]]
    assert [r[2].strip() for r in rows] == ["DP113"] + ["DP301"] * 11
    assert rows[-1][1].strip() == markdown_fmt.md(TRAIN, 160)
    assert rows[-1][3].strip() == markdown_fmt.md(f"... and 30 more DP301 in this file (most: '{shared}')")
    assert "Showing the" not in out, "the overflow row accounts for the rest"
    every = render("markdown", result_of(findings), max_per_rule=None)
    assert sum(ln.startswith("| 🟡") and "DP301" in ln for ln in every.splitlines()) == 40
