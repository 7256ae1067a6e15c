"""JUnit XML: each data file is a test suite and each rule that fired on it a test case.

CI systems (GitLab test reports, Jenkins, Azure DevOps, GitHub test-report actions) all
read JUnit XML, so this is the widest way to show data problems next to test results.
The layout:

* ``<testsuites>`` holds one ``<testsuite>`` per linted file (in report order), one per
  path that only findings name, and one named ``<dataset>`` for dataset-level findings.
* Each (rule, file) pair with findings is one ``<testcase name="DP113 chat.no-assistant-turn"
  classname="<path>">``.  Errors and warnings make it fail: a ``<failure type="error">`` (the
  worst severity) whose text lists the findings as ``path:line: message``, the first 100 of
  them (1,000 with ``verbose``) and then how many more.  Info findings never fail a gate,
  so an info-only rule is a passing test case with the list in ``<system-out>``.
* A file without findings gets one passing test case, ``no findings``, so clean files show
  up as green instead of disappearing from the report.

Counts (``tests``, ``failures``; ``errors`` and ``skipped`` are always 0) are computed from
the cases written.  Dataset text is made XML-safe: control characters, lone surrogates and
the non-characters U+FFFE/U+FFFF, which XML 1.0 cannot hold even as references, become
visible escapes, so the document always parses.  No timestamps: output is deterministic.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from dataprep.report.sarif import DATASET_PATH, RANK, code_of, is_dataset_level, severity_of
from dataprep.report.text import as_list, clean, describe, location, plural

#: findings listed in a test case's text before "... and N more"
MAX_LINES = 100
MAX_LINES_VERBOSE = 1000
#: characters of one finding line (messages can quote long records)
MAX_LINE_CHARS = 500
CLEAN_CASE = "no findings"

#: what ``clean`` leaves that XML 1.0 still rejects
_XML_ILLEGAL = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """``value`` as one line of XML-safe text."""
    text = clean(value)
    return _XML_ILLEGAL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _cap(text: str, limit: int = MAX_LINE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _finding_text(finding: Mapping[str, Any]) -> str:
    return _cap(f"{location(finding, clean)}: {describe(finding)}")


def _body(findings: Sequence[Mapping[str, Any]], limit: int) -> str:
    lines = [xml_text(_finding_text(f)) for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more")
    return "\n".join(lines)


def _suite_order(
    result: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]
) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()
    for f in as_list(result.get("files")):
        path = f.get("path") if isinstance(f, Mapping) else None
        if isinstance(path, str) and path and path not in seen:
            seen.add(path)
            order.append(path)
    dataset = False
    for f in findings:
        if is_dataset_level(f):
            dataset = True
            continue
        path = str(f.get("path"))
        if path not in seen:
            seen.add(path)
            order.append(path)
    if dataset:
        order.append(DATASET_PATH)
    return order


def _case(
    suite: ET.Element, path: str, code: str, found: list[Mapping[str, Any]], limit: int
) -> bool:
    """Add the test case of one (rule, file); True when it fails."""
    name = next((str(f["name"]) for f in found if isinstance(f.get("name"), str)), "")
    case = ET.SubElement(
        suite, "testcase", name=xml_text(f"{code} {name}".strip()), classname=xml_text(path),
        time="0",
    )
    worst = min((severity_of(f) for f in found), key=RANK.__getitem__)
    body = _body(found, limit)
    if worst == "info":
        ET.SubElement(case, "system-out").text = body
        return False
    first = xml_text(_cap(describe(found[0]), 200))
    count = plural(len(found), "finding")
    failure = ET.SubElement(
        case, "failure", type=worst, message=f"{count}: {first}" if first else count
    )
    failure.text = body
    return True


def build(result: Mapping[str, Any], verbose: bool = False) -> ET.Element:
    """The ``<testsuites>`` element of ``result``."""
    findings = [f for f in as_list(result.get("findings")) if isinstance(f, Mapping)]
    limit = MAX_LINES_VERBOSE if verbose else MAX_LINES
    groups: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for f in findings:
        path = DATASET_PATH if is_dataset_level(f) else str(f.get("path"))
        groups.setdefault(path, {}).setdefault(code_of(f), []).append(f)

    root = ET.Element("testsuites", name="dataprep")
    total_tests = total_failures = 0
    paths = _suite_order(result, findings) or ["dataprep"]
    for path in paths:
        suite = ET.SubElement(root, "testsuite", name=xml_text(path))
        by_code = groups.get(path, {})
        failures = sum(_case(suite, path, code, by_code[code], limit) for code in sorted(by_code))
        tests = len(by_code)
        if not by_code:
            ET.SubElement(suite, "testcase", name=CLEAN_CASE, classname=xml_text(path), time="0")
            tests = 1
        suite.attrib.update(tests=str(tests), failures=str(failures), errors="0", skipped="0",
                            time="0")
        total_tests += tests
        total_failures += failures
    root.attrib.update(tests=str(total_tests), failures=str(total_failures), errors="0",
                       time="0")
    return root


def render(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False) -> str:
    """The JUnit XML document (UTF-8 declaration, two-space indent, trailing newline)."""
    del color
    root = build(result, verbose)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
